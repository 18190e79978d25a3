//! Adaptateur ROME 4.0 (France Travail).
//!
//! - **Upstream**: the ROME 4.0 open-data export (`RefRomeCsv.zip`: a folder of `unix_*_v460_utf8.csv`
//!   files and `version.txt`), published by France Travail under the Licence Ouverte / Etalab 2.0, no
//!   authentication. The live REST API (OAuth2 client credentials, ~10 calls/s) comes with the `http` mode.
//! - **Modes**: `sample` (the excerpt in `sample/`, written for passerelle in the export's exact format),
//!   `snapshot` (`path` = the export folder; `url` = a file to download).
//! - **Records**: one [`Metier`](passerelle_core::model::Metier) per fiche, keyed by code ROME, with its
//!   domains, appellations, texts, mobilités, RIASEC and V3/V4 structure (`code_rome_parent`,
//!   `fiches_detaillees`).
//!
//! Files: [`snapshot`] reads the CSV export into wire rows; [`mapping`] builds the domain métiers.

pub mod api;
mod api_mapping;
#[cfg(feature = "test-support")]
pub mod fake_upstream;
mod mapping;
mod snapshot;

use std::collections::HashSet;
use std::sync::Arc;

use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::{ConfigError, Mode, SourceConfig};
use passerelle_core::model::{Appellation, CodeLibelle, Metier};
use passerelle_core::snapshot::{Dataset, EmbeddedFile, Indexed, LoadContext, RawFiles, Snapshot};
use passerelle_core::text::fold;
use passerelle_core::{AdapterError, Anomaly, Clock, CodeRome, SourceDescriptor};

pub use mapping::RomeData;

/// Source id.
pub const SOURCE: &str = "rome";

/// Description of the source.
pub const DESCRIPTOR: SourceDescriptor = SourceDescriptor {
    id: SOURCE,
    nom: "ROME 4.0 — Répertoire opérationnel des métiers et des emplois",
    producteur: "France Travail",
    licence: "Licence Ouverte / Open Licence 2.0 (Etalab)",
    url: "https://www.francetravail.org/opendata/repertoire-operationnel-des-meti.html",
    attribution: "Source : France Travail, ROME 4.0 (francetravail.org)",
};

macro_rules! sample_file {
    ($name:literal) => {
        EmbeddedFile {
            name: $name,
            bytes: include_bytes!(concat!("../sample/", $name)),
        }
    };
}

/// The embedded sample, in the export's format.
pub static SAMPLE: &[EmbeddedFile] = &[
    sample_file!("unix_arborescence_centre_interet_v460_utf8.csv"),
    sample_file!("unix_arborescence_secteur_activite_v460_utf8.csv"),
    sample_file!("unix_arborescence_secteur_naf_v460_utf8.csv"),
    sample_file!("unix_arborescence_thematique_v460_utf8.csv"),
    sample_file!("unix_centre_interet_v460_utf8.csv"),
    sample_file!("unix_coherence_item_v460_utf8.csv"),
    sample_file!("unix_cr_gd_dp_v460_utf8.csv"),
    sample_file!("unix_domaine_professionnel_v460_utf8.csv"),
    sample_file!("unix_grand_domaine_v460_utf8.csv"),
    sample_file!("unix_liens_rome_referentiels_v460_utf8.csv"),
    sample_file!("unix_referentiel_appellation_v460_utf8.csv"),
    sample_file!("unix_referentiel_code_rome_riasec_v460_utf8.csv"),
    sample_file!("unix_referentiel_code_rome_v460_utf8.csv"),
    sample_file!("unix_referentiel_competence_v460_utf8.csv"),
    sample_file!("unix_referentiel_contexte_travail_v460_utf8.csv"),
    sample_file!("unix_referentiel_savoir_v460_utf8.csv"),
    sample_file!("unix_rubrique_mobilite_v460_utf8.csv"),
    sample_file!("unix_secteur_activite_v460_utf8.csv"),
    sample_file!("unix_texte_v460_utf8.csv"),
    sample_file!("unix_themes_v460_utf8.csv"),
    sample_file!("version.txt"),
];

/// `[sources.rome]`.
pub type RomeConfig = SourceConfig;

impl Dataset for RomeData {
    const DESCRIPTOR: SourceDescriptor = DESCRIPTOR;
    const SAMPLE: &'static [EmbeddedFile] = SAMPLE;

    fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError> {
        mapping::build(snapshot::read_export(files)?, ctx)
    }
    fn record_count(&self) -> usize {
        self.metiers.len()
    }
    fn version(&self) -> Option<String> {
        match (&self.version, &self.publication) {
            (Some(v), Some(d)) => Some(format!("{v} (publiée le {d})")),
            (v, _) => v.clone(),
        }
    }
    fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
}

/// Search criteria over fiches métier; all given criteria must hold.
#[derive(Debug, Clone, Default)]
pub struct RomeFilter {
    /// What a person says they do: matched against every appellation (see [`search`]); the fiches come
    /// in the order of their best appellation.
    pub recherche: Option<String>,
    /// Grand domaine letter (`M`).
    pub code_grand_domaine: Option<String>,
    /// Domaine professionnel (`M18`).
    pub code_domaine_professionnel: Option<String>,
    /// Only the fiches detailing this V3-level fiche.
    pub code_rome_parent: Option<CodeRome>,
    /// RIASEC major letter.
    pub riasec_majeur: Option<char>,
    /// RIASEC minor letter.
    pub riasec_mineur: Option<char>,
    /// Ecological transition tag, folded words of it (`vert`, `brun`, `blanc`, `strategique`).
    pub transition_ecologique: Option<String>,
    /// Digital transition tag.
    pub transition_numerique: Option<bool>,
    /// Demographic transition tag.
    pub transition_demographique: Option<bool>,
}

impl RomeFilter {
    /// Whether the filter has criteria other than `recherche` (which the France Travail API cannot combine).
    pub fn has_criteria(&self) -> bool {
        self.code_grand_domaine.is_some()
            || self.code_domaine_professionnel.is_some()
            || self.code_rome_parent.is_some()
            || self.riasec_majeur.is_some()
            || self.riasec_mineur.is_some()
            || self.transition_ecologique.is_some()
            || self.transition_numerique.is_some()
            || self.transition_demographique.is_some()
    }

    /// The test a fiche must pass, with the criteria normalised once rather than per fiche.
    fn matcher(&self) -> impl Fn(&Metier) -> bool + '_ {
        let upper = |s: &Option<String>| s.as_deref().map(|v| v.trim().to_ascii_uppercase());
        let (gd, dp) = (
            upper(&self.code_grand_domaine),
            upper(&self.code_domaine_professionnel),
        );
        let ecologique = self.transition_ecologique.as_deref().map(fold);
        let letter = |l: Option<char>, v: &Option<String>| {
            l.is_none_or(|l| {
                v.as_deref()
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case(l.encode_utf8(&mut [0; 4])))
            })
        };
        move |m: &Metier| {
            gd.as_ref().is_none_or(|g| &m.grand_domaine.code == g)
                && dp
                    .as_ref()
                    .is_none_or(|d| &m.domaine_professionnel.code == d)
                && self
                    .code_rome_parent
                    .as_ref()
                    .is_none_or(|p| m.code_rome_parent.as_ref() == Some(p))
                && letter(self.riasec_majeur, &m.riasec_majeur)
                && letter(self.riasec_mineur, &m.riasec_mineur)
                && ecologique.as_ref().is_none_or(|t| {
                    m.transitions
                        .ecologique
                        .as_deref()
                        .is_some_and(|e| fold(e).contains(t.as_str()))
                })
                && self
                    .transition_numerique
                    .is_none_or(|t| m.transitions.numerique == t)
                && self
                    .transition_demographique
                    .is_none_or(|t| m.transitions.demographique == t)
        }
    }
}

/// An appellation found by a search, with the fiche it belongs to.
#[derive(Debug, Clone)]
pub struct AppellationTrouvee {
    /// The appellation.
    pub appellation: Appellation,
    /// Code of its fiche.
    pub code_rome: CodeRome,
    /// Where it comes from (its link: its fiche).
    pub provenance: passerelle_core::Provenance,
}

/// The lists of the référentiel itself.
#[derive(Debug, Clone)]
pub struct Nomenclatures {
    /// Grands domaines (`M`), by code.
    pub grands_domaines: Vec<CodeLibelle>,
    /// Domaines professionnels (`M18`), by code.
    pub domaines_professionnels: Vec<CodeLibelle>,
}

impl Indexed for RomeData {
    type Key = CodeRome;
    type Record = Arc<Metier>;
    type Filter = RomeFilter;

    fn get(&self, key: &CodeRome) -> Option<Arc<Metier>> {
        self.metiers.get(key).cloned()
    }

