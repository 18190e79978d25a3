//! Adaptateur ONISEP : Idéo-Métiers et Idéo-Fiches métiers.
//!
//! - **Upstream**: the "Idéo-Métiers Onisep" open-data dataset (XML, JSON and CSV flavours with the same
//!   fields), one row per métier × publication, and the "Idéo-Fiches métiers" XML dataset (the detailed
//!   texts). ONISEP links its métiers to V3-level ROME codes with V3 labels. The open-data API
//!   (`api.opendata.onisep.fr`: a login token and an `Application-ID` header) serves the same rows.
//! - **Licence**: ONISEP open data; check each dataset's page before redistribution.
//! - **Modes**: `sample` (the excerpts in `sample/`, written for passerelle in the datasets' formats),
//!   `snapshot` (`path` = files or folders of either dataset in any flavour; `url` = the files, or the
//!   API's search URL of a dataset, whose pages are then walked to load it whole), `http` (the API asked
//!   live; see [`client`]).
//! - **Records**: one [`FicheOnisep`](passerelle_core::model::FicheOnisep) per `MET.n`, its rows merged
//!   and its detailed fiche attached. Rows without ROME code and malformed codes are kept and counted
//!   in the health, never dropped.
//!
//! Files: [`snapshot`] (files -> rows), [`detail`] (detailed fiches), [`mapping`] (rows -> fiches),
//! [`client`] (the API).

pub mod client;
mod detail;
#[cfg(feature = "test-support")]
pub mod fake_upstream;
mod mapping;
mod snapshot;

use std::collections::HashSet;
use std::sync::Arc;

use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::{ConfigError, Mode, SourceConfig};
use passerelle_core::model::FicheOnisep;
use passerelle_core::snapshot::{
    Dataset, EmbeddedFile, Indexed, LoadContext, Origin, RawFiles, Snapshot,
};
use passerelle_core::text::fold;
use passerelle_core::{AdapterError, Anomaly, Clock, CodeRome, IdOnisep, SourceDescriptor};

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
    attribution: "Source : ONISEP, Idéo-Métiers et Idéo-Fiches métiers (onisep.fr)",
};

/// The embedded sample: Idéo-Métiers (XML flavour) and Idéo-Fiches métiers, written for passerelle.
pub static SAMPLE: &[EmbeddedFile] = &[
    EmbeddedFile {
        name: "ideo-metiers-echantillon.xml",
        bytes: include_bytes!("../sample/ideo-metiers-echantillon.xml"),
    },
    EmbeddedFile {
        name: "ideo-fiches-metiers-echantillon.xml",
        bytes: include_bytes!("../sample/ideo-fiches-metiers-echantillon.xml"),
    },
];

/// `[sources.onisep]`.
pub type OnisepConfig = SourceConfig;

impl Dataset for OnisepData {
    const DESCRIPTOR: SourceDescriptor = DESCRIPTOR;
    const SAMPLE: &'static [EmbeddedFile] = SAMPLE;

    fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError> {
        let mut rows = Vec::new();
        let mut fiches = Vec::new();
        for (name, bytes) in files.iter() {
            match snapshot::read_file(name, bytes)? {
                snapshot::OnisepFile::Metiers(r) => rows.extend(r),
                snapshot::OnisepFile::Fiches(f) => fiches.push((name.to_owned(), f)),
            }
        }
        if rows.is_empty() && fiches.is_empty() {
            let names: Vec<&str> = files.names().collect();
            return Err(AdapterError::invalid(
                SOURCE,
                if names.is_empty() {
                    "(aucun fichier)".to_owned()
                } else {
                    names.join(", ")
                },
                "aucune ligne Idéo-Métiers ni fiche Idéo-Fiches métiers",
            ));
        }
        Ok(mapping::build(rows, fiches, ctx))
    }
    fn record_count(&self) -> usize {
        self.fiches.len()
    }
    fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
    fn cited_rome_codes(&self) -> Vec<(CodeRome, usize)> {
        self.by_rome
            .iter()
            .map(|(c, ids)| (c.clone(), ids.len()))
            .collect()
    }
}

/// Search criteria over fiches ONISEP; all given criteria must hold.
#[derive(Debug, Clone, Default)]
pub struct OnisepFilter {
    /// Words searched in the label, its masculine and feminine forms and the synonyms (see
    /// [`passerelle_core::search`]); hits come best first.
    pub recherche: Option<String>,
    /// Fiches linked to at least one of these ROME codes (as ONISEP publishes them, V3-level).
    pub codes_rome: Option<Vec<CodeRome>>,
    /// A domaine or sous-domaine of the ONISEP classification (case and accents ignored).
    pub domaine: Option<String>,
    /// Fiches whose detailed description lists one of these formations among the minimal ones (the
    /// Idéo-Fiches métiers data set; the API does not serve it).
    pub formations: Option<Vec<passerelle_core::IdFormationOnisep>>,
}

