//! Joins across sources, both ways, each saying how it was made: a métier's offers by ROME code,
//! certification and Formacode; a certification's offers and ONISEP fiches; an ONISEP fiche's
//! certifications; what is around a commune; RNCP numbers unknown to the référentiel counted.

use std::collections::BTreeSet;

use passerelle_core::config::{Mode, SourceConfig};
use serde_json::{Value, json};

use crate::helpers::{TestApp, errors, shared, spawn_app, spawn_app_with, test_config};

async fn data(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.query(query, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(errors(&body).is_empty(), "{query}: {body}");
    body["data"].clone()
}

fn numeros(connection: &Value) -> BTreeSet<String> {
    let nodes = connection["nodes"].as_array().unwrap();
    assert_eq!(
        connection["totalCount"],
        nodes.len(),
        "one page holds them all"
    );
    nodes
        .iter()
        .map(|n| n["numero"].as_str().unwrap().to_owned())
        .collect()
}

fn codes(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v[key].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_metier_reaches_offers_by_rome_code_certification_and_formacode() {
    let app = spawn_app().await;
    let d = data(
        &app,
        r#"{ metier(codeRome: "M1805") {
              formacodes { code }
              certifications { certification { rncp correspondances { certifInfo } } }
              direct: actionsFormation(first: 100) { totalCount nodes { numero } }
              toutes: actionsFormation(jointures: [CODE_ROME, CERTIFICATION, FORMACODE], first: 100) {
                totalCount
                edges { rattachement node { numero formation { codesRome formacodes { code } certifications { rncp certifInfo } } } }
              }
              parCertification: actionsFormation(jointures: [CERTIFICATION], first: 100) { totalCount nodes { numero } }
            } }"#,
    )
    .await;
    let m = &d["metier"];
    let formacodes = codes(&m["formacodes"], "code");
    let certs: Vec<&Value> = m["certifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["certification"])
        .collect();
    let rncp: Vec<String> = certs
        .iter()
        .filter_map(|c| c["rncp"].as_str().map(str::to_owned))
        .collect();
    let certif_info: Vec<String> = certs
        .iter()
        .flat_map(|c| codes(&c["correspondances"], "certifInfo"))
        .collect();
    assert!(!formacodes.is_empty() && !rncp.is_empty());

    // The union equals the union of the three lists asked separately.
    let list = |filtre: Value| {
        let app = &app;
        async move {
            let (_, body) = app
                .query(
                    "query($f: FiltreActionsFormation) { actionsFormation(filtre: $f, first: 100) { totalCount nodes { numero } } }",
                    json!({ "f": filtre }),
                )
                .await;
            assert!(errors(&body).is_empty(), "{body}");
            numeros(&body["data"]["actionsFormation"])
        }
    };
    let by_code = list(json!({ "codesRome": ["M1805"] })).await;
    let by_rncp = list(json!({ "rncp": rncp })).await;
    let by_ci = list(json!({ "certifInfo": certif_info })).await;
    let by_formacode = list(json!({ "formacodes": formacodes })).await;
    let by_certification: BTreeSet<String> = by_rncp.union(&by_ci).cloned().collect();
    let expected: BTreeSet<String> = by_code
        .iter()
        .chain(&by_certification)
        .chain(&by_formacode)
        .cloned()
        .collect();
    let edges = m["toutes"]["edges"].as_array().unwrap();
    let found: BTreeSet<String> = edges
        .iter()
        .map(|e| e["node"]["numero"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, expected);
    assert_eq!(m["toutes"]["totalCount"], expected.len());
    assert_eq!(numeros(&m["direct"]), by_code, "by ROME code by default");
    assert_eq!(
        m["parCertification"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["numero"].as_str().unwrap().to_owned())
            .collect::<BTreeSet<_>>(),
        by_certification
    );

    // Each edge says how it came, the first of ROME code, certification, Formacode.
    let mut seen = BTreeSet::new();
    for e in edges {
        let numero = e["node"]["numero"].as_str().unwrap().to_owned();
        let f = &e["node"]["formation"];
        let how = e["rattachement"].as_str().unwrap();
        seen.insert(how.to_owned());
        match how {
            "DIRECT" => {
                assert!(by_code.contains(&numero), "{e}");
                assert!(
                    f["codesRome"].as_array().unwrap().contains(&json!("M1805")),
                    "{e}"
                );
            }
            "VIA_CERTIFICATION" => {
                assert!(
                    !by_code.contains(&numero) && by_certification.contains(&numero),
                    "{e}"
                );
            }
            "VIA_FORMACODE" => {
                assert!(
                    !by_code.contains(&numero) && !by_certification.contains(&numero),
                    "{e}"
                );
                assert!(
                    codes(&f["formacodes"], "code")
                        .iter()
                        .any(|c| formacodes.contains(c)),
                    "{e}"
                );
            }
            other => panic!("unexpected {other}: {e}"),
        }
    }
    assert_eq!(
        seen,
        ["DIRECT", "VIA_CERTIFICATION", "VIA_FORMACODE"]
            .map(str::to_owned)
            .into(),
        "the sample has offers reached each way"
    );

    let (_, body) = app
        .query(
            r#"{ metier(codeRome: "M1805") { actionsFormation(jointures: []) { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        errors(&body)[0]["extensions"]["argument"],
        "jointures",
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn certifications_and_onisep_fiches_join_both_ways_through_the_table_de_passage() {
    let app = spawn_app().await;
    let d = data(
        &app,
        r#"{
          fichesOnisep(first: 100) { nodes { id formationsMinimales { id } certifications { rattachement certification { rncp } } } }
          certifications(first: 100) { nodes { rncp correspondances { formationOnisep { id } } fichesOnisep { rattachement fiche { id } } } }
        }"#,
    )
    .await;
    let mut pairs_from_fiches = BTreeSet::new();
    for f in d["fichesOnisep"]["nodes"].as_array().unwrap() {
        for c in f["certifications"].as_array().unwrap() {
            assert_eq!(c["rattachement"], "VIA_FORMATION_ONISEP");
            pairs_from_fiches.insert((f["id"].to_string(), c["certification"]["rncp"].to_string()));
        }
    }
    let mut pairs_from_certifications = BTreeSet::new();
    for c in d["certifications"]["nodes"].as_array().unwrap() {
        for f in c["fichesOnisep"].as_array().unwrap() {
            assert_eq!(f["rattachement"], "VIA_FORMATION_ONISEP");
            pairs_from_certifications.insert((f["fiche"]["id"].to_string(), c["rncp"].to_string()));
        }
    }
    assert!(pairs_from_fiches.len() >= 5, "{pairs_from_fiches:?}");
    assert_eq!(
        pairs_from_fiches, pairs_from_certifications,
        "both ways agree"
    );
    assert!(pairs_from_fiches.contains(&("\"MET.12\"".into(), "\"RNCP41588\"".into())));

    // A certification's offers are the list filtered on its numbers.
    let d = data(
        &app,
        r#"{ certification(rncp: "RNCP37674") { actionsFormation(first: 100) { totalCount nodes { numero } } }
             liste: actionsFormation(filtre: { rncp: ["RNCP37674"] }, first: 100) { totalCount nodes { numero } } }"#,
    )
    .await;
    let via = numeros(&d["certification"]["actionsFormation"]);
    assert!(via.len() >= 2);
    assert_eq!(via, numeros(&d["liste"]));
    app.stop().await;
}

#[tokio::test]
async fn a_commune_shows_what_is_around_it() {
    let app = spawn_app().await;
    let d = data(
        &app,
        r#"{ commune(codeInsee: "69266") {
              actionsFormation(rayonKm: 5, first: 100) { totalCount edges { distanceKm node { numero } } }
              ressources(rayonKm: 20, filtre: { categories: [EVENEMENT, IMMERSION_ENTREPRISE, CONCOURS, ACTION_MOBILISABLE_GROUPE] }, first: 100) { totalCount nodes { id } }
            }
            actions: actionsFormation(filtre: { autour: { codeInsee: "69266", rayonKm: 5 } }, first: 100) { totalCount edges { distanceKm node { numero } } }
            ressources(filtre: { autour: { codeInsee: "69266", rayonKm: 20 }, categories: [EVENEMENT, IMMERSION_ENTREPRISE, CONCOURS, ACTION_MOBILISABLE_GROUPE] }, first: 100) { totalCount nodes { id } }
        }"#,
    )
    .await;
    let c = &d["commune"];
    assert!(c["actionsFormation"]["totalCount"].as_u64().unwrap() > 0);
    assert_eq!(
        c["actionsFormation"], d["actions"],
        "nearest first, with distances"
    );
    assert!(c["ressources"]["totalCount"].as_u64().unwrap() > 0);
    assert_eq!(c["ressources"], d["ressources"]);
    let (_, body) = app
        .query(
            r#"{ commune(codeInsee: "69266") { actionsFormation(filtre: { autour: { codeInsee: "69123", rayonKm: 5 } }) { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        errors(&body)[0]["extensions"]["argument"],
        "filtre.autour",
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn rncp_numbers_of_offers_unknown_to_the_referentiel_are_counted_never_joined() {
    let mut config = test_config();
    config.sources.offre_info = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(shared("offre-info/intercarif-offre-info/formation.xml").into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let query = r#"{ sources { id chargeLe prochaineActualisation anomalies(first: 50) { emplacement probleme nombre } }
             actionsFormation(first: 5) { nodes { formation { certifications { rncp certification { rncp } } } } } }"#;
    let mut d = data(&app, query).await;
    // The next load is scheduled just after the first one is served.
    for _ in 0..40 {
        if d["sources"][3]["prochaineActualisation"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        d = data(&app, query).await;
    }
    let offres = d["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "offre-info")
        .unwrap();
    // A snapshot says when it reloads next: `refresh` (24 h by default) after its load.
    let loaded =
        chrono::DateTime::parse_from_rfc3339(offres["chargeLe"].as_str().unwrap()).unwrap();
    let next =
        chrono::DateTime::parse_from_rfc3339(offres["prochaineActualisation"].as_str().unwrap())
            .unwrap();
    let ahead = (next - loaded).num_minutes();
    assert!((24 * 60 - 5..=24 * 60 + 5).contains(&ahead), "{offres}");
    let unknown = offres["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["probleme"].as_str().unwrap().contains("RNCP"))
        .unwrap_or_else(|| panic!("{offres}"));
    assert!(
        unknown["emplacement"].as_str().unwrap().contains("RNCP320"),
        "{unknown}"
    );
    assert!(unknown["nombre"].as_u64().unwrap() >= 1);
    for n in d["actionsFormation"]["nodes"].as_array().unwrap() {
        for c in n["formation"]["certifications"].as_array().unwrap() {
            if c["rncp"] == "RNCP320" {
                assert!(c["certification"].is_null(), "never joined: {c}");
            }
        }
    }
    app.stop().await;
}
