//! Tests of the ONISEP adapter on its sample and on the real Idéo-Métiers file, in its three flavours.

use std::path::{Path, PathBuf};

use passerelle_core::config::Mode;
use passerelle_core::testkit::{Expectations, check_adapter};
use passerelle_core::{Adapter, Clock};

use super::*;
use crate::mapping::problems;

fn id(s: &str) -> IdOnisep {
    IdOnisep::parse(s).unwrap()
}

fn rome(s: &str) -> CodeRome {
    CodeRome::parse(s).unwrap()
}

/// The real Idéo-Métiers file of `../shared/data`.
pub(crate) fn real_file() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/onisep/ideo-metiers_onisep.xml.xml");
    assert!(
        path.is_file(),
        "the real Idéo-Métiers file is expected at {}",
        path.display()
    );
    path
}

async fn loaded(paths: Vec<PathBuf>) -> OnisepAdapter {
    let config = OnisepConfig {
        mode: Mode::Snapshot,
        path: Some(passerelle_core::config::OneOrMany(paths)),
        ..OnisepConfig::default()
    };
    let adapter = OnisepAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

async fn sample() -> OnisepAdapter {
    let adapter = OnisepAdapter::new(&OnisepConfig::default(), Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

async fn one(adapter: &OnisepAdapter, key: &str) -> Arc<FicheOnisep> {
    adapter
        .fetch(&[id(key)])
        .await
        .unwrap()
        .remove(&id(key))
        .unwrap_or_else(|| panic!("{key} is missing"))
}

async fn ids(adapter: &OnisepAdapter, filter: OnisepFilter) -> Vec<String> {
    adapter
        .search(&filter, PageRequest::ALL)
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.record.id.to_string())
        .collect()
}

fn count(adapter: &OnisepAdapter, problem: &str) -> usize {
    adapter
        .health()
        .anomalies
        .iter()
        .filter(|a| a.problem == problem)
        .map(|a| a.count)
        .sum()
}

#[tokio::test]
async fn sample_passes_the_adapter_contract() {
    let adapter = OnisepAdapter::new(&OnisepConfig::default(), Clock::system()).unwrap();
    let broad = OnisepFilter {
        codes_rome: Some(vec![rome("M1805")]),
        ..OnisepFilter::default()
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
async fn sample_rows_are_merged_details_attached_and_quirks_counted() {
    let adapter = sample().await;
    let f = one(&adapter, "MET.84").await;
    assert_eq!(
        f.publications.len(),
        2,
        "two rows, two publications, one fiche"
    );
    assert!(f.url.ends_with("MET.84"));
    assert_eq!(
        count(&adapter, problems::NO_ROME),
        1,
        "the hacker éthique row"
    );
    let bad = adapter
        .health()
        .anomalies
        .iter()
        .find(|a| a.problem == problems::BAD_ROME)
        .cloned()
        .expect("the malformed F16");
    assert!(
        bad.location.contains("« F16 »") && bad.location.contains("MET.263"),
        "{bad:?}"
    );
    let couvreur = one(&adapter, "MET.263").await;
    assert_eq!(couvreur.codes_rome_invalides, vec!["F16".to_owned()]);
    assert_eq!(
        couvreur.codes_rome,
        vec![rome("F1610")],
        "the detailed fiche gives the well-formed code"
    );

    let dev = one(&adapter, "MET.12").await;
    let d = dev.detail.as_deref().expect("MET.12 has a detailed fiche");
    assert!(d.synonymes.iter().any(|s| s.starts_with("programmeur")));
    assert!(
        d.nature_travail
            .as_deref()
            .is_some_and(|t| t.contains("<h4>"))
    );
    assert_eq!(
        d.niveau_acces_minimum.as_ref().map(|n| n.code.as_str()),
        Some("REF.408")
    );
    assert_eq!(d.formations_minimales[0].id.as_str(), "FOR.5331");
    assert_eq!(d.metiers_associes.len(), 2);
    let web = one(&adapter, "MET.1120").await;
    assert!(
        web.publications.is_empty() && web.detail.is_some(),
        "a fiche only the detailed file lists"
    );
    assert!(
        one(&adapter, "MET.503")
            .await
            .detail
            .as_ref()
            .is_some_and(|d| !d.synonymes.is_empty())
    );

    let multi = ids(
        &adapter,
        OnisepFilter {
            codes_rome: Some(vec![rome("D1402")]),
            ..OnisepFilter::default()
        },
    )
    .await;
    assert_eq!(
        multi,
        vec!["MET.8012"],
        "a row with two codes separated by |"
    );
}

#[tokio::test]
async fn search_ranks_labels_and_synonyms_and_filters_by_domaine() {
    let adapter = sample().await;
    let by = |recherche: &str| OnisepFilter {
        recherche: Some(recherche.into()),
        ..OnisepFilter::default()
    };
    assert_eq!(
        ids(&adapter, by("programmeur")).await,
        vec!["MET.12"],
        "a synonym"
    );
    assert_eq!(ids(&adapter, by("pentesteur")).await, vec!["MET.133"]);
    let dev = ids(&adapter, by("dévelopeur informatique")).await;
    assert_eq!(
        dev.first().map(String::as_str),
        Some("MET.12"),
        "one typo, accents ignored: {dev:?}"
    );
    let domaine = ids(
        &adapter,
        OnisepFilter {
            domaine: Some("Systèmes et réseaux".into()),
            ..OnisepFilter::default()
        },
    )
    .await;
    assert_eq!(
        domaine,
        vec!["MET.665", "MET.459", "MET.133", "MET.84"],
        "sous-domaine « systèmes et réseaux », by label"
    );
    let both = ids(
        &adapter,
        OnisepFilter {
            recherche: Some("informatique".into()),
            domaine: Some("informatique, internet".into()),
            codes_rome: Some(vec![rome("M1805")]),
            formations: None,
        },
    )
    .await;
    assert_eq!(
        both,
        vec!["MET.12", "MET.84"],
        "every criterion holds, best label first"
    );
}

#[tokio::test]
async fn the_real_ideo_metiers_file_loads_with_its_quirks_counted() {
    let adapter = loaded(vec![real_file()]).await;
    let health = adapter.health();
    assert_eq!(health.records, 1043, "1 043 distinct métiers");
    assert_eq!(
        count(&adapter, problems::NO_ROME),
        146,
        "146 rows without ROME"
    );
    assert_eq!(count(&adapter, problems::BAD_ROME), 2);
    let bad = health
        .anomalies
        .iter()
        .find(|a| a.problem == problems::BAD_ROME)
        .unwrap();
    assert!(
        bad.location.contains("« A15 »") && bad.location.contains("« K15 »"),
        "{bad:?}"
    );
    assert!(
        bad.location.contains("ideo-metiers_onisep.xml.xml:"),
        "file and line: {bad:?}"
    );
    let m1805 = ids(
        &adapter,
        OnisepFilter {
            codes_rome: Some(vec![rome("M1805")]),
            ..OnisepFilter::default()
        },
    )
    .await;
    assert!(
        m1805.len() >= 5 && m1805.contains(&"MET.12".to_owned()),
        "{m1805:?}"
    );
    let found = ids(
        &adapter,
        OnisepFilter {
            recherche: Some("developpeur informatique".into()),
            ..OnisepFilter::default()
        },
    )
    .await;
    assert_eq!(
        found.first().map(String::as_str),
        Some("MET.12"),
        "{found:?}"
    );
    let cited = Adapter::cited_rome_codes(&adapter);
    assert!(cited.iter().any(|(c, n)| c.as_str() == "M1805" && *n >= 5));
}

/// Writes the real file's rows as the JSON and CSV flavours (the CSV with ONISEP's French column
/// titles and a BOM), in a fresh folder.
fn write_flavours(dir: &Path) -> (PathBuf, PathBuf) {
    let rows = fake_upstream::rows_from_xml(&std::fs::read(real_file()).unwrap());
    std::fs::create_dir_all(dir).unwrap();
    let json = dir.join("ideo-metiers_onisep.json");
    std::fs::write(&json, serde_json::to_vec(&rows).unwrap()).unwrap();
    let columns = [
        ("libelle_metier", "libellé métier"),
        ("lien_site_onisepfr", "lien site onisep.fr"),
        ("nom_publication", "nom publication"),
        ("collection", "collection"),
        ("annee", "année"),
        ("gencod", "gencod"),
        ("gfe", "GFE"),
        ("code_rome", "code ROME (V.3)"),
        ("libelle_rome", "libellé ROME (V.3)"),
        ("lien_rome", "lien ROME"),
        ("domainesous-domaine", "domaine/sous-domaine"),
    ];
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        w.write_record(columns.iter().map(|(_, title)| *title))
            .unwrap();
        for row in &rows {
            w.write_record(columns.iter().map(|(key, _)| match &row[*key] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            }))
            .unwrap();
        }
    }
    let csv = dir.join("ideo-metiers_onisep.csv");
    std::fs::write(&csv, out).unwrap();
    (json, csv)
}

/// What must be equal between flavours and modes.
pub(crate) fn essence(f: &FicheOnisep) -> String {
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

#[tokio::test]
async fn the_json_and_csv_flavours_give_the_same_fiches() {
    let dir = std::env::temp_dir().join(format!("passerelle-onisep-{}", std::process::id()));
    let (json, csv) = write_flavours(&dir);
    let xml = loaded(vec![real_file()]).await;
    let reference: Vec<String> = {
        let data = match &xml {
            OnisepAdapter::Snapshot(s) => s.current().unwrap(),
            OnisepAdapter::Api(_) => unreachable!(),
        };
        data.fiches.values().map(|f| essence(f)).collect()
    };
    for path in [json, csv] {
        let adapter = loaded(vec![path.clone()]).await;
        let OnisepAdapter::Snapshot(s) = &adapter else {
            unreachable!()
        };
        let got: Vec<String> = s
            .current()
            .unwrap()
            .fiches
            .values()
            .map(|f| essence(f))
            .collect();
        assert_eq!(got.len(), 1043, "{}", path.display());
        assert_eq!(got, reference, "{} differs from the XML", path.display());
        assert_eq!(count(&adapter, problems::NO_ROME), 146);
        assert_eq!(count(&adapter, problems::BAD_ROME), 2);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_folder_of_both_datasets_and_a_broken_file() {
    let dir = std::env::temp_dir().join(format!("passerelle-onisep-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in SAMPLE {
        std::fs::write(dir.join(f.name), f.bytes).unwrap();
    }
    let adapter = loaded(vec![dir.clone()]).await;
    assert!(one(&adapter, "MET.12").await.detail.is_some());
    std::fs::write(
        dir.join("zz-tronque.xml"),
        b"<metiers><metier><identifiant>MET.1",
    )
    .unwrap();
    let err = adapter.refresh().await.unwrap_err().to_string();
    assert!(
        err.contains("zz-tronque.xml") && err.contains("tronqué"),
        "{err}"
    );
    assert_eq!(
        adapter.health().status,
        passerelle_core::SourceStatus::Degraded,
        "the previous data keeps serving"
    );
    assert!(one(&adapter, "MET.12").await.detail.is_some());
    let _ = std::fs::remove_dir_all(dir);
}
