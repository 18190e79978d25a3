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
    assert!(
        m1805
            .fiches_detaillees
            .as_ref()
            .unwrap()
            .contains(&code("M1855"))
    );
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
    assert_eq!(m1805.provenance.version.as_deref(), Some("60"));
}

#[tokio::test]
async fn sample_models_competences_savoirs_contexts_and_classifications() {
    let adapter = sample().await;
    let m = adapter
        .fetch(&[code("M1805")])
        .await
        .unwrap()
        .remove(&code("M1805"))
        .unwrap();
    let coder = m
        .competences
        .iter()
        .find(|c| c.libelle == "Coder")
        .expect("Coder is a savoir-faire of M1805");
    assert_eq!(
        coder.importance,
        passerelle_core::model::Importance::CoeurDeMetier
    );
    assert!(!coder.est_macro);
    assert!(
        coder.macro_competence.is_some(),
        "a detailed compétence has its macro"
    );
    let ia = m
        .competences
        .iter()
        .find(|c| c.code_ogr.to_string() == "400759")
        .unwrap();
    assert_eq!(ia.importance, passerelle_core::model::Importance::Emergente);
    // Cœur de métier first, then émergentes, then the rest.
    let ranks: Vec<_> = m.competences.iter().map(|c| c.importance).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    assert!(
        m.savoirs_etre
            .iter()
            .any(|c| c.code_ogr.to_string() == "300460")
    );
    assert!(m.savoirs_etre.iter().all(|c| c.est_macro));
    let html = m.savoirs.iter().find(|s| s.libelle == "HTML").unwrap();
    assert_eq!(html.categorie, "Domaines d'expertise");
    assert_eq!(
        html.sous_categorie.as_deref(),
        Some("Langages informatiques")
    );
    assert!(
        m.contextes_travail
            .iter()
            .any(|c| c.code_ogr.to_string() == "300806"
                && c.type_contexte.libelle.as_deref() == Some("Horaires et durée du travail"))
    );
    assert_eq!(m.centres_interet.iter().filter(|c| c.principal).count(), 1);
    assert!(m.centres_interet[0].principal, "the main class comes first");
    assert_eq!(
        m.secteurs_activite.iter().filter(|c| c.principal).count(),
        1
    );
    assert!(m.divisions_naf.iter().all(|d| d.code.len() == 2));
    assert!(!m.themes.is_empty());
    assert_eq!(m.formacodes, None, "the CSV export has no Formacodes");
    assert_eq!(m.code_isco, None);
    let data = adapter_data(&adapter);
    let n = data.nomenclatures();
    assert!(n.grands_domaines.iter().any(|g| g.code == "M"));
    assert!(n.domaines_professionnels.iter().any(|d| d.code == "M18"));
}

fn adapter_data(adapter: &RomeAdapter) -> Arc<RomeData> {
    match adapter {
        RomeAdapter::Snapshot(s) => s.current().unwrap(),
        RomeAdapter::Api(_) => panic!("snapshot expected"),
    }
}

#[tokio::test]
async fn filters_on_riasec_and_transitions() {
    let adapter = sample().await;
    let filter = RomeFilter {
        riasec_majeur: Some('I'),
        code_domaine_professionnel: Some("m18".into()),
        ..RomeFilter::default()
    };
    let page = adapter.search(&filter, PageRequest::ALL).await.unwrap();
    assert!(page.total > 0);
    assert!(
        page.hits
            .iter()
            .all(|h| h.record.riasec_majeur.as_deref() == Some("I")
                && h.record.domaine_professionnel.code == "M18")
    );
    let numerique = RomeFilter {
        transition_numerique: Some(true),
        ..RomeFilter::default()
    };
    let page = adapter.search(&numerique, PageRequest::ALL).await.unwrap();
    assert!(page.total > 0 && page.hits.iter().all(|h| h.record.transitions.numerique));
    let blanc = RomeFilter {
        transition_ecologique: Some("blanc".into()),
        ..RomeFilter::default()
    };
    let page = adapter.search(&blanc, PageRequest::ALL).await.unwrap();
    assert!(
        page.hits
            .iter()
            .all(|h| h.record.transitions.ecologique.as_deref() == Some("Emploi Blanc"))
    );
}