    fn search(&self, filter: &RomeFilter, page: PageRequest) -> SearchPage<Arc<Metier>> {
        let accepts = filter.matcher();
        let hits: Vec<Hit<Arc<Metier>>> = match filter.recherche.as_deref() {
            Some(q) => {
                // Fiches in the order of their best appellation.
                let mut seen = HashSet::new();
                self.index
                    .search(q)
                    .into_iter()
                    .filter_map(|f| {
                        let code = &self.entries[f.entry].0;
                        seen.insert(code.clone()).then(|| self.metiers.get(code))?
                    })
                    .filter(|m| accepts(m))
                    .map(|m| Hit::new(Arc::clone(m)))
                    .collect()
            }
            None => self
                .metiers
                .values()
                .filter(|m| accepts(m))
                .map(|m| Hit::new(Arc::clone(m)))
                .collect(),
        };
        page.slice(hits)
    }
}

impl RomeData {
    /// Appellations matching `recherche`, best first.
    pub fn search_appellations(
        &self,
        recherche: &str,
        page: PageRequest,
    ) -> SearchPage<AppellationTrouvee> {
        let (total, found) = self
            .index
            .search_top(recherche, page.offset.saturating_add(page.limit));
        let hits = found
            .into_iter()
            .skip(page.offset)
            .take(page.limit)
            .filter_map(|f| {
                let (code, i) = &self.entries[f.entry];
                let metier = self.metiers.get(code)?;
                let appellation = metier.appellations.get(*i)?.clone();
                Some(Hit::new(AppellationTrouvee {
                    appellation,
                    code_rome: code.clone(),
                    provenance: metier.provenance.clone(),
                }))
            })
            .collect();
        SearchPage { total, hits }
    }

    /// Number of appellations.
    pub fn appellation_count(&self) -> usize {
        self.index.len()
    }

    /// The grands domaines and domaines professionnels.
    pub fn nomenclatures(&self) -> Nomenclatures {
        Nomenclatures {
            grands_domaines: self.grands_domaines.clone(),
            domaines_professionnels: self.domaines_professionnels.clone(),
        }
    }
}

/// The ROME adapter: the référentiel held in memory (`sample` and `snapshot` modes) or asked from the
/// France Travail API (`http` mode).
#[derive(Debug)]
pub enum RomeAdapter {
    /// `sample` or `snapshot`.
    Snapshot(Snapshot<RomeData>),
    /// `http`.
    Api(api::RomeApi),
}

impl RomeAdapter {
    /// The adapter the configuration asks for.
    pub fn new(config: &RomeConfig, clock: Clock) -> Result<Self, ConfigError> {
        match config.mode {
            Mode::Http => Ok(Self::Api(api::RomeApi::new(config, clock)?)),
            _ => Ok(Self::Snapshot(Snapshot::new(config, clock)?)),
        }
    }

    /// Appellations matching `recherche`, best first. The API returns its 20 best only: a page beyond
    /// them is `Unsupported`.
    pub async fn search_appellations(
        &self,
        recherche: &str,
        page: PageRequest,
    ) -> Result<SearchPage<AppellationTrouvee>, AdapterError> {
        match self {
            Self::Snapshot(s) => Ok(s.current()?.search_appellations(recherche, page)),
            Self::Api(a) => a.search_appellations(recherche, page).await,
        }
    }

    /// Whether the référentiel has the fiche `code`; `None` when the adapter cannot tell without asking
    /// the API, or has not loaded yet.
    pub fn knows(&self, code: &CodeRome) -> Option<bool> {
        match self {
            Self::Snapshot(s) => s.current().ok().map(|d| d.metiers.contains_key(code)),
            Self::Api(_) => None,
        }
    }

    /// The grands domaines and domaines professionnels (`Unsupported` in `http` mode).
    pub fn nomenclatures(&self) -> Result<Nomenclatures, AdapterError> {
        match self {
            Self::Snapshot(s) => Ok(s.current()?.nomenclatures()),
            Self::Api(_) => Err(AdapterError::Unsupported {
                source_id: SOURCE,
                mode: "http",
                operation:
                    "les listes du référentiel (grands domaines, domaines professionnels) ; \
                            utilisez le mode snapshot"
                        .into(),
            }),
        }
    }
}

passerelle_core::snapshot_or_api_adapter!(
    RomeAdapter,
    key: CodeRome,
    record: Arc<Metier>,
    filter: RomeFilter,
    descriptor: |this| match this {
        Self::Snapshot(s) => s.descriptor(),
        Self::Api(a) => a.descriptor(),
    },
);

#[cfg(test)]
mod tests;
