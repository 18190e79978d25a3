//! Tests of the Repère Métiers adapter: the sample, the charter's rules, privacy.

use passerelle_core::config::Mode;
use passerelle_core::testkit::{Expectations, check_adapter};

use passerelle_core::{Adapter, Clock};

use super::*;
use passerelle_core::model::{Modalite, Public};

async fn sample() -> RepereMetiersAdapter {
    let adapter =
        RepereMetiersAdapter::new(&RepereMetiersConfig::default(), Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    adapter
}

#[tokio::test]
async fn sample_passes_the_adapter_contract() {
    let adapter =
        RepereMetiersAdapter::new(&RepereMetiersConfig::default(), Clock::system()).unwrap();
    let broad = RessourceFilter::default();
    let expect = Expectations {
        known: vec!["RM-000101".to_owned(), "RM-000105".to_owned()],
        unknown: "RM-999999".to_owned(),
        broad_filter: &broad,
        provenance: |r: &Arc<Ressource>| &r.provenance,
    };
    check_adapter(&adapter, expect).await;
}

#[tokio::test]
async fn only_published_resources_are_served_and_contacts_need_consent() {
    let adapter = sample().await;
    let all = adapter
        .search(&RessourceFilter::default(), PageRequest::ALL)
        .await
        .unwrap();
    assert_eq!(all.total, 37, "37 published of 42");
    assert!(
        adapter.health().anomalies.is_empty(),
        "{:?}",
        adapter.health().anomalies
    );
    let hidden = adapter
        .fetch(&[
            "RM-000304".to_owned(),
            "RM-000204".to_owned(),
            "RM-000111".to_owned(),
            "RM-000121".to_owned(),
            "RM-000124".to_owned(),
        ])
        .await
        .unwrap();
    assert!(
        hidden.is_empty(),
        "proposed, refused and archived are never served"
    );
    let raw: serde_json::Value = serde_json::from_slice(SAMPLE[0].bytes).unwrap();
    let refused_consent: Vec<&str> = raw["ressources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["contact"]["consentement_publication"] == serde_json::Value::Bool(false))
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(!refused_consent.is_empty());
    for id in refused_consent {
        if let Some(r) = all.hits.iter().find(|h| h.record.id == id) {
            assert!(
                r.record.contact.is_none(),
                "{id}: contact served without consent"
            );
        }
    }
    assert!(
        all.hits.iter().any(|h| h.record.contact.is_some()),
        "consented contacts are served"
    );
    let categories: std::collections::HashSet<_> =
        all.hits.iter().map(|h| h.record.categorie).collect();
    assert_eq!(categories.len(), 6, "the six categories");
}

/// A valid record, with `extra` fields replacing its own.
fn record(id: &str, categorie: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut r = serde_json::json!({
        "id": id, "titre": "t", "description": "d", "categorie": categorie,
        "operateur": {"nom": "o", "type": "association"}, "publics": ["lyceens"], "modalite": "groupe",
        "gratuit": true, "mobilisable_en_region": true, "moderation": {"statut": "publiee", "le": "2026-01-01"},
        "mis_a_jour_le": "2026-01-01T00:00:00+01:00", "champ_futur": 1
    });
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

/// One valid record and one of each kind of invalid one, with the field and words of its report.
fn mixed() -> (Vec<serde_json::Value>, Vec<(&'static str, &'static str)>) {
    use serde_json::json;
    let lieu = |code: &str| json!({"code_postal": "75001", "code_insee": code, "commune": "x", "latitude": 48.86, "longitude": 2.34});
    let records = vec![
        record("RM-000001", "concours", json!({})),
        record("RM-000002", "evenement", json!({})),
        record(
            "RM-000003",
            "action_mobilisable_groupe",
            json!({"gratuit": false}),
        ),
        record("RM-000004", "concours", json!({"codes_rome": ["K15"]})),
        record("RM-000001", "concours", json!({})),
        record("RM-000005", "concours", json!({"parent_id": "RM-000404"})),
        record("RM-000006", "quiz", json!({})),
        record(
            "RM-000007",
            "immersion_entreprise",
            json!({"sous_type": "visite_entreprise", "gratuit": false}),
        ),
        record(
            "RM-000008",
            "concours",
            json!({"sous_type": "visite_entreprise", "gratuit": false}),
        ),
        record(
            "RM-000009",
            "concours",
            json!({"mobilisable_en_region": false, "lieu": lieu("ZZ123")}),
        ),
        record(
            "RM-000010",
            "concours",
            json!({"mobilisable_en_region": false, "lieu": lieu("75056")}),
        ),
        record(
            "RM-000011",
            "concours",
            json!({"departements_couverts": ["69", "75"]}),
        ),
        record(
            "RM-000012",
            "concours",
            json!({"mobilisable_en_region": false}),
        ),
        record("RM-000013", "concours", json!({"titre": null})),
        record(
            "RM-000014",
            "action_mobilisable_groupe",
            json!({"sous_type": "visite_entreprise", "gratuit": false}),
        ),
    ];
    let expected = vec![
        (
            "RM-000002",
            "champ dates : un événement exige au moins une date",
        ),
        (
            "RM-000003",
            "champ gratuit : une action mobilisable en groupe doit être gratuite",
        ),
        ("RM-000004", "champ codes_rome : code ROME « K15 » invalide"),
        ("RM-000001", "identifiant en double"),
        ("RM-000005", "champ parent_id : « RM-000404 » n'existe pas"),
        ("RM-000006", "champ categorie"),
        (
            "RM-000007",
            "champ sous_type : « visite_entreprise » n'est pas un sous-type de la catégorie immersion_entreprise",
        ),
        ("RM-000008", "champ sous_type"),
        (
            "RM-000009",
            "champ lieu.code_insee : code INSEE « ZZ123 » invalide",
        ),
        (
            "RM-000010",
            "champ lieu.code_insee : la commune 75056 (département 75) est hors d'Auvergne-Rhône-Alpes",
        ),
        (
            "RM-000011",
            "champ departements_couverts : le département 75 est hors d'Auvergne-Rhône-Alpes",
        ),
        ("RM-000012", "champ lieu : un lieu est exigé"),
        ("RM-000013", "champ titre"),
        (
            "RM-000014",
            "champ gratuit : une action mobilisable en groupe doit être gratuite",
        ),
    ];
    (records, expected)
}

async fn load_file(name: &str, bytes: &[u8]) -> RepereMetiersAdapter {
    let dir = std::env::temp_dir().join(format!("passerelle-rm-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let config = RepereMetiersConfig {
        mode: Mode::Snapshot,
        path: Some(path.into()),
        ..RepereMetiersConfig::default()
    };
    let adapter = RepereMetiersAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    adapter
}

fn check_reports(adapter: &RepereMetiersAdapter, expected: &[(&str, &str)]) {
    let health = adapter.health();
    assert_eq!(
        health.records, 1,
        "only RM-000001 is valid (unknown fields ignored): {:?}",
        health.anomalies
    );
    for (id, needle) in expected {
        assert!(
            health.anomalies.iter().any(|a| a.location.contains(id)
                && a.problem.contains(needle)
                && a.problem.ends_with("ressource écartée")),
            "{id}: « {needle} » not in {:?}",
            health.anomalies
        );
    }
}

#[tokio::test]
async fn invalid_records_are_skipped_and_reported_with_id_field_and_rule_in_json_and_ndjson() {
    let (records, expected) = mixed();
    let doc = serde_json::json!({"format": "repere-metiers-export", "version": "1.1", "ressources": records});
    let adapter = load_file("export.json", &serde_json::to_vec(&doc).unwrap()).await;
    check_reports(&adapter, &expected);

    let mut ndjson = String::from(
        "{\"format\":\"repere-metiers-export\",\"version\":\"1.1\",\"genere_le\":\"2026-01-15T06:00:00+01:00\",\"producteur\":\"Via Compétences\"}\n",
    );
    for r in &records {
        ndjson.push_str(&serde_json::to_string(r).unwrap());
        ndjson.push('\n');
    }
    ndjson.push_str("{ ceci n'est pas du JSON\n");
    let adapter = load_file("export.ndjson", ndjson.as_bytes()).await;
    check_reports(&adapter, &expected);
    let bad_line = adapter
        .health()
        .anomalies
        .iter()
        .find(|a| a.problem.starts_with("ligne JSON illisible"))
        .cloned();
    assert_eq!(
        bad_line.map(|a| a.location),
        Some("export.ndjson:17".to_owned())
    );
    assert_eq!(
        adapter.health().version.as_deref(),
        Some("export 1.1 du 2026-01-15")
    );
}

#[tokio::test]
async fn the_csv_twin_reads_like_the_json() {
    let header = snapshot::CSV_COLUMNS.join(";");
    let row = |id: &str,
               categorie: &str,
               sous_type: &str,
               gratuit: &str,
               dates: &str,
               lieu: &str,
               roms: &str,
               contact: &str| {
        format!(
            "{id};Titre {id};Description;{categorie};{sous_type};Opérateur;association;;lyceens|collegiens;groupe;{gratuit};;{dates};9 h – 12 h;{lieu};non;;{roms};https://example.org/{id};;;oui;Accès de plain-pied;;publiee;2026-01-02;{contact};2026-01-02T10:00:00+01:00"
        )
    };
    let lieu_bourg = "Salle des fêtes;1 rue A;01000;01053;Bourg-en-Bresse;46.2052;5.2255";
    let no_place = ";;;;;;";
    let csv = format!(
        "{header}\r\n{}\r\n{}\r\n{}\r\n{}\r\n",
        row(
            "RM-000001",
            "evenement",
            "salon",
            "oui",
            "2026-03-01T09:00:00+01:00/2026-03-01T17:00:00+01:00|2027-03-01T09:00:00+01:00",
            lieu_bourg,
            "F1604|M1805",
            "Jeanne Martin;;;jeanne@example.org;;oui"
        ),
        row(
            "RM-000002",
            "evenement",
            "salon",
            "oui",
            "",
            lieu_bourg,
            "",
            ";;;;;"
        ),
        row(
            "RM-000003",
            "action_mobilisable_groupe",
            "visite_entreprise",
            "non",
            "",
            lieu_bourg,
            "",
            ";;;;;"
        ),
        row(
            "RM-000004",
            "concours",
            "autre",
            "oui",
            "",
            no_place,
            "K15",
            ";;;;;"
        ),
    );
    let adapter = load_file("export.csv", csv.as_bytes()).await;
    let health = adapter.health();
    assert_eq!(health.records, 1, "{:?}", health.anomalies);
    let r = adapter
        .fetch(&["RM-000001".to_owned()])
        .await
        .unwrap()
        .remove("RM-000001")
        .unwrap();
    assert_eq!(r.dates.len(), 2);
    assert_eq!(r.dates[0].horaires.as_deref(), Some("9 h – 12 h"));
    assert_eq!(r.codes_rome.len(), 2);
    assert_eq!(r.publics.len(), 2);
    assert_eq!(
        r.lieu
            .as_ref()
            .and_then(|l| l.code_insee.as_ref())
            .map(|c| c.as_str()),
        Some("01053")
    );
    assert_eq!(
        r.contact.as_ref().and_then(|c| c.email.as_deref()),
        Some("jeanne@example.org")
    );
    assert_eq!(
        r.accessibilite.as_ref().and_then(|a| a.handicap),
        Some(true)
    );
    assert_eq!(r.liens[0].url, "https://example.org/RM-000001");
    for (id, needle) in [
        ("export.csv:3 RM-000002", "champ dates"),
        ("export.csv:4 RM-000003", "champ gratuit"),
        ("export.csv:5 RM-000004", "champ lieu"),
    ] {
        assert!(
            health
                .anomalies
                .iter()
                .any(|a| a.location.contains(id) && a.problem.contains(needle)),
            "{id}: {:?}",
            health.anomalies
        );
    }
}

#[tokio::test]
async fn a_contact_without_consent_never_reaches_memory_nor_an_error() {
    use serde_json::json;
    let secret = "ne-pas-publier-7f3a@example.org";
    let phone = "04 65 71 99 99";
    let contact = json!({"nom": "Personne Privée", "email": secret, "telephone": phone, "consentement_publication": false});
    let doc = json!({"format": "repere-metiers-export", "version": "1.1", "ressources": [
        record("RM-000001", "concours", json!({"contact": contact})),
        // Invalid records holding the private contact: their reports must not quote it.
        record("RM-000002", "evenement", json!({"contact": contact})),
        record("RM-000003", "concours", json!({"contact": {"nom": secret, "email": phone, "consentement_publication": secret}})),
        record("RM-000004", "concours", json!({"contact": {"nom": secret, "email": 12, "consentement_publication": false}})),
    ]});
    let adapter = load_file("prive.json", &serde_json::to_vec(&doc).unwrap()).await;
    let r = adapter
        .fetch(&["RM-000001".to_owned()])
        .await
        .unwrap()
        .remove("RM-000001")
        .unwrap();
    assert!(r.contact.is_none());
    let everything = format!("{r:?} {:?} {adapter:?}", adapter.health());
    for private in [secret, phone, "Personne Privée"] {
        assert!(
            !everything.contains(private),
            "« {private} » leaked: {everything}"
        );
    }
    assert_eq!(
        adapter.health().anomalies.len(),
        3,
        "{:?}",
        adapter.health().anomalies
    );
}

#[tokio::test]
async fn filters_and_neutral_order() {
    let adapter = sample().await;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let ids = |f: RessourceFilter| {
        let adapter = &adapter;
        async move {
            adapter
                .search(&f, PageRequest::ALL)
                .await
                .unwrap()
                .hits
                .iter()
                .map(|h| h.record.id.clone())
                .collect::<Vec<_>>()
        }
    };
    let ain = ids(RessourceFilter {
        categories: Some(vec![CategorieRessource::Evenement]),
        departements: Some(vec![CodeDepartement::parse("01").unwrap()]),
        periode: Some((day(2026, 1, 1), None)),
        ..RessourceFilter::default()
    })
    .await;
    assert_eq!(
        ain,
        ["RM-000107", "RM-000108", "RM-000110"],
        "by date, then title; the 2025 open day hidden"
    );
    let all_time = ids(RessourceFilter {
        categories: Some(vec![CategorieRessource::Evenement]),
        departements: Some(vec![CodeDepartement::parse("01").unwrap()]),
        ..RessourceFilter::default()
    })
    .await;
    assert_eq!(
        all_time.first().map(String::as_str),
        Some("RM-000109"),
        "{all_time:?}"
    );
    // A resource mobilisable in some départements is found in them only.
    let puy = ids(RessourceFilter {
        departements: Some(vec![CodeDepartement::parse("63").unwrap()]),
        ..RessourceFilter::default()
    })
    .await;
    let savoie = ids(RessourceFilter {
        departements: Some(vec![CodeDepartement::parse("73").unwrap()]),
        ..RessourceFilter::default()
    })
    .await;
    assert!(puy.contains(&"RM-000119".to_owned()) && !savoie.contains(&"RM-000119".to_owned()));
    let paid = ids(RessourceFilter {
        gratuit: Some(false),
        ..RessourceFilter::default()
    })
    .await;
    assert!(paid.contains(&"RM-000115".to_owned()));
    let adults = ids(RessourceFilter {
        publics: Some(vec![Public::Adultes]),
        ..RessourceFilter::default()
    })
    .await;
    assert_eq!(adults, ["RM-000120"]);
    let words = ids(RessourceFilter {
        recherche: Some("dentelle".into()),
        ..RessourceFilter::default()
    })
    .await;
    assert_eq!(words, ["RM-000117"]);
    let groups = ids(RessourceFilter {
        modalite: Some(Modalite::Individuel),
        ..RessourceFilter::default()
    })
    .await;
    assert!(
        groups.contains(&"RM-000107".to_owned()),
        "individuel_et_groupe suits both"
    );
    assert!(!groups.contains(&"RM-000113".to_owned()));
    let parts = ids(RessourceFilter {
        parent_id: Some("RM-000107".into()),
        ..RessourceFilter::default()
    })
    .await;
    assert_eq!(parts, ["RM-000108"]);
}

#[test]
fn the_sample_and_the_schema_agree() {
    let schema_path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("schema/repere-metiers-export-1.1.schema.json");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&schema_path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource("schema.json", schema).unwrap();
    let index = compiler.compile("schema.json", &mut schemas).unwrap();
    let sample: serde_json::Value = serde_json::from_slice(SAMPLE[0].bytes).unwrap();
    if let Err(e) = schemas.validate(&sample, index) {
        panic!("the sample breaks the schema: {e:#}");
    }
    // Each invalid record the schema can express is refused by it too.
    let (records, _) = mixed();
    for r in records.into_iter().skip(1) {
        let id = r["id"].as_str().unwrap_or_default().to_owned();
        if id == "RM-000001" || id == "RM-000005" {
            continue; // uniqueness and references are beyond a JSON Schema
        }
        let doc = serde_json::json!({"format": "repere-metiers-export", "version": "1.1", "genere_le": "2026-01-01T00:00:00+01:00", "producteur": "p", "ressources": [r]});
        assert!(
            schemas.validate(&doc, index).is_err(),
            "{id} passes the schema"
        );
    }
}

#[tokio::test]
async fn the_default_window_is_the_caller_s() {
    let adapter = sample().await;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let count = |periode| {
        let adapter = &adapter;
        async move {
            adapter
                .search(
                    &RessourceFilter {
                        periode,
                        ..RessourceFilter::default()
                    },
                    PageRequest::ALL,
                )
                .await
                .unwrap()
                .total
        }
    };
    let early = count(Some((day(2024, 1, 1), None))).await;
    let late = count(Some((day(2029, 1, 1), None))).await;
    assert_eq!(early, 37);
    assert!(late < early);
    let only_2025 = count(Some((day(2025, 1, 1), day(2025, 12, 31)))).await;
    assert!(only_2025 > 0 && only_2025 < early);
}
