//! Whole-dataset sources: the embedded sample, files or folders on disk, files downloaded from URLs, or an
//! API walked whole.
//!
//! A [`Snapshot`] holds the parsed dataset behind an atomic pointer. A refresh reads the raw files,
//! parses them on a blocking thread and swaps the new dataset in only once it has loaded whole; the
//! previous one keeps serving meanwhile and stays if anything fails. Downloads are conditional
//! (`If-None-Match` / `If-Modified-Since`), so an unchanged weekly file costs one 304.
//!
//! Files: [`raw`] (what a load is made of), [`fetch`] (reading and downloading).

mod disk;
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
    /// How loads are made and checked (boxed: the adapters' enums stay small).
    options: Box<LoadOptions>,
}

#[derive(Debug, Default)]
struct LoadOptions {
    geocoder: Option<Geocoder>,
    strict: bool,
    min_records_ratio: f64,
    cache_dir: Option<std::path::PathBuf>,
}

const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(300);

impl<D: Dataset> Snapshot<D> {
    /// The snapshot a source's configuration asks for (`sample` or `snapshot` mode); empty until the
    /// first [`Snapshot::refresh`].
    pub fn new(config: &SourceConfig, clock: Clock) -> Result<Self, ConfigError> {
        let origin = config.origin(D::DESCRIPTOR.id, D::SAMPLE, false)?;
        Ok(Self::with_origin(origin, clock)
            .strict(config.strict)
            .guarded(config))
    }

