//! Tests of the ROME adapter on its sample and on the real export in `../shared/data/rome`.

use std::path::PathBuf;

use passerelle_core::config::Mode;
use passerelle_core::testkit::{Expectations, check_adapter};

use passerelle_core::{Adapter, Clock};

use super::*;

fn code(c: &str) -> CodeRome {
    CodeRome::parse(c).unwrap()
}

async fn sample() -> RomeAdapter {
    let adapter = RomeAdapter::new(&RomeConfig::default(), Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

#[tokio::test]
async fn sample_passes_the_adapter_contract() {
    let adapter = RomeAdapter::new(&RomeConfig::default(), Clock::system()).unwrap();
    let broad = RomeFilter {
        code_domaine_professionnel: Some("M18".into()),
        ..RomeFilter::default()
    };
    let expect = Expectations {
        known: vec![code("M1805"), code("M1855"), code("F1604")],
        unknown: code("M9999"),
        broad_filter: &broad,
        provenance: |m: &Arc<Metier>| &m.provenance,
    };
    check_adapter(&adapter, expect).await;
}

#[tokio::test]
async fn sample_models_v3_and_v4_structure() {
    let adapter = sample().await;
    let found = adapter
        .fetch(&[code("M1805"), code("M1855")])
        .await
        .unwrap();
    let m1805 = &found[&code("M1805")];
    assert_eq!(m1805.libelle, "Développeur / Développeuse informatique");
    assert_eq!(m1805.domaine_professionnel.code, "M18");
    assert_eq!(m1805.grand_domaine.code, "M");
    assert!(
        m1805.code_rome_parent.is_none(),
        "a V3-level fiche is its own parent"
    );
    assert!(m1805.fiches_detaillees.contains(&code("M1855")));
    assert!(m1805.appellations.len() >= 5);
    assert!(
        m1805.appellations[0].principale,
        "the principale comes first"
    );
    let m1855 = &found[&code("M1855")];
    assert_eq!(m1855.code_rome_parent, Some(code("M1805")));
    let definition = m1805.definition.as_deref().unwrap();
    assert!(
        !definition.contains("''"),
        "doubled apostrophes are unescaped: {definition}"
    );
    assert_eq!(m1805.provenance.version.as_deref(), Some("60 (18/09/2025)"));
}

#[tokio::test]
async fn search_by_text_ignores_accents_and_uses_appellations() {
    let adapter = sample().await;
    let filter = RomeFilter {
        texte: Some("developpeur web".into()),
        ..RomeFilter::default()
    };
    let page = adapter.search(&filter, PageRequest::ALL).await.unwrap();
    assert_eq!(
        page.hits.first().map(|h| h.record.code.as_str()),
        Some("M1855")
    );
    let children = RomeFilter {
        code_rome_parent: Some(code("M1805")),
        ..RomeFilter::default()
    };
    let page = adapter.search(&children, PageRequest::ALL).await.unwrap();
    assert!(
        page.hits
            .iter()
            .all(|h| h.record.code_rome_parent == Some(code("M1805")))
    );
    assert!(page.total >= 5);
}

#[tokio::test]
async fn a_malformed_file_is_reported_and_the_previous_data_keeps_serving() {
    let dir = std::env::temp_dir().join(format!("passerelle-rome-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in SAMPLE {
        std::fs::write(dir.join(f.name), f.bytes).unwrap();
    }
    let config = RomeConfig {
        mode: Mode::Snapshot,
        path: Some(dir.clone()),
        ..RomeConfig::default()
    };
    let adapter = RomeAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    let before = adapter.health().records;

    let appellations = dir.join("unix_referentiel_appellation_v460_utf8.csv");
    let mut text = std::fs::read_to_string(&appellations).unwrap();
    text.push_str("\"99999\",\"Ligne tronquée\"\n");
    std::fs::write(&appellations, text).unwrap();
    let err = adapter.refresh().await.unwrap_err().to_string();
    assert!(
        err.contains("unix_referentiel_appellation_v460_utf8.csv:"),
        "{err}"
    );
    assert!(err.contains("champs au lieu des 13"), "{err}");
    let health = adapter.health();
    assert_eq!(health.status, passerelle_core::SourceStatus::Degraded);
    assert_eq!(health.records, before, "the previous data keeps serving");
    assert!(
        adapter
            .fetch(&[code("M1805")])
            .await
            .unwrap()
            .contains_key(&code("M1805"))
    );

    std::fs::remove_file(dir.join(snapshot::FICHES)).unwrap();
    let err = adapter.refresh().await.unwrap_err().to_string();
    assert!(
        err.contains("unix_referentiel_code_rome_v460_utf8.csv") && err.contains("absent"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn shared_rome() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/rome");
    assert!(
        dir.is_dir(),
        "the real ROME export is expected at {} (shared/data beside the project)",
        dir.display()
    );
    dir
}

#[tokio::test]
async fn the_real_export_v60_loads_whole() {
    let config = RomeConfig {
        mode: Mode::Snapshot,
        path: Some(shared_rome()),
        ..RomeConfig::default()
    };
    let adapter = RomeAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    let health = adapter.health();
    assert_eq!(health.records, 1584);
    assert_eq!(health.version.as_deref(), Some("60 (18/09/2025)"));
    let m1805 = adapter
        .fetch(&[code("M1805")])
        .await
        .unwrap()
        .remove(&code("M1805"))
        .unwrap();
    assert_eq!(
        m1805.fiches_detaillees.len(),
        26,
        "M1805 has 26 ROME 4.0 child fiches"
    );
    assert!(m1805.fiches_detaillees.contains(&code("M1855")));
    let all = adapter
        .search(&RomeFilter::default(), PageRequest::ALL)
        .await
        .unwrap();
    let appellations: usize = all.hits.iter().map(|h| h.record.appellations.len()).sum();
    assert_eq!(appellations, 13120);
    for hit in &all.hits {
        let m = &hit.record;
        let texts = [
            m.libelle.as_str(),
            m.definition.as_deref().unwrap_or(""),
            m.domaine_professionnel.libelle.as_deref().unwrap_or(""),
        ];
        assert!(
            texts
                .iter()
                .all(|t| !t.contains('\u{FFFD}') && !t.contains("''")),
            "{}: badly decoded text",
            m.code
        );
    }
    let v3_roots = all
        .hits
        .iter()
        .filter(|h| h.record.code_rome_parent.is_none())
        .count();
    assert!(v3_roots >= 532, "{v3_roots} fiches are their own parent");
}
