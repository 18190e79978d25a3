//! The communes' `http` mode against a stand-in of API Géo on 127.0.0.1 serving the communes of the
//! real La Poste file: lookups (known, unknown, duplicates asked once), searches (département, postal
//! code, name, criteria combined in one request), no listing of everything, the same answers as the
//! La Poste snapshot, a `503` that becomes `SOURCE_UNAVAILABLE` and a degraded health, and the keys
//! the configuration refuses.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use passerelle_core::adapter::PageRequest;
use passerelle_core::config::{Mode, SourceConfig};
use passerelle_core::model::Commune;
use passerelle_core::{Adapter, AdapterError, Clock, CodeDepartement, CodeInsee, SourceStatus};
use passerelle_geo::client::{API_GEO, VERSION};
use passerelle_geo::fake_upstream::{self, Upstream};
use passerelle_geo::{GeoAdapter, GeoFilter};

fn insee(c: &str) -> CodeInsee {
    CodeInsee::parse(c).unwrap()
}

fn http_config(addr: SocketAddr) -> SourceConfig {
    let mut config = SourceConfig {
        mode: Mode::Http,
        url: Some(format!("http://{addr}/").into()),
        ..SourceConfig::default()
    };
    config.http.rate_limit = 1000.0;
    config
}

async fn live() -> (GeoAdapter, Arc<Upstream>) {
    let (addr, up) = fake_upstream::start_laposte().await;
    let adapter = GeoAdapter::new(&http_config(addr), Clock::system()).unwrap();
    assert!(matches!(adapter, GeoAdapter::Api(_)));
    (adapter, up)
}

async fn laposte_snapshot() -> GeoAdapter {
    let config = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(fake_upstream::laposte_file().into()),
        ..SourceConfig::default()
    };
    let adapter = GeoAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

fn departement(code: &str) -> GeoFilter {
    GeoFilter {
        code_departement: Some(CodeDepartement::parse(code).unwrap()),
        ..GeoFilter::default()
    }
}

fn postal(code: &str) -> GeoFilter {
    GeoFilter {
        code_postal: Some(code.into()),
        ..GeoFilter::default()
    }
}

async fn codes(adapter: &GeoAdapter, filter: &GeoFilter) -> Vec<String> {
    adapter
        .search(filter, PageRequest::ALL)
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.record.code_insee.to_string())
        .collect()
}

#[tokio::test]
async fn lookups_by_code_ask_each_distinct_code_once() {
    let (live, up) = live().await;
    live.refresh().await.unwrap();
    assert_eq!(live.health().status, SourceStatus::Ready);
    assert_eq!(live.health().mode, "http");
    assert_eq!(live.health().version.as_deref(), Some(VERSION));
    let before = up.requests.load(Ordering::SeqCst);

    let keys = [
        insee("37266"),
        insee("69123"),
        insee("37266"),
        insee("69387"),
        insee("37999"),
        insee("69123"),
    ];
    let found = live.fetch(&keys).await.unwrap();
    assert_eq!(
        up.requests.load(Ordering::SeqCst) - before,
        4,
        "one request per distinct code"
    );
    assert_eq!(found.len(), 3, "the unknown commune is absent");
    assert!(!found.contains_key(&insee("37999")));

    let veigne = &found[&insee("37266")];
    assert_eq!(veigne.nom, "Veigne");
    assert_eq!(veigne.codes_postaux, ["37250"]);
    assert_eq!(
        veigne.departement.libelle.as_deref(),
        Some("Indre-et-Loire")
    );
    assert_eq!(
        veigne.region.as_ref().and_then(|r| r.libelle.as_deref()),
        Some("Centre-Val de Loire")
    );
    let p = &veigne.provenance;
    assert_eq!((p.source, p.producteur), ("geo", API_GEO.producteur));
    assert_eq!(p.version.as_deref(), Some(VERSION));
    let url = p.url.as_deref().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/communes/37266"),
        "{url}"
    );

    let lyon = &found[&insee("69123")];
    assert_eq!(lyon.arrondissements.len(), 9);
    assert!(lyon.codes_postaux.contains(&"69007".to_owned()));
    let lyon7 = &found[&insee("69387")];
    assert_eq!(lyon7.commune_parente, Some(insee("69123")));
    let asked = up.queries_to("/communes/69387");
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains("type=arrondissement-municipal"),
        "{asked:?}"
    );
    assert!(
        up.queries_to("/communes/37266")[0]
            .contains("fields=nom%2Ccode%2Ccentre%2CcodeDepartement%2CcodeRegion%2CcodesPostaux"),
        "{:?}",
        up.queries_to("/communes/37266")
    );

    let none = live.fetch(&[]).await.unwrap();
    assert!(none.is_empty());
    assert_eq!(
        up.requests.load(Ordering::SeqCst) - before,
        4,
        "nothing asked for nothing"
    );
}

