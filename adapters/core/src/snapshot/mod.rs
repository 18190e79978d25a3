//! Whole-dataset sources: the embedded sample, files or folders on disk, files downloaded from URLs, or an
//! API walked whole.
//!
//! A [`Snapshot`] holds the parsed dataset behind an atomic pointer. A refresh reads the raw files,
//! parses them on a blocking thread and swaps the new dataset in only once it has loaded whole; the
//! previous one keeps serving meanwhile and stays if anything fails. Downloads are conditional
//! (`If-None-Match` / `If-Modified-Since`), so an unchanged weekly file costs one 304.
//!
//! Files: [`raw`] (what a load is made of), [`fetch`] (reading and downloading).

mod fetch;
mod raw;

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use chrono::{DateTime, Utc};

use crate::adapter::{
    Adapter, Anomaly, PageRequest, RefreshOutcome, SearchPage, SourceHealth, SourceStatus,
};
use crate::clock::Clock;
use crate::codes::{CodeInsee, CodeRome};
use crate::config::{ConfigError, SourceConfig};
use crate::error::AdapterError;
use crate::http::USER_AGENT;
use crate::model::GeoPoint;
use crate::provenance::SourceDescriptor;

pub use raw::{EmbeddedFile, Fetch, FetchFuture, Origin, RawFiles};

use fetch::Validators;

/// What a parser knows about the load it parses.
#[derive(Debug, Clone)]
pub struct LoadContext {
    /// The source.
    pub descriptor: SourceDescriptor,
    /// When the raw files were fetched; stamped on every record's provenance.
    pub fetched_at: DateTime<Utc>,
    /// Places records the source publishes without a position at their commune's centre, when the
    /// server gives one (the communes référentiel).
    pub geocoder: Option<Geocoder>,
}

/// The centre of a commune by its code, from another source (the communes référentiel): for records
/// whose source gives a commune but no position.
#[derive(Clone)]
pub struct Geocoder(Arc<CentreLookup>);

/// How a [`Geocoder`] finds a commune's centre.
type CentreLookup = dyn Fn(&CodeInsee) -> Option<GeoPoint> + Send + Sync;

impl Geocoder {
    /// A geocoder from a lookup.
    pub fn new(lookup: impl Fn(&CodeInsee) -> Option<GeoPoint> + Send + Sync + 'static) -> Self {
        Self(Arc::new(lookup))
    }

    /// The centre of `commune`, if known.
    pub fn centre(&self, commune: &CodeInsee) -> Option<GeoPoint> {
        (self.0)(commune)
    }
}

impl std::fmt::Debug for Geocoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Geocoder")
    }
}

/// A dataset parsed whole from raw files.
pub trait Dataset: Sized + Send + Sync + 'static {
    /// The source the dataset comes from.
    const DESCRIPTOR: SourceDescriptor;
    /// The embedded sample, in the source's real format.
    const SAMPLE: &'static [EmbeddedFile];

    /// Parses raw files. Problems that affect single records are kept as anomalies; problems that make
    /// the data unusable are errors naming the file, the line and the rule.
    fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError>;
    /// Number of main records.
    fn record_count(&self) -> usize;
    /// Version or date of the data as the producer names it.
    fn version(&self) -> Option<String> {
        None
    }
    /// Problems found while parsing.
    fn anomalies(&self) -> &[Anomaly] {
        &[]
    }
    /// The well-formed ROME codes the records cite, each with the number of records (or rows) citing it,
    /// so that codes unknown to the ROME 4.0 can be counted against the référentiel loaded.
    fn cited_rome_codes(&self) -> Vec<(CodeRome, usize)> {
        Vec::new()
    }
}

/// A dataset that answers the adapter contract's questions from memory.
pub trait Indexed: Dataset {
    /// Key of the main record.
    type Key: Clone + Eq + Hash + Send + Sync + std::fmt::Debug + 'static;
    /// The main record, shared.
    type Record: Clone + Send + Sync + 'static;
    /// Search criteria.
    type Filter: Send + Sync;
    /// The record of a key, if it exists.
    fn get(&self, key: &Self::Key) -> Option<Self::Record>;
    /// The hits of a search, in the source's documented order.
    fn search(&self, filter: &Self::Filter, page: PageRequest) -> SearchPage<Self::Record>;
}

