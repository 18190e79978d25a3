//! Abuse limits: each attack that graphql-cop and GraphQL Armor try gets its documented error at once,
//! before any resolver runs.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{errors, spawn_app};

async fn post_raw(app: &crate::helpers::TestApp, body: String) -> (u16, Value, Duration) {
    let started = Instant::now();
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        started.elapsed(),
    )
}

fn limit_of(body: &Value) -> String {
    let e = &errors(body)[0];
    assert_eq!(e["extensions"]["code"], "LIMIT_EXCEEDED", "{body}");
    assert!(
        body.get("data").is_none(),
        "a request error has no data: {body}"
    );
    e["extensions"]["limite"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_attack_gets_its_limit_error_quickly() {
    let app = spawn_app().await;
    let aliases: String = (0..1000).map(|i| format!("a{i}: __typename ")).collect();
    let duplicated = "__typename ".repeat(4000);
    let directives = format!("{{ __typename {} }}", "@skip(if: false) ".repeat(200));
    let deep_introspection = format!(
        "{{ __schema {{ types {{ fields {{ type {}name{} }} }} }} }}",
        "{ ofType ".repeat(20),
        " }".repeat(20)
    );
    let lists = r#"{ metiers(first: 100) { nodes { actionsFormation(first: 100) { edges { node { formation { metiers { actionsFormation(first: 100) { totalCount } } } } } } } } }"#;
    let huge = format!("{{ __typename }} #{}", "x".repeat(70_000));
    let attacks: Vec<(&str, String, &str)> = vec![
        (
            "alias overloading",
            format!("{{ {aliases} }}"),
            "limits.max_aliases",
        ),
        (
            "token flood",
            format!("{{ {} }}", "a ".repeat(6000)),
            "limits.max_tokens",
        ),
        (
            "field duplication",
            format!("{{ {duplicated} }}"),
            "limits.max_root_fields",
        ),
        ("directive overloading", directives, "limits.max_directives"),
        ("deep introspection", deep_introspection, "limits.max_depth"),
        (
            "list multiplication",
            lists.to_owned(),
            "limits.max_complexity",
        ),
        ("oversized document", huge, "limits.max_document_bytes"),
    ];
    for (name, query, limit) in attacks {
        let (status, body, took) = post_raw(&app, json!({ "query": query }).to_string()).await;
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(limit_of(&body), limit, "{name}");
        let message = errors(&body)[0]["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains(limit),
            "{name}: the message names the limit: {message}"
        );
        assert!(
            took < Duration::from_secs(2),
            "{name}: answered in {took:?}"
        );
        eprintln!("{name}: {limit} in {took:?}");
    }

    // 200 aliases stay under the tokens limit: the aliases limit answers.
    let some: String = (0..200).map(|i| format!("a{i}: __typename ")).collect();
    let (_, body, _) = post_raw(
        &app,
        json!({ "query": format!("{{ {some} }}") }).to_string(),
    )
    .await;
    assert_eq!(limit_of(&body), "limits.max_aliases");
    assert_eq!(errors(&body)[0]["extensions"]["valeur"], 200);
    assert_eq!(errors(&body)[0]["extensions"]["maximum"], 30);

    // Array batching is off: one operation per request.
    let (status, body, _) = post_raw(
        &app,
        json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]).to_string(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(limit_of(&body), "limits.max_batch");

    // Circular fragments: refused by validation, without looping.
    let (status, body, took) = post_raw(
        &app,
        json!({ "query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }" })
            .to_string(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.get("data").is_none());
    assert!(took < Duration::from_secs(2));

    // A body past max_body_bytes: 413.
    let big = json!({ "query": "{ __typename }", "variables": { "x": "y".repeat(1_100_000) } });
    let (status, _, _) = post_raw(&app, big.to_string()).await;
    assert_eq!(status, 413);

    // An ordinary portal query passes.
    let (status, body, _) = post_raw(
        &app,
        json!({ "query": r#"{ metier(codeRome: "M1805") { libelle appellations { libelle } } }"# })
            .to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(errors(&body).is_empty());
}

/// Array batching, when `limits.max_batch` allows it: the answers come in order, each operation is
/// checked on its own, and an array longer than the limit is refused as a whole.
#[tokio::test]
async fn array_batching_is_bounded_when_enabled() {
    let mut config = crate::helpers::test_config();
    config.limits.max_batch = 3;
    let app = crate::helpers::spawn_app_with(config, true).await;
    let aliases: String = (0..200).map(|i| format!("a{i}: __typename ")).collect();
    let (status, body, _) = post_raw(
        &app,
        json!([
            { "query": r#"{ metier(codeRome: "M1805") { codeRome libelle } }"# },
            { "query": format!("{{ {aliases} }}") },
            { "qeury": "{ __typename }" },
        ])
        .to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let answers = body.as_array().expect("an array of answers");
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0]["data"]["metier"]["codeRome"], "M1805");
    assert_eq!(limit_of(&answers[1]), "limits.max_aliases");
    assert!(answers[1].get("data").is_none());
    assert!(
        errors(&answers[2])[0]["message"]
            .as_str()
            .unwrap()
            .contains("opération 2 du tableau"),
        "{body}"
    );

    let four = Value::Array(vec![json!({ "query": "{ __typename }" }); 4]);
    let (status, body, _) = post_raw(&app, four.to_string()).await;
    assert_eq!(status, 400);
    assert_eq!(limit_of(&body), "limits.max_batch");
    assert_eq!(errors(&body)[0]["extensions"]["valeur"], 4);
    assert_eq!(errors(&body)[0]["extensions"]["maximum"], 3);
    // An empty array is a malformed request, not a limit.
    let (status, body, _) = post_raw(&app, "[]".into()).await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&body)[0]["extensions"]["code"],
        "BAD_USER_INPUT",
        "{body}"
    );
}
