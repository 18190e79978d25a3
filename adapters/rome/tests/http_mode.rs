//! The `http` mode against a real HTTP server on 127.0.0.1 that speaks France Travail's token endpoint
//! and ROME 4.0 API shapes (the JSON fixtures in `tests/fixtures/francetravail`, generated from the
//! embedded sample by `generate.py`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use passerelle_core::config::{HttpConfig, Mode};
use passerelle_core::http::Secret;
use passerelle_core::model::Metier;
use passerelle_core::{Adapter, AdapterError, Clock, CodeRome, PageRequest, SourceStatus};
use passerelle_rome::api::{Credentials, RomeApi};
use passerelle_rome::{RomeAdapter, RomeConfig, RomeFilter};

use passerelle_rome::fake_upstream::{CLIENT_ID, SECRET, start_upstream};

fn http_config(addr: SocketAddr) -> RomeConfig {
    RomeConfig {
        mode: Mode::Http,
        url: Some(format!("http://{addr}/partenaire").into()),
        http: HttpConfig {
            token_url: Some(format!(
                "http://{addr}/connexion/oauth2/access_token?realm=%2Fpartenaire"
            )),
            rate_limit: 1000.0,
            ..HttpConfig::default()
        },
        ..RomeConfig::default()
    }
}

/// The same without the answers' cache: every call reaches the API (token tests).
fn uncached(addr: SocketAddr) -> RomeConfig {
    let mut config = http_config(addr);
    config.cache.capacity_mb = 0;
    config
}

fn credentials() -> Credentials {
    Credentials {
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(SECRET),
    }
}

fn api(config: &RomeConfig) -> RomeApi {
    RomeApi::with_credentials(config, Clock::system(), credentials()).unwrap()
}

fn code(c: &str) -> CodeRome {
    CodeRome::parse(c).unwrap()
}

/// Every log line of this test binary, at every level, to check that no secret is ever written.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || LogWriter(Arc::clone(&writer)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_no_secret_logged() {
    let logs = logs().lock().unwrap();
    let text = String::from_utf8_lossy(&logs);
    assert!(!text.is_empty(), "logs are captured");
    assert!(!text.contains(SECRET), "the client secret was logged");
}

#[tokio::test]
async fn one_token_for_fifty_concurrent_requests() {
    logs();
    let (addr, up) = start_upstream().await;
    up.token_delay_ms.store(200, Ordering::SeqCst);
    // Fifty different métiers (the stand-in answers every code), so that no answer is shared.
    up.any_code.store(true, Ordering::SeqCst);
    let api = Arc::new(api(&http_config(addr)));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let api = Arc::clone(&api);
            let c = code(&format!("K{:04}", 1100 + i));
            tokio::spawn(async move { (api.fetch(std::slice::from_ref(&c)).await, c) })
        })
        .collect();
    for t in tasks {
        let (found, c) = t.await.unwrap();
        assert_eq!(found.unwrap()[&c].code, c);
    }
    assert_eq!(
        up.tokens_issued.load(Ordering::SeqCst),
        1,
        "one token for all"
    );
    assert_eq!(api.counters().tokens.load(Ordering::SeqCst), 1);
    assert_eq!(
        up.api_calls.load(Ordering::SeqCst),
        100,
        "two calls per métier"
    );
    assert_no_secret_logged();
}

