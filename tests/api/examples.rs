//! Every query of `examples/` runs on the samples, finds something, and exports.

use serde_json::{Value, json};

use crate::helpers::{errors, spawn_app};

fn non_empty_list(v: &Value) -> bool {
    match v {
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => map.values().any(non_empty_list),
        _ => false,
    }
}

#[tokio::test]
async fn every_example_runs_finds_something_and_exports() {
    let app = spawn_app().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "graphql"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            readme.contains(&name),
            "{name} is not described in examples/README.md"
        );
        let query = std::fs::read_to_string(&path).unwrap();
        let variables: Value = std::fs::read_to_string(path.with_extension("variables.json"))
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap_or(json!({}));
        let (status, body) = app.query(&query, variables.clone()).await;
        assert_eq!(status, 200, "{name}: {body}");
        assert!(errors(&body).is_empty(), "{name}: {body}");
        let data = body["data"].as_object().unwrap();
        for (field, value) in data {
            assert!(!value.is_null(), "{name}: {field} is null");
        }
        assert!(
            non_empty_list(&body["data"]),
            "{name} finds nothing: {body}"
        );

        let (status, _, file) = app.export("format=csv", &query, variables).await;
        assert_eq!(status, 200, "{name}");
        let file = String::from_utf8(file.unwrap()).unwrap();
        assert!(
            file.lines().count() >= 2,
            "{name} exports a header and rows: {file}"
        );
    }
    app.stop().await;
}
