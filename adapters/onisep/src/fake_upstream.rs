//! An ONISEP open-data API stand-in for tests: a real HTTP server on 127.0.0.1 speaking the API's shapes
//! — `POST /api/1.0/login` (form `email`, `password` → `{"token"}`) and
//! `GET /api/1.0/dataset/{id}/search?q=&size=&from=` (→ `{"total","size","from","results"}`, rows with the
//! export's field names, `annee` and `gencod` as numbers), guarded by the bearer token and the
//! `Application-ID` header. It serves the rows of an Idéo-Métiers XML file, read element by element
//! (not through the adapter's parser), and its full-text search matches every word of `q` at the start of
//! a word of any field. Behind the `test-support` feature.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use passerelle_core::text::fold;
use serde_json::{Map, Value};

/// The account e-mail the stand-in accepts.
pub const EMAIL: &str = "passerelle@exemple.fr";
/// The password the stand-in accepts.
pub const PASSWORD: &str = "pAsSwOrD-onisep-never-shown";
/// The application id the stand-in accepts.
pub const APPLICATION_ID: &str = "app-onisep-3b9d-never-shown";
/// The dataset id served.
pub const DATASET: &str = "5fa5949243f97";
/// Largest page the stand-in serves.
pub const MAX_SIZE: usize = 1000;

/// What the fake ONISEP does and has seen.
#[derive(Debug, Default)]
pub struct Upstream {
    /// Rows served, in order.
    pub rows: Vec<Value>,
    /// Folded text of each row, for the search.
    folded: Vec<String>,
    pub logins: AtomicU64,
    pub searches: AtomicU64,
    /// Tokens accepted.
    pub valid: Mutex<HashSet<String>>,
    /// Fail every search with 503.
    pub down: AtomicBool,
}

impl Upstream {
    /// Every token issued so far stops being accepted (as after their 24 hours).
    pub fn expire_tokens(&self) {
        self.valid.lock().unwrap().clear();
    }
}

/// The rows of an Idéo-Métiers XML file, as the API serves them.
pub fn rows_from_xml(xml: &[u8]) -> Vec<Value> {
    let mut rows = Vec::new();
    passerelle_core::xml::read_records(
        "onisep",
        "fixture.xml",
        xml,
        "item",
        |_| Ok(()),
        |item| {
            let mut row = Map::new();
            for child in &item.children {
                let text = child.text.trim();
                let value = match child.name.as_str() {
                    "annee" | "gencod" if text.is_empty() => Value::Null,
                    "annee" | "gencod" => text
                        .parse::<u64>()
                        .map_or_else(|_| Value::String(text.to_owned()), Value::from),
                    _ => Value::String(text.to_owned()),
                };
                row.insert(child.name.clone(), value);
            }
            rows.push(Value::Object(row));
        },
    )
    .unwrap();
    rows
}

async fn login(
    State(up): State<Arc<Upstream>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ok = form.get("email").map(String::as_str) == Some(EMAIL)
        && form.get("password").map(String::as_str) == Some(PASSWORD);
    if !ok {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"code": 401, "message": "Invalid credentials."})),
        )
            .into_response();
    }
    let n = up.logins.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("eyJ-onisep-{n}");
    up.valid.lock().unwrap().insert(token.clone());
    axum::Json(serde_json::json!({ "token": token })).into_response()
}

async fn search(
    State(up): State<Arc<Upstream>>,
    Path(dataset): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    up.searches.fetch_add(1, Ordering::SeqCst);
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !up.valid.lock().unwrap().contains(bearer) {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"code":401,"message":"Expired JWT Token"}"#,
        )
            .into_response();
    }
    if headers.get("application-id").and_then(|v| v.to_str().ok()) != Some(APPLICATION_ID) {
        return (
            StatusCode::FORBIDDEN,
            r#"{"message":"Application-ID inconnu"}"#,
        )
            .into_response();
    }
    if dataset != DATASET {
        return StatusCode::NOT_FOUND.into_response();
    }
    if up.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let size: usize = q.get("size").and_then(|s| s.parse().ok()).unwrap_or(10);
    let from: usize = q.get("from").and_then(|s| s.parse().ok()).unwrap_or(0);
    if size > MAX_SIZE {
        return (StatusCode::BAD_REQUEST, r#"{"message":"size trop grand"}"#).into_response();
    }
    let words: Vec<String> = fold(q.get("q").map(String::as_str).unwrap_or_default())
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let hits: Vec<&Value> = up
        .rows
        .iter()
        .zip(&up.folded)
        .filter(|(_, text)| {
            words
                .iter()
                .all(|w| text.split(' ').any(|t| t.starts_with(w.as_str())))
        })
        .map(|(row, _)| row)
        .collect();
    let page: Vec<&Value> = hits.iter().skip(from).take(size).copied().collect();
    axum::Json(serde_json::json!({
        "total": hits.len(),
        "size": page.len(),
        "from": from,
        "results": page,
        "facets": {}
    }))
    .into_response()
}

/// Starts the stand-in serving `rows`; the API's base URL is `http://{addr}/api/1.0`.
pub async fn start_upstream(rows: Vec<Value>) -> (SocketAddr, Arc<Upstream>) {
    let folded = rows
        .iter()
        .map(|r| {
            let text: Vec<String> = r
                .as_object()
                .into_iter()
                .flat_map(|o| o.values())
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            fold(&text.join(" "))
        })
        .collect();
    let up = Arc::new(Upstream {
        rows,
        folded,
        ..Upstream::default()
    });
    let app = axum::Router::new()
        .route("/api/1.0/login", post(login))
        .route("/api/1.0/dataset/{dataset}/search", get(search))
        .with_state(Arc::clone(&up));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, up)
}
