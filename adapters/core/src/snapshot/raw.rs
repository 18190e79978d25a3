//! The raw material of a snapshot: embedded files, where files come from, and the files of one load
//! (archives expanded).

use std::borrow::Cow;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::{AdapterError, SourceId};

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
    /// Files, or folders whose files are read (not recursively), all parsed together.
    Paths(Vec<PathBuf>),
    /// Files downloaded over HTTP(S), all parsed together.
    Urls(Vec<String>),
    /// Files obtained by an adapter's own means (a paginated API walked whole).
    Fetch(Arc<dyn Fetch>),
}

impl Origin {
    /// The mode name shown in health and errors.
    pub fn mode(&self) -> &'static str {
        match self {
            Self::Embedded(_) => "sample",
            Self::Paths(_) | Self::Urls(_) | Self::Fetch(_) => "snapshot",
        }
    }
}

/// The future a [`Fetch`] returns.
pub type FetchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<RawFiles, AdapterError>> + Send + 'a>>;

/// A way of obtaining a snapshot's raw files other than reading a path or downloading a file: an API
/// whose pages are walked to gather the whole dataset, say. The result is parsed like any file.
pub trait Fetch: Send + Sync + std::fmt::Debug + 'static {
    /// Gathers the raw files of one load.
    fn fetch(&self) -> FetchFuture<'_>;
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

    /// Adds the files of another load (several paths or URLs parsed together).
    pub fn extend(&mut self, other: RawFiles) {
        self.files.extend(other.files);
    }

    /// The files, with their names.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(n, b)| (n.as_str(), b.as_ref()))
    }

    /// Names of the files.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    /// Replaces every gzip-compressed file (`offres.xml.gz`) by its content, named without `.gz`, and
    /// every ZIP archive by the files it contains, named without their folders. Both are recognised by
    /// their signature, whatever their name (the ROME open-data endpoint serves `RefRomeCsv.zip` from a
    /// URL ending in `/csv`). A corrupt file is an error naming it and the entry at fault.
    pub fn expand_archives(self, source: SourceId) -> Result<Self, AdapterError> {
        if !self.files.iter().any(|(_, b)| is_zip(b) || is_gzip(b)) {
            return Ok(self);
        }
        let mut files = Vec::new();
        for (name, bytes) in self.files {
            if is_gzip(&bytes) {
                let mut content = Vec::new();
                std::io::Read::read_to_end(
                    &mut flate2::read::MultiGzDecoder::new(bytes.as_ref()),
                    &mut content,
                )
                .map_err(|e| {
                    AdapterError::invalid(
                        source,
                        name.clone(),
                        format!("fichier gzip illisible (tronqué ?) : {e}"),
                    )
                })?;
                let plain = name.strip_suffix(".gz").unwrap_or(&name).to_owned();
                files.push((plain, Cow::Owned(content)));
                continue;
            }
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

fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x1f\x8b")
}

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}
