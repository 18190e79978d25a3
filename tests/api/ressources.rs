//! Repère Métiers through GraphQL: the issue's "done when" query on the embedded sample (today pinned
//! to 2026-01-15), the filters and their neutral order, sub-events both ways, the detailed ROME fiches
//! finding their parent's resources, and the privacy of contacts without consent across every query and
//! error message.

use passerelle_core::config::{Mode, SourceConfig};
use serde_json::{Value, json};

use crate::helpers::{errors, spawn_app, spawn_app_with, test_config};

#[tokio::test]
async fn the_done_when_query_serves_published_dated_events_of_the_ain() {
    let app = spawn_app().await;
    let (status, body) = app
        .query(
            r#"{
  ressources(filtre: { categories: [EVENEMENT], departements: ["01"], du: "2026-01-01" }, first: 10) {
    edges { node { id titre categorie debut lieu { commune { nom } } operateur { nom } contact { email } } }
  }
}"#,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(errors(&body).is_empty(), "{body}");
    let edges = body["data"]["ressources"]["edges"].as_array().unwrap();
    let ids: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    // RM-000109 (2025 only) is past, RM-000111 is not published: neither is served.
    assert_eq!(ids, ["RM-000107", "RM-000108", "RM-000110"]);
    for e in edges {
        let n = &e["node"];
        assert_eq!(n["categorie"], "EVENEMENT");
        assert!(n["debut"].as_str().unwrap() >= "2026-01-01", "{n}");
        assert!(n["lieu"]["commune"]["nom"].is_string(), "{n}");
    }
    assert_eq!(
        edges[0]["node"]["contact"]["email"],
        "camille.perrotin@example.org"
    );
    assert!(
        edges[2]["node"]["contact"].is_null(),
        "no consent, no contact"
    );
    assert!(edges[1]["node"]["contact"].is_null(), "no contact given");
}

#[tokio::test]
async fn filters_order_and_sub_events() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(
            r#"{
  salon: ressource(id: "RM-000107") { sousEvenements { id ressourceParente { id } } accessibilite { handicap } dates { horaires } }
  payant: ressources(filtre: { gratuit: false }) { nodes { id tarif } }
  jeunes: ressources(filtre: { publics: [ADULTES] }) { nodes { id } }
  mots: ressources(filtre: { recherche: "dentelle" }) { nodes { id } }
  mobilisables: ressources(filtre: { departements: ["43"], categories: [ACTION_MOBILISABLE_GROUPE] }) { nodes { id mobilisableEnRegion departementsCouverts } }
  autour: ressources(filtre: { autour: { codeInsee: "69123", rayonKm: 30 }, inclureMobilisables: false }) { edges { distanceKm node { id debut } } }
  detail: metier(codeRome: "M1855") { ressources { edges { rattachement node { id } } } }
  passe: ressources(filtre: { du: "2024-01-01", au: "2024-12-31" }) { nodes { id } }
}"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let d = &body["data"];
    assert_eq!(
        d["salon"]["sousEvenements"],
        json!([{"id": "RM-000108", "ressourceParente": {"id": "RM-000107"}}])
    );
    assert_eq!(d["salon"]["accessibilite"]["handicap"], true);
    assert_eq!(d["salon"]["dates"][0]["horaires"], "9 h – 17 h");
    assert!(
        d["payant"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["tarif"].is_string())
    );
    assert_eq!(d["jeunes"]["nodes"], json!([{"id": "RM-000120"}]));
    assert_eq!(d["mots"]["nodes"], json!([{"id": "RM-000117"}]));
    let mob = d["mobilisables"]["nodes"].as_array().unwrap();
    assert!(mob.iter().any(|n| n["id"] == "RM-000119"), "{mob:?}");
    assert!(mob.iter().all(|n| {
        n["departementsCouverts"]
            .as_array()
            .unwrap()
            .contains(&json!("43"))
    }));
    // Around a place: by date first, then distance (never by operator).
    let edges = d["autour"]["edges"].as_array().unwrap();
    assert!(edges.len() >= 3);
    let dates: Vec<&str> = edges
        .iter()
        .filter_map(|e| e["node"]["debut"].as_str())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "dated resources in date order");
    assert!(
        edges
            .iter()
            .all(|e| e["distanceKm"].as_f64().unwrap() <= 30.0)
    );
    // M1855 details M1805: the resources of M1805 come VIA_FICHE_PARENTE.
    let detail = d["detail"]["ressources"]["edges"].as_array().unwrap();
    // Resources citing M1805 come VIA_FICHE_PARENTE, those citing M1855 itself DIRECT.
    let via = detail
        .iter()
        .filter(|e| e["rattachement"] == "VIA_FICHE_PARENTE")
        .count();
    let direct = detail
        .iter()
        .filter(|e| e["rattachement"] == "DIRECT")
        .count();
    assert!(
        via > 0 && direct > 0 && via + direct == detail.len(),
        "{detail:?}"
    );
    let passe: Vec<&str> = d["passe"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(
        passe.contains(&"RM-000106") && passe.contains(&"RM-000115"),
        "{passe:?}"
    );

    let (_, body) = app
        .query(
            r#"{ ressources(filtre: { du: "2026-06-01", au: "2026-01-01" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    let e = &errors(&body)[0];
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["argument"], "filtre.du");
}

