//! The ROME 4.0 through GraphQL: the whole export, the full métier model, search, and the `http` mode
//! run as the real binary against a France Travail stand-in on 127.0.0.1.

use std::time::Duration;

use passerelle_core::config::{Mode, SourceConfig};
use passerelle_rome::fake_upstream::{SECRET, start_upstream};
use serde_json::{Value, json};

use crate::helpers::{errors, shared, spawn_app, spawn_app_with, start_rome_binary, test_config};

const DONE_WHEN: &str = r#"{
  metier(codeRome: "M1805") {
    libelle riasecMajeur riasecMineur version
    grandDomaine { code } domaineProfessionnel { code }
    fichesDetaillees { codeRome libelle }
    mobilites { cible { codeRome } }
  }
  appellations(recherche: "developpeur web", first: 3) {
    totalCount
    edges { node { libelle metier { codeRome } } }
  }
}"#;

#[tokio::test]
async fn the_whole_export_answers_the_done_when_query() {
    let mut config = test_config();
    config.sources.rome = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(shared("rome").into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let (status, body) = app.query(DONE_WHEN, json!({})).await;
    assert_eq!(status, 200);
    assert!(errors(&body).is_empty(), "{body}");
    let m = &body["data"]["metier"];
    assert_eq!(m["libelle"], "Développeur / Développeuse informatique");
    assert_eq!(
        (m["riasecMajeur"].as_str(), m["riasecMineur"].as_str()),
        (Some("I"), Some("C"))
    );
    assert_eq!(m["version"], "60");
    assert_eq!(m["grandDomaine"]["code"], "M");
    assert_eq!(m["domaineProfessionnel"]["code"], "M18");
    let children = m["fichesDetaillees"].as_array().unwrap();
    assert_eq!(children.len(), 26);
    assert!(children.iter().any(|c| c["codeRome"] == "M1855"));
    assert!(!m["mobilites"].as_array().unwrap().is_empty());
    let apps = &body["data"]["appellations"];
    assert!(apps["totalCount"].as_u64().unwrap() >= 3);
    let edges = apps["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 3);
    assert_eq!(
        edges[0]["node"]["libelle"],
        "Développeur / Développeuse web"
    );
    assert_eq!(edges[0]["node"]["metier"]["codeRome"], "M1855");

    let (_, body) = app
        .query(
            "{ grandsDomaines { code domainesProfessionnels { code } } domainesProfessionnels { code } sources { id enregistrements version } }",
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let gd = body["data"]["grandsDomaines"].as_array().unwrap();
    assert_eq!(gd.len(), 14);
    let nested: usize = gd
        .iter()
        .map(|g| g["domainesProfessionnels"].as_array().unwrap().len())
        .sum();
    assert_eq!(nested, 110);
    assert_eq!(
        body["data"]["domainesProfessionnels"]
            .as_array()
            .unwrap()
            .len(),
        110
    );
    let rome = body["data"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "rome")
        .unwrap();
    assert_eq!(rome["enregistrements"], 1584);
    assert_eq!(rome["version"], "60 (publiée le 18/09/2025)");
}

#[tokio::test]
async fn the_full_metier_model_is_served() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(
            r#"{ metier(codeRome: "M1805") {
                competences { codeOgr libelle importance coeurDeMetier estMacroCompetence macroCompetence { libelle } sousCategorie enjeu { code } }
                savoirsEtre { libelle estMacroCompetence }
                savoirs { categorie savoirs { libelle sousCategorie importance } }
                contextesTravail { type { code libelle } contextes { codeOgr libelle } }
                centresInteret { libelle principal }
                secteursActivite { libelle sousSecteur { libelle } principal }
                divisionsNaf { code libelle } themes { code libelle }
                formacodes { code } codeIsco
                appellations(first: 2) { libelle principale peuUsitee metier { codeRome } }
                mobilites { ordre cible { codeRome libelle } }
            } }"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let m = &body["data"]["metier"];
    let competences = m["competences"].as_array().unwrap();
    let coder = competences
        .iter()
        .find(|c| c["libelle"] == "Coder")
        .unwrap();
    assert_eq!(coder["importance"], "COEUR_DE_METIER");
    assert_eq!(coder["coeurDeMetier"], true);
    assert!(coder["macroCompetence"]["libelle"].is_string());
    assert!(coder["enjeu"].is_null(), "the CSV export has no enjeux");
    assert_eq!(competences[0]["importance"], "COEUR_DE_METIER");
    assert!(competences.iter().any(|c| c["importance"] == "EMERGENTE"));
    assert!(
        m["savoirsEtre"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["estMacroCompetence"] == true)
    );
    let savoirs = m["savoirs"].as_array().unwrap();
    let expertise = savoirs
        .iter()
        .find(|g| g["categorie"] == "Domaines d'expertise")
        .unwrap();
    assert!(
        expertise["savoirs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["libelle"] == "HTML")
    );
    let contextes = m["contextesTravail"].as_array().unwrap();
    assert!(
        contextes
            .iter()
            .any(|g| g["type"]["libelle"] == "Horaires et durée du travail")
    );
    assert_eq!(m["centresInteret"][0]["principal"], true);
    assert_eq!(m["divisionsNaf"][0]["code"], "62");
    assert!(!m["themes"].as_array().unwrap().is_empty());
    assert!(m["codeIsco"].is_null(), "API-only fields are null");
    assert_eq!(
        m["formacodes"][0]["code"], "31067",
        "without the API, the Formacodes of the RNCP certifications citing the fiche, most cited first"
    );
    assert_eq!(m["appellations"][0]["principale"], true);
    assert_eq!(m["appellations"][0]["metier"]["codeRome"], "M1805");
    let mobilites = m["mobilites"].as_array().unwrap();
    assert_eq!(mobilites[0]["ordre"], 1);
}

#[tokio::test]
async fn metiers_are_searched_and_filtered() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(
            r#"query ($r: String) {
                parRecherche: metiers(recherche: $r, first: 2) { totalCount nodes { codeRome } }
                parRiasec: metiers(filtre: { riasecMajeur: I, codeDomaineProfessionnel: "M18" }) { totalCount nodes { riasecMajeur domaineProfessionnel { code } } }
                numeriques: metiers(filtre: { transitionNumerique: true }) { nodes { transitionNumerique } }
                suite: appellations(recherche: "dev", first: 1, after: "0") { pageInfo { hasPreviousPage } edges { cursor } }
            }"#,
            json!({ "r": "Dévelopeur WEB" }),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let d = &body["data"];
    assert_eq!(d["parRecherche"]["nodes"][0]["codeRome"], "M1855");
    assert!(d["parRiasec"]["totalCount"].as_u64().unwrap() > 0);
    for n in d["parRiasec"]["nodes"].as_array().unwrap() {
        assert_eq!(n["riasecMajeur"], "I");
        assert_eq!(n["domaineProfessionnel"]["code"], "M18");
    }
    assert!(
        d["numeriques"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["transitionNumerique"] == true)
    );
    assert_eq!(d["suite"]["edges"][0]["cursor"], "1");

    // A bad input names the argument, the value and the rule.
    let long = "a".repeat(201);
    let (_, body) = app
        .query(
            "query ($r: String!) { appellations(recherche: $r) { totalCount } }",
            json!({ "r": long }),
        )
        .await;
    let e = &errors(&body)[0];
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["argument"], "recherche");
    assert!(e["message"].as_str().unwrap().contains("201"), "{e}");
    let (_, body) = app
        .query(
            r#"{ metiers(filtre: { riasecMajeur: X }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert!(!errors(&body).is_empty(), "{body}");
}

#[tokio::test]
async fn the_binary_serves_the_http_mode_without_ever_showing_the_secret() {
    let (upstream, up) = start_upstream().await;
    let binary = start_rome_binary("rome", upstream, "");
    let client = reqwest::Client::new();
    let post = |query: &str| {
        client
            .post(format!("http://{}/graphql", binary.addr))
            .json(&json!({ "query": query }))
            .send()
    };
    // Ready once the API answered (token and version).
    binary.wait_ready().await;

    let body: Value = post(
        r#"{ metier(codeRome: "M1805") { libelle version formacodes { code } codeIsco fichesDetaillees { codeRome }
             competences { libelle enjeu { libelle } } }
           appellations(recherche: "developpeur web", first: 3) { totalCount nodes { libelle metier { codeRome } } }
           sources { id mode statut } }"#,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(errors(&body).is_empty(), "{body}");
    let m = &body["data"]["metier"];
    assert_eq!(m["libelle"], "Développeur / Développeuse informatique");
    assert_eq!(m["version"], "60");
    assert!(!m["formacodes"].as_array().unwrap().is_empty());
    assert!(m["codeIsco"].is_string());
    assert!(m["fichesDetaillees"].is_null(), "the API cannot list them");
    assert!(m["competences"][0]["enjeu"]["libelle"].is_string());
    assert_eq!(
        body["data"]["appellations"]["nodes"][0]["metier"]["codeRome"],
        "M1855"
    );
    let rome = body["data"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "rome")
        .unwrap();
    assert_eq!(
        (rome["mode"].as_str(), rome["statut"].as_str()),
        (Some("http"), Some("PRET"))
    );

    // What the API cannot answer says so.
    let body: Value = post("{ grandsDomaines { code } }")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let e = &errors(&body)[0];
    assert_eq!(e["extensions"]["code"], "SOURCE_UNSUPPORTED");
    assert!(body["data"]["grandsDomaines"].is_null());

    // The credentials are refused from now on: the errors and logs still never show the secret.
    up.reject_credentials
        .store(true, std::sync::atomic::Ordering::SeqCst);
    up.valid.lock().unwrap().clear();
    let text = post(r#"{ metier(codeRome: "D1401") { libelle } }"#)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("SOURCE_UNAVAILABLE"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = binary.logs.lock().unwrap().clone();
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "logs are captured at trace level"
    );
    assert!(!logs.contains(SECRET), "the client secret was logged");
}
