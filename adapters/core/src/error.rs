//! The one error type adapters return.
//!
//! It is `Clone` because a request-scoped batch loader hands the same error to every waiting key, and it
//! never carries a secret or a URL with credentials: upstream addresses are reduced to their host by
//! [`redact_url`] before they reach an error.

use std::sync::Arc;

/// Identifier of a source (`rome`, `onisep`, `rncp`, `offre-info`, `repere-metiers`, `geo`).
pub type SourceId = &'static str;

/// What can go wrong when an adapter loads or queries its source.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AdapterError {
    /// The source could not be reached or answered badly; the message says how, without secrets.
    #[error("la source {source_id} est indisponible : {reason}")]
    Unavailable {
        /// Source id.
        source_id: SourceId,
        /// What happened (status, timeout, I/O error…), redacted.
        reason: String,
    },
    /// The source's data (a file or an answer) does not follow its format.
    #[error("la source {source_id} a publié des données invalides : {location} : {problem}")]
    InvalidData {
        /// Source id.
        source_id: SourceId,
        /// Where: a file name with its line, an element path, a record id.
        location: String,
        /// What is wrong, naming the rule.
        problem: String,
    },
    /// The source has not finished loading its data yet.
    #[error("la source {source_id} n'a pas encore chargé ses données")]
    NotReady {
        /// Source id.
        source_id: SourceId,
    },
    /// The query needs something the source cannot answer in its configured mode.
    #[error("la source {source_id} ne permet pas {operation} en mode {mode}")]
    Unsupported {
        /// Source id.
        source_id: SourceId,
        /// The configured mode (`sample`, `snapshot`, `http`).
        mode: &'static str,
        /// The operation, in words (« la recherche par rayon »…).
        operation: String,
    },
    /// A caller's input broke a rule the source enforces (a radius too large, say).
    #[error("{message}")]
    BadInput {
        /// The argument or input field concerned.
        field: String,
        /// The message naming the value and the rule.
        message: String,
    },
    /// An internal failure (a task that panicked…); shared so that the error stays cheap to clone.
    #[error("erreur interne de la source {source_id} : {reason}")]
    Internal {
        /// Source id.
        source_id: SourceId,
        /// Description.
        reason: Arc<str>,
    },
}

impl AdapterError {
    /// The source the error is about, when there is one.
    pub fn source_id(&self) -> Option<SourceId> {
        match self {
            Self::Unavailable { source_id, .. }
            | Self::InvalidData { source_id, .. }
            | Self::NotReady { source_id }
            | Self::Unsupported { source_id, .. }
            | Self::Internal { source_id, .. } => Some(source_id),
            Self::BadInput { .. } => None,
        }
    }

    /// An invalid-data error at a location.
    pub fn invalid(
        source_id: SourceId,
        location: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        Self::InvalidData {
            source_id,
            location: location.into(),
            problem: problem.into(),
        }
    }
}

/// Reduces a URL to `scheme://host[:port]/path` without user info, query string or fragment, so that a
/// token passed as a query parameter or credentials in the authority never reach a log or an error.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let rest = match rest.split_once('/') {
        Some((authority, path)) => {
            let host = authority.rsplit('@').next().unwrap_or(authority);
            format!("{host}/{path}")
        }
        None => rest.rsplit('@').next().unwrap_or(rest).to_owned(),
    };
    if scheme.is_empty() {
        rest
    } else {
        format!("{scheme}://{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_drops_credentials_and_query() {
        assert_eq!(
            redact_url("https://user:secret@api.example.org/v1/x?token=abc#f"),
            "https://api.example.org/v1/x"
        );
        assert_eq!(redact_url("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    #[test]
    fn errors_name_their_source() {
        let e = AdapterError::invalid("rome", "unix_texte_v460_utf8.csv:12", "champ manquant");
        assert_eq!(e.source_id(), Some("rome"));
        assert!(e.to_string().contains("unix_texte_v460_utf8.csv:12"));
    }
}