#[tokio::test]
async fn searches_by_departement_postal_code_and_name() {
    let (live, up) = live().await;

    let indre_et_loire = codes(&live, &departement("37")).await;
    assert!(indre_et_loire.len() > 250, "{}", indre_et_loire.len());
    assert!(indre_et_loire.contains(&"37266".to_owned()));
    let mut sorted = indre_et_loire.clone();
    sorted.sort();
    assert_eq!(indre_et_loire, sorted, "code order");

    assert_eq!(codes(&live, &postal("69007")).await, ["69123", "69387"]);
    assert_eq!(
        codes(&live, &postal(" 37250 ")).await,
        ["37154", "37250", "37266"]
    );

    let paged = live
        .search(
            &departement("37"),
            PageRequest {
                offset: 10,
                limit: 5,
            },
        )
        .await
        .unwrap();
    assert_eq!(paged.total, indre_et_loire.len());
    let page: Vec<String> = paged
        .hits
        .iter()
        .map(|h| h.record.code_insee.to_string())
        .collect();
    assert_eq!(page, indre_et_loire[10..15]);

    // Several criteria: one request carrying them all, its answer filtered again.
    let searches = up.searches.load(Ordering::SeqCst);
    let combined = GeoFilter {
        nom: Some("st etienne".into()),
        code_departement: Some(CodeDepartement::parse("42").unwrap()),
        code_postal: Some("42100".into()),
    };
    assert_eq!(codes(&live, &combined).await, ["42218"]);
    assert_eq!(up.searches.load(Ordering::SeqCst), searches + 1);
    let q = up.queries_to("/communes").pop().unwrap();
    for part in [
        "nom=st+etienne",
        "codeDepartement=42",
        "codePostal=42100",
        "type=commune-actuelle%2Carrondissement-municipal",
    ] {
        assert!(q.contains(part), "{part} missing from {q}");
    }
    let by_name = codes(
        &live,
        &GeoFilter {
            nom: Some("Veigné".into()),
            ..GeoFilter::default()
        },
    )
    .await;
    assert_eq!(by_name, ["37266"]);
}

