//! Training offers through GraphQL: the issue's "done when" query on the real Intercarif offer and the
//! real La Poste file, every filter, the ROME 4.0 detailed fiches matching their parent's offers (the
//! edge says so), the communes' centres for offers without a position, gzip feeds, and strict mode.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use passerelle_core::Adapter as _;
use passerelle_core::config::{Mode, SourceConfig};
use serde_json::{Value, json};

use crate::helpers::{errors, shared, spawn_app, spawn_app_with, test_config};

const DONE_WHEN: &str = r#"query($r: Float!) {
  actionsFormation(filtre: { codesRome: ["F1604"], autour: { codeInsee: "37261", rayonKm: $r } }, first: 10) {
    totalCount
    edges {
      distanceKm
      node {
        numero
        formation { intitule certifications { rncp certifInfo } }
        organismeFormateur { siret raisonSociale }
        lieu { commune { codeInsee nom } }
        sessions { debut fin }
      }
    }
  }
}"#;

fn real_offer_and_communes() -> passerelle::config::Config {
    let mut config = test_config();
    config.sources.offre_info = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(shared("offre-info/intercarif-offre-info/formation.xml").into()),
        ..SourceConfig::default()
    };
    config.sources.geo = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(shared("geo/laposte_hexasmal.csv").into()),
        ..SourceConfig::default()
    };
    config
}