#[tokio::test]
async fn search_by_text_ignores_accents_and_uses_appellations() {
    let adapter = sample().await;
    for typed in ["developpeur web", "Dévelopeur WEB", "dev web"] {
        let filter = RomeFilter {
            recherche: Some(typed.into()),
            ..RomeFilter::default()
        };
        let page = adapter.search(&filter, PageRequest::ALL).await.unwrap();
        assert_eq!(
            page.hits.first().map(|h| h.record.code.as_str()),
            Some("M1855"),
            "{typed}"
        );
        let apps = adapter
            .search_appellations(
                typed,
                PageRequest {
                    offset: 0,
                    limit: 3,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            apps.hits[0].record.appellation.libelle, "Développeur / Développeuse web",
            "{typed}"
        );
        assert!(apps.hits.len() <= 3 && apps.total >= apps.hits.len());
    }
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
        path: Some(dir.clone().into()),
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

    std::fs::remove_file(dir.join("unix_referentiel_code_rome_v460_utf8.csv")).unwrap();
    let err = adapter.refresh().await.unwrap_err().to_string();
    assert!(
        err.contains("unix_referentiel_code_rome_v4xx_utf8.csv") && err.contains("absent"),
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

async fn load_real(path: PathBuf) -> RomeAdapter {
    let config = RomeConfig {
        mode: Mode::Snapshot,
        path: Some(path.into()),
        ..RomeConfig::default()
    };
    let adapter = RomeAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

#[tokio::test]
async fn the_real_export_v60_loads_whole() {
    let adapter = load_real(shared_rome()).await;
    let health = adapter.health();
    assert_eq!(health.records, 1584);
    assert_eq!(
        health.version.as_deref(),
        Some("60 (publiée le 18/09/2025)")
    );
    let data = adapter_data(&adapter);
    assert_eq!(data.appellation_count(), 13120);
    let n = data.nomenclatures();
    assert_eq!(n.grands_domaines.len(), 14);
    assert_eq!(n.domaines_professionnels.len(), 110);
    let m1805 = adapter
        .fetch(&[code("M1805")])
        .await
        .unwrap()
        .remove(&code("M1805"))
        .unwrap();
    assert_eq!(m1805.libelle, "Développeur / Développeuse informatique");
    assert_eq!(m1805.riasec_majeur.as_deref(), Some("I"));
    assert_eq!(m1805.riasec_mineur.as_deref(), Some("C"));
    assert_eq!(m1805.provenance.version.as_deref(), Some("60"));
    let children = m1805.fiches_detaillees.as_ref().unwrap();
    assert_eq!(children.len(), 26, "M1805 has 26 ROME 4.0 child fiches");
    assert!(children.contains(&code("M1855")));
    assert!(!m1805.mobilites.is_empty());
    // Compétences, savoirs and contexts of the 358 fiches the shared export keeps them for.
    assert!(
        m1805
            .competences
            .iter()
            .any(|c| c.libelle == "Concevoir une application web"
                && c.importance == passerelle_core::model::Importance::CoeurDeMetier)
    );
    assert!(m1805.savoirs.iter().any(|s| s.libelle == "HTML"));
    assert_eq!(m1805.savoirs_etre.len(), 3);
    assert_eq!(m1805.contextes_travail.len(), 7);
    assert_eq!(
        m1805.divisions_naf.first().map(|d| d.code.as_str()),
        Some("62")
    );
    let all = adapter
        .search(&RomeFilter::default(), PageRequest::ALL)
        .await
        .unwrap();
    let appellations: usize = all.hits.iter().map(|h| h.record.appellations.len()).sum();
    assert_eq!(appellations, 13120);
    let mut naf_labels = 0;
    for hit in &all.hits {
        let m = &hit.record;
        let mut texts = vec![
            m.libelle.clone(),
            m.definition.clone().unwrap_or_default(),
            m.acces_metier.clone().unwrap_or_default(),
            m.domaine_professionnel.libelle.clone().unwrap_or_default(),
        ];
        for d in m.divisions_naf.iter().chain(&m.themes) {
            naf_labels += 1;
            texts.push(d.libelle.clone().unwrap_or_default());
        }
        for c in m.centres_interet.iter().chain(&m.secteurs_activite) {
            texts.push(c.classe.libelle.clone().unwrap_or_default());
        }
        assert!(
            texts
                .iter()
                .all(|t| !t.contains('\u{FFFD}') && !t.contains("''")),
            "{}: badly decoded text",
            m.code
        );
    }
    assert!(naf_labels > 1000, "{naf_labels}");
    let v3_roots = all
        .hits
        .iter()
        .filter(|h| h.record.code_rome_parent.is_none())
        .count();
    assert_eq!(v3_roots, 532, "532 V3 codes are their own parent");
    let no_anomaly_about_codes = health
        .anomalies
        .iter()
        .all(|a| !a.problem.contains("mal formé"));
    assert!(no_anomaly_about_codes, "{:?}", health.anomalies);
}

#[tokio::test]
async fn real_search_finds_what_people_type() {
    let adapter = load_real(shared_rome()).await;
    let data = adapter_data(&adapter);
    let first = |q: &str| {
        let page = data.search_appellations(
            q,
            PageRequest {
                offset: 0,
                limit: 3,
            },
        );
        page.hits.first().map(|h| {
            (
                h.record.appellation.libelle.clone(),
                h.record.code_rome.to_string(),
            )
        })
    };
    assert_eq!(
        first("developpeur web"),
        Some(("Développeur / Développeuse web".into(), "M1855".into()))
    );
    assert_eq!(
        first("dévelopeur web"),
        Some(("Développeur / Développeuse web".into(), "M1855".into())),
        "one typo"
    );
    let (label, _) = first("aide soignante").unwrap();
    assert_eq!(label, "Aide-soignant / Aide-soignante");
    let (label, _) = first("boulang").unwrap();
    assert!(fold(&label).starts_with("boulanger"), "{label}");
    // Every word counts.
    assert_eq!(
        data.search_appellations("boulanger astronaute", PageRequest::ALL)
            .total,
        0
    );
    // Principal appellations before synonyms, rare labels last.
    let page = data.search_appellations("developpeur", PageRequest::ALL);
    let ranks: Vec<(bool, bool)> = page
        .hits
        .iter()
        .map(|h| {
            (
                h.record.appellation.peu_usitee,
                !h.record.appellation.principale,
            )
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0].0 <= w[1].0), "peu usité last");
    assert!(!ranks[0].1, "a principal appellation comes first");
}

/// The same export as a `RefRomeCsv.zip` archive, as France Travail publishes it.
fn zip_of(dir: &std::path::Path, target: &std::path::Path) {
    let file = std::fs::File::create(target).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".csv") || n == "version.txt")
        .collect();
    names.sort();
    for name in names {
        zip.start_file(format!("RefRomeCsv/{name}"), options)
            .unwrap();
        std::io::Write::write_all(&mut zip, &std::fs::read(dir.join(&name)).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

#[tokio::test]
async fn the_zip_archive_loads_from_a_path_and_from_a_url() {
    let dir = std::env::temp_dir().join(format!("passerelle-rome-zip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let archive = dir.join("RefRomeCsv.zip");
    zip_of(&shared_rome(), &archive);

    let adapter = load_real(archive.clone()).await;
    assert_eq!(adapter.health().records, 1584);
    assert_eq!(adapter_data(&adapter).appellation_count(), 13120);

    // The open-data endpoint serves the archive from a URL without a .zip name.
    let bytes = std::fs::read(&archive).unwrap();
    let app = axum::Router::new().route(
        "/api-nomenclatureemploi/v1/open-data/csv",
        axum::routing::get(move || {
            let bytes = bytes.clone();
            async move { ([("content-type", "application/zip")], bytes) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = RomeConfig {
        mode: Mode::Snapshot,
        url: Some(format!("http://{addr}/api-nomenclatureemploi/v1/open-data/csv").into()),
        ..RomeConfig::default()
    };
    let adapter = RomeAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    assert_eq!(adapter.health().records, 1584);

    // A corrupt archive is an error naming it; nothing is swapped in.
    let mut broken = std::fs::read(&archive).unwrap();
    broken.truncate(broken.len() / 2);
    let cut = dir.join("cut.zip");
    std::fs::write(&cut, broken).unwrap();
    let config = RomeConfig {
        mode: Mode::Snapshot,
        path: Some(cut.into()),
        ..RomeConfig::default()
    };
    let adapter = RomeAdapter::new(&config, Clock::system()).unwrap();
    let err = adapter.refresh().await.unwrap_err().to_string();
    assert!(err.contains("cut.zip"), "{err}");
    assert_eq!(
        adapter.health().status,
        passerelle_core::SourceStatus::Failed
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
