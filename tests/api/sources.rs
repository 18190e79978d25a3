//! Sources in snapshot mode against real upstreams on 127.0.0.1: conditional downloads, failures that
//! keep the previous data, and a failing source that leaves the others serving.

use passerelle_core::Adapter as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use passerelle_core::SourceStatus;
use passerelle_core::config::{Mode, SourceConfig};
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::helpers::{errors, shared, spawn_app_with, test_config};

/// What the fake Carif-Oref server answers.
#[derive(Clone)]
struct Upstream {
    body: Arc<std::sync::Mutex<Result<Vec<u8>, StatusCode>>>,
    requests: Arc<AtomicUsize>,
    not_modified: Arc<AtomicUsize>,
}

/// A validator that changes with the content, as a real server's does.
fn etag(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("\"{:x}\"", h.finish())
}

async fn serve_lheo(upstream: Upstream, headers: HeaderMap) -> axum::response::Response {
    upstream.requests.fetch_add(1, Ordering::SeqCst);
    let body = upstream.body.lock().unwrap().clone();
    match body {
        Err(status) => (status, "panne").into_response(),
        Ok(bytes) => {
            let tag = etag(&bytes);
            if headers
                .get(header::IF_NONE_MATCH)
                .is_some_and(|v| v.as_bytes() == tag.as_bytes())
            {
                upstream.not_modified.fetch_add(1, Ordering::SeqCst);
                return StatusCode::NOT_MODIFIED.into_response();
            }
            (
                [
                    (header::ETAG, tag),
                    (header::CONTENT_TYPE, "application/xml".to_owned()),
                ],
                bytes,
            )
                .into_response()
        }
    }
}

async fn start_upstream(upstream: Upstream) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route(
        "/flux/offres.xml",
        axum::routing::get({
            let upstream = upstream.clone();
            move |headers: HeaderMap| serve_lheo(upstream.clone(), headers)
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/flux/offres.xml")
}

#[tokio::test]
async fn an_lheo_feed_is_downloaded_conditionally_and_kept_when_the_upstream_fails() {
    let real = std::fs::read(shared("offre-info/intercarif-offre-info/formation.xml")).unwrap();
    let upstream = Upstream {
        body: Arc::new(std::sync::Mutex::new(Ok(real))),
        requests: Arc::default(),
        not_modified: Arc::default(),
    };
    let url = start_upstream(upstream.clone()).await;
    let mut config = test_config();
    config.sources.offre_info = SourceConfig {
        mode: Mode::Snapshot,
        url: Some(url.into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, true).await;

    let q = r#"{ actionFormation(numero: "07_114782") { formation { intitule codesRome } lieu { codeInsee } } sources { id mode statut enregistrements version derniereErreur } }"#;
    let (_, body) = app.query(q, json!({})).await;
    assert_eq!(
        body["data"]["actionFormation"]["formation"]["intitule"],
        "Titre professionnel plaquiste"
    );
    let offre = body["data"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "offre-info")
        .unwrap()
        .clone();
    assert_eq!(offre["mode"], "snapshot");
    assert_eq!(offre["enregistrements"], 2);
    assert_eq!(upstream.requests.load(Ordering::SeqCst), 1);

    // Unchanged upstream: one conditional request, answered 304.
    app.sources.offre_info.refresh().await.unwrap();
    assert_eq!(upstream.requests.load(Ordering::SeqCst), 2);
    assert_eq!(upstream.not_modified.load(Ordering::SeqCst), 1);

    // The upstream fails: the error is recorded, the previous offers keep serving.
    *upstream.body.lock().unwrap() = Err(StatusCode::INTERNAL_SERVER_ERROR);
    let err = app
        .sources
        .offre_info
        .refresh()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("500"), "{err}");
    assert_eq!(
        app.sources.offre_info.health().status,
        SourceStatus::Degraded
    );
    let (_, body) = app.query(q, json!({})).await;
    assert_eq!(
        body["data"]["actionFormation"]["formation"]["intitule"],
        "Titre professionnel plaquiste"
    );
    let offre = body["data"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "offre-info")
        .unwrap()
        .clone();
    assert_eq!(offre["statut"], "DEGRADE");
    assert!(offre["derniereErreur"].as_str().unwrap().contains("500"));

    // A new file that is not LHEO is refused whole; the previous data still serves.
    *upstream.body.lock().unwrap() = Ok(b"<html>maintenance</html>".to_vec());
    let err = app
        .sources
        .offre_info
        .refresh()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("offres.xml:1") && err.contains("élément racine <html>"),
        "{err}"
    );
    assert_eq!(app.sources.offre_info.health().records, 2);

    // Back to the real file: loaded again (not answered 304, since the failed file was never loaded).
    *upstream.body.lock().unwrap() =
        Ok(std::fs::read(shared("offre-info/intercarif-offre-info/formation.xml")).unwrap());
    app.sources.offre_info.refresh().await.unwrap();
    assert_eq!(app.sources.offre_info.health().status, SourceStatus::Ready);
}

#[tokio::test]
async fn a_truncated_download_is_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket
                .write_all(
                    b"<lheo xmlns=\"http://lheo.gouv.fr/2.3\"><offres><formation numero=\"1\">",
                )
                .await;
            let _ = socket.shutdown().await;
        }
    });
    let mut config = test_config();
    config.sources.offre_info = SourceConfig {
        mode: Mode::Snapshot,
        url: Some(format!("http://{addr}/offres.xml").into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, false).await;
    let err = app
        .sources
        .offre_info
        .refresh()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("offre-info") && err.contains("indisponible"),
        "{err}"
    );
    assert_eq!(
        app.sources.offre_info.health().records,
        0,
        "nothing partial is ever served"
    );
}

