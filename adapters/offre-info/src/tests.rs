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

#[tokio::test]
async fn the_anotea_fixture_names_its_misspelled_element_and_fails_in_strict_mode() {
    let adapter = load(shared("anotea/intercarif-data-test.xml")).await;
    let unknown = adapter
        .health()
        .anomalies
        .iter()
        .find(|a| a.problem.contains("<coordonneFs>"))
        .cloned()
        .expect("the misspelled element is reported");
    assert_eq!(
        unknown.location,
        "intercarif-data-test.xml:14 formation/contact-formation/coordonneFs"
    );
    assert!(unknown.problem.contains("inconnu de LHEO"), "{unknown:?}");

    let strict = OffreInfoConfig {
        mode: Mode::Snapshot,
        path: Some(shared("anotea/intercarif-data-test.xml").into()),
        strict: true,
        ..OffreInfoConfig::default()
    };
    let adapter = OffreInfoAdapter::new(&strict, Clock::system()).unwrap();
    let err = adapter.refresh().await.unwrap_err().to_string();
    assert!(
        err.contains("mode strict") && err.contains("intercarif-data-test.xml:"),
        "{err}"
    );
    assert_eq!(
        adapter.health().status,
        passerelle_core::SourceStatus::Failed
    );
    assert_eq!(adapter.health().records, 0, "rejected whole");
}

#[tokio::test]
async fn every_valid_real_document_loads() {
    for (file, actions) in [
        ("intercarif-offre-info/formation.xml", 2),
        ("intercarif-lheo-index/carif.xml", 10),
        ("intercarif-lheo-index/carif_single_offer.xml", 1),
    ] {
        let adapter = load(shared(file)).await;
        let health = adapter.health();
        assert_eq!(health.records, actions, "{file}");
        assert!(
            health.anomalies.is_empty(),
            "{file}: {:?}",
            health.anomalies
        );
    }
}

#[tokio::test]
async fn intercarif_search_answers_become_actions() {
    let adapter = load(shared("intercarif-lheo-index/carif.xml")).await;
    let a = adapter
        .fetch(&["14_AF_0000028218_SE_0000118670".to_owned()])
        .await
        .unwrap()
        .remove("14_AF_0000028218_SE_0000118670")
        .unwrap();
    assert_eq!(
        a.formation.intitule,
        "Titre professionnel d'accompagnateur(trice) de tourisme"
    );
    assert_eq!(
        a.formation.certifications[0]
            .rncp
            .as_ref()
            .map(|r| r.as_str()),
        Some("RNCP17793")
    );
    assert_eq!(
        a.formation.niveau_sortie.as_ref().map(|n| n.code.as_str()),
        Some("5")
    );
    let lieu = a.lieu.as_ref().unwrap();
    assert_eq!(lieu.code_insee.as_ref().map(|c| c.as_str()), Some("75114"));
    assert!(lieu.position.is_some());
    assert_eq!(
        a.organisme_formateur
            .as_ref()
            .map(|o| o.raison_sociale.as_str()),
        Some("AFCI")
    );
    let s = &a.sessions[0];
    assert_eq!(
        s.debut,
        chrono::NaiveDate::from_ymd_opt(2017, 9, 1),
        "day 00: the month's first day"
    );
    assert_eq!(
        s.fin,
        chrono::NaiveDate::from_ymd_opt(2018, 3, 31),
        "and its last day for an end"
    );
}

async fn numeros(adapter: &OffreInfoAdapter, filter: OffreFilter) -> Vec<String> {
    adapter
        .search(&filter, PageRequest::ALL)
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.record.numero.clone())
        .collect()
}

