//! Adaptateur Offre Info (Réseau des Carif-Oref): continuing-education training offers in LHEO.
//!
//! - **Upstream**: LHEO 2.2 (`http://www.lheo.org/2.2`) and 2.3 (`http://lheo.gouv.fr/2.3`) files, regional
//!   and national, refreshed weekly by the Carif-Oref network; the answers of the Intercarif search web
//!   service (`<lheo-index>`); the web service itself in `http` mode ([`client`]).
//! - **Licence**: Licence Ouverte / Etalab 2.0 for the open offer data; contact data of people are served
//!   only as the source publishes them.
//! - **Modes**: `sample` (the Auvergne-Rhône-Alpes excerpt in `sample/`, written for passerelle in LHEO
//!   2.3), `snapshot` (`path` or `url` of LHEO files, `.gz` and ZIP accepted, read as a stream, swapped in
//!   whole), `http` (the Intercarif web service, métier × département questions only).
//! - **Records**: one [`ActionFormation`](passerelle_core::model::ActionFormation) per action, keyed by its
//!   numero, sharing its formation; searched through the indexes of [`index`]. Actions published without
//!   a position are placed at their commune's centre when the server gives a geocoder (the communes
//!   référentiel), and say so.
//!
//! Files: [`xml`] streams the records; [`mapping`] builds the domain records; [`vocabulary`] knows the
//! LHEO element names; [`code_lists`] gives the labels of LHEO codes; [`index`] searches.

pub mod client;
mod code_lists;
#[cfg(feature = "test-support")]
pub mod fake_upstream;
#[cfg(feature = "generator")]
pub mod generator;
mod index;
mod mapping;
mod vocabulary;
mod xml;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use passerelle_core::adapter::{PageRequest, SearchPage};
use passerelle_core::config::{ConfigError, Mode, SourceConfig};
use passerelle_core::model::{ActionFormation, Formation, GeoPoint, OriginePosition};
use passerelle_core::snapshot::{
    Dataset, EmbeddedFile, Geocoder, Indexed, LoadContext, RawFiles, Snapshot,
};
use passerelle_core::{
    AdapterError, Anomalies, Anomaly, Clock, CodeCertifInfo, CodeDepartement, CodeRncp, CodeRome,
    Formacode, Provenance, SourceDescriptor,
};

/// Source id.
pub const SOURCE: &str = "offre-info";

/// Description of the source.
pub const DESCRIPTOR: SourceDescriptor = SourceDescriptor {
    id: SOURCE,
    nom: "Offre Info — offre de formation continue des Carif-Oref (LHEO)",
    producteur: "Réseau des Carif-Oref (Intercarif)",
    licence: "Licence Ouverte / Open Licence 2.0 (Etalab)",
    url: "https://www.intercariforef.org/referentiels/offre-de-formation",
    attribution: "Source : réseau des Carif-Oref, Offre Info (intercariforef.org)",
};

/// The embedded sample, in LHEO 2.3.
pub static SAMPLE: &[EmbeddedFile] = &[EmbeddedFile {
    name: "offres-auvergne-rhone-alpes.xml",
    bytes: include_bytes!("../sample/offres-auvergne-rhone-alpes.xml"),
}];

/// `[sources.offre-info]`.
pub type OffreInfoConfig = SourceConfig;

/// The actions read from LHEO documents, before indexing.
pub(crate) struct Parsed {
    pub(crate) actions: BTreeMap<String, Arc<ActionFormation>>,
    versions: Vec<&'static str>,
    anomalies: Vec<Anomaly>,
}

/// The offers held in memory.
#[derive(Debug)]
pub struct OffreData {
    index: index::OffreIndex,
    lheo_version: &'static str,
    anomalies: Vec<Anomaly>,
    /// ROME codes cited by the formations, with the number of formations citing each.
    cited: Vec<(CodeRome, usize)>,
}

