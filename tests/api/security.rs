//! The production profile: introspection and field suggestions off, failures masked (no upstream
//! address), and CORS by allow-list.

use passerelle_core::config::{Mode, SourceConfig};
use serde_json::json;

use crate::helpers::{errors, spawn_app_with, test_config};

#[tokio::test]
async fn the_production_profile_hides_what_it_should() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut config = test_config();
    config.security.introspection = false;
    config.security.suggestions = false;
    config.security.mask_errors = true;
    config.security.cors_origins = vec!["http://portail.localhost:3000".into()];
    config.sources.geo = SourceConfig {
        mode: Mode::Http,
        url: Some(format!("http://{closed}/").into()),
        ..SourceConfig::default()
    };
    config.sources.geo.http.retries = 0;
    let app = spawn_app_with(config, false).await;

    // Refused with a reason (not answered `null` as if the schema were empty), whichever field asks:
    // `__schema`, `__type`, or Apollo Federation's `_service { sdl }` (the whole schema), even
    // behind a fragment.
    for (query, field) in [
        (
            r#"{ __schema { types { name } } __type(name: "Metier") { fields { name } } }"#,
            "__schema",
        ),
        (
            r#"{ __type(name: "Metier") { fields { name } } }"#,
            "__type",
        ),
        (
            "query S { ...F } fragment F on Query { _service { sdl } }",
            "_service",
        ),
    ] {
        let (_, body) = app.query(query, json!({})).await;
        assert!(body.get("data").is_none(), "introspection is off: {body}");
        let error = &errors(&body)[0];
        assert_eq!(
            error["extensions"]["code"], "INTROSPECTION_DISABLED",
            "{body}"
        );
        assert!(error["message"].as_str().unwrap().contains(field), "{body}");
        assert!(!body.to_string().contains("codeRome"), "{body}");
    }
    // `__typename` is not introspection: clients send it everywhere.
    let (_, body) = app.query("{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");

    let (_, body) = app
        .query("{ metierz(codeRome: \"M1805\") { libelle } }", json!({}))
        .await;
    let message = errors(&body)[0]["message"].as_str().unwrap().to_owned();
    assert!(
        !message.contains("Did you mean"),
        "no suggestion: {message}"
    );

    let (_, body) = app
        .query(r#"{ commune(codeInsee: "69123") { nom } }"#, json!({}))
        .await;
    let e = &errors(&body)[0];
    assert_eq!(e["extensions"]["code"], "SOURCE_UNAVAILABLE");
    assert_eq!(e["extensions"]["source"], "geo");
    assert_eq!(e["message"], "la source geo est indisponible", "{e}");
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");

    // CORS: the allowed origin gets its headers on a preflight; another gets none.
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, x-api-key")
            .send()
    };
    let r = preflight("http://portail.localhost:3000").await.unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://portail.localhost:3000"
    );
    let r = preflight("http://ailleurs.localhost").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}