#[tokio::test]
async fn every_filter_of_the_sample() {
    let adapter = sample().await;
    let all = numeros(&adapter, OffreFilter::default()).await;
    assert_eq!(all.len(), 34);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "by action number");
    let by = |f: OffreFilter| numeros(&adapter, f);
    // Any of several codes: the union of each code's offers, still combined with the other criteria.
    let rome = |c: &str| passerelle_core::CodeRome::parse(c).unwrap();
    let m1810 = by(OffreFilter {
        codes_rome: Some(vec![rome("M1810")]),
        ..OffreFilter::default()
    })
    .await;
    let formacode = by(OffreFilter {
        formacodes: Some(vec![passerelle_core::Formacode::parse("31067").unwrap()]),
        ..OffreFilter::default()
    })
    .await;
    let any = |departements: Option<Vec<passerelle_core::CodeDepartement>>| {
        by(OffreFilter {
            any_of: Some(crate::AnyOf {
                codes_rome: vec![rome("M1810")],
                formacodes: vec![passerelle_core::Formacode::parse("31067").unwrap()],
                ..crate::AnyOf::default()
            }),
            departements,
            ..OffreFilter::default()
        })
    };
    let mut union: Vec<String> = m1810.iter().chain(&formacode).cloned().collect();
    union.sort();
    union.dedup();
    assert!(union.len() > m1810.len() && union.len() > formacode.len());
    assert_eq!(any(None).await, union);
    assert!(
        any(Some(vec![
            passerelle_core::CodeDepartement::parse("38").unwrap()
        ]))
        .await
        .len()
            < union.len()
    );
    let rncp = by(OffreFilter {
        rncp: Some(vec![passerelle_core::CodeRncp::parse("36257").unwrap()]),
        ..OffreFilter::default()
    })
    .await;
    assert!(!rncp.is_empty());
    let certif = by(OffreFilter {
        certif_info: Some(vec![
            passerelle_core::CodeCertifInfo::parse("112974").unwrap(),
        ]),
        ..OffreFilter::default()
    })
    .await;
    assert_eq!(rncp, certif, "one certification, two codes");
    let rhone = by(OffreFilter {
        departements: Some(vec![CodeDepartement::parse("69").unwrap()]),
        ..OffreFilter::default()
    })
    .await;
    let isere = by(OffreFilter {
        departements: Some(vec![CodeDepartement::parse("38").unwrap()]),
        ..OffreFilter::default()
    })
    .await;
    assert!(!rhone.is_empty() && !isere.is_empty() && rhone.iter().all(|n| !isere.contains(n)));
    let cpf = by(OffreFilter {
        eligible_cpf: Some(true),
        ..OffreFilter::default()
    })
    .await;
    let not_cpf = by(OffreFilter {
        eligible_cpf: Some(false),
        ..OffreFilter::default()
    })
    .await;
    assert_eq!(cpf.len() + not_cpf.len(), all.len());
    assert!(!cpf.is_empty() && !not_cpf.is_empty());
    let distance = by(OffreFilter {
        modalites_enseignement: Some(vec!["2".into()]),
        ..OffreFilter::default()
    })
    .await;
    let presentiel = by(OffreFilter {
        modalites_enseignement: Some(vec!["0".into()]),
        ..OffreFilter::default()
    })
    .await;
    assert!(!presentiel.is_empty());
    assert!(distance.iter().all(|n| !presentiel.contains(n)));
    let open = by(OffreFilter {
        recrutement_ouvert: Some(true),
        ..OffreFilter::default()
    })
    .await;
    assert!(!open.is_empty());
    let niveau = by(OffreFilter {
        niveaux_sortie: Some(vec!["15".into()]),
        ..OffreFilter::default()
    })
    .await;
    assert!(!niveau.is_empty() && niveau.len() < all.len());
    let window = by(OffreFilter {
        sessions_debut: Some((
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            chrono::NaiveDate::from_ymd_opt(2026, 3, 31),
        )),
        ..OffreFilter::default()
    })
    .await;
    let a = adapter.fetch(&window).await.unwrap();
    assert!(!a.is_empty());
    assert!(a.values().all(|a| {
        a.sessions
            .iter()
            .any(|s| s.debut.is_some_and(|d| d.to_string().starts_with("2026-0")))
    }));
    let words = by(OffreFilter {
        recherche: Some("développeur".into()),
        ..OffreFilter::default()
    })
    .await;
    let first = adapter.fetch(&words[..1]).await.unwrap();
    let title = passerelle_core::text::fold(&first.values().next().unwrap().formation.intitule);
    assert!(title.contains("developpeur"), "{words:?}");
    assert!(words.len() >= 5, "{words:?}");
    let none = by(OffreFilter {
        recherche: Some("développeur".into()),
        codes_rome: Some(vec![CodeRome::parse("F1606").unwrap()]),
        ..OffreFilter::default()
    })
    .await;
    assert!(none.is_empty(), "every criterion holds");
}

