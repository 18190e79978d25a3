//! Caching and resilience against upstreams on 127.0.0.1 that count requests and can be told to fail:
//! batching, coalescing, stale-while-revalidate and stale-if-error with the response's marker, the
//! circuit breaker, snapshots that never lose data (sanity bound, disk cache across a restart), two
//! replicas sharing a real `redis-server`, the admin routes and `Cache-Control`.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use passerelle::config::Config;
use passerelle_core::config::{Mode, SourceConfig};
use passerelle_geo::fake_upstream::{Behaviour, start_laposte};
use serde_json::{Value, json};

use crate::helpers::{TestApp, errors, shared, spawn_app_with, start_rome_binary, test_config};

const LYON: &str = r#"{ commune(codeInsee: "69123") { nom } }"#;

/// The samples, with the communes asked live from `addr` (API Géo's shapes), short timeouts and
/// windows so that the tests run fast.
pub(crate) fn geo_http(addr: SocketAddr) -> Config {
    let mut config = test_config();
    let mut geo = SourceConfig {
        mode: Mode::Http,
        url: Some(format!("http://{addr}/").into()),
        ..SourceConfig::default()
    };
    geo.http.rate_limit = 1000.0;
    geo.http.retries = 1;
    geo.http.timeout = Duration::from_secs(3);
    config.sources.geo = geo;
    config
}

/// The commune's name, in capitals (the La Poste file writes them so, API Géo does not).
fn nom(body: &Value) -> Option<String> {
    body["data"]["commune"]["nom"]
        .as_str()
        .map(str::to_uppercase)
}

/// The fields `selection` of source `id` in the sources directory.
async fn source(app: &TestApp, id: &str, selection: &str) -> Value {
    let (_, body) = app
        .query(&format!("{{ sources {{ id {selection} }} }}"), json!({}))
        .await;
    body["data"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
        .clone()
}

async fn protection(app: &TestApp, id: &str) -> Value {
    source(
        app,
        id,
        "protection { disjoncteur ouverturesDisjoncteur requetesAmont appelsCourtCircuites cacheSucces cacheRegroupees cachePerimeesSurErreur cachePartageSucces }",
    )
    .await["protection"]
        .clone()
}

#[tokio::test]
async fn a_hundred_concurrent_identical_queries_on_a_cold_cache_make_one_upstream_request() {
    let (addr, up) = start_laposte().await;
    let app = Arc::new(spawn_app_with(geo_http(addr), true).await);
    up.delay_ms.store(200, Ordering::SeqCst);
    let before = up.lookups.load(Ordering::SeqCst);
    let queries: Vec<_> = (0..100)
        .map(|_| {
            let app = Arc::clone(&app);
            tokio::spawn(async move { app.query(LYON, json!({})).await })
        })
        .collect();
    for q in queries {
        let (status, body) = q.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(nom(&body), Some("LYON".into()), "{body}");
    }
    let lookups = up.lookups.load(Ordering::SeqCst) - before;
    assert_eq!(lookups, 1, "100 concurrent queries, one upstream request");
    let p = protection(&app, "geo").await;
    assert!(p["cacheRegroupees"].as_u64().unwrap() >= 1, "{p}");
    // Warm now: no upstream request at all.
    let (_, body) = app.query(LYON, json!({})).await;
    assert_eq!(nom(&body), Some("LYON".into()));
    assert_eq!(up.lookups.load(Ordering::SeqCst) - before, 1);
    eprintln!(
        "coalescing: 100 concurrent identical queries -> {lookups} request(s) to /communes/69123"
    );
}

/// The serving threads of `[server] scheduling = "per-core"` alive in this process (the tests run the
/// application in-process; no other test asks for this scheduling).
fn serving_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end().starts_with("passerelle-"))
        .count()
}