impl OffreData {
    /// Reads LHEO documents (offers or Intercarif search answers) into indexed offers.
    pub(crate) fn read(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError> {
        let parsed = Self::parse(files, ctx)?;
        let mut versions = parsed.versions;
        let actions = parsed.actions;
        versions.sort_unstable();
        versions.dedup();
        let mut formations: BTreeMap<&str, &[CodeRome]> = BTreeMap::new();
        for a in actions.values() {
            formations.insert(&a.formation.numero, &a.formation.codes_rome);
        }
        let mut counts: BTreeMap<&CodeRome, usize> = BTreeMap::new();
        for code in formations.values().flat_map(|codes| codes.iter()) {
            *counts.entry(code).or_default() += 1;
        }
        let cited = counts.into_iter().map(|(c, n)| (c.clone(), n)).collect();
        Ok(Self {
            index: index::OffreIndex::new(actions),
            lheo_version: if versions.len() == 1 {
                versions[0]
            } else {
                "2.2 et 2.3"
            },
            anomalies: parsed.anomalies,
            cited,
        })
    }

    /// The actions of LHEO documents by number, without the indexes a search needs (a live
    /// lookup by number only reads its answers).
    pub(crate) fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Parsed, AdapterError> {
        let mut report_anomalies = Anomalies::default();
        let mut actions: BTreeMap<String, Arc<ActionFormation>> = BTreeMap::new();
        let mut versions = Vec::new();
        let mut count = 0;
        for (name, bytes) in files.iter() {
            count += 1;
            let (_, lheo_version) = xml::identify(name, bytes)?;
            versions.push(lheo_version);
            let provenance = Provenance::new(
                &ctx.descriptor,
                Some(format!(
                    "LHEO {lheo_version}, chargé le {}",
                    ctx.fetched_at.format("%Y-%m-%d")
                )),
                ctx.fetched_at,
            );
            let mut report = mapping::Report {
                file: name,
                anomalies: std::mem::take(&mut report_anomalies),
            };
            let mut keep = |mut action: ActionFormation, report: &mut mapping::Report<'_>| {
                place(&mut action, ctx.geocoder.as_ref());
                let numero = action.numero.clone();
                if actions.insert(numero.clone(), Arc::new(action)).is_some() {
                    report.anomalies.add(
                        "numéro d'action en double : la dernière occurrence est gardée",
                        format!("{name}: action {numero}"),
                    );
                }
            };
            xml::read_document(name, bytes, |record| {
                if record.name == "resume-offre" {
                    if let Some(a) = mapping::resume(&mut report, &record, &provenance) {
                        keep(a, &mut report);
                    }
                } else {
                    for a in mapping::actions(&mut report, &record, &provenance) {
                        keep(a, &mut report);
                    }
                }
            })?;
            report_anomalies = report.anomalies;
        }
        if count == 0 {
            return Err(AdapterError::invalid(
                SOURCE,
                "(aucun fichier)",
                "un fichier LHEO est attendu",
            ));
        }
        Ok(Parsed {
            actions,
            versions,
            anomalies: report_anomalies.into_vec(),
        })
    }

    /// The formation numbered `numero` and its actions.
    pub fn formation(&self, numero: &str) -> Option<FormationActions> {
        self.index.formation(numero)
    }

    /// Number of formations.
    pub fn formation_count(&self) -> usize {
        self.index.formation_count()
    }
}

/// A formation and its actions, by number.
pub type FormationActions = (Arc<Formation>, Vec<Arc<ActionFormation>>);

/// Places an action published without a position at its commune's centre.
fn place(action: &mut ActionFormation, geocoder: Option<&Geocoder>) {
    let (Some(geocoder), Some(lieu)) = (geocoder, action.lieu.as_mut()) else {
        return;
    };
    if lieu.position.is_none()
        && let Some(centre) = lieu.code_insee.as_ref().and_then(|c| geocoder.centre(c))
    {
        lieu.position = Some(centre);
        lieu.origine_position = OriginePosition::CentreCommune;
    }
}

impl Dataset for OffreData {
    const DESCRIPTOR: SourceDescriptor = DESCRIPTOR;
    const SAMPLE: &'static [EmbeddedFile] = SAMPLE;

    fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError> {
        Self::read(files, ctx)
    }
    fn record_count(&self) -> usize {
        self.index.actions.len()
    }
    fn version(&self) -> Option<String> {
        Some(format!("LHEO {}", self.lheo_version))
    }
    fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
    fn cited_rome_codes(&self) -> Vec<(CodeRome, usize)> {
        self.cited.clone()
    }
}

/// A place and a radius.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autour {
    /// Centre.
    pub centre: GeoPoint,
    /// Radius in km.
    pub rayon_km: f64,
}