#[tokio::test]
async fn the_token_is_renewed_after_expiry() {
    logs();
    let (addr, up) = start_upstream().await;
    up.expires_in.store(1, Ordering::SeqCst);
    let api = api(&uncached(addr));
    api.fetch(&[code("M1855")]).await.unwrap();
    api.fetch(&[code("M1855")]).await.unwrap();
    assert_eq!(
        up.tokens_issued.load(Ordering::SeqCst),
        1,
        "reused while valid"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let found = api.fetch(&[code("M1855")]).await.unwrap();
    assert!(found.contains_key(&code("M1855")));
    assert_eq!(
        up.tokens_issued.load(Ordering::SeqCst),
        2,
        "renewed after expiry"
    );
}

#[tokio::test]
async fn a_token_the_api_rejects_is_replaced_once() {
    let (addr, up) = start_upstream().await;
    let api = api(&uncached(addr));
    api.fetch(&[code("D1401")]).await.unwrap();
    // The server forgets its tokens (a revocation): the next call gets 401, then succeeds with a new one.
    up.valid.lock().unwrap().clear();
    let found = api.fetch(&[code("D1401")]).await.unwrap();
    assert!(found.contains_key(&code("D1401")));
    assert_eq!(up.tokens_issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn too_many_requests_is_waited_out() {
    let (addr, up) = start_upstream().await;
    let api = api(&http_config(addr));
    api.refresh().await.unwrap();
    up.throttle_next.store(1, Ordering::SeqCst);
    let started = Instant::now();
    // One call: the appellation search.
    let found = api
        .search_appellations("developpeur web", PageRequest::ALL)
        .await
        .unwrap();
    assert_eq!(found.hits[0].record.code_rome.as_str(), "M1855");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    let waited = up.retried_after.lock().unwrap().expect("retried");
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    assert_eq!(api.counters().throttled.load(Ordering::SeqCst), 1);

    // A Retry-After beyond the configured maximum fails at once, saying so.
    let mut config = http_config(addr);
    config.http.max_retry_after = Duration::from_millis(500);
    let impatient = RomeApi::with_credentials(&config, Clock::system(), credentials()).unwrap();
    up.throttle_next.store(2, Ordering::SeqCst);
    let err = impatient.fetch(&[code("M1805")]).await.unwrap_err();
    assert!(matches!(err, AdapterError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("max_retry_after"), "{err}");
}

#[tokio::test]
async fn the_rate_limit_spaces_requests() {
    let (addr, _up) = start_upstream().await;
    let mut config = http_config(addr);
    config.http.rate_limit = 20.0;
    let api = api(&config);
    let started = Instant::now();
    // 3 métiers = 6 calls at 20/s: at least 5 intervals of 50 ms.
    api.fetch(&[code("M1805"), code("M1855"), code("D1401")])
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_secret_never_appears_in_errors_or_logs() {
    logs();
    let (addr, up) = start_upstream().await;
    up.reject_credentials.store(true, Ordering::SeqCst);
    let adapter = RomeAdapter::Api(api(&http_config(addr)));
    let err = adapter.refresh().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("invalid_client"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(
        !shown.contains(CLIENT_ID),
        "the echoed body is not repeated: {shown}"
    );
    let health = adapter.health();
    assert_eq!(health.status, SourceStatus::Failed);
    assert!(!health.last_error.unwrap().contains(SECRET));
    let err = adapter.fetch(&[code("M1805")]).await.unwrap_err();
    assert!(!format!("{err} {err:?} {adapter:?}").contains(SECRET));
    assert_no_secret_logged();
}

#[tokio::test]
async fn unknown_codes_are_absent_and_unsupported_questions_say_so() {
    let (addr, _up) = start_upstream().await;
    let adapter = RomeAdapter::Api(api(&http_config(addr)));
    let found = adapter.fetch(&[code("M9999")]).await.unwrap();
    assert!(found.is_empty());

    // The API's 20 best appellations are served; a page beyond them is refused, not truncated.
    let page = adapter
        .search_appellations(
            "developpeur",
            PageRequest {
                offset: 0,
                limit: 20,
            },
        )
        .await
        .unwrap();
    assert_eq!((page.total, page.hits.len()), (25, 20));
    let err = adapter
        .search_appellations(
            "developpeur",
            PageRequest {
                offset: 20,
                limit: 20,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::Unsupported { .. }), "{err:?}");
    for filter in [
        RomeFilter::default(),
        RomeFilter {
            code_domaine_professionnel: Some("M18".into()),
            recherche: Some("developpeur web".into()),
            ..RomeFilter::default()
        },
        RomeFilter {
            recherche: Some("developpeur".into()),
            ..RomeFilter::default()
        },
    ] {
        let err = adapter.search(&filter, PageRequest::ALL).await.unwrap_err();
        assert!(
            matches!(err, AdapterError::Unsupported { .. }),
            "{filter:?}: {err:?}"
        );
    }
    assert!(matches!(
        adapter.nomenclatures().unwrap_err(),
        AdapterError::Unsupported { .. }
    ));
    // A search the API answers whole works.
    let page = adapter
        .search(
            &RomeFilter {
                recherche: Some("developpeur web".into()),
                ..RomeFilter::default()
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert_eq!(page.hits[0].record.code.as_str(), "M1855");
    assert_eq!(adapter.health().status, SourceStatus::Ready);
}

/// What both modes know of a métier, in a comparable form.
fn comparable(m: &Metier) -> serde_json::Value {
    let competences = |list: &[passerelle_core::model::Competence]| {
        list.iter()
            .map(|c| {
                serde_json::json!([
                    c.code_ogr.to_string(),
                    c.libelle,
                    c.est_macro,
                    format!("{:?}", c.importance)
                ])
            })
            .collect::<Vec<_>>()
    };
    serde_json::json!({
        "code": m.code.to_string(),
        "libelle": m.libelle,
        "parent": m.code_rome_parent.as_ref().map(ToString::to_string),
        "gd": [m.grand_domaine.code, m.grand_domaine.libelle],
        "dp": [m.domaine_professionnel.code, m.domaine_professionnel.libelle],
        "definition": m.definition,
        "acces": m.acces_metier,
        "appellations": m.appellations.iter().map(|a| serde_json::json!([
            a.code_ogr.to_string(), a.libelle, a.libelle_court, a.principale, a.peu_usitee,
            a.emploi_cadre, a.emploi_reglemente
        ])).collect::<Vec<_>>(),
        "mobilites": m.mobilites.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "competences": competences(&m.competences),
        "savoirs_etre": competences(&m.savoirs_etre),
        "savoirs": m.savoirs.iter().map(|s| serde_json::json!([
            s.code_ogr.to_string(), s.libelle, s.categorie, format!("{:?}", s.importance)
        ])).collect::<Vec<_>>(),
        "contextes": m.contextes_travail.iter().map(|c| serde_json::json!([
            c.code_ogr.to_string(), c.libelle, c.type_contexte.code, c.type_contexte.libelle
        ])).collect::<Vec<_>>(),
        "centres": m.centres_interet.iter().map(|c| serde_json::json!([c.classe.code, c.classe.libelle, c.principal])).collect::<Vec<_>>(),
        "secteurs": m.secteurs_activite.iter().map(|c| serde_json::json!([
            c.classe.code, c.classe.libelle, c.sous_classe.as_ref().map(|s| (&s.code, &s.libelle)), c.principal
        ])).collect::<Vec<_>>(),
        "naf": m.divisions_naf.iter().map(|d| (&d.code, &d.libelle)).collect::<Vec<_>>(),
        "themes": m.themes.iter().map(|d| (&d.code, &d.libelle)).collect::<Vec<_>>(),
        "riasec": [m.riasec_majeur, m.riasec_mineur],
        "transitions": [m.transitions.ecologique.clone(), Some(m.transitions.numerique.to_string()), Some(m.transitions.demographique.to_string())],
        "emploi": [m.emploi_cadre, m.emploi_reglemente],
    })
}

#[tokio::test]
async fn snapshot_and_http_modes_give_the_same_metier() {
    let (addr, _up) = start_upstream().await;
    let http = RomeAdapter::Api(api(&http_config(addr)));
    let sample = RomeAdapter::new(&RomeConfig::default(), Clock::system()).unwrap();
    sample.refresh().await.unwrap();
    let codes = [code("M1805"), code("M1855"), code("D1401")];
    let from_api = http.fetch(&codes).await.unwrap();
    let from_csv = sample.fetch(&codes).await.unwrap();
    for c in &codes {
        let (a, s) = (&from_api[c], &from_csv[c]);
        assert_eq!(comparable(a), comparable(s), "{c}: the two modes differ");
        assert!(
            !a.competences.is_empty() && !a.savoirs.is_empty() && !a.contextes_travail.is_empty()
        );
        // What only one mode knows is absent from the other, never made up.
        assert!(a.formacodes.as_ref().is_some_and(|f| !f.is_empty()) && s.formacodes.is_none());
        assert!(a.code_isco.is_some() && s.code_isco.is_none());
        assert!(a.fiches_detaillees.is_none() && s.fiches_detaillees.is_some());
        assert!(a.competences.iter().all(|c| c.enjeu.is_some()));
    }
}
