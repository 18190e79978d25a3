//! Reading a snapshot's raw files from disk and downloading them, conditionally, over HTTP(S).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{AdapterError, SourceId, redact_url};
use crate::snapshot::raw::RawFiles;

/// What a server said about a file, to ask next time whether it changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Reads every path (a file, or the files of a folder, not recursively), in the order given.
pub(crate) async fn read_paths(
    source: SourceId,
    paths: &[PathBuf],
) -> Result<RawFiles, AdapterError> {
    let mut all = RawFiles::default();
    for path in paths {
        all.extend(read_path(source, path).await?);
    }
    Ok(all)
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

/// The files of several URLs, downloaded whole, with their validators; `None` when every URL answered
/// 304 to its conditional GET (`known` holds the validators of the data being served). When only some
/// changed, the unchanged ones are downloaded again: the dataset is always parsed from all of them.
pub(crate) async fn download_all(
    http: &reqwest::Client,
    source: SourceId,
    urls: &[String],
    known: &HashMap<String, Validators>,
) -> Result<Option<(RawFiles, HashMap<String, Validators>)>, AdapterError> {
    let mut got = Vec::with_capacity(urls.len());
    for url in urls {
        got.push(download(http, source, url, known.get(url)).await?);
    }
    if got.iter().all(Option::is_none) {
        return Ok(None);
    }
    let mut files = RawFiles::default();
    let mut validators = HashMap::new();
    for (url, d) in urls.iter().zip(got) {
        let (f, v) = match d {
            Some(d) => d,
            None => download(http, source, url, None).await?.ok_or_else(|| {
                AdapterError::Unavailable {
                    source_id: source,
                    reason: format!(
                        "{} a répondu 304 à une requête sans condition",
                        redact_url(url)
                    ),
                }
            })?,
        };
        files.extend(f);
        validators.insert(url.clone(), v);
    }
    Ok(Some((files, validators)))
}

/// One file; `None` when the server says it has not changed since `known`.
async fn download(
    http: &reqwest::Client,
    source: SourceId,
    url: &str,
    known: Option<&Validators>,
) -> Result<Option<(RawFiles, Validators)>, AdapterError> {
    let shown = redact_url(url);
    let unavailable = |reason: String| AdapterError::Unavailable {
        source_id: source,
        reason,
    };
    let mut request = http.get(url);
    if let Some(known) = known {
        if let Some(etag) = &known.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &known.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
    }
    let response = request.send().await.map_err(|e| {
        unavailable(format!(
            "téléchargement de {shown} impossible : {}",
            e.without_url()
        ))
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED && known.is_some() {
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
    let validators = Validators {
        etag: header(reqwest::header::ETAG),
        last_modified: header(reqwest::header::LAST_MODIFIED),
    };
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
    Ok(Some((files, validators)))
}

fn url_file_name(url: &str) -> String {
    let path = redact_url(url);
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("download")
        .to_owned()
}
