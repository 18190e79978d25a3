//! Référentiel des communes: the geographic spine of passerelle.
//!
//! - **Upstreams**: La Poste's "Base officielle des codes postaux" (`laposte_hexasmal.csv`,
//!   `;`-separated: code INSEE, name, postal code, ligne 5, libellé d'acheminement, "lat,lon"), Licence
//!   Ouverte; and API Géo (`https://geo.api.gouv.fr`, découpage administratif of IGN and INSEE,
//!   Licence Ouverte, no authentication), asked live.
//! - **Modes**: `sample` (the excerpt in `sample/`, in La Poste's format), `snapshot` (`path` or `url` =
//!   the La Poste file, held in memory), `http` (API Géo asked per request behind the cache; see
//!   [`client`]). Both serve the same [`Commune`](passerelle_core::model::Commune) records.
//! - **Derivations**: the département comes from the code INSEE (2 characters, `2A`/`2B`, `97x`) or, in
//!   `http` mode, from the API; the labels of départements and régions from our table ([`territoires`]).
//!   The La Poste file knows Paris, Lyon and Marseille only by their arrondissements: the communes
//!   75056, 69123 and 13055 are built from them (postal codes merged, centre = mean of the
//!   arrondissements' centres). API Géo knows those three communes directly; in both modes their
//!   `arrondissements` and the arrondissements' `commune_parente` follow the same table (`PLM`).
//! - **Search**: by name (every word starts a word of the name, accents and case ignored, `ST`/`STE`
//!   and `Saint`/`Sainte` alike), département and postal code, in code order; the same predicate in
//!   both modes ([`GeoFilter`]). Listing every commune is the snapshot's job: the `http` mode refuses
//!   it.
//! - **Records**: one [`Commune`](passerelle_core::model::Commune) per code INSEE.
//!
//! Files: [`territoires`] (départements and régions), [`client`] (API Géo), `api_mapping` (API Géo's
//! JSON -> communes).

mod api_mapping;
pub mod client;
#[cfg(feature = "test-support")]
pub mod fake_upstream;
pub mod territoires;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::{ConfigError, Mode, SourceConfig};
use passerelle_core::model::{CodeLibelle, Commune, GeoPoint};
use passerelle_core::snapshot::{Dataset, EmbeddedFile, Indexed, LoadContext, RawFiles, Snapshot};
use passerelle_core::text::{fold, matches_words};
use passerelle_core::{
    AdapterError, Anomalies, Anomaly, Clock, CodeDepartement, CodeInsee, Provenance,
    SourceDescriptor,
};
use serde::Deserialize;

/// Source id.
pub const SOURCE: &str = "geo";

/// Description of the source.
pub const DESCRIPTOR: SourceDescriptor = SourceDescriptor {
    id: SOURCE,
    nom: "Communes — base officielle des codes postaux",
    producteur: "La Poste",
    licence: "Licence Ouverte / Open Licence 2.0 (Etalab)",
    url: "https://www.data.gouv.fr/fr/datasets/base-officielle-des-codes-postaux/",
    attribution: "Source : La Poste, base officielle des codes postaux (data.gouv.fr)",
};

/// The embedded sample, in La Poste's format.
pub static SAMPLE: &[EmbeddedFile] = &[EmbeddedFile {
    name: "communes-echantillon.csv",
    bytes: include_bytes!("../sample/communes-echantillon.csv"),
}];

/// `[sources.geo]`.
pub type GeoConfig = SourceConfig;

/// A row of the La Poste file.
#[derive(Debug, Deserialize)]
struct Row {
    #[serde(rename = "Code_commune_INSEE")]
    code_insee: String,
    #[serde(rename = "Nom_commune")]
    nom: String,
    #[serde(rename = "Code_postal")]
    code_postal: String,
    #[serde(rename = "coordonnees_gps", default)]
    coordonnees: String,
}