#[tokio::test]
async fn a_contact_without_consent_never_leaks() {
    let secret = "jamais-publie-51c2@example.org";
    let phone = "04 65 71 00 42";
    let contact = json!({"nom": "Personne Confidentielle", "email": secret, "telephone": phone, "consentement_publication": false});
    let base = |id: &str, extra: Value| {
        let mut r = json!({
            "id": id, "titre": "Portes ouvertes de l'atelier", "description": "Découverte du métier de peintre",
            "categorie": "evenement", "sous_type": "portes_ouvertes_entreprise",
            "operateur": {"nom": "Atelier Privé", "type": "entreprise"}, "publics": ["lyceens"], "modalite": "groupe",
            "gratuit": true, "dates": [{"debut": "2026-05-05T09:00:00+02:00"}],
            "lieu": {"code_postal": "69007", "code_insee": "69387", "commune": "Lyon", "latitude": 45.74, "longitude": 4.84},
            "codes_rome": ["F1606"], "moderation": {"statut": "publiee", "le": "2026-01-02"},
            "contact": contact, "mis_a_jour_le": "2026-01-02T10:00:00+01:00"
        });
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    let doc = json!({"format": "repere-metiers-export", "version": "1.1", "ressources": [
        base("RM-000001", json!({})),
        base("RM-000002", json!({"dates": []})),
        base("RM-000003", json!({"contact": {"nom": secret, "email": phone, "consentement_publication": secret}})),
        base("RM-000004", json!({"moderation": {"statut": "proposee", "le": "2026-01-02"}})),
    ]});
    let dir = std::env::temp_dir().join(format!("passerelle-prive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("export.json"), serde_json::to_vec(&doc).unwrap()).unwrap();
    let mut config = test_config();
    config.sources.repere_metiers = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(dir.join("export.json").into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let everything = r#"fragment R on Ressource { id titre description contact { nom fonction structure email telephone } operateur { nom } lieu { nom ville } liens { url libelle } ressourceParente { id } sousEvenements { id } }
{
  a: ressource(id: "RM-000001") { ...R }
  b: ressource(id: "RM-000004") { ...R }
  c: ressources(first: 100) { edges { node { ...R } } }
  d: ressources(filtre: { recherche: "peintre", du: "2020-01-01" }) { nodes { ...R } }
  e: metier(codeRome: "F1606") { ressources { nodes { ...R } } }
  f: ressources(filtre: { autour: { codeInsee: "69123", rayonKm: 20 } }) { nodes { ...R } }
  sources { id derniereErreur anomalies(first: 100) { emplacement probleme } }
}"#;
    let (_, body) = app.query(everything, json!({})).await;
    assert!(errors(&body).is_empty(), "{body}");
    assert_eq!(
        body["data"]["a"]["id"], "RM-000001",
        "the resource itself is served"
    );
    assert!(body["data"]["a"]["contact"].is_null());
    let text = body.to_string();
    for private in [secret, phone, "Personne Confidentielle"] {
        assert!(!text.contains(private), "« {private} » leaked: {text}");
    }
    // Exports too, in both formats.
    let list = r#"fragment R on Ressource { id titre contact { nom fonction structure email telephone } }
        { ressources(filtre: { du: "2020-01-01" }) { edges { node { ...R } } } }"#;
    for format in ["csv", "ndjson"] {
        let (status, _, file) = app
            .export(&format!("format={format}"), list, json!({}))
            .await;
        assert_eq!(status, 200);
        let file = String::from_utf8(file.unwrap()).unwrap();
        assert!(file.contains("RM-000001"), "{file}");
        for private in [secret, phone, "Personne Confidentielle"] {
            assert!(
                !file.contains(private),
                "« {private} » leaked in {format}: {file}"
            );
        }
    }
    // Errors too: a bad query about the resource, and the records reported in the health.
    let (_, body) = app
        .query(
            r#"{ ressource(id: "RM-000001") { contact { inexistant } } }"#,
            json!({}),
        )
        .await;
    assert!(!errors(&body).is_empty());
    assert!(!body.to_string().contains(secret));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_ndjson_feed_is_polled_conditionally_and_swapped_whole() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::IntoResponse;

    let line = |id: &str| {
        json!({
            "id": id, "titre": format!("Quiz {id}"), "description": "d", "categorie": "support_multimedia",
            "sous_type": "quiz", "operateur": {"nom": "o", "type": "association"}, "publics": ["lyceens"],
            "modalite": "individuel", "gratuit": true, "mobilisable_en_region": true,
            "moderation": {"statut": "publiee", "le": "2026-01-02"}, "mis_a_jour_le": "2026-01-02T10:00:00+01:00"
        })
        .to_string()
    };
    let header_line = r#"{"format":"repere-metiers-export","version":"1.1","genere_le":"2026-01-15T06:00:00+01:00","producteur":"Via Compétences"}"#;
    let body = Arc::new(Mutex::new(format!(
        "{header_line}\n{}\n{}\n",
        line("RM-000001"),
        line("RM-000002")
    )));
    let (requests, not_modified) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let serve = {
        let (body, requests, not_modified) = (
            Arc::clone(&body),
            Arc::clone(&requests),
            Arc::clone(&not_modified),
        );
        move |headers: HeaderMap| {
            let (body, requests, not_modified) = (
                Arc::clone(&body),
                Arc::clone(&requests),
                Arc::clone(&not_modified),
            );
            async move {
                requests.fetch_add(1, Ordering::SeqCst);
                let b = body.lock().unwrap().clone();
                let tag = format!("\"{}\"", b.len());
                if headers
                    .get(header::IF_NONE_MATCH)
                    .is_some_and(|v| v.as_bytes() == tag.as_bytes())
                {
                    not_modified.fetch_add(1, Ordering::SeqCst);
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                ([(header::ETAG, tag)], b).into_response()
            }
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route("/flux/ressources.ndjson", axum::routing::get(serve));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let mut config = test_config();
    config.sources.repere_metiers = SourceConfig {
        mode: Mode::Snapshot,
        url: Some(format!("http://{addr}/flux/ressources.ndjson").into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let rm = &app.sources.repere_metiers;
    assert_eq!(rm.health().records, 2);
    rm.refresh().await.unwrap();
    assert_eq!(
        (
            requests.load(Ordering::SeqCst),
            not_modified.load(Ordering::SeqCst)
        ),
        (2, 1),
        "unchanged: a 304"
    );
    // A truncated new export (its last line cut) is swapped in with that record reported, never half-read silently.
    *body.lock().unwrap() = format!(
        "{header_line}\n{}\n{}\n{{\"id\":\"RM-0000",
        line("RM-000001"),
        line("RM-000003")
    );
    rm.refresh().await.unwrap();
    let health = rm.health();
    assert_eq!(health.records, 2);
    assert!(
        health
            .anomalies
            .iter()
            .any(|a| a.problem.starts_with("ligne JSON illisible")),
        "{:?}",
        health.anomalies
    );
    let (_, page) = app
        .query(r#"{ ressource(id: "RM-000003") { titre } }"#, json!({}))
        .await;
    assert_eq!(page["data"]["ressource"]["titre"], "Quiz RM-000003");
}
