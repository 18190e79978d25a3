//! The committed contract: `schema.graphql` is what the server serves.

use serde_json::json;

use crate::helpers::spawn_app;

#[test]
fn the_committed_schema_is_the_served_schema() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    let served = passerelle::graphql::sdl();
    assert!(
        committed == served,
        "schema.graphql differs from the served schema: run `cargo run -- schema > schema.graphql` and review the diff"
    );
}

#[test]
fn every_type_and_field_is_described() {
    let sdl = passerelle::graphql::sdl();
    let lines: Vec<&str> = sdl.lines().collect();
    let mut missing = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let declares_type = ["type ", "input ", "enum ", "scalar "]
            .iter()
            .any(|k| t.starts_with(k))
            && !line.starts_with('\t');
        let declares_member = line.starts_with('\t')
            && !t.starts_with('"')
            && !t.is_empty()
            && !t.starts_with('}')
            && !t.starts_with(')');
        if (declares_type || declares_member)
            && i > 0
            && !lines[i - 1].trim().ends_with("\"\"\"")
            && t != "query: Query"
        {
            missing.push(t.to_owned());
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}

#[tokio::test]
async fn introspection_sees_the_custom_scalars() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(
            r#"{ __type(name: "CodeRome") { kind description } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["__type"]["kind"], "SCALAR");
    assert!(
        body["data"]["__type"]["description"]
            .as_str()
            .unwrap()
            .contains("A à N")
    );
}