#[tokio::test]
async fn the_done_when_query_finds_the_plaquiste_actions_of_veigne() {
    let app = spawn_app_with(real_offer_and_communes(), true).await;
    let (status, body) = app.query(DONE_WHEN, json!({ "r": 30.0 })).await;
    assert_eq!(status, 200);
    assert!(errors(&body).is_empty(), "{body}");
    let found = &body["data"]["actionsFormation"];
    assert_eq!(found["totalCount"], 2, "{found}");
    let edges = found["edges"].as_array().unwrap();
    let near = |i: usize, numero: &str, km: f64| {
        let e = &edges[i];
        assert_eq!(e["node"]["numero"], numero);
        let d = e["distanceKm"].as_f64().unwrap();
        assert!(
            (d - km).abs() <= 0.5,
            "{numero} at {d} km, about {km} expected"
        );
        let n = &e["node"];
        assert_eq!(
            n["formation"]["certifications"],
            json!([{"rncp": "RNCP320", "certifInfo": "80735"}])
        );
        assert_eq!(n["organismeFormateur"]["siret"], "82422814201874");
        assert_eq!(n["lieu"]["commune"]["codeInsee"], "37266");
        assert!(!n["sessions"].as_array().unwrap().is_empty());
    };
    near(0, "07_123324", 10.2);
    near(1, "07_114782", 12.9);

    let (_, body) = app.query(DONE_WHEN, json!({ "r": 5.0 })).await;
    assert!(errors(&body).is_empty(), "{body}");
    assert_eq!(body["data"]["actionsFormation"]["totalCount"], 0);

    // Lyon is known to La Poste only by its arrondissements: the commune 69123 is built from them.
    let (_, body) = app
        .query(
            r#"{ commune(codeInsee: "69123") { nom latitude longitude arrondissements { codeInsee } }
                 actionsFormation(filtre: { autour: { codeInsee: "69123", rayonKm: 200 } }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    assert_eq!(
        body["data"]["commune"]["arrondissements"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    assert_eq!(
        body["data"]["actionsFormation"]["totalCount"], 0,
        "Veigné is 400 km away"
    );

    // The formation and its actions by number.
    let (_, body) = app
        .query(
            r#"{ formation(numero: "07_10") { intitule parcours { code libelle } contact { nom telephones }
                 actions { numero lieu { originePosition } } } }"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let f = &body["data"]["formation"];
    assert_eq!(f["parcours"], json!({"code": "3", "libelle": "modularisé"}));
    assert_eq!(
        f["contact"]["nom"], "LEROY",
        "contacts as the source publishes them"
    );
    assert_eq!(f["actions"].as_array().unwrap().len(), 2);
    assert_eq!(f["actions"][0]["lieu"]["originePosition"], "SOURCE");
}

#[tokio::test]
async fn every_filter_and_the_parent_fiche_attachment() {
    let app = spawn_app().await;
    let count = |filtre: &str| {
        let q = format!("{{ actionsFormation(filtre: {filtre}, first: 100) {{ totalCount }} }}");
        let app = &app;
        async move {
            let (_, body) = app.query(&q, json!({})).await;
            assert!(errors(&body).is_empty(), "{q}: {body}");
            body["data"]["actionsFormation"]["totalCount"]
                .as_u64()
                .unwrap()
        }
    };
    let all = count("{}").await;
    assert_eq!(all, 34);
    for filtre in [
        r#"{ rncp: ["RNCP36257"] }"#,
        r#"{ certifInfo: ["112974"] }"#,
        r#"{ departements: ["69"] }"#,
        r#"{ sessionsDebutant: { du: "2026-01-01", au: "2026-06-30" } }"#,
        r#"{ eligibleCpf: true }"#,
        r#"{ niveauxSortie: ["15"] }"#,
        r#"{ modalitesEnseignement: [PRESENTIEL] }"#,
        r#"{ recrutementOuvert: true }"#,
        r#"{ recherche: "developpeur" }"#,
    ] {
        let n = count(filtre).await;
        assert!(n > 0 && n < all, "{filtre}: {n}");
    }
    assert_eq!(
        count(r#"{ recherche: "developpeur", codesRome: ["F1606"] }"#).await,
        0
    );

    // M1855 is a ROME 4.0 detailed fiche of M1805: it finds the offers indexed M1805, and says so.
    let (_, body) = app
        .query(
            r#"{ direct: actionsFormation(filtre: { codesRome: ["M1805"] }) { totalCount edges { rattachement } }
                 detail: metier(codeRome: "M1855") { actionsFormation { totalCount edges { rattachement } } }
                 none: actionsFormation { edges { rattachement } } }"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let direct = &body["data"]["direct"];
    let detail = &body["data"]["detail"]["actionsFormation"];
    assert_eq!(detail["totalCount"], direct["totalCount"]);
    assert!(
        direct["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["rattachement"] == "DIRECT")
    );
    assert!(
        detail["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["rattachement"] == "VIA_FICHE_PARENTE")
    );
    assert!(body["data"]["none"]["edges"][0]["rattachement"].is_null());

    let (_, body) = app
        .query(
            r#"{ actionsFormation(filtre: { sessionsDebutant: { du: "2026-06-01", au: "2026-01-01" } }) { totalCount } }"#,
            json!({}),
        )
        .await;
    let e = &errors(&body)[0];
    assert_eq!(e["extensions"]["argument"], "filtre.sessionsDebutant");
    assert!(e["message"].as_str().unwrap().contains("2026-06-01"), "{e}");
}

#[tokio::test]
async fn offers_without_a_position_are_placed_at_their_commune_centre() {
    let doc = r#"<lheo xmlns="http://lheo.gouv.fr/2.3"><offres><formation numero="F1"><intitule-formation>Plaquiste</intitule-formation>
<domaine-formation><code-ROME>F1604</code-ROME></domaine-formation>
<action numero="A1"><lieu-de-formation><coordonnees><adresse><code-INSEE-commune>37266</code-INSEE-commune></adresse></coordonnees></lieu-de-formation></action>
</formation></offres></lheo>"#;
    let dir = std::env::temp_dir().join(format!("passerelle-centre-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("offres.xml"), doc).unwrap();
    let mut config = real_offer_and_communes();
    config.sources.offre_info.path = Some(dir.join("offres.xml").into());
    let app = spawn_app_with(config, true).await;
    let (_, body) = app
        .query(
            r#"{ actionsFormation(filtre: { autour: { codeInsee: "37261", rayonKm: 30 } }) {
                 edges { distanceKm node { lieu { latitude originePosition } } } } }"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    let e = &body["data"]["actionsFormation"]["edges"][0];
    assert_eq!(e["node"]["lieu"]["originePosition"], "CENTRE_COMMUNE");
    assert!(e["distanceKm"].as_f64().unwrap() > 5.0);
    let _ = std::fs::remove_dir_all(dir);
}

#[derive(Clone, Default)]
struct Feed {
    body: Arc<Vec<u8>>,
    requests: Arc<AtomicUsize>,
    not_modified: Arc<AtomicUsize>,
}

async fn serve_gzip(feed: Feed, headers: HeaderMap) -> axum::response::Response {
    feed.requests.fetch_add(1, Ordering::SeqCst);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == "\"v1\"")
    {
        feed.not_modified.fetch_add(1, Ordering::SeqCst);
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&feed.body).unwrap();
    (
        [
            (header::ETAG, "\"v1\""),
            (header::CONTENT_ENCODING, "gzip"),
            (header::CONTENT_TYPE, "application/xml"),
        ],
        gz.finish().unwrap(),
    )
        .into_response()
}

#[tokio::test]
async fn a_gzip_feed_and_a_gz_file_load_and_a_304_loads_nothing() {
    let real = std::fs::read(shared("offre-info/intercarif-offre-info/formation.xml")).unwrap();
    let feed = Feed {
        body: Arc::new(real.clone()),
        ..Feed::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route(
        "/flux/offres.xml",
        axum::routing::get({
            let feed = feed.clone();
            move |headers: HeaderMap| serve_gzip(feed.clone(), headers)
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let mut config = test_config();
    config.sources.offre_info = SourceConfig {
        mode: Mode::Snapshot,
        url: Some(format!("http://{addr}/flux/offres.xml").into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    assert_eq!(app.sources.offre_info.health().records, 2);
    assert_eq!(
        app.sources.offre_info.refresh().await.unwrap(),
        passerelle_core::RefreshOutcome::Unchanged
    );
    assert_eq!(
        (
            feed.requests.load(Ordering::SeqCst),
            feed.not_modified.load(Ordering::SeqCst)
        ),
        (2, 1)
    );

    // The same offer as a .gz file on disk.
    let dir = std::env::temp_dir().join(format!("passerelle-gz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&real).unwrap();
    std::fs::write(dir.join("offres.xml.gz"), gz.finish().unwrap()).unwrap();
    let mut config = test_config();
    config.sources.offre_info = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(dir.join("offres.xml.gz").into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let (_, body) = app
        .query(
            r#"{ actionFormation(numero: "07_114782") { numero } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["actionFormation"]["numero"], "07_114782");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn strict_mode_rejects_the_anotea_fixture_whole() {
    let mut config = test_config();
    config.sources.offre_info = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(shared("offre-info/anotea/intercarif-data-test.xml").into()),
        strict: true,
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, false).await;
    let mut status = Value::Null;
    for _ in 0..100 {
        let (_, body) = app
            .query("{ sources { id statut derniereErreur } }", json!({}))
            .await;
        let s = body["data"]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "offre-info")
            .unwrap()
            .clone();
        if s["statut"] != "CHARGEMENT" {
            status = s;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(status["statut"], "ERREUR", "{status}");
    assert!(
        status["derniereErreur"]
            .as_str()
            .unwrap()
            .contains("mode strict"),
        "{status}"
    );
}
