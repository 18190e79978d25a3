//! Apollo Federation v2: passerelle as a subgraph of a supergraph served by Hive Gateway.
//!
//! A second subgraph (a few lines of async-graphql below) extends `Metier` with `tension`. The two
//! are composed by `@theguild/federation-composition` and served by `@graphql-hive/gateway` (both
//! pinned in `tests/federation`), all on 127.0.0.1; one query through the gateway reads fields of
//! both subgraphs.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use serde_json::{Value, json};

use crate::helpers::{errors, spawn_app};

/// The second subgraph's `CodeRome`: the same scalar as passerelle's, so that the key composes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct CodeRome(String);
async_graphql::scalar!(CodeRome);

/// `Metier`, seen from the second subgraph: its key and one field of its own.
struct Metier {
    code_rome: CodeRome,
}

#[Object]
impl Metier {
    async fn code_rome(&self) -> &CodeRome {
        &self.code_rome
    }

    /// A made-up labour-market tension (1 to 5), derived from the code.
    async fn tension(&self) -> i32 {
        (self.code_rome.0.bytes().map(i32::from).sum::<i32>() % 5) + 1
    }
}

struct Tensions;

#[Object]
impl Tensions {
    #[graphql(entity)]
    async fn metier(&self, code_rome: CodeRome) -> Metier {
        Metier { code_rome }
    }
}