impl OnisepFilter {
    /// Whether a fiche meets the criteria other than `recherche`.
    fn accepts(&self, f: &FicheOnisep, domaine: Option<&str>) -> bool {
        self.codes_rome
            .as_ref()
            .is_none_or(|codes| f.codes_rome.iter().any(|c| codes.contains(c)))
            && self.formations.as_ref().is_none_or(|ids| {
                f.detail
                    .as_ref()
                    .is_some_and(|d| d.formations_minimales.iter().any(|m| ids.contains(&m.id)))
            })
            && domaine.is_none_or(|d| {
                f.domaines.iter().any(|p| {
                    fold(&p.domaine) == d || p.sous_domaine.as_deref().is_some_and(|s| fold(s) == d)
                })
            })
    }
}

impl OnisepData {
    /// Every fiche, by id.
    pub fn fiches(&self) -> impl Iterator<Item = &Arc<FicheOnisep>> {
        self.fiches.values()
    }

    /// Whether the detailed fiches (Idéo-Fiches métiers) were loaded.
    pub fn has_details(&self) -> bool {
        self.has_details
    }

    /// The fiches matching `filter`, in the documented order: best label match first with a
    /// `recherche`, else by label.
    pub(crate) fn find(&self, filter: &OnisepFilter) -> Vec<Arc<FicheOnisep>> {
        let domaine = filter
            .domaine
            .as_deref()
            .map(fold)
            .filter(|d| !d.is_empty());
        let accepts = |f: &FicheOnisep| filter.accepts(f, domaine.as_deref());
        if let Some(q) = filter.recherche.as_deref().filter(|q| !q.trim().is_empty()) {
            let mut seen = HashSet::new();
            return self
                .index
                .search(q)
                .into_iter()
                .filter_map(|found| {
                    let id = &self.labels[found.entry];
                    seen.insert(id.clone()).then(|| self.fiches.get(id))?
                })
                .filter(|f| accepts(f))
                .cloned()
                .collect();
        }
        let candidates: Vec<&Arc<FicheOnisep>> = match &filter.codes_rome {
            Some(codes) => {
                let ids: std::collections::BTreeSet<&IdOnisep> = codes
                    .iter()
                    .filter_map(|c| self.by_rome.get(c))
                    .flatten()
                    .collect();
                ids.into_iter()
                    .filter_map(|id| self.fiches.get(id))
                    .collect()
            }
            None => self.fiches.values().collect(),
        };
        let mut hits: Vec<Arc<FicheOnisep>> = candidates
            .into_iter()
            .filter(|f| accepts(f))
            .cloned()
            .collect();
        hits.sort_by_key(|f| self.rang.get(&f.id).copied());
        hits
    }
}

impl Indexed for OnisepData {
    type Key = IdOnisep;
    type Record = Arc<FicheOnisep>;
    type Filter = OnisepFilter;

    fn get(&self, key: &IdOnisep) -> Option<Arc<FicheOnisep>> {
        self.fiches.get(key).cloned()
    }

    fn search(&self, filter: &OnisepFilter, page: PageRequest) -> SearchPage<Arc<FicheOnisep>> {
        page.slice(self.find(filter).into_iter().map(Hit::new).collect())
    }
}

/// The ONISEP adapter: the datasets held in memory (`sample` and `snapshot` modes, the latter from files
/// or from the API walked whole) or the API asked live (`http` mode).
#[derive(Debug)]
pub enum OnisepAdapter {
    /// `sample` or `snapshot`.
    Snapshot(Snapshot<OnisepData>),
    /// `http`.
    Api(client::OnisepApi),
}

impl OnisepAdapter {
    /// The adapter the configuration asks for; API credentials come from the environment.
    pub fn new(config: &OnisepConfig, clock: Clock) -> Result<Self, ConfigError> {
        let credentials = || client::Credentials::from_env();
        Self::build(config, clock, credentials)
    }

    /// The adapter with credentials obtained from `credentials` when the configuration needs them.
    pub fn build(
        config: &OnisepConfig,
        clock: Clock,
        credentials: impl FnOnce() -> Result<client::Credentials, ConfigError>,
    ) -> Result<Self, ConfigError> {
        match config.mode {
            Mode::Http => Ok(Self::Api(client::OnisepApi::new(
                config,
                clock,
                credentials()?,
            )?)),
            Mode::Snapshot
                if config
                    .url
                    .as_ref()
                    .is_some_and(|u| u.0.iter().any(|u| client::is_search_url(u))) =>
            {
                let url = config
                    .url
                    .as_ref()
                    .and_then(|u| u.single())
                    .ok_or_else(|| ConfigError {
                        source_id: SOURCE,
                        message: "url : l'adresse de recherche de l'API se donne seule (un jeu de données)".into(),
                    })?;
                let walker = client::DatasetWalker::new(url, config, credentials()?)?;
                Ok(Self::Snapshot(
                    Snapshot::with_origin(Origin::Fetch(Arc::new(walker)), clock).guarded(config),
                ))
            }
            _ => Ok(Self::Snapshot(Snapshot::new(config, clock)?)),
        }
    }
}

passerelle_core::snapshot_or_api_adapter!(
    OnisepAdapter,
    key: IdOnisep,
    record: Arc<FicheOnisep>,
    filter: OnisepFilter,
    descriptor: |_this| &DESCRIPTOR,
);

#[cfg(test)]
mod tests;
