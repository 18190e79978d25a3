//! A document validated in full once skips the document rules on the next requests that send it, and
//! answers exactly as if it were validated in full: same data, same errors for bad variables.

use serde_json::{Value, json};

use crate::helpers::*;

const QUERY: &str = "query V($c: CodeRome!, $f: Int, $j: [JointureFormation!]! = [CODE_ROME], \
$a: FiltreActionsFormation, $r: FiltreRessources) {
  metier(codeRome: $c) {
    codeRome
    actionsFormation(filtre: $a, first: $f, jointures: $j) { totalCount }
    ressources(filtre: $r, first: $f) { totalCount }
  }
}";

/// The variables tried, whether they are refused, and whether a validated document may skip the
/// document rules with them (values the variables' check accepts).
fn cases() -> Vec<(Value, bool, bool)> {
    vec![
        (json!({"c": "M1805"}), false, true),
        (
            json!({"c": "M1805", "f": 3, "j": "CODE_ROME", "r": {"categories": ["EVENEMENT"]}}),
            false,
            true,
        ),
        (
            json!({"c": "M1805", "a": {"autour": {"codeInsee": "69123", "rayonKm": 30}}}),
            false,
            true,
        ),
        // A null at the top of a variable is left to full validation, which accepts this one.
        (json!({"c": "M1805", "f": null}), false, false),
        // A string, as `CodeRome` expects, refused by its parser at execution: argument named.
        (json!({"c": "ZZZ"}), true, true),
        // Refused by validation: each must be validated in full.
        (json!({"c": 5}), true, false),
        (json!({"c": "M1805", "f": "x"}), true, false),
        (
            json!({"c": "M1805", "j": ["PAS_UNE_JOINTURE"]}),
            true,
            false,
        ),
        (json!({"c": "M1805", "r": {"inconnu": 1}}), true, false),
        (
            json!({"c": "M1805", "r": {"categories": ["EVENEMENT", 3]}}),
            true,
            false,
        ),
        (
            json!({"c": "M1805", "a": {"autour": {"codeInsee": "69123"}}}),
            true,
            false,
        ),
        (
            json!({"c": "M1805", "a": {"autour": {"codeInsee": "69123", "rayonKm": "loin"}}}),
            true,
            false,
        ),
    ]
}

