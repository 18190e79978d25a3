//! Référentiel des communes: the geographic spine of passerelle.
//!
//! - **Upstream**: La Poste's "Base officielle des codes postaux" (`laposte_hexasmal.csv`, `;`-separated:
//!   code INSEE, name, postal code, ligne 5, libellé d'acheminement, "lat,lon"), Licence Ouverte. API Géo
//!   comes with the `http` mode.
//! - **Derivations**: the département comes from the code INSEE (2 characters, `2A`/`2B`, `97x`); the
//!   région from our département table ([`territoires`]). The file knows Paris, Lyon and Marseille only
//!   by their arrondissements: the communes 75056, 69123 and 13055 are built from them (postal codes
//!   merged, centre = mean of the arrondissements' centres).
//! - **Records**: one [`Commune`](passerelle_core::model::Commune) per code INSEE.

mod territoires;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::SourceConfig;
use passerelle_core::model::{CodeLibelle, Commune, GeoPoint};
use passerelle_core::snapshot::{Dataset, EmbeddedFile, Indexed, LoadContext, RawFiles, Snapshot};
use passerelle_core::text::{fold, matches_words};
use passerelle_core::{
    AdapterError, Anomalies, Anomaly, CodeDepartement, CodeInsee, Provenance, SourceDescriptor,
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
    let dept: CodeDepartement = code.departement();
    let d = dept.as_str();
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
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| AdapterError::invalid(SOURCE, format!("{name}:1"), e.to_string()))?
            .clone();
        let mut anomalies = Anomalies::default();
        let mut communes: BTreeMap<CodeInsee, Commune> = BTreeMap::new();
        let mut record = csv::StringRecord::new();
        loop {
            let more = reader.read_record(&mut record).map_err(|e| {
                let line = e.position().map_or(0, csv::Position::line);
                AdapterError::invalid(SOURCE, format!("{name}:{line}"), e.to_string())
            })?;
            if !more {
                break;
            }
            let line = record.position().map_or(0, csv::Position::line);
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
                    anomalies.add(format!("{e} : ligne ignorée"), format!("{name}:{line}"));
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

/// Builds Paris, Lyon and Marseille from their arrondissements, when the file has them.
fn build_plm(communes: &mut BTreeMap<CodeInsee, Commune>, provenance: &Provenance) {
    for (code, nom, prefix, count) in PLM {
        let Ok(code) = CodeInsee::parse(code) else {
            continue;
        };
        let arrondissements: Vec<CodeInsee> = (1..=count)
            .filter_map(|i| {
                let width = 5 - prefix.len();
                CodeInsee::parse(&format!("{prefix}{i:0width$}")).ok()
            })
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
    /// Words that must start words of the name (accents and case ignored).
    pub nom: Option<String>,
    /// Département.
    pub code_departement: Option<CodeDepartement>,
    /// Postal code.
    pub code_postal: Option<String>,
}

/// The communes adapter: the référentiel held in memory (`sample` and `snapshot` modes).
pub type GeoAdapter = Snapshot<GeoData>;

impl Indexed for GeoData {
    type Key = CodeInsee;
    type Record = Arc<Commune>;
    type Filter = GeoFilter;

    fn get(&self, key: &CodeInsee) -> Option<Arc<Commune>> {
        self.communes.get(key).cloned()
    }

    fn search(&self, filter: &GeoFilter, page: PageRequest) -> SearchPage<Arc<Commune>> {
        let query = filter.nom.as_deref().map(fold).filter(|q| !q.is_empty());
        let hits = self
            .communes
            .values()
            .filter(|c| {
                filter
                    .code_departement
                    .as_ref()
                    .is_none_or(|d| c.departement.code == d.as_str())
            })
            .filter(|c| {
                filter
                    .code_postal
                    .as_ref()
                    .is_none_or(|cp| c.codes_postaux.iter().any(|x| x == cp.trim()))
            })
            .filter(|c| {
                query.as_ref().is_none_or(|q| {
                    self.folded_names
                        .get(&c.code_insee)
                        .is_some_and(|n| matches_words(n, q))
                })
            })
            .map(|c| Hit::new(Arc::clone(c)))
            .collect();
        page.slice(hits)
    }
}

#[cfg(test)]
mod tests;
