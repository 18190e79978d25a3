//! GraphQL over HTTP: GET and POST, media types, request errors, health, graceful shutdown.

use serde_json::{Value, json};

use crate::helpers::{errors, spawn_app};

#[tokio::test]
async fn get_runs_queries() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "{ sources { id } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["sources"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn media_types_are_negotiated() {
    let app = spawn_app().await;
    let post = |accept: &'static str, query: &'static str| {
        app.client
            .post(format!("{}/graphql", app.base))
            .header("accept", accept)
            .json(&json!({ "query": query }))
            .send()
    };
    let ok = post("application/graphql-response+json", "{ sources { id } }")
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        ok.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let invalid = post("application/graphql-response+json", "{ inconnu }")
        .await
        .unwrap();
    assert_eq!(
        invalid.status(),
        400,
        "an invalid document is a 400 under graphql-response+json"
    );
    let body: Value = invalid.json().await.unwrap();
    assert!(
        body.get("data").is_none() && !errors(&body).is_empty(),
        "{body}"
    );
    let legacy = post("application/json", "{ inconnu }").await.unwrap();
    assert_eq!(legacy.status(), 200, "…and a 200 under application/json");
    let syntax = post("application/graphql-response+json", "{ sources { id }")
        .await
        .unwrap();
    assert_eq!(syntax.status(), 400);
}

#[tokio::test]
async fn only_json_posts_execute() {
    let app = spawn_app().await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let r = app
            .client
            .post(format!("{}/graphql", app.base))
            .header("content-type", content_type)
            .body(r#"{"query":"{ sources { id } }"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{content_type} must not execute (CSRF)");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("application/json")
        );
    }
    let broken = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
}

#[tokio::test]
async fn health_endpoints() {
    let app = spawn_app().await;
    let live = app
        .client
        .get(format!("{}/health/live", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let ready: Value = app
        .client
        .get(format!("{}/health/ready", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["pret"], true);
    assert_eq!(ready["sources"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn shutdown_is_graceful() {
    let app = spawn_app().await;
    let base = app.base.clone();
    app.stop().await;
    let after = reqwest::Client::new()
        .get(format!("{base}/health/live"))
        .send()
        .await;
    assert!(after.is_err(), "the listener is closed after shutdown");
}

#[tokio::test]
async fn fields_come_in_the_order_of_the_query() {
    let app = spawn_app().await;
    // The métier's joins resolve later than the sources directory: completion order would put `z` first.
    let query = r#"query Ordre { metier(codeRome: "M1805") { libelle ...F codeRome fichesOnisep { fiche { id } } } z: sources { id } a: commune(codeInsee: "69123") { nom } }
                   fragment F on Metier { domaineProfessionnel { libelle code } }"#;
    let text = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": query, "operationName": "Ordre" }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing in {text}"))
    };
    assert!(
        at("\"metier\"") < at("\"z\"") && at("\"z\"") < at("\"a\""),
        "{text}"
    );
    assert!(
        at("\"libelle\":\"Dév") < at("\"domaineProfessionnel\"")
            && at("\"domaineProfessionnel\"") < at("\"codeRome\""),
        "{text}"
    );
    assert!(at("\"libelle\":\"Syst") < at("\"code\":\"M18\""), "{text}");
}

#[tokio::test]
async fn get_refuses_anything_but_a_query_with_405() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "mutation { x }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    let body: Value = r.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    assert!(
        errors(&body)[0]["message"]
            .as_str()
            .unwrap()
            .contains("POST")
    );
}

/// The GraphQL-over-HTTP server audits of `graphql-http` 1.23.1 (npm, installed by `./tests/run.sh` in
/// `tests/conformance`) against the real application: no MUST (`error`) and no SHOULD (`warn`) fails.
#[tokio::test]
async fn the_graphql_over_http_audits_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    assert!(
        root.join("node_modules/graphql-http").exists(),
        "graphql-http is missing: ./tests/run.sh installs it (npm ci --prefix tests/conformance)"
    );
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.base);
    let script = root.join("audit.mjs");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .arg(&url)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (./tests/run.sh installs it)");
    let report = String::from_utf8_lossy(&output.stdout);
    let audits: Vec<Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        audits.len() > 40,
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let failed: Vec<&Value> = audits
        .iter()
        .filter(|a| a["status"] == "error" || a["status"] == "warn")
        .collect();
    assert!(failed.is_empty(), "audits failed: {failed:#?}");
    assert!(output.status.success(), "{report}");
    let notices = audits.iter().filter(|a| a["status"] == "notice").count();
    eprintln!(
        "graphql-http {} audits: {} ok, 0 error, 0 warn, {notices} notice",
        audits.len(),
        audits.iter().filter(|a| a["status"] == "ok").count()
    );
}