#[tokio::test]
async fn listing_every_commune_is_left_to_the_snapshot() {
    let (live, up) = live().await;
    for filter in [
        GeoFilter::default(),
        GeoFilter {
            nom: Some(" - ".into()),
            code_postal: Some("  ".into()),
            ..GeoFilter::default()
        },
    ] {
        let err = live.search(&filter, PageRequest::ALL).await.unwrap_err();
        assert!(
            matches!(
                err,
                AdapterError::Unsupported {
                    source_id: "geo",
                    mode: "http",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("mode snapshot"), "{err}");
    }
    assert_eq!(up.requests.load(Ordering::SeqCst), 0, "nothing asked");
}

/// What both modes must agree on (names differ: La Poste writes them in capitals, abbreviated).
fn essence(c: &Commune) -> String {
    format!(
        "{} | {} | {:?} | {:?} | {:?} | {:?}",
        c.code_insee,
        c.departement.code,
        c.region.as_ref().map(|r| &r.code),
        c.codes_postaux,
        c.arrondissements,
        c.commune_parente
    )
}

#[tokio::test]
async fn the_same_communes_as_the_laposte_snapshot() {
    let (live, _up) = live().await;
    let file = laposte_snapshot().await;
    let keys: Vec<CodeInsee> = [
        "37266", "01001", "2A004", "2B033", "97411", "75056", "75115", "69123", "69387", "13055",
        "13216", "29019", "59350",
    ]
    .iter()
    .map(|c| insee(c))
    .collect();
    let from_api = live.fetch(&keys).await.unwrap();
    let from_file = file.fetch(&keys).await.unwrap();
    assert_eq!(from_api.len(), keys.len());
    let essences = |m: &std::collections::HashMap<CodeInsee, Arc<Commune>>| {
        m.iter()
            .map(|(k, c)| (k.clone(), essence(c)))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(essences(&from_api), essences(&from_file));
    for key in &keys {
        let (a, b) = (&from_api[key], &from_file[key]);
        assert_eq!(a.departement, b.departement, "{key}");
        assert_eq!(a.region, b.region, "{key}");
        let (pa, pb) = (a.position.unwrap(), b.position.unwrap());
        assert!(pa.distance_km(&pb) < 1.0, "{key}: {pa:?} / {pb:?}");
    }

    for filter in [
        departement("2A"),
        departement("69"),
        postal("13001"),
        postal("97400"),
    ] {
        let (a, b) = (codes(&live, &filter).await, codes(&file, &filter).await);
        assert!(!a.is_empty(), "{filter:?}");
        assert_eq!(a, b, "{filter:?}");
    }
}

#[tokio::test]
async fn a_down_api_is_a_source_unavailable_error_and_a_degraded_health() {
    let (addr, up) = fake_upstream::start_laposte().await;
    let mut config = http_config(addr);
    config.http.retries = 1;
    let live = GeoAdapter::new(&config, Clock::system()).unwrap();
    live.refresh().await.unwrap();
    up.down.store(true, Ordering::SeqCst);
    let before = up.requests.load(Ordering::SeqCst);
    let err = live.fetch(&[insee("37266")]).await.unwrap_err();
    assert!(
        matches!(
            err,
            AdapterError::Unavailable {
                source_id: "geo",
                ..
            }
        ),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("503") && shown.contains("2 tentatives"),
        "{shown}"
    );
    assert_eq!(up.requests.load(Ordering::SeqCst) - before, 2, "one retry");
    let health = live.health();
    assert_eq!(health.status, SourceStatus::Degraded);
    assert!(health.last_error.unwrap().contains("503"));

    let err = live
        .search(&departement("37"), PageRequest::ALL)
        .await
        .unwrap_err();
    assert_eq!(err.source_id(), Some("geo"));
    let err = live.refresh().await.unwrap_err();
    assert!(err.to_string().contains("503"), "{err}");

    up.down.store(false, Ordering::SeqCst);
    live.refresh().await.unwrap();
    assert_eq!(
        live.health().status,
        SourceStatus::Ready,
        "back once a call succeeds"
    );
}

#[tokio::test]
async fn a_wrong_base_url_fails_the_refresh_and_says_what_to_check() {
    let (addr, _up) = fake_upstream::start_laposte().await;
    let mut config = http_config(addr);
    config.url = Some(format!("http://{addr}/v2").into());
    let live = GeoAdapter::new(&config, Clock::system()).unwrap();
    let err = live.refresh().await.unwrap_err();
    assert!(err.to_string().contains("vérifiez url"), "{err}");
    assert_eq!(live.health().status, SourceStatus::Failed);
}

#[test]
fn the_configuration_of_the_http_mode_is_checked() {
    let with_path = SourceConfig {
        mode: Mode::Http,
        path: Some(fake_upstream::laposte_file().into()),
        ..SourceConfig::default()
    };
    let err = GeoAdapter::new(&with_path, Clock::system()).unwrap_err();
    let shown = err.to_string();
    assert!(shown.starts_with("[sources.geo]"), "{shown}");
    assert!(shown.contains("retirez path"), "{shown}");

    let bad_url = SourceConfig {
        mode: Mode::Http,
        url: Some(String::from("geo.api.gouv.fr").into()),
        ..SourceConfig::default()
    };
    let shown = GeoAdapter::new(&bad_url, Clock::system())
        .unwrap_err()
        .to_string();
    assert!(
        shown.contains("url") && shown.contains("http://"),
        "{shown}"
    );

    let mut no_rate = SourceConfig {
        mode: Mode::Http,
        ..SourceConfig::default()
    };
    no_rate.http.rate_limit = 0.0;
    let shown = GeoAdapter::new(&no_rate, Clock::system())
        .unwrap_err()
        .to_string();
    assert!(shown.contains("http.rate_limit = 0"), "{shown}");

    let default = SourceConfig {
        mode: Mode::Http,
        ..SourceConfig::default()
    };
    assert!(
        matches!(
            GeoAdapter::new(&default, Clock::system()),
            Ok(GeoAdapter::Api(_))
        ),
        "API Géo needs no credentials: the default URL is enough"
    );
}
