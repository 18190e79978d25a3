//! The ONISEP `http` mode and the snapshot loaded through the API, against a stand-in of the open-data
//! API on 127.0.0.1 serving the rows of the real Idéo-Métiers file: login, paginated search, `401` then a
//! new login, secrets kept out of every message, and the same fiches as the file snapshot.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use passerelle_core::adapter::PageRequest;
use passerelle_core::config::{Mode, OneOrMany, SourceConfig};
use passerelle_core::http::Secret;
use passerelle_core::model::FicheOnisep;
use passerelle_core::{Adapter, Clock, CodeRome, IdOnisep, SourceStatus};
use passerelle_onisep::client::Credentials;
use passerelle_onisep::fake_upstream::{self, APPLICATION_ID, DATASET, EMAIL, PASSWORD};
use passerelle_onisep::{OnisepAdapter, OnisepFilter};

fn real_file() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/onisep/ideo-metiers_onisep.xml.xml");
    assert!(
        path.is_file(),
        "the real Idéo-Métiers file is expected at {}",
        path.display()
    );
    path
}

fn credentials(password: &str) -> Credentials {
    Credentials {
        email: Secret::new(EMAIL),
        password: Secret::new(password),
        application_id: Secret::new(APPLICATION_ID),
    }
}

async fn upstream() -> (std::net::SocketAddr, Arc<fake_upstream::Upstream>) {
    let rows = fake_upstream::rows_from_xml(&std::fs::read(real_file()).unwrap());
    assert_eq!(rows.len(), 1489);
    fake_upstream::start_upstream(rows).await
}

fn http_config(addr: std::net::SocketAddr) -> SourceConfig {
    let mut config = SourceConfig {
        mode: Mode::Http,
        url: Some(format!("http://{addr}/api/1.0").into()),
        ..SourceConfig::default()
    };
    config.http.rate_limit = 1000.0;
    config
}

async fn file_snapshot() -> OnisepAdapter {
    let config = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(OneOrMany(vec![real_file()])),
        ..SourceConfig::default()
    };
    let adapter = OnisepAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

/// What both modes must agree on.
fn essence(f: &FicheOnisep) -> String {
    format!(
        "{} | {} | {:?} | {:?} | {:?} | {:?} | {:?} | {:?}",
        f.id,
        f.libelle,
        f.publications,
        f.gfe,
        f.codes_rome,
        f.libelles_rome,
        f.codes_rome_invalides,
        f.domaines
    )
}

async fn hits(adapter: &OnisepAdapter, filter: &OnisepFilter) -> Vec<String> {
    adapter
        .search(filter, PageRequest::ALL)
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| essence(&h.record))
        .collect()
}

#[tokio::test]
async fn live_answers_are_the_snapshot_answers() {
    let (addr, up) = upstream().await;
    let live = OnisepAdapter::build(&http_config(addr), Clock::system(), || {
        Ok(credentials(PASSWORD))
    })
    .unwrap();
    live.refresh().await.unwrap();
    assert_eq!(live.health().status, SourceStatus::Ready);
    let file = file_snapshot().await;

    let keys: Vec<IdOnisep> = ["MET.12", "MET.84", "MET.69", "MET.571", "MET.999999"]
        .iter()
        .map(|k| IdOnisep::parse(k).unwrap())
        .collect();
    let from_api: BTreeMap<_, _> = live
        .fetch(&keys)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, f)| (k, essence(&f)))
        .collect();
    let from_file: BTreeMap<_, _> = file
        .fetch(&keys)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, f)| (k, essence(&f)))
        .collect();
    assert_eq!(from_api.len(), 4, "the unknown id is absent");
    assert_eq!(from_api, from_file);

    for filter in [
        OnisepFilter {
            recherche: Some("developpeur informatique".into()),
            ..OnisepFilter::default()
        },
        OnisepFilter {
            recherche: Some("infirmier".into()),
            ..OnisepFilter::default()
        },
        OnisepFilter {
            codes_rome: Some(vec![CodeRome::parse("M1805").unwrap()]),
            ..OnisepFilter::default()
        },
        OnisepFilter {
            codes_rome: Some(vec![
                CodeRome::parse("M1805").unwrap(),
                CodeRome::parse("M1801").unwrap(),
            ]),
            domaine: Some("informatique, Internet".into()),
            ..OnisepFilter::default()
        },
    ] {
        let (a, b) = (hits(&live, &filter).await, hits(&file, &filter).await);
        assert!(!a.is_empty(), "{filter:?}");
        assert_eq!(a, b, "{filter:?}");
    }
    let first = live
        .search(
            &OnisepFilter {
                recherche: Some("developpeur informatique".into()),
                ..OnisepFilter::default()
            },
            PageRequest {
                offset: 0,
                limit: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(first.hits[0].record.id.as_str(), "MET.12");
    assert_eq!(
        up.logins.load(Ordering::SeqCst),
        1,
        "one login for every call"
    );
    let everything = live
        .search(&OnisepFilter::default(), PageRequest::ALL)
        .await
        .unwrap_err();
    assert!(
        everything.to_string().contains("mode snapshot"),
        "{everything}"
    );
}

#[tokio::test]
async fn an_expired_token_means_one_new_login() {
    let (addr, up) = upstream().await;
    let live = OnisepAdapter::build(&http_config(addr), Clock::system(), || {
        Ok(credentials(PASSWORD))
    })
    .unwrap();
    live.refresh().await.unwrap();
    assert_eq!(up.logins.load(Ordering::SeqCst), 1);
    up.expire_tokens();
    let keys = [
        IdOnisep::parse("MET.12").unwrap(),
        IdOnisep::parse("MET.84").unwrap(),
    ];
    let found = live.fetch(&keys).await.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        up.logins.load(Ordering::SeqCst),
        2,
        "the two concurrent 401s share one login"
    );
}