#[derive(Debug, Default)]
struct Meta {
    loaded_at: Option<DateTime<Utc>>,
    /// The anomalies of the dataset being served, shared with every health report.
    anomalies: Option<Arc<[Anomaly]>>,
    last_error: Option<String>,
    /// Validators of each URL of the data being served.
    validators: HashMap<String, Validators>,
}

/// A dataset held in memory, swapped whole on refresh.
#[derive(Debug)]
pub struct Snapshot<D> {
    descriptor: SourceDescriptor,
    origin: Origin,
    clock: Clock,
    current: ArcSwapOption<D>,
    meta: Mutex<Meta>,
    refreshing: tokio::sync::Mutex<()>,
    http: reqwest::Client,
    geocoder: Option<Geocoder>,
    strict: bool,
}

const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(300);

impl<D: Dataset> Snapshot<D> {
    /// The snapshot a source's configuration asks for (`sample` or `snapshot` mode); empty until the
    /// first [`Snapshot::refresh`].
    pub fn new(config: &SourceConfig, clock: Clock) -> Result<Self, ConfigError> {
        let origin = config.origin(D::DESCRIPTOR.id, D::SAMPLE, false)?;
        Ok(Self::with_origin(origin, clock).strict(config.strict))
    }

    /// An empty snapshot read from `origin`.
    pub fn with_origin(origin: Origin, clock: Clock) -> Self {
        let descriptor = D::DESCRIPTOR;
        let http = reqwest::Client::builder()
            .timeout(DOWNLOAD_TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .unwrap_or_default();
        Self {
            descriptor,
            origin,
            clock,
            current: ArcSwapOption::empty(),
            meta: Mutex::default(),
            refreshing: tokio::sync::Mutex::new(()),
            http,
            geocoder: None,
            strict: false,
        }
    }

    /// Places records published without a position at their commune's centre (see [`Geocoder`]).
    #[must_use]
    pub fn with_geocoder(mut self, geocoder: Geocoder) -> Self {
        self.geocoder = Some(geocoder);
        self
    }

    /// Strict mode: a load with any anomaly is rejected whole (the previous data keeps serving).
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The source's description.
    pub fn descriptor(&self) -> &SourceDescriptor {
        &self.descriptor
    }

    /// The mode name (`sample` or `snapshot`).
    pub fn mode(&self) -> &'static str {
        self.origin.mode()
    }

    /// The dataset being served, or `NotReady` before the first successful load.
    pub fn current(&self) -> Result<Arc<D>, AdapterError> {
        self.current.load_full().ok_or(AdapterError::NotReady {
            source_id: self.descriptor.id,
        })
    }

    fn meta(&self) -> std::sync::MutexGuard<'_, Meta> {
        self.meta.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Loads the data again and swaps it in once parsed whole. On failure the previous data stays and
    /// the error is recorded in the health.
    pub async fn refresh(&self) -> Result<RefreshOutcome, AdapterError> {
        let _single_flight = self.refreshing.lock().await;
        let result = self.load().await;
        let mut meta = self.meta();
        match &result {
            Ok(_) => meta.last_error = None,
            Err(e) => {
                tracing::warn!(source = self.descriptor.id, error = %e, "chargement de la source en échec");
                meta.last_error = Some(e.to_string());
            }
        }
        result
    }

