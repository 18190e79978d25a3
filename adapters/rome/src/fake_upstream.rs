//! A France Travail stand-in for tests: a real HTTP server on 127.0.0.1 that speaks the OAuth2 token
//! endpoint and the ROME 4.0 API shapes, serving the JSON fixtures of `tests/fixtures/francetravail`
//! (generated from the embedded sample by `generate.py`). Behind the `test-support` feature.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// The client secret the stand-in accepts.
pub const SECRET: &str = "sEcReT-f7a1c9e2-never-shown";
/// The client id the stand-in accepts.
pub const CLIENT_ID: &str = "PAR_passerelle_test";

/// What the fake France Travail does and has seen.
#[derive(Debug, Default)]
pub struct Upstream {
    pub tokens_issued: AtomicU64,
    pub api_calls: AtomicU64,
    /// Token lifetime announced in `expires_in`.
    pub expires_in: AtomicU64,
    /// Answer the next N API calls with 429 + Retry-After: 1.
    pub throttle_next: AtomicU64,
    /// When the last 429 was sent, and when the next call came.
    pub throttled_at: Mutex<Option<Instant>>,
    pub retried_after: Mutex<Option<Duration>>,
    /// Reject the credentials, echoing them back (a careless server).
    pub reject_credentials: AtomicBool,
    /// Slow token endpoint, so that concurrent callers pile up behind one fetch.
    pub token_delay_ms: AtomicU64,
    /// Tokens issued and still valid (value -> expiry).
    pub valid: Mutex<HashMap<String, Instant>>,
    /// The path of every API call, in order.
    pub paths: Mutex<Vec<String>>,
    /// Answer every code ROME, not only the fixtures' (the M1805 fixture with the code replaced).
    pub any_code: AtomicBool,
}

impl Upstream {
    /// How many API calls went to `path`.
    pub fn calls_to(&self, path: &str) -> usize {
        self.paths
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

/// The fixture `{kind}-{code}.json`, or, when told to answer every code, the M1805 one made into `code`.
fn fixture_or_made(up: &Upstream, kind: &str, code: &str) -> Option<String> {
    fixture(&format!("{kind}-{code}.json")).or_else(|| {
        (up.any_code.load(Ordering::SeqCst) && code.len() == 5)
            .then(|| fixture(&format!("{kind}-M1805.json")))
            .flatten()
            .map(|f| f.replace("M1805", code))
    })
}

/// A fixture file by name.
pub fn fixture(name: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/francetravail")
        .join(name);
    std::fs::read_to_string(path).ok()
}

async fn token(
    State(up): State<Arc<Upstream>>,
    Query(q): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    assert_eq!(q.get("realm").map(String::as_str), Some("/partenaire"));
    tokio::time::sleep(Duration::from_millis(
        up.token_delay_ms.load(Ordering::SeqCst),
    ))
    .await;
    let ok = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(SECRET)
        && form
            .get("scope")
            .is_some_and(|s| s.contains("api_rome-metiersv1"));
    if !ok || up.reject_credentials.load(Ordering::SeqCst) {
        let echoed = format!(
            r#"{{"error":"invalid_client","error_description":"Client authentication failed for {} / {}"}}"#,
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned().unwrap_or_default()
        );
        return (StatusCode::UNAUTHORIZED, echoed).into_response();
    }
    let n = up.tokens_issued.fetch_add(1, Ordering::SeqCst) + 1;
    let expires_in = up.expires_in.load(Ordering::SeqCst);
    let value = format!("token-{n}");
    up.valid.lock().unwrap().insert(
        value.clone(),
        Instant::now() + Duration::from_secs(expires_in),
    );
    axum::Json(serde_json::json!({
        "access_token": value,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": form["scope"],
    }))
    .into_response()
}

/// Checks the bearer token and the throttling, then answers with `body`.
fn guarded(up: &Upstream, headers: &HeaderMap, body: Option<String>) -> Response {
    up.api_calls.fetch_add(1, Ordering::SeqCst);
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let valid = up
        .valid
        .lock()
        .unwrap()
        .get(&bearer)
        .is_some_and(|exp| Instant::now() < *exp);
    if !valid {
        return (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Bearer")],
            "",
        )
            .into_response();
    }
    {
        let mut at = up.throttled_at.lock().unwrap();
        if let Some(t) = at.take() {
            *up.retried_after.lock().unwrap() = Some(t.elapsed());
        }
        if up
            .throttle_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            *at = Some(Instant::now());
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                r#"{"message":"Limite de requêtes atteinte"}"#,
            )
                .into_response();
        }
    }
    match body {
        Some(b) => ([("content-type", "application/json")], b).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn metier(
    State(up): State<Arc<Upstream>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    up.paths
        .lock()
        .unwrap()
        .push(format!("/metiers/metier/{code}"));
    guarded(&up, &headers, fixture_or_made(&up, "metier", &code))
}

async fn fiche(
    State(up): State<Arc<Upstream>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    up.paths
        .lock()
        .unwrap()
        .push(format!("/fiches-rome/fiche-metier/{code}"));
    guarded(&up, &headers, fixture_or_made(&up, "fiche-metier", &code))
}

async fn requete(
    State(up): State<Arc<Upstream>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let body = match q.get("q").map(String::as_str) {
        Some("developpeur web") => fixture("appellation-requete-developpeur-web.json"),
        Some("developpeur") => Some(
            // 25 hits exist, the API returns its 20 best.
            serde_json::json!({
                "totalResultats": 25,
                "requete": "developpeur",
                "resultats": (0..20).map(|i| serde_json::json!({
                    "code": format!("{}", 38000 + i),
                    "libelle": format!("Développeur {i}"),
                    "metier": {"code": "M1805", "libelle": "Développeur / Développeuse informatique"}
                })).collect::<Vec<_>>()
            })
            .to_string(),
        ),
        _ => Some(r#"{"totalResultats":0,"resultats":[]}"#.to_owned()),
    };
    guarded(&up, &headers, body)
}

async fn version(State(up): State<Arc<Upstream>>, headers: HeaderMap) -> Response {
    guarded(&up, &headers, Some(r#"{"version":"60"}"#.to_owned()))
}

pub async fn start_upstream() -> (SocketAddr, Arc<Upstream>) {
    let up = Arc::new(Upstream::default());
    up.expires_in.store(1499, Ordering::SeqCst);
    let app = axum::Router::new()
        .route("/connexion/oauth2/access_token", post(token))
        .route(
            "/partenaire/rome-metiers/v1/metiers/metier/{code}",
            get(metier),
        )
        .route(
            "/partenaire/rome-fiches-metiers/v1/fiches-rome/fiche-metier/{code}",
            get(fiche),
        )
        .route(
            "/partenaire/rome-metiers/v1/metiers/appellation/requete",
            get(requete),
        )
        .route("/partenaire/rome-metiers/v1/metiers/version", get(version))
        .with_state(Arc::clone(&up));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, up)
}
