//! Tests of the communes référentiel on its sample and on the real La Poste file.

use std::path::PathBuf;

use passerelle_core::config::Mode;
use passerelle_core::testkit::{Expectations, check_adapter};

use passerelle_core::{Adapter, Clock};

use super::*;

fn insee(c: &str) -> CodeInsee {
    CodeInsee::parse(c).unwrap()
}

#[tokio::test]
async fn sample_passes_the_adapter_contract() {
    let adapter = GeoAdapter::new(&GeoConfig::default(), Clock::system()).unwrap();
    let broad = GeoFilter {
        code_departement: Some(CodeDepartement::parse("69").unwrap()),
        ..GeoFilter::default()
    };
    let expect = Expectations {
        known: vec![
            insee("69123"),
            insee("69381"),
            insee("2A004"),
            insee("97411"),
        ],
        unknown: insee("69999"),
        broad_filter: &broad,
        provenance: |c: &Arc<Commune>| &c.provenance,
    };
    check_adapter(&adapter, expect).await;
}

async fn check_geography(adapter: &GeoAdapter) {
    let found = adapter
        .fetch(&[
            insee("69123"),
            insee("69387"),
            insee("2B033"),
            insee("97411"),
            insee("75056"),
            insee("13055"),
        ])
        .await
        .unwrap();
    let lyon = &found[&insee("69123")];
    assert_eq!(lyon.arrondissements.len(), 9);
    assert_eq!(lyon.departement.code, "69");
    assert_eq!(
        lyon.region.as_ref().and_then(|r| r.libelle.as_deref()),
        Some("Auvergne-Rhône-Alpes")
    );
    let centre = lyon.position.unwrap();
    assert!(
        centre.distance_km(&GeoPoint::new(45.7578, 4.8320).unwrap()) < 3.0,
        "{centre:?}"
    );
    assert!(lyon.codes_postaux.contains(&"69007".to_owned()));
    assert_eq!(found[&insee("69387")].commune_parente, Some(insee("69123")));
    assert_eq!(
        found[&insee("2B033")]
            .region
            .as_ref()
            .map(|r| r.code.as_str()),
        Some("94")
    );
    assert_eq!(found[&insee("97411")].departement.code, "974");
    assert_eq!(found[&insee("75056")].arrondissements.len(), 20);
    assert_eq!(found[&insee("13055")].arrondissements.len(), 16);
}

#[tokio::test]
async fn sample_builds_plm_and_derives_territories() {
    let adapter = GeoAdapter::new(&GeoConfig::default(), Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    check_geography(&adapter).await;
    let by_name = adapter
        .search(
            &GeoFilter {
                nom: Some("ST ETIENNE".into()),
                ..GeoFilter::default()
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert_eq!(
        by_name.hits.first().map(|h| h.record.code_insee.as_str()),
        Some("42218")
    );
    assert!(
        adapter
            .health()
            .anomalies
            .iter()
            .any(|a| a.problem.contains("sans coordonnées"))
    );
}

#[tokio::test]
async fn the_real_laposte_file_loads() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/geo/laposte_hexasmal.csv");
    assert!(
        path.is_file(),
        "real La Poste file expected at {}",
        path.display()
    );
    let adapter = GeoAdapter::new(
        &GeoConfig {
            mode: Mode::Snapshot,
            path: Some(path.into()),
            ..GeoConfig::default()
        },
        Clock::system(),
    )
    .unwrap();
    adapter.refresh().await.unwrap();
    check_geography(&adapter).await;
    assert!(
        adapter.health().records > 35_000,
        "{}",
        adapter.health().records
    );
}

#[test]
fn names_match_with_or_without_abbreviations() {
    for (name, query) in [
        ("ST ETIENNE", "st etienne"),
        ("ST ETIENNE", "Saint-Étienne"),
        ("Saint-Étienne", "ST ETIENNE"),
        ("STE FOY LES LYON", "sainte foy"),
        ("Sainte-Foy-lès-Lyon", "ste foy les"),
        ("STRASBOURG", "st"),
        ("ST DENIS", "sai den"),
        ("Veigné", "VEIGNE"),
    ] {
        assert!(name_matches(&fold(name), &fold(query)), "{name} / {query}");
    }
    for (name, query) in [
        ("ST ETIENNE", "etienne saint lyon"),
        ("STRASBOURG", "saint"),
        ("VEIGNE", "veignes"),
    ] {
        assert!(!name_matches(&fold(name), &fold(query)), "{name} / {query}");
    }
}

#[tokio::test]
async fn the_snapshot_finds_saint_written_in_full() {
    let adapter = GeoAdapter::new(&GeoConfig::default(), Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    let found = adapter
        .search(
            &GeoFilter {
                nom: Some("Saint-Étienne".into()),
                ..GeoFilter::default()
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert_eq!(
        found
            .hits
            .iter()
            .map(|h| h.record.code_insee.as_str())
            .collect::<Vec<_>>(),
        ["42218"]
    );
}