/// The communes held in memory.
#[derive(Debug)]
pub struct GeoData {
    communes: BTreeMap<CodeInsee, Arc<Commune>>,
    folded_names: HashMap<CodeInsee, String>,
    anomalies: Vec<Anomaly>,
}

/// The three communes La Poste knows only by arrondissement: (commune, name, arrondissement code prefix, count).
const PLM: [(&str, &str, &str, u32); 3] = [
    ("75056", "PARIS", "751", 20),
    ("69123", "LYON", "6938", 9),
    ("13055", "MARSEILLE", "132", 16),
];

fn parse_point(s: &str) -> Option<GeoPoint> {
    let (lat, lon) = s.split_once(',')?;
    GeoPoint::new(lat.trim().parse().ok()?, lon.trim().parse().ok()?)
}

fn territory(code: &CodeInsee) -> (CodeLibelle, Option<CodeLibelle>) {
    territory_of(code.departement_str())
}

/// A département (or collectivité) with its label, and its région from our table.
fn territory_of(d: &str) -> (CodeLibelle, Option<CodeLibelle>) {
    match territoires::departement(d) {
        Some((nom, region)) => (
            CodeLibelle::new(d, nom),
            Some(CodeLibelle {
                code: region.to_owned(),
                libelle: territoires::region(region).map(str::to_owned),
            }),
        ),
        None => (
            CodeLibelle {
                code: d.to_owned(),
                libelle: territoires::collectivite(d).map(str::to_owned),
            },
            None,
        ),
    }
}

impl Dataset for GeoData {
    const DESCRIPTOR: SourceDescriptor = DESCRIPTOR;
    const SAMPLE: &'static [EmbeddedFile] = SAMPLE;

    fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError> {
        let (name, bytes) = files.single(SOURCE)?;
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => Cow::Borrowed(t),
            Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect::<String>()),
        };
        let provenance = Provenance::new(&ctx.descriptor, None, ctx.fetched_at);
        let table = passerelle_core::text::read_csv(SOURCE, name, text.as_bytes(), b';')?;
        let headers = csv::StringRecord::from(table.headers.clone());
        let mut anomalies = Anomalies::default();
        let mut communes: BTreeMap<CodeInsee, Commune> = BTreeMap::new();
        for (line, record) in &table.records {
            let row: Row = record.deserialize(Some(&headers)).map_err(|e| {
                AdapterError::invalid(
                    SOURCE,
                    format!("{name}:{line}"),
                    format!("ligne mal formée : {e}"),
                )
            })?;
            let code = match CodeInsee::parse(&row.code_insee) {
                Ok(c) => c,
                Err(e) => {
                    anomalies.reject(format!("{e} : ligne ignorée"), format!("{name}:{line}"));
                    continue;
                }
            };
            let commune = communes.entry(code.clone()).or_insert_with(|| {
                let (departement, region) = territory(&code);
                Commune {
                    code_insee: code.clone(),
                    nom: row.nom.trim().to_owned(),
                    codes_postaux: Vec::new(),
                    departement,
                    region,
                    position: None,
                    arrondissements: Vec::new(),
                    commune_parente: None,
                    provenance: provenance.clone(),
                }
            });
            let cp = row.code_postal.trim();
            if !cp.is_empty() && !commune.codes_postaux.iter().any(|c| c == cp) {
                commune.codes_postaux.push(cp.to_owned());
            }
            if commune.position.is_none() {
                commune.position = parse_point(&row.coordonnees);
            }
        }
        let without_position = communes.values().filter(|c| c.position.is_none()).count();
        if without_position > 0 {
            anomalies.add(
                format!("{without_position} commune(s) sans coordonnées : hors des recherches par distance"),
                name,
            );
        }
        build_plm(&mut communes, &provenance);
        for c in communes.values_mut() {
            c.codes_postaux.sort();
        }
        let folded_names = communes
            .iter()
            .map(|(k, c)| (k.clone(), fold(&c.nom)))
            .collect();
        Ok(Self {
            communes: communes
                .into_iter()
                .map(|(k, v)| (k, Arc::new(v)))
                .collect(),
            folded_names,
            anomalies: anomalies.into_vec(),
        })
    }
    fn record_count(&self) -> usize {
        self.communes.len()
    }
    fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
}

