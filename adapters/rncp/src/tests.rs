//! Tests of the certifications adapter on its sample and on the real RNCP export and table de passage.

use std::path::PathBuf;

use passerelle_core::config::{Mode, OneOrMany};
use passerelle_core::testkit::{Expectations, check_adapter};
use passerelle_core::{Adapter, Clock};

use super::*;
use crate::mapping::problems;

fn rncp(s: &str) -> CleCertification {
    CleCertification::Rncp(CodeRncp::parse(s).unwrap())
}

fn ci(s: &str) -> CleCertification {
    CleCertification::CertifInfo(CodeCertifInfo::parse(s).unwrap())
}

async fn sample() -> RncpAdapter {
    let adapter = RncpAdapter::new(&RncpConfig::default(), Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

async fn one(adapter: &RncpAdapter, key: CleCertification) -> Arc<Certification> {
    adapter
        .fetch(std::slice::from_ref(&key))
        .await
        .unwrap()
        .remove(&key)
        .unwrap_or_else(|| panic!("{key:?} is missing"))
}

async fn numbers(adapter: &RncpAdapter, filter: RncpFilter) -> Vec<String> {
    adapter
        .search(&filter, PageRequest::ALL)
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| {
            h.record.rncp.as_ref().map_or_else(
                || format!("CI{}", h.record.certif_info().unwrap()),
                ToString::to_string,
            )
        })
        .collect()
}

fn count(adapter: &RncpAdapter, problem: &str) -> usize {
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
    let adapter = RncpAdapter::new(&RncpConfig::default(), Clock::system()).unwrap();
    let broad = RncpFilter {
        codes_rome: Some(vec![CodeRome::parse("M1805").unwrap()]),
        ..RncpFilter::default()
    };
    let expect = Expectations {
        known: vec![rncp("RNCP37674"), ci("105766"), ci("111024")],
        unknown: rncp("RNCP999999"),
        broad_filter: &broad,
        provenance: |c: &Arc<Certification>| &c.provenance,
    };
    check_adapter(&adapter, expect).await;
}

#[tokio::test]
async fn sample_certifications_are_merged_from_every_file() {
    let adapter = sample().await;
    let sio = one(&adapter, rncp("35340")).await;
    assert_eq!(
        sio.intitule.as_deref(),
        Some("BTS - Services informatiques aux organisations")
    );
    assert_eq!(sio.niveau_europeen, Some(5));
    assert_eq!(sio.actif, Some(true));
    assert_eq!(sio.correspondances.len(), 2, "options A and B");
    assert_eq!(sio.certif_info().map(|c| c.as_str()), Some("105765"));
    assert_eq!(
        sio.libelles_rome[0], "Administration de systèmes d'information",
        "doubled quotes undone"
    );
    assert_eq!(
        sio.certificateurs[0].siret.as_ref().map(|s| s.as_str()),
        Some("11004301500012"),
        "the TAB before the SIRET"
    );
    assert_eq!(
        sio.provenance.url.as_deref(),
        Some("https://www.francecompetences.fr/recherche/rncp/35340/")
    );
    assert_eq!(
        sio.provenance.version.as_deref(),
        Some("export RNCP du 2026-10-01")
    );
    assert!(
        Arc::ptr_eq(&sio, &one(&adapter, ci("105766")).await),
        "found by either Certif Info"
    );

    let seconde = one(&adapter, ci("111024")).await;
    assert!(seconde.rncp.is_none());
    assert_eq!(seconde.cfd().map(|c| c.as_str()), Some("40031209"));
    assert_eq!(
        seconde.formation_onisep().map(|f| f.id.as_str()),
        Some("FOR.6812")
    );

    let manager = one(&adapter, rncp("RNCP39066")).await;
    assert_eq!(manager.codes_rome_invalides, vec!["D14".to_owned()]);
    assert!(
        manager.codes_rome.iter().any(|c| c.as_str() == "C1300"),
        "well-formed codes are kept"
    );
    assert_eq!(manager.certificateurs.len(), 2);
    assert!(
        manager.certificateurs[1].siret.is_none(),
        "a SIRET with a wrong key is dropped, not its name"
    );
    assert_eq!(manager.anciennes_certifications, vec!["RS5210".to_owned()]);
    let old = one(&adapter, rncp("RNCP31114")).await;
    assert_eq!(old.nouvelles_certifications, vec!["RNCP37674".to_owned()]);
    assert_eq!(old.actif, Some(false));
    assert_eq!(
        old.date_fin_enregistrement,
        chrono::NaiveDate::from_ymd_opt(2023, 8, 31)
    );

    assert_eq!(count(&adapter, problems::BAD_ROME), 1);
    assert_eq!(count(&adapter, problems::BAD_SIRET), 1);
    assert_eq!(count(&adapter, problems::RS), 1);
    let rs = adapter
        .health()
        .anomalies
        .iter()
        .find(|a| a.problem == problems::RS)
        .cloned()
        .unwrap();
    assert!(
        rs.location
            .starts_with("export_fiches_CSV_Certificateurs_2026_10_01.csv:14"),
        "{rs:?}"
    );
}

#[tokio::test]
async fn sample_searches() {
    let adapter = sample().await;
    let by = |f: RncpFilter| numbers(&adapter, f);
    let dev = by(RncpFilter {
        recherche: Some("developpeur web".into()),
        ..RncpFilter::default()
    })
    .await;
    assert_eq!(
        &dev[..2],
        ["RNCP31114", "RNCP37674"],
        "exact titles first, by number: {dev:?}"
    );
    assert_eq!(
        by(RncpFilter {
            codes_rome: Some(vec![CodeRome::parse("M1805").unwrap()]),
            niveau: Some(6),
            ..RncpFilter::default()
        })
        .await,
        ["RNCP37873", "RNCP41588"]
    );
    assert_eq!(
        by(RncpFilter {
            cfd: Some(Cfd::parse("32031213").unwrap()),
            ..RncpFilter::default()
        })
        .await,
        ["RNCP35340"]
    );
    assert_eq!(
        by(RncpFilter {
            formacodes: Some(vec![Formacode::parse("22412").unwrap()]),
            ..RncpFilter::default()
        })
        .await,
        ["RNCP37122", "RNCP37874"]
    );
    assert_eq!(
        by(RncpFilter {
            formation_onisep: Some(IdFormationOnisep::parse("FOR.6812").unwrap()),
            ..RncpFilter::default()
        })
        .await,
        ["CI111024"]
    );
    let seconde = by(RncpFilter {
        recherche: Some("seconde relation client".into()),
        ..RncpFilter::default()
    })
    .await;
    assert_eq!(seconde, ["CI111024"]);
}

fn shared(path: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(path);
    assert!(
        p.exists(),
        "the shared reference data is expected at {}",
        p.display()
    );
    p
}

#[tokio::test]
async fn the_real_rncp_export_and_table_de_passage() {
    let config = RncpConfig {
        mode: Mode::Snapshot,
        path: Some(OneOrMany(vec![
            shared("crosswalks/france-competences-rncp"),
            shared("onisep/table_de_passage_codes_certifications_et_formations.xml.xml"),
        ])),
        ..RncpConfig::default()
    };
    let adapter = RncpAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    let health = adapter.health();
    // The 2 681 fiches of the trimmed export, plus the table's 6 entries without RNCP number.
    assert_eq!(health.records, 2681 + 6, "{:?}", health.anomalies);
    assert!(health.anomalies.is_empty(), "{:?}", health.anomalies);
    assert_eq!(health.version.as_deref(), Some("export RNCP du 2026-02-01"));

    for key in [rncp("RNCP36721"), rncp("36721"), ci("82581")] {
        let c = one(&adapter, key).await;
        assert_eq!(c.rncp.as_ref().map(|r| r.as_str()), Some("RNCP36721"));
        assert_eq!(c.certif_info().map(|x| x.as_str()), Some("82581"));
        assert_eq!(c.cfd().map(|x| x.as_str()), Some("46X25201"));
        assert_eq!(
            c.formation_onisep().map(|f| f.id.as_str()),
            Some("FOR.3642")
        );
        assert_eq!(c.intitule.as_deref(), Some("Conseiller technique cycles"));
        let codes: Vec<&str> = c.codes_rome.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, ["I1607", "D1211"]);
        assert_eq!(c.formacodes[0].code, "23635");
        assert_eq!(c.anciennes_certifications, ["RNCP18119", "RNCP34197"]);
    }
    let mentions = one(&adapter, rncp("RNCP38988")).await;
    assert_eq!(
        mentions.correspondances.len(),
        2,
        "two Certif Info mentions of one fiche"
    );
    assert_eq!(count(&adapter, problems::BAD_ROME), 0);
    let cited: usize = Adapter::cited_rome_codes(&adapter)
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(
        cited, 8206,
        "every row of the Rome file cites a well-formed code"
    );
    let cfd = numbers(
        &adapter,
        RncpFilter {
            cfd: Some(Cfd::parse("23633502").unwrap()),
            ..RncpFilter::default()
        },
    )
    .await;
    assert_eq!(cfd.len(), 5, "one CFD, five certifications: {cfd:?}");
    for a in health.anomalies.iter() {
        assert!(
            a.location.contains(".csv:") || a.location.contains(".xml:"),
            "file and line: {a:?}"
        );
    }
}
