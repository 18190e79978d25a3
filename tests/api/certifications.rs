//! ONISEP and the certifications through GraphQL: the Idéo fiches joined to ROME 4.0 both ways, the
//! RNCP / Certif Info référentiel reachable by any of its codes, the counts of unknown codes in the
//! sources' health, and the ONISEP `http` mode run as the real binary against an API stand-in.

use passerelle_core::config::{Mode, OneOrMany, SourceConfig};
use passerelle_onisep::fake_upstream::{self, APPLICATION_ID, EMAIL, PASSWORD};
use serde_json::{Value, json};

use crate::helpers::{errors, shared, spawn_app, spawn_app_with, start_binary, test_config};

const DONE_WHEN: &str = r#"{
  fichesOnisep(recherche: "developpeur informatique", first: 3) {
    edges { node { id libelle metiers { rattachement metier { codeRome libelle } } } }
  }
  metier(codeRome: "M1855") { fichesOnisep { rattachement fiche { id } } }
  certification(rncp: "RNCP36721") { rncp certifInfo cfd formationOnisep { id } }
  bare: certification(rncp: "36721") { rncp certifInfo cfd formationOnisep { id } }
  byCertifInfo: certification(certifInfo: "82581") { rncp }
  sources { id enregistrements anomalies(first: 50) { probleme nombre emplacement } }
}"#;

fn real_publications() -> passerelle::config::Config {
    let mut config = test_config();
    config.sources.rome = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(shared("rome").into()),
        ..SourceConfig::default()
    };
    config.sources.onisep = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(shared("onisep/ideo-metiers_onisep.xml.xml").into()),
        ..SourceConfig::default()
    };
    config.sources.rncp = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(OneOrMany(vec![
            shared("crosswalks/france-competences-rncp"),
            shared("onisep/table_de_passage_codes_certifications_et_formations.xml.xml"),
        ])),
        ..SourceConfig::default()
    };
    config
}

fn source<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["data"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("source {id} missing: {body}"))
}

/// The anomaly whose problem starts with `prefix`.
fn anomaly<'a>(source: &'a Value, prefix: &str) -> &'a Value {
    source["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["probleme"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no anomaly « {prefix}… » in {source}"))
}

#[tokio::test]
async fn the_done_when_query_on_the_real_publications() {
    let app = spawn_app_with(real_publications(), true).await;
    let (status, body) = app.query(DONE_WHEN, json!({})).await;
    assert_eq!(status, 200);
    assert!(errors(&body).is_empty(), "{body}");
    let d = &body["data"];

    let first = &d["fichesOnisep"]["edges"][0]["node"];
    assert_eq!(first["id"], "MET.12", "{}", d["fichesOnisep"]);
    let metiers = first["metiers"].as_array().unwrap();
    assert_eq!(
        metiers[0],
        json!({"rattachement": "DIRECT", "metier": {"codeRome": "M1805", "libelle": "Développeur / Développeuse informatique"}}),
        "the ROME 4.0 label, not ONISEP's V3 one"
    );
    assert!(
        metiers
            .iter()
            .any(|m| m["rattachement"] == "VIA_FICHE_DETAILLEE"
                && m["metier"]["codeRome"] == "M1855"),
        "{metiers:?}"
    );

    let m1855 = d["metier"]["fichesOnisep"].as_array().unwrap();
    assert!(
        m1855.contains(&json!({"rattachement": "VIA_FICHE_PARENTE", "fiche": {"id": "MET.12"}})),
        "{m1855:?}"
    );

    let expected = json!({"rncp": "RNCP36721", "certifInfo": "82581", "cfd": "46X25201", "formationOnisep": {"id": "FOR.3642"}});
    assert_eq!(d["certification"], expected);
    assert_eq!(d["bare"], expected, "36721 and RNCP36721 are one code");
    assert_eq!(d["byCertifInfo"]["rncp"], "RNCP36721");

    let onisep = source(&body, "onisep");
    assert_eq!(onisep["enregistrements"], 1043);
    assert_eq!(anomaly(onisep, "aucun code ROME")["nombre"], 146);
    let malformed = anomaly(onisep, "code ROME mal formé");
    assert_eq!(malformed["nombre"], 2);
    let place = malformed["emplacement"].as_str().unwrap();
    assert!(
        place.contains("« A15 »") && place.contains("« K15 »"),
        "{place}"
    );

    let rncp = source(&body, "rncp");
    let unknown = anomaly(
        rncp,
        "9 code(s) ROME bien formé(s) mais absent(s) du ROME 4.0 chargé",
    );
    assert_eq!(unknown["nombre"], 14, "14 rows, 9 codes: {unknown}");
    assert!(
        unknown["emplacement"].as_str().unwrap().contains("C1300"),
        "{unknown}"
    );
    assert!(
        rncp["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| !a["probleme"]
                .as_str()
                .unwrap()
                .starts_with("code ROME mal formé")),
        "unknown codes are counted apart from malformed ones"
    );
    // ONISEP cites codes that ROME 4.0 no longer has, too: counted the same way.
    let onisep_unknown = onisep["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["probleme"]
                .as_str()
                .unwrap()
                .contains("absent(s) du ROME 4.0 chargé")
        })
        .count();
    assert!(onisep_unknown <= 1);

    // A CFD shared by five certifications is refused, naming the way to list them.
    let (_, body) = app
        .query(
            r#"{ one: certification(cfd: "23633502") { rncp }
                 all: certifications(filtre: { cfd: "23633502" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    let e = &errors(&body)[0];
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["argument"], "cfd");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("désigne 5 certifications"),
        "{e}"
    );
    assert_eq!(body["data"]["all"]["totalCount"], 5);
}

