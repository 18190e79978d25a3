//! Whole-dataset sources: the embedded sample, a file or folder on disk, or a file downloaded from a URL.
//!
//! A [`Snapshot`] holds the parsed dataset behind an atomic pointer. A refresh reads the raw files,
//! parses them on a blocking thread and swaps the new dataset in only once it has loaded whole; the
//! previous one keeps serving meanwhile and stays if anything fails. Downloads are conditional
//! (`If-None-Match` / `If-Modified-Since`), so an unchanged weekly file costs one 304.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use chrono::{DateTime, Utc};

use std::collections::HashMap;
use std::hash::Hash;

use crate::adapter::{
    Adapter, Anomaly, PageRequest, RefreshOutcome, SearchPage, SourceHealth, SourceStatus,
};
use crate::clock::Clock;
use crate::config::{ConfigError, SourceConfig};
use crate::error::{AdapterError, SourceId, redact_url};
use crate::provenance::SourceDescriptor;

/// A file compiled into the binary (an adapter's sample).
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedFile {
    /// File name, as in the source's real export.
    pub name: &'static str,
    /// Content.
    pub bytes: &'static [u8],
}

/// Where a snapshot is read from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// The embedded sample.
    Embedded(&'static [EmbeddedFile]),
    /// A file, or a folder whose files are read (not recursively).
    Path(PathBuf),
    /// A file downloaded over HTTP(S).
    Url(String),
}

impl Origin {
    /// The mode name shown in health and errors.
    pub fn mode(&self) -> &'static str {
        match self {
            Self::Embedded(_) => "sample",
            Self::Path(_) | Self::Url(_) => "snapshot",
        }
    }
}

/// The raw files of one load, by name.
#[derive(Debug, Default)]
pub struct RawFiles {
    files: Vec<(String, Cow<'static, [u8]>)>,
}

impl RawFiles {
    /// Files from names and contents.
    pub fn new(files: Vec<(String, Cow<'static, [u8]>)>) -> Self {
        Self { files }
    }

    /// The content of the file named `name`, if present.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_ref())
    }

    /// The content of the file named `name`, or an error naming the missing file.
    pub fn require(&self, source: SourceId, name: &str) -> Result<&[u8], AdapterError> {
        self.get(name)
            .ok_or_else(|| AdapterError::invalid(source, name, "fichier absent de l'export"))
    }

    /// The one file of a single-file source, whatever its name, with its name.
    pub fn single(&self, source: SourceId) -> Result<(&str, &[u8]), AdapterError> {
        match self.files.as_slice() {
            [(name, bytes)] => Ok((name, bytes)),
            [] => Err(AdapterError::invalid(
                source,
                "(aucun fichier)",
                "un fichier est attendu",
            )),
            many => {
                let names: Vec<&str> = many.iter().map(|(n, _)| n.as_str()).collect();
                Err(AdapterError::invalid(
                    source,
                    names.join(", "),
                    "un seul fichier est attendu pour cette source",
                ))
            }
        }
    }

    /// Names of the files.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    /// Replaces every ZIP archive (recognised by its signature, whatever its name: the ROME open-data
    /// endpoint serves `RefRomeCsv.zip` from a URL ending in `/csv`) by the files it contains, named
    /// without their folders. A corrupt archive is an error naming it and the entry at fault.
    pub fn expand_archives(self, source: SourceId) -> Result<Self, AdapterError> {
        if !self.files.iter().any(|(_, b)| is_zip(b)) {
            return Ok(self);
        }
        let mut files = Vec::new();
        for (name, bytes) in self.files {
            if !is_zip(&bytes) {
                files.push((name, bytes));
                continue;
            }
            let corrupt = |what: String| AdapterError::invalid(source, name.clone(), what);
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_ref()))
                .map_err(|e| corrupt(format!("archive ZIP illisible : {e}")))?;
            for i in 0..archive.len() {
                let mut entry = archive
                    .by_index(i)
                    .map_err(|e| corrupt(format!("entrée n°{} illisible : {e}", i + 1)))?;
                if !entry.is_file() {
                    continue;
                }
                let entry_name = entry
                    .name()
                    .map_err(|e| corrupt(format!("entrée n°{} sans nom lisible : {e}", i + 1)))?
                    .into_owned();
                let base = entry_name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(&entry_name)
                    .to_owned();
                let mut content = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
                std::io::Read::read_to_end(&mut entry, &mut content).map_err(|e| {
                    corrupt(format!(
                        "entrée {entry_name} illisible (archive tronquée ?) : {e}"
                    ))
                })?;
                files.push((base, Cow::Owned(content)));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self { files })
    }
}

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// What a parser knows about the load it parses.
#[derive(Debug, Clone)]
pub struct LoadContext {
    /// The source.
    pub descriptor: SourceDescriptor,
    /// When the raw files were fetched; stamped on every record's provenance.
    pub fetched_at: DateTime<Utc>,
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
    etag: Option<String>,
    last_modified: Option<String>,
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
}