#[tokio::test]
async fn actions_without_a_position_are_placed_at_their_commune_centre() {
    let doc = r#"<lheo xmlns="http://lheo.gouv.fr/2.3"><offres><formation numero="F1"><intitule-formation>X</intitule-formation>
<action numero="A1"><lieu-de-formation><coordonnees><adresse><codepostal>69001</codepostal><ville>Lyon</ville><code-INSEE-commune>69381</code-INSEE-commune></adresse></coordonnees></lieu-de-formation></action>
<action numero="A2"><lieu-de-formation><coordonnees><adresse><code-INSEE-commune>69381</code-INSEE-commune><geolocalisation><latitude>45.7</latitude><longitude>4.8</longitude></geolocalisation></adresse></coordonnees></lieu-de-formation></action>
</formation></offres></lheo>"#;
    let dir = std::env::temp_dir().join(format!("passerelle-offre-geo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("offres.xml");
    std::fs::write(&path, doc).unwrap();
    let config = OffreInfoConfig {
        mode: Mode::Snapshot,
        path: Some(path.into()),
        ..OffreInfoConfig::default()
    };
    let centre = GeoPoint::new(45.7676, 4.8345).unwrap();
    let geocoder = passerelle_core::snapshot::Geocoder::new(move |c| {
        (c.as_str() == "69381").then_some(centre)
    });
    let adapter = OffreInfoAdapter::new(&config, Clock::system())
        .unwrap()
        .with_geocoder(geocoder);
    adapter.refresh().await.unwrap();
    let found = adapter
        .fetch(&["A1".to_owned(), "A2".to_owned()])
        .await
        .unwrap();
    let a1 = found["A1"].lieu.as_ref().unwrap();
    assert_eq!(
        (a1.position, a1.origine_position),
        (Some(centre), OriginePosition::CentreCommune)
    );
    let a2 = found["A2"].lieu.as_ref().unwrap();
    assert_eq!(a2.origine_position, OriginePosition::Source);
    let near = numeros(
        &adapter,
        OffreFilter {
            autour: Some(Autour {
                centre,
                rayon_km: 1.0,
            }),
            ..OffreFilter::default()
        },
    )
    .await;
    assert_eq!(near, vec!["A1"], "placed actions are in the spatial index");
    assert_eq!(
        adapter
            .formation("F1")
            .unwrap()
            .map(|(f, a)| (f.intitule.clone(), a.len())),
        Some(("X".to_owned(), 2))
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A métier with more actions than a scan takes gets its own R*-tree: the search around a place
/// through it (alone or with a smaller métier) finds exactly what checking every action finds, in
/// the same order.
#[tokio::test]
async fn a_metier_with_many_actions_is_searched_around_a_place_like_any_other() {
    let adapter = sample().await;
    let model = adapter
        .fetch(&["84_A7001-01".to_owned()])
        .await
        .unwrap()
        .remove("84_A7001-01")
        .unwrap();
    let code = |c: &str| CodeRome::parse(c).unwrap();
    let formation = |numero: &str, codes: &[&str]| {
        let mut f = (*model.formation).clone();
        f.numero = numero.to_owned();
        f.codes_rome = codes.iter().map(|c| code(c)).collect();
        Arc::new(f)
    };
    let shapes = [
        formation("F-DEV", &["M1805"]),
        formation("F-MIX", &["M1805", "M1801"]),
        formation("F-RARE", &["M1801"]),
        formation("F-AUTRE", &["K2111"]),
    ];
    let mut rng = generator::Rng::new(7);
    let mut actions = BTreeMap::new();
    for i in 0..9000 {
        let mut a = (*model).clone();
        a.numero = format!("N{i:05}");
        // Mostly M1805 (beyond the scan threshold), a few M1801, some of no interest.
        a.formation = Arc::clone(&shapes[[0, 0, 0, 1, 2, 3][rng.below(6)]]);
        let lieu = a.lieu.as_mut().unwrap();
        lieu.position = Some(
            GeoPoint::new(
                44.5 + rng.below(25_000) as f64 / 10_000.0,
                3.5 + rng.below(25_000) as f64 / 10_000.0,
            )
            .unwrap(),
        );
        actions.insert(a.numero.clone(), Arc::new(a));
    }
    let all: Vec<Arc<ActionFormation>> = actions.values().cloned().collect();
    let ix = index::OffreIndex::new(actions);
    assert!(ix.has_rome_tree(&code("M1805")) && !ix.has_rome_tree(&code("M1801")));
    for (codes, rayon_km, offset) in [
        (vec!["M1805"], 30.0, 0),
        (vec!["M1805"], 80.0, 40),
        (vec!["M1801", "M1805"], 25.0, 3),
        (vec!["M1801"], 60.0, 0),
    ] {
        let codes: Vec<CodeRome> = codes.into_iter().map(code).collect();
        let filter = OffreFilter {
            codes_rome: Some(codes.clone()),
            autour: Some(Autour {
                centre: lyon(),
                rayon_km,
            }),
            ..OffreFilter::default()
        };
        let page = ix.search(&filter, PageRequest { offset, limit: 10 });
        let mut expected: Vec<(f64, &str)> = all
            .iter()
            .filter(|a| a.formation.codes_rome.iter().any(|c| codes.contains(c)))
            .filter_map(|a| {
                let d = a.position()?.distance_km(&lyon());
                (d <= rayon_km).then_some((d, a.numero.as_str()))
            })
            .collect();
        expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        assert!(
            expected.len() > offset + 10,
            "{codes:?} {rayon_km}: {}",
            expected.len()
        );
        assert_eq!(page.total, expected.len(), "{codes:?} {rayon_km}");
        let got: Vec<&str> = page.hits.iter().map(|h| h.record.numero.as_str()).collect();
        let want: Vec<&str> = expected[offset..offset + 10].iter().map(|e| e.1).collect();
        assert_eq!(got, want, "{codes:?} {rayon_km}");
    }
}
