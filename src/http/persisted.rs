//! Persisted operations.
//!
//! - **Automatic persisted queries** (Apollo's protocol): a request may carry
//!   `extensions.persistedQuery = { version: 1, sha256Hash }`. With the query, the hash is checked and
//!   the query remembered; without it, the remembered query runs, or the answer is the error
//!   `PERSISTED_QUERY_NOT_FOUND` (the client sends it again with the query). A GET by hash is then a
//!   short, cacheable URL.
//! - **Trusted documents** (`[persisted] trusted_documents = "dossier"`): only the operations of the
//!   manifest directory run (`*.graphql` files, each one document, identified by the SHA-256 of its
//!   text); any other gets `OPERATION_NOT_TRUSTED`. Partners send the hash alone, or the text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_graphql::{ServerError, Value};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Code of an unknown hash.
pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
/// Code of an operation outside the trusted documents.
pub const OPERATION_NOT_TRUSTED: &str = "OPERATION_NOT_TRUSTED";

/// `[persisted]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PersistedConfig {
    /// Automatic persisted queries. Default `true`.
    pub apq: bool,
    /// How many persisted queries are remembered (least recently used forgotten). Default 10 000.
    pub apq_capacity: u64,
    /// Trusted documents: a folder of `*.graphql` files; only these operations run. Default: none.
    pub trusted_documents: Option<PathBuf>,
}

impl Default for PersistedConfig {
    fn default() -> Self {
        Self {
            apq: true,
            apq_capacity: 10_000,
            trusted_documents: None,
        }
    }
}

/// The SHA-256 of a document, in lowercase hexadecimal.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The persisted operations of the server.
#[derive(Debug, Clone)]
pub struct Persisted {
    apq: Option<moka::sync::Cache<String, Arc<str>>>,
    trusted: Option<Arc<Trusted>>,
}

/// The trusted documents: each by the SHA-256 of its file's text and of that text without its final
/// blank lines (editors end files with one, clients often send the document without it).
#[derive(Debug)]
struct Trusted {
    by_hash: HashMap<String, Arc<str>>,
    files: usize,
}

fn error(code: &'static str, message: String) -> ServerError {
    crate::graphql::errors::request_error(code, message, |_| {})
}

impl Persisted {
    /// Builds the store; reads the trusted documents, naming the file of any that cannot be read.
    pub fn new(config: &PersistedConfig) -> Result<Self, String> {
        let trusted = match &config.trusted_documents {
            None => None,
            Some(dir) => Some(Arc::new(read_manifest(dir)?)),
        };
        Ok(Self {
            apq: config
                .apq
                .then(|| moka::sync::Cache::new(config.apq_capacity.max(1))),
            trusted,
        })
    }

    /// How many trusted documents are loaded (`None`: the mode is off).
    pub fn trusted_count(&self) -> Option<usize> {
        self.trusted.as_ref().map(|t| t.files)
    }

    /// Fills in the query of a request sent by hash, remembers a query sent with its hash, and refuses
    /// what is not trusted; the request error otherwise.
    pub fn resolve(&self, request: &mut async_graphql::Request) -> Result<(), ServerError> {
        let hash = match request.extensions.get("persistedQuery") {
            None => None,
            Some(Value::Object(pq)) => {
                if let Some(version) = pq.get("version")
                    && version != &Value::from(1)
                {
                    return Err(error(
                        "PERSISTED_QUERY_NOT_SUPPORTED",
                        format!(
                            "extensions.persistedQuery.version = {version} : seule la version 1 est prise en charge"
                        ),
                    ));
                }
                match pq.get("sha256Hash") {
                    Some(Value::String(h)) => Some(h.to_ascii_lowercase()),
                    _ => {
                        return Err(error(
                            "BAD_USER_INPUT",
                            "extensions.persistedQuery.sha256Hash : une chaîne hexadécimale de 64 caractères est attendue".into(),
                        ));
                    }
                }
            }
            Some(_) => {
                return Err(error(
                    "BAD_USER_INPUT",
                    "extensions.persistedQuery : un objet { version, sha256Hash } est attendu"
                        .into(),
                ));
            }
        };
        let has_query = !request.query.trim().is_empty();
        if let Some(trusted) = &self.trusted {
            let key = match (&hash, has_query) {
                (_, true) => sha256_hex(&request.query),
                (Some(h), false) => h.clone(),
                (None, false) => return Ok(()),
            };
            // A text is the file's, or the file's without its final blank lines (editors add one).
            let found = trusted.by_hash.get(&key).or_else(|| {
                has_query
                    .then(|| trusted.by_hash.get(&sha256_hex(request.query.trim_end())))
                    .flatten()
            });
            return match found {
                Some(text) => {
                    request.query = text.to_string();
                    Ok(())
                }
                None => Err(error(
                    OPERATION_NOT_TRUSTED,
                    format!(
                        "opération non autorisée : seules les {} opérations du manifeste de documents de confiance s'exécutent (empreinte sha256 {key})",
                        trusted.files
                    ),
                )),
            };
        }
        let Some(hash) = hash else {
            return Ok(());
        };
        let Some(apq) = &self.apq else {
            return Err(error(
                "PERSISTED_QUERY_NOT_SUPPORTED",
                "les requêtes persistées automatiques sont désactivées ([persisted] apq = false)"
                    .into(),
            ));
        };
        if has_query {
            let actual = sha256_hex(&request.query);
            if actual != hash {
                return Err(error(
                    "BAD_USER_INPUT",
                    format!(
                        "extensions.persistedQuery.sha256Hash = {hash} ne correspond pas à la requête (sha256 {actual})"
                    ),
                ));
            }
            apq.insert(hash, Arc::from(request.query.as_str()));
            return Ok(());
        }
        match apq.get(&hash) {
            Some(text) => {
                request.query = text.to_string();
                Ok(())
            }
            None => Err(error(
                PERSISTED_QUERY_NOT_FOUND,
                "PersistedQueryNotFound : envoyez la requête avec son empreinte".into(),
            )),
        }
    }
}

/// The `*.graphql` files of `dir`, by the SHA-256 of their text (see [`Trusted`]).
fn read_manifest(dir: &Path) -> Result<Trusted, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "persisted.trusted_documents = « {} » : dossier illisible : {e}",
            dir.display()
        )
    })?;
    let mut documents = HashMap::new();
    let mut files = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("graphql") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("document de confiance {} illisible : {e}", path.display()))?;
        async_graphql::parser::parse_query(&text).map_err(|e| {
            format!(
                "document de confiance {} : GraphQL invalide : {e}",
                path.display()
            )
        })?;
        let text: Arc<str> = Arc::from(text.as_str());
        documents.insert(sha256_hex(text.trim_end()), Arc::clone(&text));
        documents.insert(sha256_hex(&text), text);
        files += 1;
    }
    if files == 0 {
        return Err(format!(
            "persisted.trusted_documents = « {} » : aucun fichier *.graphql",
            dir.display()
        ));
    }
    Ok(Trusted {
        by_hash: documents,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lowercase_hex() {
        assert_eq!(
            sha256_hex("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }
}