#[tokio::test]
async fn a_failing_source_empties_its_fields_and_nothing_else() {
    let mut config = test_config();
    config.sources.geo = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(PathBuf::from("/nonexistent/laposte_hexasmal.csv").into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, false).await;
    // Every other source loads; the communes never do.
    for _ in 0..200 {
        if app.sources.rome.health().records > 0
            && app.sources.offre_info.health().records > 0
            && app.sources.geo.health().last_error.is_some()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let ready = app
        .client
        .get(format!("{}/health/ready", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ready.status(),
        503,
        "not ready while a source has nothing to serve"
    );

    let (_, body) = app
        .query(r#"{ actionFormation(numero: "84_A7001-01") { numero lieu { codeInsee commune { nom } } } sources { id statut derniereErreur } }"#, json!({}))
        .await;
    let action = &body["data"]["actionFormation"];
    assert_eq!(action["numero"], "84_A7001-01");
    assert_eq!(
        action["lieu"]["codeInsee"], "69383",
        "the action's own data is served"
    );
    assert!(
        action["lieu"]["commune"].is_null(),
        "the field of the failing source is null"
    );
    let e = &errors(&body)[0];
    assert_eq!(e["extensions"]["code"], "SOURCE_UNAVAILABLE");
    assert_eq!(e["extensions"]["source"], "geo");
    assert_eq!(e["path"], json!(["actionFormation", "lieu", "commune"]));
    let geo = body["data"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "geo")
        .unwrap()
        .clone();
    assert_eq!(geo["statut"], "ERREUR");
    assert!(
        geo["derniereErreur"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/laposte_hexasmal.csv")
    );
}

#[tokio::test]
async fn real_exports_serve_through_the_whole_stack() {
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
    config.sources.geo = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(shared("geo/laposte_hexasmal.csv").into()),
        ..SourceConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let (_, body) = app
        .query(
            r#"{ metier(codeRome: "M1805") { libelle fichesDetaillees { codeRome } fichesOnisep { rattachement fiche { id } } }
                commune(codeInsee: "69123") { nom arrondissements { codeInsee } } }"#,
            json!({}),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    assert_eq!(
        body["data"]["metier"]["fichesDetaillees"]
            .as_array()
            .unwrap()
            .len(),
        26
    );
    assert!(
        body["data"]["metier"]["fichesOnisep"]
            .as_array()
            .unwrap()
            .len()
            >= 5
    );
    assert_eq!(
        body["data"]["commune"]["arrondissements"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
}