    /// The sanity bound of a reload (`min_records_ratio`) and the folder of the last good snapshot
    /// (`<cache_dir>/<source>`), from the source's configuration.
    #[must_use]
    pub fn guarded(mut self, config: &SourceConfig) -> Self {
        self.options.min_records_ratio = config.min_records_ratio;
        self.options.cache_dir = config
            .shared
            .cache_dir
            .as_ref()
            .map(|d| d.join(self.descriptor.id));
        self
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
            options: Box::default(),
        }
    }

    /// Places records published without a position at their commune's centre (see [`Geocoder`]).
    #[must_use]
    pub fn with_geocoder(mut self, geocoder: Geocoder) -> Self {
        self.options.geocoder = Some(geocoder);
        self
    }

    /// Strict mode: a load with any anomaly is rejected whole (the previous data keeps serving).
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.options.strict = strict;
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
    /// the error is recorded in the health. When a first load fails and the last good snapshot was kept
    /// on disk, that one is served (the source is « dégradée », the error says so) and the error is
    /// still returned, so the loader keeps retrying the upstream.
    pub async fn refresh(&self) -> Result<RefreshOutcome, AdapterError> {
        let _single_flight = self.refreshing.lock().await;
        let result = self.load().await;
        let mut fallback = None;
        if let Err(e) = &result
            && self.current.load().is_none()
            && let Some(disk) = self.disk()
        {
            fallback = match disk.read().await {
                Ok((meta, files)) => {
                    match self
                        .swap_in(files, meta.fetched_at, Some(meta.validators), None)
                        .await
                    {
                        Ok(_) => Some(format!(
                            "{e} ; le dernier instantané valide (récupéré le {}) est servi depuis le cache disque {}",
                            meta.fetched_at.format("%Y-%m-%d %H:%M UTC"),
                            disk.path().display()
                        )),
                        Err(disk_error) => {
                            tracing::warn!(source = self.descriptor.id, error = %disk_error, "instantané du cache disque illisible");
                            None
                        }
                    }
                }
                Err(_) => None,
            };
        }
        let mut meta = self.meta();
        match &result {
            Ok(_) => meta.last_error = None,
            Err(e) => {
                tracing::warn!(source = self.descriptor.id, error = %e, "chargement de la source en échec");
                meta.last_error = Some(fallback.unwrap_or_else(|| e.to_string()));
            }
        }
        result
    }

    /// The folder of the last good snapshot, for data that comes from the network (URLs, an API walked
    /// whole) when the server has a cache directory.
    fn disk(&self) -> Option<disk::DiskCache> {
        match self.origin {
            Origin::Urls(_) | Origin::Fetch(_) => self
                .options
                .cache_dir
                .as_ref()
                .map(|d| disk::DiskCache::new(d.clone())),
            _ => None,
        }
    }

    async fn load(&self) -> Result<RefreshOutcome, AdapterError> {
        let source = self.descriptor.id;
        let mut fetched_at = self.clock.now();
        let mut validators = None;
        let disk = self.disk();
        let disk_meta = match &disk {
            Some(d) => d.meta().await,
            None => None,
        };
        let serving = self.current.load().is_some();
        let mut from_disk = false;
        let files = match &self.origin {
            Origin::Embedded(_) if serving => {
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
                // After a restart, the files kept on disk are asked for conditionally.
                let known = if serving {
                    self.meta().validators.clone()
                } else {
                    disk_meta
                        .as_ref()
                        .map(|m| m.validators.clone())
                        .unwrap_or_default()
                };
                match fetch::download_all(&self.http, source, urls, &known).await? {
                    Some((files, v)) => {
                        validators = Some(v);
                        files
                    }
                    None if serving => return Ok(RefreshOutcome::Unchanged),
                    None => {
                        let kept = match &disk {
                            Some(d) => d.read().await.ok(),
                            None => None,
                        };
                        let Some((meta, files)) = kept else {
                            return Err(AdapterError::Unavailable {
                                source_id: source,
                                reason: "le serveur répond 304 mais l'instantané du cache disque est illisible".into(),
                            });
                        };
                        fetched_at = meta.fetched_at;
                        validators = Some(meta.validators);
                        from_disk = true;
                        files
                    }
                }
            }
            Origin::Fetch(fetcher) => fetcher.fetch().await?,
        };
        let staged = match &disk {
            Some(d) if !from_disk => match d.stage(&files).await {
                Ok(names) => Some((d, names)),
                Err(e) => {
                    tracing::warn!(source, error = %e, dir = %d.path().display(), "cache disque : écriture impossible");
                    None
                }
            },
            _ => None,
        };
        let previous = disk_meta.as_ref().map(|m| m.records);
        let result = self
            .swap_in(files, fetched_at, validators.clone(), previous)
            .await;
        if let Some((d, names)) = staged {
            match &result {
                Ok(records) => {
                    let meta = disk::DiskMeta {
                        fetched_at,
                        names,
                        validators: validators.unwrap_or_default(),
                        records: *records,
                    };
                    if let Err(e) = d.commit(&meta).await {
                        tracing::warn!(source, error = %e, dir = %d.path().display(), "cache disque : écriture impossible");
                    }
                }
                Err(_) => d.discard().await,
            }
        }
        result.map(|_| RefreshOutcome::Loaded)
    }

    /// Parses `files`, checks them (strict mode, the sanity bound against the data served or, after a
    /// restart, against `previous`) and swaps them in; the number of records.
    async fn swap_in(
        &self,
        files: RawFiles,
        fetched_at: DateTime<Utc>,
        validators: Option<HashMap<String, Validators>>,
        previous: Option<usize>,
    ) -> Result<usize, AdapterError> {
        let source = self.descriptor.id;
        let ctx = LoadContext {
            descriptor: self.descriptor.clone(),
            fetched_at,
            geocoder: self.options.geocoder.clone(),
        };
        // Archives are expanded and files parsed off the async threads.
        let dataset =
            tokio::task::spawn_blocking(move || D::parse(&files.expand_archives(source)?, &ctx))
                .await
                .map_err(|e| AdapterError::Internal {
                    source_id: source,
                    reason: e.to_string().into(),
                })??;
        if self.options.strict
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
        let records = dataset.record_count();
        let before = self
            .current
            .load()
            .as_ref()
            .map(|d| d.record_count())
            .or(previous);
        if let Some(before) = before
            && self.options.min_records_ratio > 0.0
            && (records as f64) < self.options.min_records_ratio * before as f64
        {
            return Err(AdapterError::invalid(
                source,
                "nouvel instantané",
                format!(
                    "{records} enregistrement(s) contre {before} pour le précédent : moins de \
                     min_records_ratio = {} ; fichier probablement tronqué, le chargement est refusé \
                     et l'instantané précédent reste servi",
                    self.options.min_records_ratio
                ),
            ));
        }
        tracing::info!(
            source,
            records,
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
        Ok(records)
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