#[tokio::test]
async fn per_core_scheduling_shares_sources_between_its_threads_and_finishes_requests_on_stop() {
    let (addr, up) = start_laposte().await;
    let mut config = geo_http(addr);
    config.server.scheduling = passerelle::config::Scheduling::PerCore;
    config.server.threads = Some(2);
    let app = Arc::new(spawn_app_with(config, true).await);
    assert_eq!(serving_threads(), 2, "two serving threads");
    up.delay_ms.store(200, Ordering::SeqCst);
    // A hundred connections, accepted by either thread: one upstream request between them.
    let before = up.lookups.load(Ordering::SeqCst);
    let queries: Vec<_> = (0..100)
        .map(|_| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let response = client
                    .post(format!("{}/graphql", app.base))
                    .json(&json!({ "query": LYON }))
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            })
        })
        .collect();
    for q in queries {
        let (status, body) = q.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(nom(&body), Some("LYON".into()), "{body}");
    }
    assert_eq!(up.lookups.load(Ordering::SeqCst) - before, 1);
    // A request in flight when the stop comes is answered, then the threads end.
    let app = Arc::into_inner(app).expect("the queries are done");
    let base = app.base.clone();
    let slow = {
        let (client, base) = (app.client.clone(), base.clone());
        tokio::spawn(async move {
            let response = client
                .post(format!("{base}/graphql"))
                .json(&json!({ "query": r#"{ commune(codeInsee: "75056") { nom } }"# }))
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopped = tokio::spawn(app.stop());
    let (status, body) = slow.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nom(&body), Some("PARIS".into()), "{body}");
    stopped.await.unwrap();
    assert_eq!(serving_threads(), 0, "the serving threads have ended");
    assert!(
        reqwest::get(format!("{base}/health/live")).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn a_list_of_actions_asks_each_distinct_commune_once() {
    // Without waiting (the default: one turn of the scheduler) and with `[server] batch_delay`.
    for delay in [Duration::ZERO, Duration::from_millis(5)] {
        a_list_of_actions_asks_each_distinct_commune_once_with(delay).await;
    }
}

async fn a_list_of_actions_asks_each_distinct_commune_once_with(delay: Duration) {
    let (addr, up) = start_laposte().await;
    let mut config = geo_http(addr);
    config.server.batch_delay = delay;
    let app = spawn_app_with(config, true).await;
    let before = up.lookups.load(Ordering::SeqCst);
    let (_, body) = app
        .query(
            "{ actionsFormation(first: 50) { edges { node { numero organismeFormateur { raisonSociale } lieu { codeInsee commune { nom } } } } } }",
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let edges = body["data"]["actionsFormation"]["edges"]
        .as_array()
        .unwrap();
    let communes: BTreeSet<&str> = edges
        .iter()
        .filter_map(|e| e["node"]["lieu"]["codeInsee"].as_str())
        .collect();
    let lookups = up.lookups.load(Ordering::SeqCst) - before;
    assert!(edges.len() > communes.len(), "several actions per commune");
    assert_eq!(
        lookups as usize,
        communes.len(),
        "one request per distinct commune, never one per row"
    );
    eprintln!(
        "batching ({delay:?}): {} actions, {} distinct communes -> {lookups} request(s) to API Géo",
        edges.len(),
        communes.len()
    );
}

/// A request cut by `limits.execution_timeout` takes its upstream calls with it: a batch runs in the
/// request's task, so the retry a 429 asked for (`Retry-After: 1`) is never sent for an answer nobody
/// waits for any more. Batches in a task of their own went on calling, and spent the source's quota.
#[tokio::test]
async fn a_request_cut_by_its_timeout_stops_its_upstream_calls() {
    let (addr, up) = start_laposte().await;
    let mut config = geo_http(addr);
    config.limits.execution_timeout = Duration::from_millis(300);
    let app = spawn_app_with(config, true).await;
    up.behave(Behaviour::TooManyRequestsOnce);
    let before = up.lookups.load(Ordering::SeqCst);
    let started = Instant::now();
    let (_, body) = app.query(LYON, json!({})).await;
    let took = started.elapsed();
    assert_eq!(
        errors(&body)[0]["extensions"]["limite"],
        "limits.execution_timeout",
        "{body}"
    );
    assert!(took < Duration::from_millis(900), "answered after {took:?}");
    // Past the Retry-After: the retry would have been sent by now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        up.lookups.load(Ordering::SeqCst) - before,
        1,
        "only the call made while the request ran"
    );
    // The source is fine for the next request.
    let (_, body) = app.query(LYON, json!({})).await;
    assert_eq!(nom(&body), Some("LYON".into()), "{body}");
}

#[tokio::test]
async fn failures_give_partial_answers_fast_and_never_replace_good_data() {
    let (addr, up) = start_laposte().await;
    let mut config = geo_http(addr);
    config.sources.geo.cache.ttl = Duration::from_millis(300);
    config.sources.geo.cache.stale_while_revalidate = Duration::ZERO;
    // The breaker stays closed here: every failure must reach the upstream.
    config.sources.geo.http.circuit_min_calls = 1000;
    config.sources.geo.http.timeout = Duration::from_millis(500);
    let app = spawn_app_with(config, true).await;
    let both = r#"{ commune(codeInsee: "69123") { nom } metier(codeRome: "M1805") { libelle } }"#;
    let other = r#"{ commune(codeInsee: "75056") { nom } metier(codeRome: "M1805") { libelle } }"#;
    // Good data first.
    let (_, body) = app.query(both, json!({})).await;
    assert_eq!(nom(&body), Some("LYON".into()));

    for (behaviour, what) in [
        (Behaviour::ServerError, "500"),
        (Behaviour::Hang, "timeout"),
        (Behaviour::MalformedJson, "malformed JSON"),
    ] {
        up.behave(behaviour);
        tokio::time::sleep(Duration::from_millis(350)).await;
        // A key never fetched: partial answer, the other source's data is there.
        let started = Instant::now();
        let (status, body) = app.query(other, json!({})).await;
        let took = started.elapsed();
        assert_eq!(status, 200, "{what}: {body}");
        assert!(body["data"]["commune"].is_null(), "{what}: {body}");
        assert_eq!(
            body["data"]["metier"]["libelle"], "Développeur / Développeuse informatique",
            "{what}: {body}"
        );
        let e = &errors(&body)[0];
        assert_eq!(e["extensions"]["code"], "SOURCE_UNAVAILABLE", "{what}: {e}");
        assert_eq!(e["extensions"]["source"], "geo", "{what}: {e}");
        assert!(
            took < Duration::from_secs(3),
            "{what}: answered in {took:?}"
        );
        // The key fetched before: its stale value is served, with the marker.
        let (_, body) = app.query(both, json!({})).await;
        assert_eq!(
            nom(&body),
            Some("LYON".into()),
            "{what}: good data kept: {body}"
        );
        let stale = &body["extensions"]["donneesPerimees"][0];
        assert_eq!(stale["source"], "geo", "{what}: {body}");
        assert!(stale["motif"].as_str().unwrap().contains("geo"), "{stale}");
        eprintln!("{what}: partial answer in {took:?}; stale Lyon served with marker");
    }

    // 429 with Retry-After: waited out, then the right answer.
    up.behave(Behaviour::TooManyRequestsOnce);
    let started = Instant::now();
    let (_, body) = app.query(other, json!({})).await;
    assert_eq!(nom(&body), Some("PARIS".into()), "{body}");
    assert!(body["extensions"]["donneesPerimees"].is_null(), "{body}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After honoured"
    );
    eprintln!(
        "429 + Retry-After: 1 -> answered after {:?}",
        started.elapsed()
    );

    // Connection refused: a source URL nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let refused = spawn_app_with(geo_http(closed), false).await;
    // Not ready as a whole (the communes never load), but the other sources serve.
    for _ in 0..200 {
        let (_, body) = refused
            .query(r#"{ metier(codeRome: "M1805") { libelle } }"#, json!({}))
            .await;
        if body["data"]["metier"].is_object() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let started = Instant::now();
    let (status, body) = refused.query(other, json!({})).await;
    assert_eq!(status, 200);
    assert!(body["data"]["commune"].is_null());
    assert_eq!(errors(&body)[0]["extensions"]["source"], "geo", "{body}");
    assert_eq!(
        body["data"]["metier"]["libelle"],
        "Développeur / Développeuse informatique"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_source_down_is_served_stale_then_short_circuited_then_recovers() {
    let (addr, up) = start_laposte().await;
    let mut config = geo_http(addr);
    config.sources.geo.cache.ttl = Duration::from_millis(200);
    config.sources.geo.cache.stale_while_revalidate = Duration::ZERO;
    config.sources.geo.http.retries = 0;
    config.sources.geo.http.circuit_min_calls = 3;
    config.sources.geo.http.circuit_failure_ratio = 0.5;
    config.sources.geo.http.circuit_open_for = Duration::from_millis(800);
    let app = spawn_app_with(config, true).await;
    let (_, body) = app.query(LYON, json!({})).await;
    assert_eq!(nom(&body), Some("LYON".into()));

    up.down.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let mut markers = 0;
    for _ in 0..6 {
        let (_, body) = app.query(LYON, json!({})).await;
        assert_eq!(
            nom(&body),
            Some("LYON".into()),
            "stale data while down: {body}"
        );
        assert!(errors(&body).is_empty(), "{body}");
        markers += usize::from(body["extensions"]["donneesPerimees"][0]["source"] == "geo");
    }
    assert_eq!(markers, 6, "every stale answer says so");
    let p = protection(&app, "geo").await;
    assert_eq!(p["disjoncteur"], "ouvert", "{p}");
    assert!(p["appelsCourtCircuites"].as_u64().unwrap() >= 1, "{p}");
    let requests_open = up.requests.load(Ordering::SeqCst);
    let (_, body) = app.query(LYON, json!({})).await;
    assert_eq!(nom(&body), Some("LYON".into()));
    assert_eq!(
        up.requests.load(Ordering::SeqCst),
        requests_open,
        "an open breaker spares the upstream"
    );
    eprintln!(
        "down: 6 stale answers with the marker, breaker {}",
        p["disjoncteur"]
    );

    up.down.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(850)).await;
    let (_, body) = app.query(LYON, json!({})).await;
    assert_eq!(nom(&body), Some("LYON".into()));
    assert!(
        body["extensions"]["donneesPerimees"].is_null(),
        "fresh again: {body}"
    );
    let p = protection(&app, "geo").await;
    assert_eq!(p["disjoncteur"], "ferme", "the probe closed it: {p}");
}

/// A file server on 127.0.0.1 whose answer the test changes: a body, or a failure status.
struct FileServer {
    addr: SocketAddr,
    body: Arc<std::sync::Mutex<Result<Vec<u8>, u16>>>,
    hits: Arc<AtomicU64>,
}

async fn file_server(body: Vec<u8>) -> FileServer {
    let state = Arc::new(std::sync::Mutex::new(Ok::<Vec<u8>, u16>(body)));
    let hits = Arc::new(AtomicU64::new(0));
    let (s, h) = (Arc::clone(&state), Arc::clone(&hits));
    let app = axum::Router::new().fallback(move || {
        let (s, h) = (Arc::clone(&s), Arc::clone(&h));
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            match s.lock().unwrap().clone() {
                Ok(b) => b.into_response(),
                Err(code) => StatusCode::from_u16(code).unwrap().into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    FileServer {
        addr,
        body: state,
        hits,
    }
}

fn communes_by_url(server: &FileServer, cache_dir: &std::path::Path) -> Config {
    let mut config = test_config();
    config.sources.geo = SourceConfig {
        mode: Mode::Snapshot,
        url: Some(format!("http://{}/laposte_hexasmal.csv", server.addr).into()),
        ..SourceConfig::default()
    };
    config.server.cache_dir = Some(cache_dir.to_owned());
    config.server.admin_token = Some(passerelle_core::http::Secret::new("jeton-admin-test"));
    config
}

async fn geo_source(app: &TestApp) -> Value {
    source(app, "geo", "statut enregistrements derniereErreur").await
}

async fn admin(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = app.client.post(format!("{}{path}", app.base));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn snapshots_refuse_truncated_or_malformed_files_and_survive_a_restart_from_disk() {
    let full = std::fs::read(shared("geo/laposte_hexasmal.csv")).unwrap();
    let server = file_server(full.clone()).await;
    let dir = std::env::temp_dir().join(format!("passerelle-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let app = spawn_app_with(communes_by_url(&server, &dir), true).await;
    let loaded = geo_source(&app).await;
    let records = loaded["enregistrements"].as_u64().unwrap();
    assert!(records > 30_000, "{loaded}");
    assert!(
        dir.join("geo/meta.json").exists(),
        "the good snapshot is kept on disk"
    );

    // A file cut at a line boundary parses, but holds a tenth of the communes: refused.
    let cut = full.len() / 10;
    let cut = full[..cut].iter().rposition(|b| *b == b'\n').unwrap() + 1;
    *server.body.lock().unwrap() = Ok(full[..cut].to_vec());
    let (status, answer) =
        admin(&app, "/admin/sources/geo/refresh", Some("jeton-admin-test")).await;
    assert_eq!(status, 502, "{answer}");
    let message = answer["erreur"].as_str().unwrap();
    assert!(message.contains("min_records_ratio = 0.5"), "{message}");
    let after = geo_source(&app).await;
    assert_eq!(after["enregistrements"].as_u64(), Some(records), "{after}");
    assert_eq!(after["statut"], "DEGRADE");
    let (_, body) = app.query(LYON, json!({})).await;
    assert_eq!(nom(&body), Some("LYON".into()));

    // A failing server: the previous data stays.
    *server.body.lock().unwrap() = Err(500);
    let (status, _) = admin(&app, "/admin/sources/geo/refresh", Some("jeton-admin-test")).await;
    assert_eq!(status, 502);
    assert_eq!(
        geo_source(&app).await["enregistrements"].as_u64(),
        Some(records)
    );
    // The disk copy is still the good one (the refused loads never reached it).
    let meta: Value =
        serde_json::from_slice(&std::fs::read(dir.join("geo/meta.json")).unwrap()).unwrap();
    assert_eq!(meta["records"].as_u64(), Some(records));
    app.stop().await;

    // Restart while the upstream is down: the last good snapshot is served from disk.
    let restarted = spawn_app_with(communes_by_url(&server, &dir), true).await;
    let geo = geo_source(&restarted).await;
    assert_eq!(geo["statut"], "DEGRADE", "{geo}");
    assert_eq!(geo["enregistrements"].as_u64(), Some(records), "{geo}");
    assert!(
        geo["derniereErreur"]
            .as_str()
            .unwrap()
            .contains("cache disque"),
        "{geo}"
    );
    let (_, body) = restarted.query(LYON, json!({})).await;
    assert_eq!(nom(&body), Some("LYON".into()), "{body}");
    eprintln!(
        "restart with upstream down: {records} communes served from disk; truncated file ({} of {} bytes) refused",
        cut,
        full.len()
    );

    // Back up: a refresh loads from upstream again and clears the error.
    *server.body.lock().unwrap() = Ok(full);
    let (status, answer) = admin(
        &restarted,
        "/admin/sources/geo/refresh",
        Some("jeton-admin-test"),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["statut"], "ready");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_truncated_xml_offer_file_keeps_the_offers_served() {
    let sample = passerelle_offre_info::SAMPLE[0].bytes.to_vec();
    let server = file_server(sample.clone()).await;
    let mut config = test_config();
    config.sources.offre_info = SourceConfig {
        mode: Mode::Snapshot,
        url: Some(format!("http://{}/offres.xml", server.addr).into()),
        ..SourceConfig::default()
    };
    config.server.admin_token = Some(passerelle_core::http::Secret::new("t"));
    let app = spawn_app_with(config, true).await;
    let count = "{ actionsFormation { totalCount } }";
    let (_, body) = app.query(count, json!({})).await;
    assert_eq!(body["data"]["actionsFormation"]["totalCount"], 34);
    *server.body.lock().unwrap() = Ok(sample[..sample.len() / 2].to_vec());
    let (status, answer) = admin(&app, "/admin/sources/offre-info/refresh", Some("t")).await;
    assert_eq!(status, 502, "{answer}");
    let (_, body) = app.query(count, json!({})).await;
    assert_eq!(body["data"]["actionsFormation"]["totalCount"], 34, "{body}");
    assert!(server.hits.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn admin_routes_need_the_token_and_purge_empties_the_cache() {
    let (addr, up) = start_laposte().await;
    let plain = spawn_app_with(geo_http(addr), true).await;
    let (status, _) = admin(&plain, "/admin/cache/purge", Some("x")).await;
    assert_eq!(status, 404, "no token configured, no route");

    let mut config = geo_http(addr);
    config.server.admin_token = Some(passerelle_core::http::Secret::new("s3cret-admin"));
    let app = spawn_app_with(config, true).await;
    assert_eq!(admin(&app, "/admin/cache/purge", None).await.0, 401);
    assert_eq!(
        admin(&app, "/admin/cache/purge", Some("wrong")).await.0,
        401
    );
    let (status, body) = admin(&app, "/admin/sources/nope/refresh", Some("s3cret-admin")).await;
    assert_eq!(status, 404);
    assert!(body["erreur"].as_str().unwrap().contains("nope"));

    app.query(LYON, json!({})).await;
    let before = up.lookups.load(Ordering::SeqCst);
    app.query(LYON, json!({})).await;
    assert_eq!(up.lookups.load(Ordering::SeqCst), before, "cached");
    let (status, body) = admin(&app, "/admin/cache/purge", Some("s3cret-admin")).await;
    assert_eq!(status, 200, "{body}");
    app.query(LYON, json!({})).await;
    assert_eq!(up.lookups.load(Ordering::SeqCst), before + 1, "purged");
    let (status, body) = admin(&app, "/admin/sources/rome/refresh", Some("s3cret-admin")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resultat"], "inchange");
}

#[tokio::test]
async fn cache_control_follows_the_fields_served() {
    let app = spawn_app_with(test_config(), true).await;
    let header = |q: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(format!("{}/graphql", app.base))
                .json(&json!({ "query": q }))
                .send()
                .await
                .unwrap();
            r.headers()["cache-control"].to_str().unwrap().to_owned()
        }
    };
    assert_eq!(
        header(r#"{ metier(codeRome: "M1805") { libelle } }"#).await,
        "public, max-age=3600"
    );
    assert_eq!(
        header(r#"{ metier(codeRome: "M1805") { libelle } actionsFormation(first: 1) { totalCount edges { node { numero } } } }"#).await,
        "public, max-age=900"
    );
    let private =
        header("{ actionsFormation(first: 3) { edges { node { contact { nom telephones } } } } }")
            .await;
    assert!(private.contains("private"), "{private}");
    assert_eq!(header("{ sources { id } }").await, "no-cache");
    assert_eq!(
        header(r#"{ metier(codeRome: "ZZ") { libelle } }"#).await,
        "no-store"
    );
}

/// A real `redis-server` on a free port, stopped on drop.
pub struct Redis {
    child: std::process::Child,
    pub url: String,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_redis() -> Redis {
    let port = crate::helpers::free_port();
    let mut redis = Redis {
        child: std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed by ./tests/run.sh (Debian package redis-server)"),
        url: format!("redis://127.0.0.1:{port}/"),
    };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return redis;
        }
        if let Ok(Some(status)) = redis.child.try_wait() {
            panic!("redis-server exited on port {port}: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("redis-server did not start on port {port}");
}

#[tokio::test]
async fn two_replicas_sharing_redis_fetch_a_cold_key_once_between_them() {
    let redis = start_redis();
    let (addr, up) = start_laposte().await;
    let replica = |url: String| {
        let mut config = geo_http(addr);
        config.cache.redis_url = Some(url);
        // Generous under a loaded CI machine: a timeout would retry and count a second fetch.
        config.cache.redis_timeout = Duration::from_secs(2);
        config.sources.geo.http.timeout = Duration::from_secs(5);
        config
    };
    let a = spawn_app_with(replica(redis.url.clone()), true).await;
    let b = spawn_app_with(replica(redis.url.clone()), true).await;
    // Both replicas connected to Redis (the first use connects).
    for app in [&a, &b] {
        let (_, body) = app
            .query(r#"{ commune(codeInsee: "69123") { nom } }"#, json!({}))
            .await;
        assert_eq!(nom(&body), Some("LYON".into()));
    }
    let shared_hits = async || {
        protection(&a, "geo").await["cachePartageSucces"]
            .as_u64()
            .unwrap()
            + protection(&b, "geo").await["cachePartageSucces"]
                .as_u64()
                .unwrap()
    };
    let hits_before = shared_hits().await;
    up.delay_ms.store(300, Ordering::SeqCst);
    let before = up.lookups.load(Ordering::SeqCst);
    let q = r#"{ commune(codeInsee: "13055") { nom } }"#;
    let (ra, rb) = tokio::join!(a.query(q, json!({})), b.query(q, json!({})));
    assert_eq!(ra.1["data"]["commune"]["nom"], "Marseille", "{}", ra.1);
    assert_eq!(rb.1["data"]["commune"]["nom"], "Marseille", "{}", rb.1);
    let fetched = up.lookups.load(Ordering::SeqCst) - before;
    assert_eq!(fetched, 1, "one upstream fetch for both replicas");
    let shared_hits = shared_hits().await - hits_before;
    assert_eq!(shared_hits, 1, "the other replica read it from Redis");
    eprintln!(
        "two replicas asked at once: {fetched} upstream fetch, {shared_hits} read from Redis"
    );

    // Redis gone: L1 only, no error to the client.
    drop(redis);
    let (status, body) = a
        .query(r#"{ commune(codeInsee: "31555") { nom } }"#, json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["commune"]["nom"], "Toulouse", "{body}");
    assert!(errors(&body).is_empty(), "{body}");
    assert!(
        a.sources
            .shared_cache()
            .unwrap()
            .errors
            .load(Ordering::Relaxed)
            >= 1
    );
}

#[tokio::test]
async fn fifty_actions_with_their_metier_and_organisme_ask_rome_once_per_distinct_code() {
    use passerelle_rome::fake_upstream::start_upstream;
    // 120 actions written by the generator from the real RNCP and La Poste files.
    let refs =
        passerelle_offre_info::generator::Referentiels::load(&shared("").canonicalize().unwrap())
            .unwrap();
    let dir = std::env::temp_dir().join(format!("passerelle-lot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("offres.xml");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    passerelle_offre_info::generator::write(&mut out, &refs, 120, 7).unwrap();
    drop(out);
    let (upstream, up) = start_upstream().await;
    up.any_code.store(true, Ordering::SeqCst);
    let binary = start_rome_binary(
        "lot",
        upstream,
        &format!(
            "[sources.offre-info]\nmode = \"snapshot\"\npath = \"{}\"",
            file.display()
        ),
    );
    binary.wait_ready().await;
    let body = crate::helpers::post_json(
        &format!("http://{}/graphql", binary.addr),
        &json!({ "query": "{ actionsFormation(first: 50) { edges { node { numero organismeFormateur { raisonSociale } formation { codesRome metiers { codeRome libelle } } } } } }" }),
    )
    .await;
    assert!(errors(&body).is_empty(), "{body}");
    let edges = body["data"]["actionsFormation"]["edges"]
        .as_array()
        .unwrap();
    assert_eq!(edges.len(), 50);
    let mut cited = 0;
    let codes: BTreeSet<String> = edges
        .iter()
        .flat_map(|e| {
            e["node"]["formation"]["codesRome"]
                .as_array()
                .unwrap()
                .clone()
        })
        .inspect(|_| cited += 1)
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert!(cited > codes.len(), "codes repeat across actions");
    for e in edges {
        assert!(
            e["node"]["organismeFormateur"]["raisonSociale"].is_string(),
            "{e}"
        );
        let asked = e["node"]["formation"]["codesRome"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(
            e["node"]["formation"]["metiers"].as_array().unwrap().len(),
            asked,
            "{e}"
        );
    }
    for code in &codes {
        assert_eq!(up.calls_to(&format!("/metiers/metier/{code}")), 1, "{code}");
        assert_eq!(
            up.calls_to(&format!("/fiches-rome/fiche-metier/{code}")),
            1,
            "{code}"
        );
    }
    let metier_calls = up
        .paths
        .lock()
        .unwrap()
        .iter()
        .filter(|p| p.starts_with("/metiers/metier/"))
        .count();
    assert_eq!(metier_calls, codes.len());
    eprintln!(
        "batching: 50 actions citing {cited} codes ROME ({} distinct) -> {metier_calls} métier + {metier_calls} fiche requests; organismes come with the actions (0 requests)",
        codes.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