#[tokio::test]
async fn refused_credentials_and_a_down_api_say_so_without_secrets() {
    let (addr, up) = upstream().await;
    let wrong = "wrong-password-never-shown";
    let live = OnisepAdapter::build(&http_config(addr), Clock::system(), || {
        Ok(credentials(wrong))
    })
    .unwrap();
    let err = live.refresh().await.unwrap_err();
    let shown = format!("{err} {err:?} {live:?} {:?}", live.health());
    assert!(
        shown.contains("ONISEP_EMAIL") && shown.contains("ONISEP_PASSWORD"),
        "{shown}"
    );
    for secret in [wrong, PASSWORD, APPLICATION_ID, EMAIL] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert_eq!(live.health().status, SourceStatus::Failed);

    let mut config = http_config(addr);
    config.http.retries = 1;
    let live =
        OnisepAdapter::build(&config, Clock::system(), || Ok(credentials(PASSWORD))).unwrap();
    live.refresh().await.unwrap();
    up.down.store(true, Ordering::SeqCst);
    let err = live
        .search(
            &OnisepFilter {
                recherche: Some("plombier".into()),
                ..OnisepFilter::default()
            },
            PageRequest::ALL,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("503") && err.to_string().contains("2 tentatives"),
        "{err}"
    );
    assert_eq!(live.health().status, SourceStatus::Degraded);
}

#[tokio::test]
async fn a_snapshot_from_the_api_walks_every_page() {
    let (addr, up) = upstream().await;
    let config = SourceConfig {
        mode: Mode::Snapshot,
        url: Some(format!("http://{addr}/api/1.0/dataset/{DATASET}/search").into()),
        ..SourceConfig::default()
    };
    let walked =
        OnisepAdapter::build(&config, Clock::system(), || Ok(credentials(PASSWORD))).unwrap();
    walked.refresh().await.unwrap();
    assert_eq!(walked.health().records, 1043);
    assert_eq!(
        up.searches.load(Ordering::SeqCst),
        1489usize.div_ceil(passerelle_onisep::client::PAGE_SIZE) as u64,
        "one request per page"
    );
    let file = file_snapshot().await;
    let all = |a: &OnisepAdapter| {
        let OnisepAdapter::Snapshot(s) = a else {
            unreachable!()
        };
        let data = s.current().unwrap();
        data.fiches().map(|f| essence(f)).collect::<Vec<_>>()
    };
    assert_eq!(all(&walked), all(&file));
    let no_rome = |a: &OnisepAdapter| {
        a.health()
            .anomalies
            .iter()
            .filter(|x| x.problem.starts_with("aucun code ROME"))
            .map(|x| x.count)
            .sum::<usize>()
    };
    assert_eq!(no_rome(&walked), 146);
    assert_eq!(no_rome(&file), 146);
}

#[test]
fn http_mode_without_credentials_is_a_configuration_error() {
    let config = SourceConfig {
        mode: Mode::Http,
        ..SourceConfig::default()
    };
    let err = OnisepAdapter::build(
        &config,
        Clock::system(),
        passerelle_onisep::client::Credentials::from_env,
    )
    .unwrap_err();
    assert!(err.to_string().contains("ONISEP_APPLICATION_ID"), "{err}");
    let mut bad = http_config("127.0.0.1:9".parse().unwrap());
    bad.http.dataset = Some("../etc".into());
    let err =
        OnisepAdapter::build(&bad, Clock::system(), || Ok(credentials(PASSWORD))).unwrap_err();
    assert!(
        err.to_string().contains("http.dataset") && err.to_string().contains("../etc"),
        "{err}"
    );
}
