//! The last good snapshot of a downloaded source, kept on disk so that a restart without upstream still
//! serves. A load writes its raw files to `<dir>.nouveau` while it parses them; only once the data has
//! been parsed, checked and swapped in does that folder replace `<dir>` (two renames), so the folder on
//! disk always holds a whole, good snapshot.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::snapshot::fetch::Validators;
use crate::snapshot::raw::RawFiles;

/// What is kept next to the files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DiskMeta {
    /// When the data was fetched.
    pub fetched_at: DateTime<Utc>,
    /// The files' names, in order (stored as `0`, `1`… so that any name fits).
    pub names: Vec<String>,
    /// The validators of each URL, for a conditional GET after a restart.
    #[serde(default)]
    pub validators: HashMap<String, Validators>,
    /// The number of records of the data, for the sanity bound of the next load.
    pub records: usize,
}

/// A source's folder in the cache directory.
#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    dir: PathBuf,
}

impl DiskCache {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn staging(&self) -> PathBuf {
        self.dir.with_extension("nouveau")
    }

    /// The metadata of the snapshot kept, if there is a whole one.
    pub async fn meta(&self) -> Option<DiskMeta> {
        let bytes = tokio::fs::read(self.dir.join("meta.json")).await.ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The files of the snapshot kept.
    pub async fn read(&self) -> std::io::Result<(DiskMeta, RawFiles)> {
        let meta = self.meta().await.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "meta.json absent ou illisible",
            )
        })?;
        let mut files = Vec::with_capacity(meta.names.len());
        for (i, name) in meta.names.iter().enumerate() {
            let bytes = tokio::fs::read(self.dir.join("fichiers").join(i.to_string())).await?;
            files.push((name.clone(), Cow::Owned(bytes)));
        }
        Ok((meta, RawFiles::new(files)))
    }

    /// Writes `files` to the staging folder (the snapshot kept is untouched).
    pub async fn stage(&self, files: &RawFiles) -> std::io::Result<Vec<String>> {
        let staging = self.staging();
        let _ = tokio::fs::remove_dir_all(&staging).await;
        tokio::fs::create_dir_all(staging.join("fichiers")).await?;
        let mut names = Vec::new();
        for (i, (name, bytes)) in files.iter().enumerate() {
            tokio::fs::write(staging.join("fichiers").join(i.to_string()), bytes).await?;
            names.push(name.to_owned());
        }
        Ok(names)
    }

    /// Makes the staged files the snapshot kept.
    pub async fn commit(&self, meta: &DiskMeta) -> std::io::Result<()> {
        let staging = self.staging();
        let json = serde_json::to_vec_pretty(meta).map_err(std::io::Error::other)?;
        tokio::fs::write(staging.join("meta.json"), json).await?;
        let old = self.dir.with_extension("ancien");
        let _ = tokio::fs::remove_dir_all(&old).await;
        if tokio::fs::metadata(&self.dir).await.is_ok() {
            tokio::fs::rename(&self.dir, &old).await?;
        }
        tokio::fs::rename(&staging, &self.dir).await?;
        let _ = tokio::fs::remove_dir_all(&old).await;
        Ok(())
    }

    /// Drops the staged files (the load failed).
    pub async fn discard(&self) {
        let _ = tokio::fs::remove_dir_all(self.staging()).await;
    }

    /// Where the snapshot is kept, for messages.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}