/// The arrondissement codes of one line of [`PLM`].
fn plm_arrondissements(prefix: &str, count: u32) -> impl Iterator<Item = CodeInsee> {
    let width = 5 - prefix.len();
    (1..=count).filter_map(move |i| CodeInsee::parse(&format!("{prefix}{i:0width$}")).ok())
}

/// Where a code stands among Paris, Lyon and Marseille: for one of the three communes, its
/// arrondissements; for one of their arrondissements, its commune. Nothing for any other code.
pub(crate) fn plm_links(code: &CodeInsee) -> (Vec<CodeInsee>, Option<CodeInsee>) {
    for (commune, _, prefix, count) in PLM {
        if code.as_str() == commune {
            return (plm_arrondissements(prefix, count).collect(), None);
        }
        if code.as_str().starts_with(prefix)
            && plm_arrondissements(prefix, count).any(|a| a == *code)
        {
            return (Vec::new(), CodeInsee::parse(commune).ok());
        }
    }
    (Vec::new(), None)
}

/// Builds Paris, Lyon and Marseille from their arrondissements, when the file has them.
fn build_plm(communes: &mut BTreeMap<CodeInsee, Commune>, provenance: &Provenance) {
    for (code, nom, prefix, count) in PLM {
        let Ok(code) = CodeInsee::parse(code) else {
            continue;
        };
        let arrondissements: Vec<CodeInsee> = plm_arrondissements(prefix, count)
            .filter(|c| communes.contains_key(c))
            .collect();
        if arrondissements.is_empty() || communes.contains_key(&code) {
            continue;
        }
        let parts: Vec<&Commune> = arrondissements
            .iter()
            .filter_map(|a| communes.get(a))
            .collect();
        let points: Vec<GeoPoint> = parts.iter().filter_map(|c| c.position).collect();
        let position = (!points.is_empty()).then(|| {
            let n = points.len() as f64;
            GeoPoint::new(
                points.iter().map(|p| p.latitude).sum::<f64>() / n,
                points.iter().map(|p| p.longitude).sum::<f64>() / n,
            )
        });
        let codes_postaux: BTreeSet<String> = parts
            .iter()
            .flat_map(|c| c.codes_postaux.iter().cloned())
            .collect();
        let (departement, region) = territory(&code);
        for a in &arrondissements {
            if let Some(part) = communes.get_mut(a) {
                part.commune_parente = Some(code.clone());
            }
        }
        communes.insert(
            code.clone(),
            Commune {
                code_insee: code,
                nom: nom.to_owned(),
                codes_postaux: codes_postaux.into_iter().collect(),
                departement,
                region,
                position: position.flatten(),
                arrondissements,
                commune_parente: None,
                provenance: provenance.clone(),
            },
        );
    }
}

/// Search criteria over communes; all given criteria must hold. Results come in code order.
#[derive(Debug, Clone, Default)]
pub struct GeoFilter {
    /// Words that must start words of the name (accents and case ignored; `ST`/`STE` and
    /// `Saint`/`Sainte` alike, as La Poste abbreviates them and API Géo does not).
    pub nom: Option<String>,
    /// Département.
    pub code_departement: Option<CodeDepartement>,
    /// Postal code.
    pub code_postal: Option<String>,
}

impl GeoFilter {
    /// The `nom` criterion, folded; `None` when absent or without any word.
    fn folded_nom(&self) -> Option<String> {
        self.nom.as_deref().map(fold).filter(|q| !q.is_empty())
    }

    /// The postal code criterion, trimmed; `None` when absent or blank.
    fn code_postal(&self) -> Option<&str> {
        self.code_postal
            .as_deref()
            .map(str::trim)
            .filter(|cp| !cp.is_empty())
    }

