//! Tests of the Offre Info adapter on its sample and on real LHEO documents.

use std::path::PathBuf;

use passerelle_core::config::Mode;
use passerelle_core::testkit::{Expectations, check_adapter};

use passerelle_core::{Adapter, Clock};

use super::*;

fn lyon() -> GeoPoint {
    GeoPoint::new(45.7578, 4.8320).unwrap()
}

async fn sample() -> OffreInfoAdapter {
    let adapter = OffreInfoAdapter::new(&OffreInfoConfig::default(), Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

#[tokio::test]
async fn sample_passes_the_adapter_contract() {
    let adapter = OffreInfoAdapter::new(&OffreInfoConfig::default(), Clock::system()).unwrap();
    let broad = OffreFilter {
        codes_rome: Some(vec![CodeRome::parse("M1805").unwrap()]),
        ..OffreFilter::default()
    };
    let expect = Expectations {
        known: vec!["84_A7001-01".to_owned(), "84_A7006-01".to_owned()],
        unknown: "00_inexistante".to_owned(),
        broad_filter: &broad,
        provenance: |a: &Arc<ActionFormation>| &a.provenance,
    };
    check_adapter(&adapter, expect).await;
}

#[tokio::test]
async fn radius_search_is_ordered_by_distance_and_bounded() {
    let adapter = sample().await;
    let filter = OffreFilter {
        codes_rome: Some(vec![CodeRome::parse("M1805").unwrap()]),
        autour: Some(Autour {
            centre: lyon(),
            rayon_km: 50.0,
        }),
        ..OffreFilter::default()
    };
    let page = adapter.search(&filter, PageRequest::ALL).await.unwrap();
    assert!(page.total >= 8, "{}", page.total);
    let distances: Vec<f64> = page.hits.iter().map(|h| h.distance_km.unwrap()).collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    assert!(distances.iter().all(|d| *d <= 50.0));
    let wider = OffreFilter {
        autour: Some(Autour {
            centre: lyon(),
            rayon_km: 200.0,
        }),
        ..filter
    };
    assert!(
        adapter
            .search(&wider, PageRequest::ALL)
            .await
            .unwrap()
            .total
            > page.total
    );
}

#[tokio::test]
async fn sample_records_are_complete() {
    let adapter = sample().await;
    let a = adapter
        .fetch(&["84_A7002-01".to_owned()])
        .await
        .unwrap()
        .remove("84_A7002-01")
        .unwrap();
    assert_eq!(
        a.formation.certifications[0]
            .rncp
            .as_ref()
            .map(|c| c.to_string()),
        Some("RNCP37873".into())
    );
    assert!(
        a.organisme_formateur
            .as_ref()
            .and_then(|o| o.siret.as_ref())
            .is_some()
    );
    assert_eq!(
        a.lieu
            .as_ref()
            .and_then(|l| l.code_insee.as_ref())
            .map(|c| c.to_string()),
        Some("69387".into())
    );
    assert!(a.eligible_cpf);
    assert!(a.sessions.windows(2).all(|w| w[0].debut <= w[1].debut));
    assert!(
        adapter.health().anomalies.is_empty(),
        "{:?}",
        adapter.health().anomalies
    );
}

fn shared(path: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/offre-info")
        .join(path);
    assert!(p.is_file(), "real LHEO file expected at {}", p.display());
    p
}

async fn load(path: PathBuf) -> OffreInfoAdapter {
    let config = OffreInfoConfig {
        mode: Mode::Snapshot,
        path: Some(path.into()),
        ..OffreInfoConfig::default()
    };
    let adapter = OffreInfoAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

#[tokio::test]
async fn a_real_lheo_22_offer_loads() {
    let adapter = load(shared("intercarif-offre-info/formation.xml")).await;
    assert_eq!(adapter.health().records, 2);
    assert_eq!(adapter.health().version.as_deref(), Some("LHEO 2.2"));
    let a = adapter
        .fetch(&["07_123324".to_owned()])
        .await
        .unwrap()
        .remove("07_123324")
        .unwrap();
    assert_eq!(a.formation.intitule, "Titre professionnel plaquiste");
    assert_eq!(
        a.formation.codes_rome,
        vec![CodeRome::parse("F1604").unwrap()]
    );
    assert!(
        a.formation
            .formacodes
            .iter()
            .any(|f| f.principal && f.code.as_str() == "22403")
    );
    let s = &a.sessions[0];
    assert_eq!(
        s.inscription_debut, None,
        "00000000 is an unknown date, not an error"
    );
    assert_eq!(
        s.inscription_fin,
        chrono::NaiveDate::from_ymd_opt(2018, 5, 22)
    );
    assert_eq!(
        s.etat_recrutement
            .as_ref()
            .and_then(|e| e.libelle.as_deref()),
        Some("ouvert")
    );
    assert_eq!(a.nombre_heures_total, Some(697));
    assert!(
        adapter.health().anomalies.is_empty(),
        "{:?}",
        adapter.health().anomalies
    );
}

#[tokio::test]
async fn the_anotea_fixture_reports_its_bad_sirets_and_keeps_the_offers() {
    let adapter = load(shared("anotea/intercarif-data-test.xml")).await;
    let health = adapter.health();
    assert!(health.records > 0);
    let sirets: Vec<_> = health
        .anomalies
        .iter()
        .filter(|a| a.location.contains("SIRET"))
        .collect();
    assert_eq!(sirets.len(), 2, "{:?}", health.anomalies);
    assert!(
        sirets.iter().all(|a| a.problem.contains("14 chiffres")
            && a.location.contains("intercarif-data-test.xml:"))
    );
}
