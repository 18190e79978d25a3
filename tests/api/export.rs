//! `/export` and `passerelle export`: a query's first list, every page of it, as RFC 4180 CSV or NDJSON;
//! the command line gives the same bytes; errors before the first byte are JSON with a status.

use std::process::Command;

use passerelle_core::config::{Mode, SourceConfig};
use serde_json::{Value, json};

use crate::helpers::{TestApp, errors, spawn_app, spawn_app_with, test_config};

const ACTIONS: &str = r#"query($f: FiltreActionsFormation) {
  actionsFormation(filtre: $f, first: 2) {
    totalCount
    edges {
      distanceKm
      node {
        numero
        formation { intitule codesRome certifications { rncp } }
        sessions { debut fin }
        lieu { commune { nom } }
      }
    }
  }
}"#;

/// The list walked through `/graphql`, page after page: the reference.
async fn walk(app: &TestApp, query: &str, variables: &Value) -> Vec<Value> {
    let query = query
        .replace("first: 2", "first: 100, after: $after")
        .replace(
            "query($f: FiltreActionsFormation)",
            "query($f: FiltreActionsFormation, $after: String)",
        );
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let mut vars = variables.clone();
        vars["after"] = after;
        let (_, body) = app
            .query(
                &query.replace(
                    "totalCount",
                    "totalCount pageInfo { hasNextPage endCursor }",
                ),
                vars,
            )
            .await;
        assert!(errors(&body).is_empty(), "{body}");
        let c = &body["data"]["actionsFormation"];
        out.extend(c["edges"].as_array().unwrap().iter().cloned());
        if c["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
}

fn read_csv(file: &[u8], separator: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .from_reader(file);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn joined(values: &Value, key: &str) -> String {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap_or("").to_owned())
        .collect::<Vec<_>>()
        .join("|")
}

fn small_pages() -> passerelle::config::Config {
    let mut config = test_config();
    config.export.page_size = 7;
    config
}

#[tokio::test]
async fn a_csv_export_has_every_action_past_the_first_limit_in_the_lists_order() {
    let app = spawn_app_with(small_pages(), true).await;
    for variables in [
        json!({}),
        json!({ "f": { "autour": { "codeInsee": "69123", "rayonKm": 30 } } }),
    ] {
        let reference = walk(&app, ACTIONS, &variables).await;
        assert!(
            reference.len() > 7,
            "several pages of 7: {}",
            reference.len()
        );
        let (status, headers, file) = app.export("format=csv", ACTIONS, variables.clone()).await;
        assert_eq!(status, 200);
        assert_eq!(
            headers["content-type"],
            "text/csv; charset=utf-8; header=present"
        );
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=\"actionsFormation.csv\""
        );
        assert_eq!(
            headers["x-total-count"],
            reference.len().to_string().as_str()
        );
        assert!(headers.get("x-export-tronque").is_none());
        let file = file.unwrap();
        assert!(
            file.starts_with(b"distanceKm,node.numero,"),
            "{}",
            String::from_utf8_lossy(&file)
        );
        assert!(file.ends_with(b"\r\n"), "RFC 4180 line ends");
        let (header, rows) = read_csv(&file, b',');
        assert_eq!(
            header,
            [
                "distanceKm",
                "node.numero",
                "node.formation.intitule",
                "node.formation.codesRome",
                "node.formation.certifications.rncp",
                "node.sessions.debut",
                "node.sessions.fin",
                "node.lieu.commune.nom"
            ]
        );
        assert_eq!(rows.len(), reference.len(), "one line per action");
        for (row, edge) in rows.iter().zip(&reference) {
            let node = &edge["node"];
            assert_eq!(row[1], node["numero"].as_str().unwrap());
            assert_eq!(
                row[0],
                edge["distanceKm"]
                    .as_f64()
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            );
            assert_eq!(row[2], node["formation"]["intitule"].as_str().unwrap());
            let codes: Vec<&str> = node["formation"]["codesRome"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            assert_eq!(row[3], codes.join("|"));
            assert_eq!(row[4], joined(&node["formation"]["certifications"], "rncp"));
            assert_eq!(row[5], joined(&node["sessions"], "debut"));
            assert_eq!(row[6], joined(&node["sessions"], "fin"));
            assert_eq!(
                row[7],
                node["lieu"]["commune"]["nom"].as_str().unwrap_or("")
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn ndjson_rows_are_the_edges_as_graphql_gives_them() {
    let app = spawn_app_with(small_pages(), true).await;
    let variables = json!({ "f": { "codesRome": ["M1805"] } });
    let reference = walk(&app, ACTIONS, &variables).await;
    let (status, headers, file) = app.export("format=ndjson", ACTIONS, variables).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/x-ndjson");
    let file = String::from_utf8(file.unwrap()).unwrap();
    let lines: Vec<Value> = file
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, reference);
    assert!(!lines.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn lists_inside_objects_export_their_rows() {
    let app = spawn_app().await;
    let (status, _, file) = app
        .export(
            "format=csv",
            "{ statistiques(objet: ACTIONS_FORMATION, par: [DEPARTEMENT]) { total groupes { cles { code libelle } nombre } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (header, rows) = read_csv(&file.unwrap(), b',');
    assert_eq!(header, ["cles.code", "cles.libelle", "nombre"]);
    let (_, body) = app
        .query(
            "{ statistiques(objet: ACTIONS_FORMATION, par: [DEPARTEMENT]) { groupes { cles { code libelle } nombre } } }",
            json!({}),
        )
        .await;
    let groupes = body["data"]["statistiques"]["groupes"].as_array().unwrap();
    assert_eq!(rows.len(), groupes.len());
    for (row, g) in rows.iter().zip(groupes) {
        assert_eq!(row[0], g["cles"][0]["code"].as_str().unwrap_or(""));
        assert_eq!(row[2], g["nombre"].to_string());
    }

    // A plain list: the sources directory.
    let (status, _, file) = app
        .export(
            "format=csv",
            "{ sources { id enregistrements } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (header, rows) = read_csv(&file.unwrap(), b',');
    assert_eq!(header, ["id", "enregistrements"]);
    assert_eq!(rows.len(), 6);
    app.stop().await;
}

#[tokio::test]
async fn spreadsheet_options_a_row_limit_and_get() {
    let mut config = test_config();
    config.export.max_rows = 5;
    let app = spawn_app_with(config, true).await;
    let (status, headers, file) = app
        .export("format=csv&separateur=%3B&bom=true", ACTIONS, json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-export-tronque"], "5");
    assert_eq!(headers["x-total-count"], "34");
    let file = file.unwrap();
    assert!(file.starts_with(b"\xEF\xBB\xBFdistanceKm;node.numero;"));
    let (_, rows) = read_csv(&file[3..], b';');
    assert_eq!(rows.len(), 5, "max_rows");

    // GET, the query in the URL.
    let url = reqwest::Url::parse_with_params(
        &format!("{}/export", app.base),
        &[
            ("format", "ndjson"),
            (
                "query",
                "{ actionsFormation { edges { node { numero } } } }",
            ),
        ],
    )
    .unwrap();
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap().lines().count(), 5);
    app.stop().await;
}

#[tokio::test]
async fn errors_come_before_the_first_byte_and_name_the_rule() {
    let app = spawn_app().await;
    for (params, query, variables, argument, words) in [
        (
            "format=xlsx",
            ACTIONS,
            json!({}),
            Some("format"),
            "format = « xlsx »",
        ),
        (
            "separateur=%7C",
            ACTIONS,
            json!({}),
            Some("separateur"),
            "separateur = « | »",
        ),
        (
            "format=csv",
            "{ actionsFormation { edges { node { numero } }",
            json!({}),
            None,
            "",
        ),
        (
            "format=csv",
            "{ actionsFormation { totalCount } }",
            json!({}),
            None,
            "edges { node",
        ),
        (
            "format=csv",
            "{ actionsFormation { edges { node { inconnu } } } }",
            json!({}),
            None,
            "inconnu",
        ),
        (
            "format=csv",
            ACTIONS,
            json!({ "f": { "autour": { "codeInsee": "69123", "rayonKm": 900 } } }),
            Some("filtre.autour.rayonKm"),
            "900",
        ),
    ] {
        let (status, headers, body) = app.export(params, query, variables).await;
        assert_eq!(status, 400, "{params} {query}");
        assert_eq!(headers["content-type"], "application/json");
        let body: Value = serde_json::from_slice(&body.unwrap()).unwrap();
        let e = &errors(&body)[0];
        assert!(e["message"].as_str().unwrap().contains(words), "{body}");
        if let Some(a) = argument {
            assert_eq!(e["extensions"]["argument"], a, "{body}");
        }
    }
    // Only JSON bodies: a cross-site form post never runs.
    let response = app
        .client
        .post(format!("{}/export?format=csv", app.base))
        .header("content-type", "text/plain")
        .body(json!({ "query": ACTIONS }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let response = app
        .client
        .get(format!("{}/export?format=csv", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("query"));
    app.stop().await;
}

#[tokio::test]
async fn an_unavailable_source_fails_the_export_instead_of_leaving_blanks() {
    let mut config = test_config();
    let missing =
        std::env::temp_dir().join(format!("passerelle-absent-{}.xml", std::process::id()));
    config.sources.offre_info = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(missing.into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, false).await;
    for _ in 0..200 {
        let failed = app.sources.directory().iter().any(|e| {
            e.descriptor.id == "offre-info"
                && e.health.status == passerelle_core::SourceStatus::Failed
        });
        if failed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (status, headers, body) = app.export("format=csv", ACTIONS, json!({})).await;
    assert_eq!(status, 503);
    assert_eq!(headers["content-type"], "application/json");
    let body: Value = serde_json::from_slice(&body.unwrap()).unwrap();
    assert_eq!(
        errors(&body)[0]["extensions"]["code"],
        "SOURCE_UNAVAILABLE",
        "{body}"
    );
    app.stop().await;
}

/// `passerelle export` on the embedded samples, "today" pinned as in the tests.
fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .arg("export")
        .args(args)
        .env("PASSERELLE_TODAY", "2026-01-15")
        .env("NO_COLOR", "1")
        .env_remove("PASSERELLE_CONFIG")
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_command_line_gives_the_same_bytes() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("passerelle-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let query = dir.join("actions.graphql");
    std::fs::write(&query, ACTIONS).unwrap();
    let variables = json!({ "f": { "autour": { "codeInsee": "69123", "rayonKm": 60 } } });
    for (params, args) in [
        ("format=csv", vec!["--format", "csv"]),
        (
            "format=csv&separateur=%3B&bom=true",
            vec!["--format", "csv", "--separateur", ";", "--bom"],
        ),
        ("format=ndjson", vec!["--format", "ndjson"]),
    ] {
        let (status, _, http) = app.export(params, ACTIONS, variables.clone()).await;
        assert_eq!(status, 200);
        let vars = variables.to_string();
        let mut all = vec!["--query", query.to_str().unwrap(), "--variables", &vars];
        all.extend(args);
        let out = cli(&all);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let http = http.unwrap();
        assert!(http.len() > 500);
        assert!(
            out.stdout == http,
            "{params}: the command line and /export differ"
        );
    }
    // Its errors name the rule and fail the command.
    let out = cli(&["--query", query.to_str().unwrap(), "--format", "xlsx"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("format = « xlsx »"));
    let bad = dir.join("bad.graphql");
    std::fs::write(&bad, "{ actionsFormation { totalCount } }").unwrap();
    let out = cli(&["--query", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("edges { node"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
    app.stop().await;
}