async fn start_second_subgraph() -> String {
    let schema = Schema::build(Tensions, EmptyMutation, EmptySubscription).finish();
    let app =
        axum::Router::new().route_service("/graphql", async_graphql_axum::GraphQL::new(schema));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Kills the gateway when the test ends, even on failure.
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_supergraph_through_hive_gateway_joins_passerelle_and_another_subgraph() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/federation");
    let bin = dir.join("node_modules/@graphql-hive/gateway/dist/bin.js");
    assert!(
        bin.exists(),
        "Hive Gateway is missing: ./tests/run.sh installs it (npm ci --prefix tests/federation)"
    );
    let app = spawn_app().await;

    // passerelle's subgraph SDL: Federation v2 with the documented keys.
    let (_, body) = app.query("{ _service { sdl } }", json!({})).await;
    let sdl = body["data"]["_service"]["sdl"].as_str().unwrap().to_owned();
    assert!(
        sdl.contains("https://specs.apollo.dev/federation/v2"),
        "{sdl}"
    );
    for key in [
        "type Metier @key(fields: \"codeRome\")",
        "type FicheOnisep @key(fields: \"id\")",
        "type Formation @key(fields: \"numero\")",
        "type ActionFormation @key(fields: \"numero\")",
        "type Ressource @key(fields: \"id\")",
        "type Commune @key(fields: \"codeInsee\")",
        "type Certification @key(fields: \"rncp\")",
    ] {
        assert!(sdl.contains(key), "{key} missing from:\n{sdl}");
    }

    let second = start_second_subgraph().await;
    let supergraph = std::env::temp_dir().join(format!(
        "passerelle-supergraph-{}.graphql",
        std::process::id()
    ));
    let (compose, out) = (dir.join("compose.mjs"), supergraph.clone());
    let (ours, theirs) = (
        format!("passerelle={}/graphql", app.base),
        format!("tensions={second}"),
    );
    let composed = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(compose)
            .arg(out)
            .arg(ours)
            .arg(theirs)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs");
    assert!(
        composed.status.success(),
        "composition failed: {}",
        String::from_utf8_lossy(&composed.stderr)
    );

    let port = crate::helpers::free_port();
    // A clean environment: no HIVE_*, APOLLO_* or OTEL_* variable can turn on any outside reporting.
    let gateway = Gateway(
        Command::new("node")
            .arg(&bin)
            .args(["supergraph"])
            .arg(&supergraph)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--disable-websockets",
            ])
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts Hive Gateway"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if client
            .get(format!("{base}/readiness"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "Hive Gateway did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let query = r#"{
      metier(codeRome: "M1805") {
        codeRome libelle tension
        appellations(first: 2) { libelle }
        fichesOnisep { fiche { id libelle } }
      }
    }"#;
    let answer: Value = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let metier = &answer["data"]["metier"];
    assert!(answer.get("errors").is_none(), "{answer:#}");
    assert_eq!(metier["codeRome"], "M1805", "{answer:#}");
    assert_eq!(metier["libelle"], "Développeur / Développeuse informatique");
    let tension = metier["tension"]
        .as_i64()
        .expect("tension comes from the second subgraph");
    assert!((1..=5).contains(&tension));
    assert_eq!(metier["appellations"].as_array().unwrap().len(), 2);

    // The other way round: the second subgraph can't list métiers, but passerelle resolves any
    // `Metier` entity the gateway hands it, through `_entities` and the batch loaders.
    let (_, body) = app
        .query(
            r#"query ($r: [_Any!]!) { _entities(representations: $r) { ... on Metier { codeRome libelle } ... on Commune { codeInsee nom } ... on FicheOnisep { id libelle } } }"#,
            json!({ "r": [
                { "__typename": "Metier", "codeRome": "M1805" },
                { "__typename": "Commune", "codeInsee": "69123" },
                { "__typename": "Metier", "codeRome": "M9999" },
                { "__typename": "FicheOnisep", "id": "MET.503" },
            ] }),
        )
        .await;
    let entities = body["data"]["_entities"]
        .as_array()
        .unwrap_or_else(|| panic!("{body:#}"));
    assert_eq!(
        entities[0]["libelle"],
        "Développeur / Développeuse informatique"
    );
    assert_eq!(entities[1]["codeInsee"], "69123");
    assert!(
        entities[1]["nom"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case("lyon"))
    );
    assert_eq!(entities[2], Value::Null, "an unknown code is null");
    assert_eq!(entities[3]["id"], "MET.503");
    // Each representation counts in the complexity: 2 000 métiers × 100 appellations is past 100 000.
    let many: Vec<Value> = (0..2000)
        .map(|i| json!({ "__typename": "Metier", "codeRome": format!("M{:04}", 1000 + i % 900) }))
        .collect();
    let (_, body) = app
        .query(
            "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Metier { libelle appellations(first: 100) { libelle } } } }",
            json!({ "r": many }),
        )
        .await;
    assert_eq!(
        errors(&body)[0]["extensions"]["limite"],
        "limits.max_complexity",
        "{body}"
    );
    drop(gateway);
    let _ = std::fs::remove_file(supergraph);
    eprintln!(
        "Hive Gateway: metier M1805 with libelle (passerelle) and tension {tension} (second subgraph)"
    );
}

/// A router sends many representations in one `_entities`: a malformed key or a failed source nulls
/// its own entity, with its error at its index, and the others resolve (async-graphql alone would
/// fail the whole list).
#[tokio::test]
async fn a_bad_key_or_a_failed_source_nulls_its_own_entity_only() {
    use passerelle_geo::fake_upstream::{Behaviour, start_laposte};
    let (addr, up) = start_laposte().await;
    let app = crate::helpers::spawn_app_with(crate::resilience::geo_http(addr), true).await;
    up.behave(Behaviour::ServerError);
    let (status, body) = app
        .query(
            r#"query ($r: [_Any!]!) { _entities(representations: $r) { ... on Metier { codeRome libelle } ... on Commune { nom } ... on FicheOnisep { id } } }"#,
            json!({ "r": [
                { "__typename": "Metier", "codeRome": "M1805" },
                { "__typename": "Metier", "codeRome": "XX" },
                { "__typename": "Commune", "codeInsee": "69123" },
                { "__typename": "Metier", "codeRome": "XX" },
                { "__typename": "Metier", "codeRome": 1805 },
                { "__typename": "Metier", "codeRome": "M9999" },
                { "__typename": "FicheOnisep", "id": "MET.503" },
            ] }),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    let entities = entities_nulled_between(&body, 7, 1..6);
    assert_eq!(entities[0]["codeRome"], "M1805");
    assert_eq!(entities[6]["id"], "MET.503");
    let errors = errors(&body);
    let at = |i: usize| error_at(&errors, i, &body);
    for (i, shown) in [(1, "\"XX\""), (3, "\"XX\""), (4, "1805")] {
        let e = at(i);
        assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}");
        assert_eq!(
            e["extensions"]["argument"], "representations.codeRome",
            "{e}"
        );
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains("Metier") && message.contains(shown),
            "the message names the type and the value: {message}"
        );
    }
    let e = at(2);
    assert_eq!(e["extensions"]["code"], "SOURCE_UNAVAILABLE", "{e}");
    assert_eq!(e["extensions"]["source"], "geo", "{e}");
    assert_eq!(
        errors.len(),
        4,
        "an unknown code is null without an error: {body:#}"
    );
    app.stop().await;
}