    async fn load(&self) -> Result<RefreshOutcome, AdapterError> {
        let source = self.descriptor.id;
        let fetched_at = self.clock.now();
        let mut validators = None;
        let files = match &self.origin {
            Origin::Embedded(_) if self.current.load().is_some() => {
                return Ok(RefreshOutcome::Unchanged);
            }
            Origin::Embedded(files) => RawFiles::new(
                files
                    .iter()
                    .map(|f| (f.name.to_owned(), Cow::Borrowed(f.bytes)))
                    .collect(),
            ),
            Origin::Paths(paths) => fetch::read_paths(source, paths).await?,
            Origin::Urls(urls) => {
                let known = if self.current.load().is_some() {
                    self.meta().validators.clone()
                } else {
                    HashMap::new()
                };
                match fetch::download_all(&self.http, source, urls, &known).await? {
                    Some((files, v)) => {
                        validators = Some(v);
                        files
                    }
                    None => return Ok(RefreshOutcome::Unchanged),
                }
            }
            Origin::Fetch(fetcher) => fetcher.fetch().await?,
        };
        let ctx = LoadContext {
            descriptor: self.descriptor.clone(),
            fetched_at,
            geocoder: self.geocoder.clone(),
        };
        // Archives are expanded and files parsed off the async threads.
        let dataset =
            tokio::task::spawn_blocking(move || D::parse(&files.expand_archives(source)?, &ctx))
                .await
                .map_err(|e| AdapterError::Internal {
                    source_id: source,
                    reason: e.to_string().into(),
                })??;
        if self.strict
            && let Some(first) = dataset.anomalies().first()
        {
            let total: usize = dataset.anomalies().iter().map(|a| a.count).sum();
            return Err(AdapterError::invalid(
                source,
                first.location.clone(),
                format!(
                    "{} (mode strict : {total} anomalie(s), le chargement est refusé en entier)",
                    first.problem
                ),
            ));
        }
        tracing::info!(
            source,
            records = dataset.record_count(),
            anomalies = dataset.anomalies().len(),
            "source chargée"
        );
        let anomalies = dataset.anomalies().to_vec();
        self.current.store(Some(Arc::new(dataset)));
        let mut meta = self.meta();
        meta.loaded_at = Some(fetched_at);
        meta.anomalies = Some(Arc::from(anomalies));
        // Validators are kept only once their data has loaded whole: a file that failed to parse is
        // downloaded again next time instead of being answered 304.
        if let Some(validators) = validators {
            meta.validators = validators;
        }
        Ok(RefreshOutcome::Loaded)
    }

    /// Health of the snapshot.
    pub fn health(&self) -> SourceHealth {
        let current = self.current.load_full();
        let meta = self.meta();
        let status = match (&current, &meta.last_error) {
            (Some(_), None) => SourceStatus::Ready,
            (Some(_), Some(_)) => SourceStatus::Degraded,
            (None, Some(_)) => SourceStatus::Failed,
            (None, None) => SourceStatus::Loading,
        };
        SourceHealth {
            status,
            mode: self.mode(),
            records: current.as_ref().map_or(0, |d| d.record_count()),
            version: current.as_ref().and_then(|d| d.version()),
            loaded_at: meta.loaded_at,
            last_error: meta.last_error.clone(),
            anomalies: meta
                .anomalies
                .clone()
                .unwrap_or_else(|| Arc::from(Vec::new())),
        }
    }
}

impl<D: Indexed> Adapter for Snapshot<D> {
    type Key = D::Key;
    type Record = D::Record;
    type Filter = D::Filter;

    fn descriptor(&self) -> &SourceDescriptor {
        &self.descriptor
    }

    async fn fetch(&self, keys: &[D::Key]) -> Result<HashMap<D::Key, D::Record>, AdapterError> {
        let data = self.current()?;
        Ok(keys
            .iter()
            .filter_map(|k| data.get(k).map(|r| (k.clone(), r)))
            .collect())
    }

    async fn search(
        &self,
        filter: &D::Filter,
        page: PageRequest,
    ) -> Result<SearchPage<D::Record>, AdapterError> {
        Ok(self.current()?.search(filter, page))
    }

    fn health(&self) -> SourceHealth {
        Snapshot::health(self)
    }

    fn cited_rome_codes(&self) -> Vec<(CodeRome, usize)> {
        self.current
            .load()
            .as_ref()
            .map(|d| d.cited_rome_codes())
            .unwrap_or_default()
    }

    async fn refresh(&self) -> Result<RefreshOutcome, AdapterError> {
        Snapshot::refresh(self).await
    }
}
