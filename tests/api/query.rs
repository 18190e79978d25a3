//! The foundation's "done when": one query across every source, lookups and errors.

use serde_json::{Value, json};

use crate::helpers::{errors, spawn_app};

const DONE_QUERY: &str = r#"{
  metier(codeRome: "M1805") {
    codeRome
    libelle
    domaineProfessionnel { code libelle }
    appellations(first: 3) { libelle }
    fichesOnisep { rattachement fiche { id libelle url } }
    actionsFormation(filtre: { autour: { codeInsee: "69123", rayonKm: 50 } }, first: 5) {
      totalCount
      edges { distanceKm node { formation { intitule } lieu { commune { codeInsee nom } } } }
    }
    ressources(first: 5) { totalCount edges { node { titre categorie } } }
    provenance { source recupereLe }
  }
  sources { id nom licence enregistrements statut }
}"#;

#[tokio::test]
async fn the_foundation_query_answers_from_every_source() {
    let app = spawn_app().await;
    let (status, body) = app.query(DONE_QUERY, json!({})).await;
    assert_eq!(status, 200);
    assert!(errors(&body).is_empty(), "{body}");
    let m = &body["data"]["metier"];
    assert_eq!(m["codeRome"], "M1805");
    assert_eq!(m["libelle"], "Développeur / Développeuse informatique");
    assert_eq!(m["domaineProfessionnel"]["code"], "M18");
    assert_eq!(m["appellations"].as_array().unwrap().len(), 3);
    assert_eq!(m["provenance"]["source"], "rome");

    let onisep = m["fichesOnisep"].as_array().unwrap();
    assert!(onisep.len() >= 3, "{onisep:?}");
    assert!(
        onisep.iter().all(|f| f["rattachement"] == "DIRECT"),
        "M1805 is cited directly"
    );
    assert!(onisep.iter().all(|f| {
        f["fiche"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://www.onisep.fr/")
    }));

    let actions = &m["actionsFormation"];
    let total = actions["totalCount"].as_u64().unwrap();
    assert!(total >= 8, "{actions}");
    let edges = actions["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 5, "first: 5");
    let distances: Vec<f64> = edges
        .iter()
        .map(|e| e["distanceKm"].as_f64().unwrap())
        .collect();
    assert!(
        distances.windows(2).all(|w| w[0] <= w[1]) && distances.iter().all(|d| *d <= 50.0),
        "{distances:?}"
    );
    for e in edges {
        assert!(
            !e["node"]["formation"]["intitule"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        let commune = &e["node"]["lieu"]["commune"];
        assert!(
            commune["codeInsee"].as_str().unwrap().starts_with("69"),
            "{commune}"
        );
        assert!(
            commune["nom"].as_str().is_some(),
            "the commune comes from the communes référentiel"
        );
    }

    let ressources = &m["ressources"];
    assert!(
        ressources["totalCount"].as_u64().unwrap() >= 3,
        "{ressources}"
    );
    assert!(
        ressources["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["categorie"].is_string())
    );

    let sources = body["data"]["sources"].as_array().unwrap();
    let ids: Vec<&str> = sources.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "rome",
            "onisep",
            "rncp",
            "offre-info",
            "repere-metiers",
            "geo"
        ]
    );
    for s in sources {
        assert_eq!(s["statut"], "PRET", "{s}");
        assert!(s["enregistrements"].as_u64().unwrap() > 0, "{s}");
        assert!(!s["licence"].as_str().unwrap().is_empty());
    }
    app.stop().await;
}

#[tokio::test]
async fn a_code_that_does_not_exist_is_null_without_error() {
    let app = spawn_app().await;
    let (status, body) = app
        .query(
            r#"{ metier(codeRome: "M9999") { libelle } commune(codeInsee: "69999") { nom } }"#,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "data": { "metier": null, "commune": null } }));
}

fn assert_bad_input(body: &Value, argument: &str, value: &str) {
    assert!(
        body.get("data").is_none(),
        "an invalid argument leaves no data: {body}"
    );
    let errs = errors(body);
    assert_eq!(errs.len(), 1, "{body}");
    assert_eq!(errs[0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(errs[0]["extensions"]["argument"], argument);
    let message = errs[0]["message"].as_str().unwrap();
    assert!(
        message.contains(value) && message.contains("A à N"),
        "the message names the value and the rule: {message}"
    );
}

#[tokio::test]
async fn a_malformed_code_is_a_bad_user_input_without_data() {
    let app = spawn_app().await;
    let (status, body) = app
        .query(
            r#"{ metier(codeRome: "ZZ") { libelle } sources { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        status, 200,
        "application/json answers 200 (GraphQL-over-HTTP)"
    );
    assert_bad_input(&body, "codeRome", "« ZZ »");
    let (_, body) = app
        .query(
            "query ($c: CodeRome!) { metier(codeRome: $c) { libelle } }",
            json!({ "c": "K15" }),
        )
        .await;
    assert_bad_input(&body, "codeRome", "« K15 »");
}

#[tokio::test]
async fn limits_and_inputs_name_the_argument_and_the_rule() {
    let app = spawn_app().await;
    // An argument beyond its limit is the caller's input: the request is refused whole, before any
    // data (400 under application/graphql-response+json), naming the argument.
    let (status, body) = app
        .query(
            "{ actionsFormation(first: 500) { totalCount } sources { id } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "application/json keeps 200");
    assert!(
        body.get("data").is_none(),
        "a request error has no data: {body}"
    );
    assert_eq!(errors(&body).len(), 1, "{body}");
    assert!(errors(&body)[0].get("path").is_none(), "{body}");
    let e = &errors(&body)[0];
    assert_eq!(e["extensions"]["code"], "LIMIT_EXCEEDED");
    assert_eq!(e["extensions"]["argument"], "first");
    assert!(e["message"].as_str().unwrap().contains("500"));
    // Like every limit: which one, the value and the maximum.
    assert_eq!(e["extensions"]["limite"], "résultats par page", "{body}");
    assert_eq!(e["extensions"]["valeur"], 500, "{body}");
    assert_eq!(e["extensions"]["maximum"], 100, "{body}");
    let (_, body) = app
        .query(
            r#"{ actionsFormation(filtre: { autour: { codeInsee: "69123", rayonKm: 250.5 } }) { totalCount } }"#,
            json!({}),
        )
        .await;
    let e = &errors(&body)[0];
    assert_eq!(
        e["extensions"]["argument"], "filtre.autour.rayonKm",
        "{body}"
    );
    assert_eq!(e["extensions"]["valeur"], 250.5, "{body}");
    assert_eq!(e["extensions"]["maximum"], 200.0, "{body}");

    let (_, body) = app
        .query(r#"{ actionsFormation(filtre: { autour: { codeInsee: "69123", latitude: 45.0, longitude: 4.0, rayonKm: 10 } }) { totalCount } }"#, json!({}))
        .await;
    assert_eq!(errors(&body)[0]["extensions"]["argument"], "filtre.autour");
    let (_, body) = app.query(r#"{ actionsFormation(filtre: { autour: { codeInsee: "69999", rayonKm: 10 } }) { totalCount } }"#, json!({})).await;
    let e = &errors(&body)[0];
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        e["message"].as_str().unwrap().contains("commune inconnue"),
        "{e}"
    );
    let (_, body) = app
        .query(r#"{ metiers(after: "abc") { totalCount } }"#, json!({}))
        .await;
    assert_eq!(errors(&body)[0]["extensions"]["argument"], "after");
}

#[tokio::test]
async fn pages_follow_their_cursors() {
    let app = spawn_app().await;
    let q = "query ($after: String) { metiers(filtre: { codeDomaineProfessionnel: \"M18\" }, first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { codeRome } } } }";
    let mut after = Value::Null;
    let mut seen = Vec::new();
    loop {
        let (_, body) = app.query(q, json!({ "after": after })).await;
        let page = &body["data"]["metiers"];
        seen.extend(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["codeRome"].as_str().unwrap().to_owned()),
        );
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            assert_eq!(seen.len() as u64, page["totalCount"].as_u64().unwrap());
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let mut dedup = seen.clone();
    dedup.dedup();
    assert_eq!(dedup, seen, "no record twice across pages");
}

#[tokio::test]
async fn joins_say_how_they_were_made() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(
            r#"{ metier(codeRome: "M1855") { codeRomeParent ficheParente { codeRome } fichesOnisep { rattachement fiche { id } } }
                ficheOnisep(id: "MET.84") { codesRome metiers { rattachement metier { codeRome } } } }"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let m = &body["data"]["metier"];
    assert_eq!(m["codeRomeParent"], "M1805");
    assert_eq!(m["ficheParente"]["codeRome"], "M1805");
    let fiches = m["fichesOnisep"].as_array().unwrap();
    assert!(
        !fiches.is_empty()
            && fiches
                .iter()
                .all(|f| f["rattachement"] == "VIA_FICHE_PARENTE"),
        "{fiches:?}"
    );
    let metiers = body["data"]["ficheOnisep"]["metiers"].as_array().unwrap();
    assert!(
        metiers
            .iter()
            .any(|r| r["rattachement"] == "DIRECT" && r["metier"]["codeRome"] == "M1805")
    );
    assert!(
        metiers
            .iter()
            .any(|r| r["rattachement"] == "VIA_FICHE_DETAILLEE"
                && r["metier"]["codeRome"] == "M1855")
    );
}

#[tokio::test]
async fn today_is_the_configured_day() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(r#"{ actionFormation(numero: "84_A7001-01") { sessions { debut } prochaineSession { debut } upcoming: sessions(aVenir: true) { debut } } }"#, json!({}))
        .await;
    let a = &body["data"]["actionFormation"];
    assert_eq!(a["sessions"].as_array().unwrap().len(), 3);
    assert_eq!(
        a["prochaineSession"]["debut"], "2026-03-02",
        "first session starting on or after 2026-01-15"
    );
    assert_eq!(a["upcoming"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn personal_contacts_follow_consent() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(
            r#"{ ressources(filtre: { du: "2020-01-01" }, first: 100) { totalCount nodes { id contact { nom } } } }"#,
            json!({}),
        )
        .await;
    let nodes = body["data"]["ressources"]["nodes"].as_array().unwrap();
    assert_eq!(
        body["data"]["ressources"]["totalCount"], 37,
        "unpublished resources are never served"
    );
    let sample: Value = serde_json::from_str(include_str!(
        "../../adapters/repere-metiers/sample/ressources.json"
    ))
    .unwrap();
    for r in sample["ressources"].as_array().unwrap() {
        let served = nodes.iter().find(|n| n["id"] == r["id"]);
        match (r["moderation"]["statut"].as_str(), served) {
            (Some("publiee"), Some(n)) => {
                let consent = r["contact"]["consentement_publication"]
                    .as_bool()
                    .unwrap_or(false);
                assert_eq!(
                    n["contact"].is_object(),
                    consent,
                    "{}: contact only with consent",
                    r["id"]
                );
            }
            (Some("publiee"), None) => panic!("{} is published but not served", r["id"]),
            (_, served) => assert!(served.is_none(), "{} is not published", r["id"]),
        }
    }
}
