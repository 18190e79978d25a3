//! Operations: Prometheus metrics on `/metrics`, OpenTelemetry traces over OTLP with the W3C trace
//! context passed on to upstreams, JSON logs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use passerelle_geo::fake_upstream::start_laposte;
use serde_json::{Value, json};

use crate::helpers::{errors, spawn_app_with, start_binary};
use crate::resilience::geo_http;

/// The samples of `/metrics`: `name{labels}` → value. Checks the text format on the way: every
/// sample's family has `# HELP` and `# TYPE` before it.
fn parse_metrics(text: &str) -> BTreeMap<String, f64> {
    let mut described = std::collections::BTreeSet::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap();
            let kind = parts.next().unwrap();
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            described.insert(name.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") || line.is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
        let name = series.split('{').next().unwrap();
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| described.contains(*f)))
            .unwrap_or(name);
        assert!(described.contains(family), "{name} has no # TYPE before it");
        samples.insert(series.to_owned(), value);
    }
    samples
}

fn value(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    *samples.get(series).unwrap_or_else(|| {
        panic!(
            "{series} missing from /metrics: {:#?}",
            samples.keys().collect::<Vec<_>>()
        )
    })
}

#[tokio::test]
async fn metrics_count_requests_operations_and_each_source_after_a_query() {
    let (addr, up) = start_laposte().await;
    let mut config = geo_http(addr);
    config.metrics.max_operations = 2;
    let app = spawn_app_with(config, true).await;
    let lyon = r#"query Lyon { commune(codeInsee: "69123") { nom } }"#;
    for query in [
        lyon,
        lyon,
        "query Deux { __typename }",
        "query Trois { __typename }",
        "{ __typename }",
    ] {
        let (status, body) = app.query(query, json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert!(errors(&body).is_empty(), "{body}");
    }
    let (_, body) = app.query("{ commune(", json!({})).await;
    assert!(body.get("data").is_none(), "{body}");
    assert!(
        up.traceparents.lock().unwrap().is_empty(),
        "tracing is off by default: no traceparent goes upstream"
    );

    let response = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let m = parse_metrics(&text);

    // Requests by operation name (bounded to 2 names: the others share `autre`) and outcome.
    assert_eq!(
        value(
            &m,
            r#"passerelle_graphql_operations_total{operation="Lyon",outcome="ok"}"#
        ),
        2.0
    );
    assert_eq!(
        value(
            &m,
            r#"passerelle_graphql_operations_total{operation="Deux",outcome="ok"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            r#"passerelle_graphql_operations_total{operation="autre",outcome="ok"}"#
        ),
        2.0
    );
    assert_eq!(
        value(
            &m,
            r#"passerelle_graphql_operations_total{operation="autre",outcome="refuse"}"#
        ),
        1.0
    );
    assert!(!text.contains("operation=\"Trois\""), "{text}");
    assert_eq!(
        value(
            &m,
            r#"passerelle_graphql_operation_duration_seconds_count{operation="Lyon"}"#
        ),
        2.0
    );
    assert_eq!(
        value(
            &m,
            r#"passerelle_graphql_operation_duration_seconds_bucket{operation="Lyon",le="+Inf"}"#
        ),
        2.0
    );
    assert_eq!(
        value(
            &m,
            r#"passerelle_http_responses_total{route="/graphql",status="200"}"#
        ),
        6.0
    );

    // Per source: upstream calls, latency and errors, cache, circuit, snapshot age and records.
    // As many calls as the stand-in saw requests (the readiness probe and the first Lyon; the second
    // came from the cache).
    let seen = up.requests.load(std::sync::atomic::Ordering::SeqCst) as f64;
    assert!(seen >= 2.0);
    assert_eq!(
        value(&m, r#"passerelle_upstream_calls_total{source="geo"}"#),
        seen
    );
    assert_eq!(
        value(&m, r#"passerelle_upstream_requests_total{source="geo"}"#),
        seen
    );
    assert_eq!(
        value(&m, r#"passerelle_upstream_errors_total{source="geo"}"#),
        0.0
    );
    assert_eq!(
        value(
            &m,
            r#"passerelle_upstream_duration_seconds_count{source="geo"}"#
        ),
        seen
    );
    assert!(
        value(
            &m,
            r#"passerelle_upstream_duration_seconds_sum{source="geo"}"#
        ) > 0.0
    );
    assert!(value(&m, r#"passerelle_cache_misses_total{source="geo"}"#) >= 1.0);
    assert!(value(&m, r#"passerelle_cache_hits_total{source="geo"}"#) >= 1.0);
    assert_eq!(
        value(&m, r#"passerelle_cache_stale_total{source="geo"}"#),
        0.0
    );
    assert_eq!(value(&m, r#"passerelle_circuit_open{source="geo"}"#), 0.0);
    assert_eq!(
        value(&m, r#"passerelle_circuit_openings_total{source="geo"}"#),
        0.0
    );
    for source in ["rome", "onisep", "rncp", "offre-info", "repere-metiers"] {
        assert!(
            value(
                &m,
                &format!(r#"passerelle_source_records{{source="{source}"}}"#)
            ) > 0.0
        );
        assert!(
            value(
                &m,
                &format!(r#"passerelle_source_snapshot_age_seconds{{source="{source}"}}"#)
            ) >= 0.0
        );
    }
    assert_eq!(
        value(
            &m,
            r#"passerelle_source_up{source="rome",mode="sample",status="ready"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            r#"passerelle_source_up{source="geo",mode="http",status="ready"}"#
        ),
        1.0
    );
    // The families an operator's dashboards use, by name.
    for family in [
        "passerelle_http_responses_total",
        "passerelle_graphql_operations_total",
        "passerelle_graphql_operation_duration_seconds",
        "passerelle_source_records",
        "passerelle_source_up",
        "passerelle_source_snapshot_age_seconds",
        "passerelle_source_anomalies",
        "passerelle_upstream_calls_total",
        "passerelle_upstream_requests_total",
        "passerelle_upstream_errors_total",
        "passerelle_upstream_throttled_total",
        "passerelle_upstream_short_circuited_total",
        "passerelle_upstream_duration_seconds",
        "passerelle_cache_hits_total",
        "passerelle_cache_misses_total",
        "passerelle_cache_coalesced_total",
        "passerelle_cache_stale_total",
        "passerelle_cache_shared_hits_total",
        "passerelle_circuit_open",
        "passerelle_circuit_openings_total",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{family} missing"
        );
    }
}

/// A fake OTLP/HTTP collector on 127.0.0.1: keeps every body POSTed to `/v1/traces`.
async fn start_collector() -> (String, Arc<Mutex<Vec<String>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&bodies);
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let kept = Arc::clone(&kept);
            async move {
                assert_eq!(headers["content-type"], "application/json");
                kept.lock().unwrap().push(body);
                axum::Json(json!({}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, bodies)
}

/// Every span of the OTLP/JSON bodies received: (name, traceId, spanId, parentSpanId).
fn spans(bodies: &[String]) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for body in bodies {
        let v: Value = serde_json::from_str(body).unwrap();
        for rs in v["resourceSpans"].as_array().into_iter().flatten() {
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for s in ss["spans"].as_array().into_iter().flatten() {
                    let text = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
                    out.push((
                        text("name"),
                        text("traceId"),
                        text("spanId"),
                        text("parentSpanId"),
                    ));
                }
            }
        }
    }
    out
}

/// The real binary with the communes asked live from `geo` and traces sent to `collector` (OTLP/JSON,
/// exported every 100 ms); `extra` TOML is added to `[telemetry]`, `sections` after it.
fn traced_binary(
    name: &str,
    geo: std::net::SocketAddr,
    collector: &str,
    extra: &str,
    sections: &str,
) -> crate::helpers::Binary {
    start_binary(
        name,
        &format!(
            r#"[server]
listen = "127.0.0.1:0"
today = "2026-01-15"

[sources.geo]
mode = "http"
url = "http://{geo}/"

[sources.geo.http]
rate_limit = 1000

[telemetry]
otlp_endpoint = "{collector}"
otlp_protocol = "http/json"
{extra}

{sections}
"#
        ),
        &[("OTEL_BSP_SCHEDULE_DELAY", "100")],
    )
}

/// Asks Lyon's name with the caller's `traceparent` (trace `trace_id`, span `span_id`).
async fn lyon_with_traceparent(binary: &crate::helpers::Binary, trace_id: &str, span_id: &str) {
    let body = reqwest::Client::new()
        .post(format!("http://{}/graphql", binary.addr))
        .header("traceparent", format!("00-{trace_id}-{span_id}-01"))
        .json(&json!({ "query": r#"query Lyon { commune(codeInsee: "69123") { nom } }"# }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(body["data"]["commune"]["nom"].is_string(), "{body}");
}

#[tokio::test]
async fn traces_go_to_the_collector_and_upstreams_receive_the_trace_context() {
    let (geo, up) = start_laposte().await;
    let (collector, bodies) = start_collector().await;
    let metrics_port = crate::helpers::free_port();
    let binary = traced_binary(
        "traces",
        geo,
        &collector,
        "log_format = \"json\"\nservice_name = \"passerelle-test\"",
        &format!("[metrics]\nlisten = \"127.0.0.1:{metrics_port}\""),
    );
    binary.wait_ready().await;
    let client = reqwest::Client::new();
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    lyon_with_traceparent(&binary, trace_id, caller_span).await;

    // The upstream got the caller's trace, with the upstream call's span as parent (the health
    // probes of the source, outside any request, start traces of their own).
    let all = up.traceparents.lock().unwrap().clone();
    let seen: Vec<&String> = all.iter().filter(|t| t.contains(trace_id)).collect();
    assert_eq!(seen.len(), 1, "{all:?}");
    let parts: Vec<&str> = seen[0].split('-').collect();
    assert_eq!(
        (parts[0], parts[1], parts[3]),
        ("00", trace_id, "01"),
        "{seen:?}"
    );
    assert_ne!(parts[2], caller_span);

    // The spans reach the collector: the request (child of the caller), the batch load, the call.
    let started = Instant::now();
    let found = loop {
        let found = spans(&bodies.lock().unwrap());
        let names: Vec<&str> = found
            .iter()
            .filter(|s| s.1 == trace_id)
            .map(|s| s.0.as_str())
            .collect();
        if ["requête GraphQL", "chargement groupé", "appel amont"]
            .iter()
            .all(|n| names.contains(n))
        {
            break found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "spans received: {found:?}\n{}",
            binary.logs.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let span = |name: &str| {
        found
            .iter()
            .find(|s| s.0 == name && s.1 == trace_id)
            .unwrap()
            .clone()
    };
    let (request, load, call) = (
        span("requête GraphQL"),
        span("chargement groupé"),
        span("appel amont"),
    );
    assert_eq!(
        request.3, caller_span,
        "the request span is the caller's child"
    );
    assert_eq!(load.3, request.2, "the batch load is the request's child");
    assert_eq!(
        call.3, load.2,
        "the upstream call is the batch load's child"
    );
    assert_eq!(
        parts[2], call.2,
        "the upstream sees the call's span as parent"
    );
    assert!(
        bodies
            .lock()
            .unwrap()
            .iter()
            .any(|b| b.contains("passerelle-test")),
        "service.name"
    );

    // `/metrics` on its own address, not on the API's.
    let text = crate::helpers::get_text(&format!("http://127.0.0.1:{metrics_port}/metrics")).await;
    let m = parse_metrics(&text);
    // The probe that made the source ready, and the query.
    assert!(value(&m, r#"passerelle_upstream_calls_total{source="geo"}"#) >= 2.0);
    let on_api = client
        .get(format!("http://{}/metrics", binary.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(on_api.status(), 404);

    // JSON logs: one object per line.
    let logs = binary.logs.lock().unwrap().clone();
    let line = logs
        .lines()
        .find(|l| l.contains("passerelle à l'écoute"))
        .unwrap_or_else(|| panic!("{logs}"));
    let parsed: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(parsed["level"], "INFO");
    assert!(parsed["timestamp"].is_string());
}

/// With `follow_traceparent = false` (a public API), a caller's trace id never goes upstream: the
/// request starts its own trace.
#[tokio::test]
async fn an_incoming_traceparent_can_be_ignored() {
    let (geo, up) = start_laposte().await;
    let (collector, _bodies) = start_collector().await;
    let binary = traced_binary(
        "traces-ignored",
        geo,
        &collector,
        "follow_traceparent = false",
        "",
    );
    binary.wait_ready().await;
    let caller = "4bf92f3577b34da6a3ce929d0e0e4736";
    lyon_with_traceparent(&binary, caller, "00f067aa0ba902b7").await;
    let seen = up.traceparents.lock().unwrap().clone();
    assert!(
        seen.len() >= 2,
        "the probe and the query carry a trace context: {seen:?}"
    );
    assert!(seen.iter().all(|t| !t.contains(caller)), "{seen:?}");
}