/// A representation that no entity resolver takes — not an object, `__typename` absent or unknown
/// (another subgraph's type, a typo), its key absent — nulls its own entity with an error that names
/// what a representation must hold; the others resolve (async-graphql alone answers "Entity not
/// found." and fails the whole list).
#[tokio::test]
async fn a_representation_of_no_known_entity_nulls_itself_only() {
    let app = spawn_app().await;
    let (status, body) = app
        .query(
            r#"query ($r: [_Any!]!) { _entities(representations: $r) { ... on Metier { codeRome } ... on Commune { codeInsee } } }"#,
            json!({ "r": [
                { "__typename": "Metier", "codeRome": "M1805" },
                { "__typename": "Entreprise", "siret": "12345678900011" },
                { "codeRome": "M1805" },
                { "__typename": "Metier", "code": "M1805" },
                "M1805",
                { "__typename": "Entreprise", "siret": "12345678900011" },
                { "__typename": "Commune", "codeInsee": "69123" },
            ] }),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    let entities = entities_nulled_between(&body, 7, 1..6);
    assert_eq!(entities[0]["codeRome"], "M1805");
    assert_eq!(entities[6]["codeInsee"], "69123");
    let errors = errors(&body);
    assert_eq!(
        errors.len(),
        5,
        "one error per refused representation: {body:#}"
    );
    let message = |i: usize| {
        let e = error_at(&errors, i, &body);
        assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}");
        assert_eq!(e["extensions"]["argument"], "representations", "{e}");
        e["message"].as_str().unwrap().to_owned()
    };
    for i in [1, 5] {
        let m = message(i);
        assert!(
            m.contains("« Entreprise » inconnu") && m.contains("Metier (codeRome)"),
            "the unknown type and the known ones: {m}"
        );
    }
    let m = message(2);
    assert!(
        m.contains("__typename") && m.contains("Commune (codeInsee)"),
        "{m}"
    );
    let m = message(3);
    assert!(m.contains("clé codeRome") && m.contains("Metier"), "{m}");
    let m = message(4);
    assert!(m.contains("\"M1805\"") && m.contains("objet"), "{m}");
    app.stop().await;
}

/// The entity keys that name what a representation must hold are those the schema declares.
#[tokio::test]
async fn the_entity_keys_named_in_errors_are_the_schema_keys() {
    let app = spawn_app().await;
    let (_, body) = app.query("{ _service { sdl } }", json!({})).await;
    let sdl = body["data"]["_service"]["sdl"].as_str().unwrap().to_owned();
    let mut declared: Vec<(String, String)> = sdl
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("type ")?;
            let (name, after) = rest.split_once(' ')?;
            let key = after.split_once("@key(fields: \"")?.1.split_once('"')?.0;
            Some((name.to_owned(), key.to_owned()))
        })
        .collect();
    declared.sort();
    let mut named: Vec<(String, String)> = passerelle::graphql::entities::KEYS
        .iter()
        .map(|(t, k)| ((*t).to_owned(), (*k).to_owned()))
        .collect();
    named.sort();
    assert_eq!(declared, named, "{sdl}");
    app.stop().await;
}

/// The `_entities` list of `body`: kept whole (`len` entries), `null` at the indexes of `nulls`.
fn entities_nulled_between(body: &Value, len: usize, nulls: std::ops::Range<usize>) -> &[Value] {
    let entities = body["data"]["_entities"]
        .as_array()
        .unwrap_or_else(|| panic!("the list is kept: {body:#}"));
    assert_eq!(entities.len(), len, "{body:#}");
    for i in nulls {
        assert_eq!(entities[i], Value::Null, "entity {i}: {body:#}");
    }
    entities
}

/// The error at `["_entities", i]`.
fn error_at<'a>(errors: &'a [Value], i: usize, body: &Value) -> &'a Value {
    errors
        .iter()
        .find(|e| e["path"] == json!(["_entities", i]))
        .unwrap_or_else(|| panic!("an error at _entities.{i}: {body:#}"))
}
