//! The `http` mode against an Intercarif web service stand-in on 127.0.0.1 serving real answers: one
//! question per (code ROME × département), the snapshot's filters applied to the answers, actions by
//! number, and `Unsupported` for what the service cannot answer.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use passerelle_core::adapter::PageRequest;
use passerelle_core::config::{Mode, SourceConfig};
use passerelle_core::{Adapter, Clock, CodeDepartement, CodeRome, SourceStatus};
use passerelle_offre_info::fake_upstream;
use passerelle_offre_info::{OffreFilter, OffreInfoAdapter};

fn shared(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/offre-info")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn live() -> (OffreInfoAdapter, std::sync::Arc<fake_upstream::Upstream>) {
    let (addr, up) = fake_upstream::start_upstream(
        &[
            shared("intercarif-lheo-index/carif.xml"),
            shared("intercarif-lheo-index/carif_single_offer.xml"),
        ],
        vec![shared("intercarif-offre-info/formation.xml")],
    )
    .await;
    let mut config = SourceConfig {
        mode: Mode::Http,
        url: Some(format!("http://{addr}/serviceweb2/offre-info/").into()),
        ..SourceConfig::default()
    };
    config.http.rate_limit = 1000.0;
    config.http.retries = 1;
    let adapter = OffreInfoAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    (adapter, up)
}

fn filter(codes: &[&str], deps: &[&str]) -> OffreFilter {
    OffreFilter {
        codes_rome: (!codes.is_empty())
            .then(|| codes.iter().map(|c| CodeRome::parse(c).unwrap()).collect()),
        departements: (!deps.is_empty()).then(|| {
            deps.iter()
                .map(|d| CodeDepartement::parse(d).unwrap())
                .collect()
        }),
        ..OffreFilter::default()
    }
}

#[tokio::test]
async fn metier_by_departement_questions() {
    let (adapter, up) = live().await;
    assert_eq!(adapter.health().status, SourceStatus::Ready);
    let asked = up.questions.load(Ordering::SeqCst);
    let page = adapter
        .search(&filter(&["G1201"], &["75"]), PageRequest::ALL)
        .await
        .unwrap();
    assert!(page.total >= 2, "{}", page.total);
    assert!(page.hits.iter().all(|h| {
        h.record
            .formation
            .codes_rome
            .iter()
            .any(|c| c.as_str() == "G1201")
    }));
    assert!(
        page.hits
            .iter()
            .all(|h| h.record.departement() == Some("75"))
    );
    assert_eq!(
        up.questions.load(Ordering::SeqCst) - asked,
        1,
        "one question"
    );

    // Two codes × two départements: four questions, the whole filter applied to the answers; G1201 × 75
    // was answered above and comes from the cache, so three reach the service.
    let asked = up.questions.load(Ordering::SeqCst);
    let mut f = filter(&["G1201", "G1605"], &["75", "92"]);
    f.recherche = Some("plongeur".into());
    let page = adapter.search(&f, PageRequest::ALL).await.unwrap();
    assert_eq!(up.questions.load(Ordering::SeqCst) - asked, 3);
    assert_eq!(page.total, 1);
    assert_eq!(
        page.hits[0].record.formation.intitule,
        "CQP plongeur - officier de cuisine"
    );

    let none = adapter
        .search(&filter(&["A1101"], &["01"]), PageRequest::ALL)
        .await
        .unwrap();
    assert_eq!(none.total, 0);
}

#[tokio::test]
async fn actions_by_number_and_what_the_service_cannot_answer() {
    let (adapter, _up) = live().await;
    let found = adapter
        .fetch(&[
            "07_114782".to_owned(),
            "07_123324".to_owned(),
            "99_inconnue".to_owned(),
        ])
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        found["07_114782"].formation.intitule,
        "Titre professionnel plaquiste"
    );
    for f in [
        OffreFilter::default(),
        filter(&["G1201"], &[]),
        filter(&[], &["75"]),
    ] {
        let e = adapter.search(&f, PageRequest::ALL).await.unwrap_err();
        assert!(
            matches!(e, passerelle_core::AdapterError::Unsupported { .. }),
            "{e}"
        );
    }
    let many: Vec<String> = (21..=41).map(|i| format!("{i:02}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let e = adapter
        .search(&filter(&["G1201"], &refs), PageRequest::ALL)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("21 questions"), "{e}");
    assert!(adapter.formation("07_10").is_err());
}

#[tokio::test]
async fn a_down_service_is_reported() {
    let (adapter, up) = live().await;
    up.down.store(true, Ordering::SeqCst);
    let e = adapter
        .search(&filter(&["G1201"], &["75"]), PageRequest::ALL)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("503"), "{e}");
    assert_eq!(adapter.health().status, SourceStatus::Degraded);
}