/// `passerelle_graphql_validations_total{mode}` on `/metrics`.
async fn validations(app: &TestApp) -> (u64, u64) {
    let text = get_text(&format!("{}/metrics", app.base)).await;
    let count = |mode: &str| {
        let prefix = format!("passerelle_graphql_validations_total{{mode=\"{mode}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("{prefix} absent de /metrics"))
            .parse::<u64>()
            .unwrap()
    };
    (count("complete"), count("memorisee"))
}

#[tokio::test]
async fn a_validated_document_answers_as_if_validated_in_full() {
    let app = spawn_app().await;
    let cases = cases();

    // Each case on a document never seen (the same query, a different comment at its end): in full.
    let mut fresh = Vec::new();
    for (i, (variables, refused, _)) in cases.iter().enumerate() {
        let (status, body) = app
            .query(&format!("{QUERY}\n# {i}"), variables.clone())
            .await;
        if *refused {
            assert!(body.get("data").is_none(), "{variables} : {body}");
            assert!(!errors(&body).is_empty(), "{variables} : {body}");
        } else {
            assert_eq!(status, 200, "{variables} : {body}");
            assert!(errors(&body).is_empty(), "{variables} : {body}");
            assert_eq!(body["data"]["metier"]["codeRome"], "M1805", "{body}");
        }
        fresh.push((status, body));
    }
    assert_eq!(validations(&app).await, (cases.len() as u64, 0));

    // The document itself, validated in full once.
    let (status, body) = app.query(QUERY, json!({"c": "M1805"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, fresh[0].1);
    assert_eq!(validations(&app).await, (cases.len() as u64 + 1, 0));

    // Then each case again on that document: the same answers, the accepted variables without the
    // document rules, the others validated in full again.
    for ((variables, _, _), expected) in cases.iter().zip(&fresh) {
        let answer = app.query(QUERY, variables.clone()).await;
        assert_eq!(&answer, expected, "{variables}");
    }
    let skipped = cases.iter().filter(|(_, _, skips)| *skips).count() as u64;
    assert_eq!(
        validations(&app).await,
        (2 * cases.len() as u64 + 1 - skipped, skipped)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_refused_document_is_validated_in_full_every_time() {
    let app = spawn_app().await;
    let query = r#"{ metier(codeRome: "M1805") { inconnu } }"#;
    let (status, first) = app.query(query, json!({})).await;
    assert!(first.get("data").is_none(), "{first}");
    let message = errors(&first)[0]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("inconnu"), "{message}");
    let again = app.query(query, json!({})).await;
    assert_eq!(again, (status, first));
    assert_eq!(validations(&app).await, (2, 0));
    app.stop().await;
}

#[tokio::test]
async fn a_required_variable_left_out_or_null_refuses_the_request() {
    let app = spawn_app().await;
    let query = "query($c: CodeRome!, $f: Int, $e: CodeRome! = \"M1805\") {
  metier(codeRome: $c) { codeRome }
  autre: metier(codeRome: $e) { codeRome ressources(first: $f) { totalCount } }
}";
    for (variables, problem) in [(json!({}), "absente"), (json!({"c": null}), "nulle")] {
        let (status, body) = app.query(query, variables.clone()).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("data").is_none(), "no field runs: {body}");
        let errors = errors(&body);
        assert_eq!(errors.len(), 1, "{body}");
        assert_eq!(
            errors[0]["message"],
            format!(
                "variable $c de type CodeRome! {problem} : une valeur non nulle est attendue \
                 (type non nul, sans valeur par défaut)"
            )
        );
        assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(errors[0]["extensions"]["variable"], "c");
        assert_eq!(errors[0]["locations"], json!([{"line": 1, "column": 7}]));
    }
    // A request error: 400 under graphql-response+json.
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": query, "variables": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // Given: the nullable one may be left out, the one with a default too.
    let (status, body) = app.query(query, json!({"c": "M1805"})).await;
    assert_eq!(status, 200, "{body}");
    assert!(errors(&body).is_empty(), "{body}");
    assert_eq!(body["data"]["metier"]["codeRome"], "M1805");
    assert_eq!(body["data"]["autre"]["codeRome"], "M1805");
    assert!(
        body["data"]["autre"]["ressources"]["totalCount"]
            .as_u64()
            .unwrap()
            > 0
    );
    app.stop().await;
}

#[tokio::test]
async fn a_routers_entity_query_skips_the_document_rules_once_validated() {
    let app = spawn_app().await;
    let query = "query($representations: [_Any!]!) { _entities(representations: $representations) \
{ ... on Metier { codeRome libelle } ... on Commune { codeInsee nom } } }";
    let batches = [
        json!([{"__typename": "Metier", "codeRome": "M1805"}]),
        json!([
            {"__typename": "Commune", "codeInsee": "69123"},
            {"__typename": "Metier", "codeRome": "K2111"},
            {"__typename": "Entreprise", "siret": "1"}
        ]),
    ];
    // On a never-seen text each, then on the same text: the first validated in full, the second not.
    let mut fresh = Vec::new();
    for (i, representations) in batches.iter().enumerate() {
        let variables = json!({ "representations": representations });
        fresh.push(app.query(&format!("{query}\n# {i}"), variables).await);
    }
    assert_eq!(fresh[0].1["data"]["_entities"][0]["codeRome"], "M1805");
    assert_eq!(fresh[1].1["data"]["_entities"][0]["codeInsee"], "69123");
    assert_eq!(fresh[1].1["data"]["_entities"][2], Value::Null);
    for (representations, expected) in batches.iter().zip(&fresh) {
        let variables = json!({ "representations": representations });
        assert_eq!(&app.query(query, variables).await, expected);
    }
    assert_eq!(validations(&app).await, (3, 1));
    app.stop().await;
}