const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(300);

impl<D: Dataset> Snapshot<D> {
    /// The snapshot a source's configuration asks for (`sample` or `snapshot` mode); empty until the
    /// first [`Snapshot::refresh`].
    pub fn new(config: &SourceConfig, clock: Clock) -> Result<Self, ConfigError> {
        let origin = config.origin(D::DESCRIPTOR.id, D::SAMPLE, false)?;
        Ok(Self::with_origin(origin, clock))
    }

    /// An empty snapshot read from `origin`.
    pub fn with_origin(origin: Origin, clock: Clock) -> Self {
        let descriptor = D::DESCRIPTOR;
        let http = reqwest::Client::builder()
            .timeout(DOWNLOAD_TIMEOUT)
            .user_agent(concat!("passerelle/", env!("CARGO_PKG_VERSION")))
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
        }
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
            Origin::Path(path) => read_path(source, path).await?,
            Origin::Url(url) => match self.download(url).await? {
                Some(d) => {
                    validators = Some((d.etag, d.last_modified));
                    d.files
                }
                None => return Ok(RefreshOutcome::Unchanged),
            },
        };
        let ctx = LoadContext {
            descriptor: self.descriptor.clone(),
            fetched_at,
        };
        // Archives are expanded and files parsed off the async threads.
        let dataset =
            tokio::task::spawn_blocking(move || D::parse(&files.expand_archives(source)?, &ctx))
                .await
                .map_err(|e| AdapterError::Internal {
                    source_id: source,
                    reason: e.to_string().into(),
                })??;
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
        if let Some((etag, last_modified)) = validators {
            meta.etag = etag;
            meta.last_modified = last_modified;
        }
        Ok(RefreshOutcome::Loaded)
    }

    async fn download(&self, url: &str) -> Result<Option<Downloaded>, AdapterError> {
        let source = self.descriptor.id;
        let shown = redact_url(url);
        let unavailable = |reason: String| AdapterError::Unavailable {
            source_id: source,
            reason,
        };
        let mut request = self.http.get(url);
        {
            let meta = self.meta();
            if self.current.load().is_some() {
                if let Some(etag) = &meta.etag {
                    request = request.header(reqwest::header::IF_NONE_MATCH, etag);
                }
                if let Some(lm) = &meta.last_modified {
                    request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
                }
            }
        }
        let response = request.send().await.map_err(|e| {
            unavailable(format!(
                "téléchargement de {shown} impossible : {}",
                e.without_url()
            ))
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(unavailable(format!("{shown} a répondu {status}")));
        }
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (etag, last_modified) = (
            header(reqwest::header::ETAG),
            header(reqwest::header::LAST_MODIFIED),
        );
        let expected_len = response.content_length();
        let body = response.bytes().await.map_err(|e| {
            unavailable(format!(
                "lecture de {shown} interrompue : {}",
                e.without_url()
            ))
        })?;
        if let Some(expected) = expected_len.filter(|&n| n != body.len() as u64) {
            return Err(unavailable(format!(
                "{shown} tronqué : {} octets reçus sur {expected}",
                body.len()
            )));
        }
        let files = RawFiles::new(vec![(url_file_name(url), Cow::Owned(body.to_vec()))]);
        Ok(Some(Downloaded {
            files,
            etag,
            last_modified,
        }))
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

    async fn refresh(&self) -> Result<RefreshOutcome, AdapterError> {
        Snapshot::refresh(self).await
    }
}

struct Downloaded {
    files: RawFiles,
    etag: Option<String>,
    last_modified: Option<String>,
}

fn url_file_name(url: &str) -> String {
    let path = redact_url(url);
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("download")
        .to_owned()
}

async fn read_path(source: SourceId, path: &Path) -> Result<RawFiles, AdapterError> {
    let io = |what: &str, p: &Path, e: std::io::Error| AdapterError::Unavailable {
        source_id: source,
        reason: format!("{what} {} impossible : {e}", p.display()),
    };
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| io("lecture de", path, e))?;
    let mut files = Vec::new();
    if meta.is_dir() {
        let mut entries = tokio::fs::read_dir(path)
            .await
            .map_err(|e| io("lecture du dossier", path, e))?;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| io("lecture du dossier", path, e))?
        {
            let p = entry.path();
            if entry
                .file_type()
                .await
                .map(|t| t.is_file())
                .unwrap_or(false)
            {
                let bytes = tokio::fs::read(&p)
                    .await
                    .map_err(|e| io("lecture de", &p, e))?;
                files.push((
                    entry.file_name().to_string_lossy().into_owned(),
                    Cow::Owned(bytes),
                ));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
    } else {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| io("lecture de", path, e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((name, Cow::Owned(bytes)));
    }
    Ok(RawFiles::new(files))
}