    /// Whether `commune` meets every criterion; `folded_name` is its name folded, `query` the folded
    /// `nom` ([`GeoFilter::folded_nom`]). Both modes filter with this, so they answer alike.
    fn accepts(&self, commune: &Commune, folded_name: &str, query: Option<&str>) -> bool {
        self.code_departement
            .as_ref()
            .is_none_or(|d| commune.departement.code == d.as_str())
            && self
                .code_postal()
                .is_none_or(|cp| commune.codes_postaux.iter().any(|x| x == cp))
            && query.is_none_or(|q| name_matches(folded_name, q))
    }
}

/// `ST` and `STE` as La Poste writes them, `Saint` and `Sainte` as API Géo does.
fn unabbreviated(word: &str) -> &str {
    match word {
        "st" => "saint",
        "ste" => "sainte",
        w => w,
    }
}

/// Whether every word of `query` starts a word of `name` (both folded), a word and its
/// [`unabbreviated`] form being alike on either side: « st etienne » finds « Saint-Étienne » and
/// « saint etienne » finds « ST ETIENNE ». Looser than [`matches_words`], never stricter.
fn name_matches(name: &str, query: &str) -> bool {
    if matches_words(name, query) {
        return true;
    }
    let words: Vec<&str> = name
        .split(' ')
        .flat_map(|w| [w, unabbreviated(w)])
        .collect();
    query.split(' ').filter(|q| !q.is_empty()).all(|q| {
        let long = unabbreviated(q);
        words
            .iter()
            .any(|w| w.starts_with(q) || w.starts_with(long))
    })
}

impl Indexed for GeoData {
    type Key = CodeInsee;
    type Record = Arc<Commune>;
    type Filter = GeoFilter;

    fn get(&self, key: &CodeInsee) -> Option<Arc<Commune>> {
        self.communes.get(key).cloned()
    }

    fn search(&self, filter: &GeoFilter, page: PageRequest) -> SearchPage<Arc<Commune>> {
        let query = filter.folded_nom();
        let hits = self
            .communes
            .values()
            .filter(|c| {
                let name = self
                    .folded_names
                    .get(&c.code_insee)
                    .map_or("", String::as_str);
                filter.accepts(c, name, query.as_deref())
            })
            .map(|c| Hit::new(Arc::clone(c)))
            .collect();
        page.slice(hits)
    }
}

/// The communes adapter: the La Poste référentiel held in memory (`sample` and `snapshot` modes) or
/// API Géo asked live (`http` mode).
#[derive(Debug)]
pub enum GeoAdapter {
    /// `sample` or `snapshot`.
    Snapshot(Snapshot<GeoData>),
    /// `http`.
    Api(client::GeoApi),
}

impl GeoAdapter {
    /// The adapter the configuration asks for.
    pub fn new(config: &GeoConfig, clock: Clock) -> Result<Self, ConfigError> {
        match config.mode {
            Mode::Http => Ok(Self::Api(client::GeoApi::new(config, clock)?)),
            Mode::Sample | Mode::Snapshot => Ok(Self::Snapshot(Snapshot::new(config, clock)?)),
        }
    }

    /// The centre of a commune from the référentiel held in memory, without waiting; `None` in `http`
    /// mode (a centre then takes a request) or before the first load.
    pub fn centre(&self, code: &CodeInsee) -> Option<GeoPoint> {
        match self {
            Self::Snapshot(s) => s.current().ok()?.communes.get(code)?.position,
            Self::Api(_) => None,
        }
    }
}

// The source's static description (La Poste's dataset) in every mode; in `http` mode each record's
// provenance names API Géo's producers (see [`client::API_GEO`]).
passerelle_core::snapshot_or_api_adapter!(
    GeoAdapter,
    key: CodeInsee,
    record: Arc<Commune>,
    filter: GeoFilter,
    descriptor: |_this| &DESCRIPTOR,
);

#[cfg(test)]
mod tests;