/// Search criteria over actions de formation; all given criteria must hold.
#[derive(Debug, Clone, Default)]
pub struct OffreFilter {
    /// Actions whose formation is indexed with one of these ROME codes.
    pub codes_rome: Option<Vec<CodeRome>>,
    /// Actions whose formation is indexed with one of these Formacodes.
    pub formacodes: Option<Vec<Formacode>>,
    /// Actions whose formation prepares one of these RNCP certifications.
    pub rncp: Option<Vec<CodeRncp>>,
    /// Actions whose formation prepares one of these Certif Info certifications.
    pub certif_info: Option<Vec<CodeCertifInfo>>,
    /// Actions taking place in one of these départements.
    pub departements: Option<Vec<CodeDepartement>>,
    /// Actions whose formation is indexed on a ROME code of one of these grands domaines (`M`).
    pub grands_domaines: Option<Vec<String>>,
    /// Actions whose formation is indexed on a ROME code of one of these domaines professionnels (`M18`).
    pub domaines_professionnels: Option<Vec<String>>,
    /// Actions taking place within the radius (hits carry their distance and come nearest first).
    pub autour: Option<Autour>,
    /// Actions with a session starting between these days (each bound optional, both included).
    pub sessions_debut: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// Actions eligible (or not) to the CPF.
    pub eligible_cpf: Option<bool>,
    /// Actions whose formation leads to one of these exit levels (LHEO `dict-niveaux` codes).
    pub niveaux_sortie: Option<Vec<String>>,
    /// Actions taught in one of these modes (LHEO `dict-modalites-enseignement` codes: 0, 1, 2).
    pub modalites_enseignement: Option<Vec<String>>,
    /// Actions with (or without) a session whose recruitment is open.
    pub recrutement_ouvert: Option<bool>,
    /// Words of the formation's title or objective; without `autour`, best title match first.
    pub recherche: Option<String>,
    /// Actions matching at least one of these codes (a union, combined with the other criteria like
    /// any of them): a métier's offers by ROME code, certification and Formacode at once.
    pub any_of: Option<AnyOf>,
}

/// Codes of which an action must match at least one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnyOf {
    /// ROME codes of the formation.
    pub codes_rome: Vec<CodeRome>,
    /// Formacodes of the formation.
    pub formacodes: Vec<Formacode>,
    /// RNCP certifications prepared.
    pub rncp: Vec<CodeRncp>,
    /// Certif Info certifications prepared.
    pub certif_info: Vec<CodeCertifInfo>,
}

impl Indexed for OffreData {
    type Key = String;
    type Record = Arc<ActionFormation>;
    type Filter = OffreFilter;

    fn get(&self, key: &String) -> Option<Arc<ActionFormation>> {
        self.index.action(key)
    }

    fn search(&self, filter: &OffreFilter, page: PageRequest) -> SearchPage<Arc<ActionFormation>> {
        self.index.search(filter, page)
    }
}

/// The Offre Info adapter: the offers held in memory (`sample` and `snapshot` modes) or asked from the
/// Intercarif web service (`http` mode).
#[derive(Debug)]
pub enum OffreInfoAdapter {
    /// `sample` or `snapshot`.
    Snapshot(Snapshot<OffreData>),
    /// `http`.
    Api(client::IntercarifApi),
}

impl OffreInfoAdapter {
    /// The RNCP numbers the actions held in memory prepare, each with its number of actions (empty in
    /// `http` mode), for the count of numbers unknown to the certifications référentiel.
    pub fn cited_rncp_codes(&self) -> Vec<(CodeRncp, usize)> {
        match self {
            Self::Snapshot(s) => s
                .current()
                .map(|d| d.index.cited_rncp())
                .unwrap_or_default(),
            Self::Api(_) => Vec::new(),
        }
    }

    /// The adapter the configuration asks for.
    pub fn new(config: &OffreInfoConfig, clock: Clock) -> Result<Self, ConfigError> {
        match config.mode {
            Mode::Http => Ok(Self::Api(client::IntercarifApi::new(config, clock)?)),
            _ => Ok(Self::Snapshot(Snapshot::new(config, clock)?)),
        }
    }

    /// Places the actions published without a position at their commune's centre (snapshot modes).
    #[must_use]
    pub fn with_geocoder(self, geocoder: Geocoder) -> Self {
        match self {
            Self::Snapshot(s) => Self::Snapshot(s.with_geocoder(geocoder)),
            api => api,
        }
    }

    /// The formation numbered `numero` and its actions; `Unsupported` in `http` mode (the web service
    /// answers by action).
    pub fn formation(&self, numero: &str) -> Result<Option<FormationActions>, AdapterError> {
        match self {
            Self::Snapshot(s) => Ok(s.current()?.formation(numero)),
            Self::Api(_) => Err(AdapterError::Unsupported {
                source_id: SOURCE,
                mode: "http",
                operation: "la recherche d'une formation par son numéro (le service web répond par action) ; \
                            utilisez actionFormation(numero:) ou le mode snapshot"
                    .into(),
            }),
        }
    }
}

passerelle_core::snapshot_or_api_adapter!(
    OffreInfoAdapter,
    key: String,
    record: Arc<ActionFormation>,
    filter: OffreFilter,
    descriptor: |_this| &DESCRIPTOR,
);

#[cfg(test)]
mod tests;
