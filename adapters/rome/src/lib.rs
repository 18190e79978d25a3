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

mod mapping;
mod snapshot;

use std::sync::Arc;

use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::SourceConfig;
use passerelle_core::model::Metier;
use passerelle_core::snapshot::{Dataset, EmbeddedFile, Indexed, LoadContext, RawFiles, Snapshot};
use passerelle_core::text::{fold, matches_words};
use passerelle_core::{AdapterError, Anomaly, CodeRome, SourceDescriptor};

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
    sample_file!("version.txt"),
    sample_file!("unix_referentiel_code_rome_v460_utf8.csv"),
    sample_file!("unix_cr_gd_dp_v460_utf8.csv"),
    sample_file!("unix_referentiel_appellation_v460_utf8.csv"),
    sample_file!("unix_texte_v460_utf8.csv"),
    sample_file!("unix_rubrique_mobilite_v460_utf8.csv"),
    sample_file!("unix_referentiel_code_rome_riasec_v460_utf8.csv"),
    sample_file!("unix_grand_domaine_v460_utf8.csv"),
    sample_file!("unix_domaine_professionnel_v460_utf8.csv"),
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
        self.version.clone()
    }
    fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
}

/// Search criteria over fiches métier; all given criteria must hold.
#[derive(Debug, Clone, Default)]
pub struct RomeFilter {
    /// Words that must start words of the fiche's label or of one of its appellations (accents ignored).
    pub texte: Option<String>,
    /// Grand domaine letter (`M`).
    pub code_grand_domaine: Option<String>,
    /// Domaine professionnel (`M18`).
    pub code_domaine_professionnel: Option<String>,
    /// Only the fiches detailing this V3-level fiche.
    pub code_rome_parent: Option<CodeRome>,
}

/// The ROME adapter: the référentiel held in memory (`sample` and `snapshot` modes).
pub type RomeAdapter = Snapshot<RomeData>;

impl Indexed for RomeData {
    type Key = CodeRome;
    type Record = Arc<Metier>;
    type Filter = RomeFilter;

    fn get(&self, key: &CodeRome) -> Option<Arc<Metier>> {
        self.metiers.get(key).cloned()
    }

    fn search(&self, filter: &RomeFilter, page: PageRequest) -> SearchPage<Arc<Metier>> {
        let query = filter.texte.as_deref().map(fold).filter(|q| !q.is_empty());
        let upper = |s: &Option<String>| s.as_deref().map(|v| v.trim().to_ascii_uppercase());
        let (gd, dp) = (
            upper(&filter.code_grand_domaine),
            upper(&filter.code_domaine_professionnel),
        );
        // Label matches rank before appellation-only matches; code order otherwise.
        let mut ranked: Vec<(u8, &Arc<Metier>)> = self
            .metiers
            .values()
            .filter(|m| gd.as_ref().is_none_or(|g| &m.grand_domaine.code == g))
            .filter(|m| {
                dp.as_ref()
                    .is_none_or(|d| &m.domaine_professionnel.code == d)
            })
            .filter(|m| {
                filter
                    .code_rome_parent
                    .as_ref()
                    .is_none_or(|p| m.code_rome_parent.as_ref() == Some(p))
            })
            .filter_map(|m| match &query {
                None => Some((0, m)),
                Some(q) => {
                    let (label, apps) = self.search_text.get(&m.code)?;
                    if matches_words(label, q) {
                        Some((0, m))
                    } else {
                        matches_words(apps, q).then_some((1, m))
                    }
                }
            })
            .collect();
        ranked.sort_by_key(|(rank, _)| *rank);
        page.slice(
            ranked
                .into_iter()
                .map(|(_, m)| Hit::new(Arc::clone(m)))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests;
