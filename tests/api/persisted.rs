//! Persisted operations: the automatic persisted queries round trip (then a cacheable GET by hash), and
//! the trusted-documents mode that runs only the operations of a manifest.

use serde_json::{Value, json};

use crate::helpers::{errors, spawn_app, spawn_app_with, test_config};

const QUERY: &str = r#"{ metier(codeRome: "M1805") { libelle } }"#;

fn hash(text: &str) -> String {
    passerelle::http::persisted::sha256_hex(text)
}

fn code(body: &Value) -> String {
    errors(body)[0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn automatic_persisted_queries_round_trip_then_get_by_hash() {
    let app = spawn_app().await;
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash(QUERY) } });
    // The hash alone, unknown: the client is told to send the query.
    let (status, body) = app.query_with(json!({ "extensions": ext })).await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
    assert!(body.get("data").is_none());
    // The query with its hash: run and remembered.
    let (_, body) = app
        .query_with(json!({ "query": QUERY, "extensions": ext }))
        .await;
    assert_eq!(
        body["data"]["metier"]["libelle"],
        "Développeur / Développeuse informatique"
    );
    // The hash alone, now known, over GET: a short URL that caches can keep.
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("extensions", ext.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=3600");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["data"]["metier"]["libelle"],
        "Développeur / Développeuse informatique"
    );
    // A hash that does not match its query is refused.
    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash("{ __typename }") } });
    let (_, body) = app
        .query_with(json!({ "query": QUERY, "extensions": wrong }))
        .await;
    assert!(
        errors(&body)[0]["message"]
            .as_str()
            .unwrap()
            .contains("ne correspond pas"),
        "{body}"
    );
}

#[tokio::test]
async fn trusted_documents_run_only_the_manifest() {
    let dir = std::env::temp_dir().join(format!("passerelle-trusted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("page-metier.graphql"), QUERY).unwrap();
    let mut config = test_config();
    config.persisted.trusted_documents = Some(dir.clone());
    let app = spawn_app_with(config, true).await;
    // By hash, as partners send it.
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash(QUERY) } });
    let (_, body) = app.query_with(json!({ "extensions": ext })).await;
    assert_eq!(
        body["data"]["metier"]["libelle"], "Développeur / Développeuse informatique",
        "{body}"
    );
    // By text, identical to the manifest's.
    let (_, body) = app.query(QUERY, json!({})).await;
    assert!(errors(&body).is_empty(), "{body}");
    // Anything else.
    let (status, body) = app
        .query(
            r#"{ metier(codeRome: "M1805") { libelle codeRome } }"#,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "OPERATION_NOT_TRUSTED", "{body}");
    assert!(body.get("data").is_none());
    // The file ends with a newline; the same text without it (as clients send it) is the same
    // operation, and so is its hash.
    let file = format!("{QUERY}\n");
    std::fs::write(dir.join("page-metier.graphql"), &file).unwrap();
    let export = "{ metiers(first: 2) { nodes { codeRome } } }";
    std::fs::write(dir.join("export.graphql"), format!("{export}\n\n")).unwrap();
    let mut config = test_config();
    config.persisted.trusted_documents = Some(dir.clone());
    let app = spawn_app_with(config, true).await;
    for text in [QUERY, file.as_str()] {
        let (_, body) = app.query(text, json!({})).await;
        assert!(errors(&body).is_empty(), "{body}");
        let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash(text) } });
        let (_, body) = app.query_with(json!({ "extensions": ext })).await;
        assert!(errors(&body).is_empty(), "{body}");
    }
    // `/export` runs the same operations only: the trusted one, not another.
    let (status, _, body) = app.export("format=ndjson", export, json!({})).await;
    let lines = String::from_utf8(body.unwrap()).unwrap();
    assert_eq!(status, 200, "{lines}");
    assert!(lines.starts_with(r#"{"codeRome":"#), "{lines}");
    let (status, _, body) = app
        .export(
            "format=ndjson",
            "{ metiers(first: 3) { nodes { codeRome } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 400);
    let body: Value = serde_json::from_slice(&body.unwrap()).unwrap();
    assert_eq!(code(&body), "OPERATION_NOT_TRUSTED", "{body}");
    let _ = std::fs::remove_dir_all(&dir);
}
