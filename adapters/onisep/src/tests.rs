//! Tests of the ONISEP adapter on its sample and on the real Idéo-Métiers file.

use std::path::PathBuf;

use passerelle_core::config::Mode;
use passerelle_core::testkit::{Expectations, check_adapter};

use passerelle_core::{Adapter, Clock};

use super::*;

fn id(s: &str) -> IdOnisep {
    IdOnisep::parse(s).unwrap()
}

#[tokio::test]
async fn sample_passes_the_adapter_contract() {
    let adapter = OnisepAdapter::new(&OnisepConfig::default(), Clock::system()).unwrap();
    let broad = OnisepFilter {
        codes_rome: Some(vec![CodeRome::parse("M1805").unwrap()]),
        texte: None,
    };
    let expect = Expectations {
        known: vec![id("MET.84"), id("MET.12")],
        unknown: id("MET.999999"),
        broad_filter: &broad,
        provenance: |f: &Arc<FicheOnisep>| &f.provenance,
    };
    check_adapter(&adapter, expect).await;
}

#[tokio::test]
async fn sample_rows_are_merged_and_quirks_kept() {
    let adapter = OnisepAdapter::new(&OnisepConfig::default(), Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    let f = adapter
        .fetch(&[id("MET.84")])
        .await
        .unwrap()
        .remove(&id("MET.84"))
        .unwrap();
    assert_eq!(
        f.publications.len(),
        2,
        "two rows, two publications, one fiche"
    );
    assert!(f.url.ends_with("MET.84"));
    let health = adapter.health();
    assert!(
        health
            .anomalies
            .iter()
            .any(|a| a.problem.contains("aucun code ROME")),
        "{:?}",
        health.anomalies
    );
    assert!(
        health
            .anomalies
            .iter()
            .any(|a| a.problem.contains("« F16 »")),
        "{:?}",
        health.anomalies
    );
    let multi = adapter
        .search(
            &OnisepFilter {
                codes_rome: Some(vec![CodeRome::parse("D1402").unwrap()]),
                texte: None,
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert!(
        multi.hits.iter().any(|h| h.record.codes_rome.len() == 2),
        "a row with two codes separated by |"
    );
}

#[tokio::test]
async fn the_real_ideo_metiers_file_loads_with_its_quirks_counted() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/onisep/ideo-metiers_onisep.xml.xml");
    assert!(
        path.is_file(),
        "the real Idéo-Métiers file is expected at {}",
        path.display()
    );
    let config = OnisepConfig {
        mode: Mode::Snapshot,
        path: Some(path),
        ..OnisepConfig::default()
    };
    let adapter = OnisepAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    let health = adapter.health();
    assert_eq!(health.records, 1043, "1 043 distinct métiers");
    let without_rome = health
        .anomalies
        .iter()
        .filter(|a| a.problem.contains("aucun code ROME"))
        .count();
    assert_eq!(without_rome, 146, "146 rows without ROME");
    let malformed: Vec<_> = health
        .anomalies
        .iter()
        .filter(|a| a.problem.contains("code ROME «"))
        .collect();
    assert_eq!(malformed.len(), 2, "{malformed:?}");
    assert!(
        malformed.iter().any(|a| a.problem.contains("« A15 »"))
            && malformed.iter().any(|a| a.problem.contains("« K15 »"))
    );
    let m1805 = adapter
        .search(
            &OnisepFilter {
                codes_rome: Some(vec![CodeRome::parse("M1805").unwrap()]),
                texte: None,
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert!(m1805.total >= 5, "{}", m1805.total);
}