#[tokio::test]
async fn the_sample_joins_every_way() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(
            r#"{
  sio: certification(rncp: "35340") {
    intitule niveauEuropeen actif
    correspondances { certifInfo cfd formationOnisep { id url } }
    metiers { rattachement metier { codeRome } }
    certificateurs { siret nom } formacodes { code }
    provenance { source url version }
  }
  slam: certification(cfd: "32031213") { rncp }
  seconde: certification(certifInfo: "111024") { rncp intitule formationOnisep { id } }
  m1805: metier(codeRome: "M1805") { formacodes { code } certifications { rattachement certification { rncp } } }
  m1855: metier(codeRome: "M1855") { certifications { rattachement certification { rncp } } }
  peintre: actionsFormation(filtre: { codesRome: ["F1606"] }) {
    nodes { formation { certifications { rncp certification { intitule niveauEuropeen } } } }
  }
  programmeur: fichesOnisep(recherche: "programmeur") {
    nodes {
      id detaillee accroche synonymes niveauAccesMinimum { code libelle }
      formationsMinimales { id certifications { rncp } }
      metiersAssocies { id libelle }
    }
  }
  domaine: fichesOnisep(filtre: { domaine: "systèmes et réseaux", codesRome: ["M1802"] }) { nodes { id } }
  niveau6: certifications(filtre: { codesRome: ["M1805"], niveauEuropeen: 6 }) { totalCount nodes { rncp } }
  sources { id anomalies { probleme nombre emplacement } }
}"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let d = &body["data"];
    let sio = &d["sio"];
    assert_eq!(
        sio["intitule"],
        "BTS - Services informatiques aux organisations"
    );
    assert_eq!(sio["niveauEuropeen"], 5);
    assert_eq!(sio["correspondances"].as_array().unwrap().len(), 2);
    assert_eq!(
        sio["correspondances"][1]["formationOnisep"]["url"],
        "https://www.onisep.fr/http/redirection/formation/slug/FOR.5331"
    );
    assert_eq!(
        sio["metiers"][0],
        json!({"rattachement": "DIRECT", "metier": {"codeRome": "M1801"}})
    );
    assert!(
        sio["metiers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["rattachement"] == "VIA_FICHE_DETAILLEE")
    );
    assert_eq!(sio["certificateurs"][0]["siret"], "11004301500012");
    assert_eq!(sio["provenance"]["source"], "rncp");
    assert_eq!(
        sio["provenance"]["url"],
        "https://www.francecompetences.fr/recherche/rncp/35340/"
    );
    assert_eq!(d["slam"]["rncp"], "RNCP35340");
    assert_eq!(
        d["seconde"],
        json!({"rncp": null, "intitule": "Seconde pro métiers de la relation client", "formationOnisep": {"id": "FOR.6812"}})
    );

    assert_eq!(d["m1805"]["formacodes"][0]["code"], "31067");
    let direct: Vec<&Value> = d["m1805"]["certifications"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert!(
        direct.iter().all(|c| c["rattachement"] == "DIRECT") && direct.len() == 5,
        "{direct:?}"
    );
    let via: Vec<&Value> = d["m1855"]["certifications"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert!(
        via.iter().all(|c| c["rattachement"] == "VIA_FICHE_PARENTE") && via.len() == 5,
        "{via:?}"
    );

    let peintre = &d["peintre"]["nodes"][0]["formation"]["certifications"][0];
    assert_eq!(peintre["rncp"], "RNCP36257");
    assert_eq!(
        peintre["certification"],
        json!({"intitule": "TP - Peintre en bâtiment", "niveauEuropeen": 3})
    );

    let dev = &d["programmeur"]["nodes"][0];
    assert_eq!(dev["id"], "MET.12");
    assert_eq!(dev["detaillee"], true);
    assert!(dev["accroche"].as_str().unwrap().starts_with("<p>"));
    assert_eq!(
        dev["niveauAccesMinimum"],
        json!({"code": "REF.408", "libelle": "Bac + 2"})
    );
    assert_eq!(
        dev["formationsMinimales"][0],
        json!({"id": "FOR.5331", "certifications": [{"rncp": "RNCP35340"}]})
    );
    assert_eq!(dev["metiersAssocies"].as_array().unwrap().len(), 2);
    assert_eq!(
        d["domaine"]["nodes"],
        json!([{"id": "MET.459"}, {"id": "MET.133"}])
    );
    assert_eq!(
        d["niveau6"],
        json!({"totalCount": 2, "nodes": [{"rncp": "RNCP37873"}, {"rncp": "RNCP41588"}]})
    );

    let rncp = source(&body, "rncp");
    let unknown = anomaly(rncp, "1 code(s) ROME bien formé(s)");
    assert_eq!(unknown["emplacement"], "C1300 (1)");
    assert_eq!(anomaly(rncp, "code ROME mal formé")["nombre"], 1);
}

#[tokio::test]
async fn certification_inputs_name_the_argument_and_the_rule() {
    let app = spawn_app().await;
    for (query, argument, words) in [
        ("{ certification { rncp } }", "rncp", "exactement un code"),
        (
            r#"{ certification(rncp: "1", certifInfo: "2") { rncp } }"#,
            "rncp",
            "exactement un code",
        ),
        (
            r#"{ certification(rncp: "RNCPX") { rncp } }"#,
            "rncp",
            "RNCPX",
        ),
        (
            r#"{ certification(cfd: "123") { rncp } }"#,
            "cfd",
            "8 caractères",
        ),
        (
            r#"{ certifications(filtre: { niveauEuropeen: 12 }) { totalCount } }"#,
            "filtre.niveauEuropeen",
            "1 à 8",
        ),
        (
            r#"{ certifications(filtre: { formationOnisep: "MET.12" }) { totalCount } }"#,
            "filtre",
            "« MET.12 » invalide",
        ),
    ] {
        let (_, body) = app.query(query, json!({})).await;
        let e = errors(&body);
        assert_eq!(e.len(), 1, "{query}: {body}");
        assert_eq!(
            e[0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {body}"
        );
        assert_eq!(e[0]["extensions"]["argument"], argument, "{query}: {body}");
        assert!(
            e[0]["message"].as_str().unwrap().contains(words),
            "{query}: {body}"
        );
    }
    let (_, body) = app
        .query(
            r#"{ certification(rncp: "RNCP999999") { rncp } }"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty());
    assert!(
        body["data"]["certification"].is_null(),
        "a well-formed unknown code is null"
    );
}

#[tokio::test]
async fn the_binary_serves_the_onisep_api_mode() {
    let rows = fake_upstream::rows_from_xml(
        &std::fs::read(shared("onisep/ideo-metiers_onisep.xml.xml")).unwrap(),
    );
    let (upstream, up) = fake_upstream::start_upstream(rows).await;
    let binary = start_binary(
        "onisep",
        &format!(
            r#"[server]
listen = "127.0.0.1:0"

[sources.onisep]
mode = "http"
url = "http://{upstream}/api/1.0"

[sources.onisep.http]
rate_limit = 200

# Every query reaches the API here (token renewal, a down API): the answers' cache is off.
[sources.onisep.cache]
capacity_mb = 0
"#
        ),
        &[
            ("ONISEP_EMAIL", EMAIL),
            ("ONISEP_PASSWORD", PASSWORD),
            ("ONISEP_APPLICATION_ID", APPLICATION_ID),
        ],
    );
    let client = reqwest::Client::new();
    binary.wait_ready().await;
    let post = |query: &str| {
        client
            .post(format!("http://{}/graphql", binary.addr))
            .json(&json!({ "query": query }))
            .send()
    };
    let query = r#"{
      fichesOnisep(recherche: "developpeur informatique", first: 3) { totalCount nodes { id libelle } }
      ficheOnisep(id: "MET.12") { libelle publications { titre } detaillee }
      metier(codeRome: "M1805") { fichesOnisep { rattachement fiche { id } } }
      sources { id mode statut }
    }"#;
    let body: Value = post(query).await.unwrap().json().await.unwrap();
    assert!(errors(&body).is_empty(), "{body}");
    let d = &body["data"];
    assert_eq!(d["fichesOnisep"]["nodes"][0]["id"], "MET.12");
    assert_eq!(
        d["ficheOnisep"]["libelle"],
        "développeur / développeuse informatique"
    );
    assert_eq!(
        d["ficheOnisep"]["detaillee"], false,
        "the API has no detailed fiches"
    );
    assert!(d["ficheOnisep"]["publications"].as_array().unwrap().len() >= 2);
    assert!(
        d["metier"]["fichesOnisep"]
            .as_array()
            .unwrap()
            .contains(&json!({"rattachement": "DIRECT", "fiche": {"id": "MET.12"}}))
    );
    let onisep = source(&body, "onisep");
    assert_eq!(
        (onisep["mode"].as_str(), onisep["statut"].as_str()),
        (Some("http"), Some("PRET"))
    );

    // The token expires: one new login, and the answer is the same.
    up.expire_tokens();
    let again: Value = post(query).await.unwrap().json().await.unwrap();
    assert_eq!(again["data"]["fichesOnisep"], d["fichesOnisep"]);
    assert_eq!(up.logins.load(std::sync::atomic::Ordering::SeqCst), 2);

    // What the API cannot answer says so; a down API empties the ONISEP fields only.
    let body: Value = post("{ fichesOnisep { totalCount } }")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(errors(&body)[0]["extensions"]["code"], "SOURCE_UNSUPPORTED");
    up.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let body: Value =
        post(r#"{ ficheOnisep(id: "MET.84") { id } metier(codeRome: "M1805") { libelle } }"#)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(errors(&body)[0]["extensions"]["code"], "SOURCE_UNAVAILABLE");
    assert_eq!(errors(&body)[0]["extensions"]["source"], "onisep");
    assert_eq!(
        body["data"]["metier"]["libelle"],
        "Développeur / Développeuse informatique"
    );
    let logs = binary.logs.lock().unwrap().clone();
    for secret in [PASSWORD, APPLICATION_ID] {
        assert!(
            !logs.contains(secret) && !body.to_string().contains(secret),
            "{secret} leaked"
        );
    }
}
