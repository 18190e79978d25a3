//! Adaptateur ONISEP Idéo-Métiers.
//!
//! - **Upstream**: the "Idéo-Métiers Onisep" open-data dataset (XML, JSON and CSV flavours with the same
//!   field names), one row per métier × publication. ONISEP links its métiers to V3-level ROME codes with
//!   V3 labels. The ONISEP API (`Application-ID` header and a login token) comes with the `http` mode.
//! - **Licence**: ONISEP open data; check each dataset's page before redistribution.
//! - **Modes**: `sample` (the excerpt in `sample/`, written for passerelle in the export's format),
//!   `snapshot` (`path` or `url` of the XML export).
//! - **Records**: one [`FicheOnisep`](passerelle_core::model::FicheOnisep) per `MET.n`, its rows merged.
//!   Rows without ROME code and malformed codes are kept and reported in the health, never dropped.

mod mapping;
mod snapshot;

use std::sync::Arc;

use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::SourceConfig;
use passerelle_core::model::FicheOnisep;
use passerelle_core::snapshot::{Dataset, EmbeddedFile, Indexed, LoadContext, RawFiles, Snapshot};
use passerelle_core::text::{fold, matches_words};
use passerelle_core::{AdapterError, Anomaly, CodeRome, IdOnisep, SourceDescriptor};

pub use mapping::OnisepData;

/// Source id.
pub const SOURCE: &str = "onisep";

/// Description of the source.
pub const DESCRIPTOR: SourceDescriptor = SourceDescriptor {
    id: SOURCE,
    nom: "Idéo-Métiers — ONISEP",
    producteur: "ONISEP",
    licence: "Données ouvertes ONISEP (licence indiquée sur la page du jeu de données)",
    url: "https://opendata.onisep.fr/data/5fa5949243f97/2-ideo-metiers-onisep.htm",
};

/// The embedded sample, in the export's XML format.
pub static SAMPLE: &[EmbeddedFile] = &[EmbeddedFile {
    name: "ideo-metiers-echantillon.xml",
    bytes: include_bytes!("../sample/ideo-metiers-echantillon.xml"),
}];

/// `[sources.onisep]`.
pub type OnisepConfig = SourceConfig;

impl Dataset for OnisepData {
    const DESCRIPTOR: SourceDescriptor = DESCRIPTOR;
    const SAMPLE: &'static [EmbeddedFile] = SAMPLE;

    fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError> {
        let (name, bytes) = files.single(SOURCE)?;
        Ok(mapping::build(name, snapshot::read_xml(name, bytes)?, ctx))
    }
    fn record_count(&self) -> usize {
        self.fiches.len()
    }
    fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
}

/// Search criteria over fiches ONISEP; all given criteria must hold.
#[derive(Debug, Clone, Default)]
pub struct OnisepFilter {
    /// Fiches linked to at least one of these ROME codes.
    pub codes_rome: Option<Vec<CodeRome>>,
    /// Words that must start words of the label (accents ignored).
    pub texte: Option<String>,
}

/// The ONISEP adapter: Idéo-Métiers held in memory (`sample` and `snapshot` modes).
pub type OnisepAdapter = Snapshot<OnisepData>;

impl Indexed for OnisepData {
    type Key = IdOnisep;
    type Record = Arc<FicheOnisep>;
    type Filter = OnisepFilter;

    fn get(&self, key: &IdOnisep) -> Option<Arc<FicheOnisep>> {
        self.fiches.get(key).cloned()
    }

    fn search(&self, filter: &OnisepFilter, page: PageRequest) -> SearchPage<Arc<FicheOnisep>> {
        let candidates: Vec<&Arc<FicheOnisep>> = match &filter.codes_rome {
            Some(codes) => {
                let mut ids: Vec<&IdOnisep> = codes
                    .iter()
                    .filter_map(|c| self.by_rome.get(c))
                    .flatten()
                    .collect();
                ids.sort();
                ids.dedup();
                ids.into_iter()
                    .filter_map(|id| self.fiches.get(id))
                    .collect()
            }
            None => self.fiches.values().collect(),
        };
        let query = filter.texte.as_deref().map(fold).filter(|q| !q.is_empty());
        let mut hits: Vec<&Arc<FicheOnisep>> = candidates
            .into_iter()
            .filter(|f| {
                query
                    .as_ref()
                    .is_none_or(|q| matches_words(&fold(&f.libelle), q))
            })
            .collect();
        hits.sort_by(|a, b| a.libelle.cmp(&b.libelle).then_with(|| a.id.cmp(&b.id)));
        page.slice(hits.into_iter().map(|f| Hit::new(Arc::clone(f))).collect())
    }
}

#[cfg(test)]
mod tests;
