//! Tests of the Repère Métiers adapter: the sample, the charter's rules, privacy.

use passerelle_core::config::Mode;
use passerelle_core::testkit::{Expectations, check_adapter};

use passerelle_core::{Adapter, Clock};

use super::*;

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
    assert_eq!(all.total, 22, "22 published of 24");
    let hidden = adapter
        .fetch(&["RM-000304".to_owned(), "RM-000204".to_owned()])
        .await
        .unwrap();
    assert!(hidden.is_empty(), "en_attente and retiree are never served");
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

#[tokio::test]
async fn invalid_records_are_skipped_and_reported_with_id_field_and_rule() {
    let dir = std::env::temp_dir().join(format!("passerelle-rm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("export.json");
    let record = |id: &str, categorie: &str, extra: serde_json::Value| {
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
    };
    let doc = serde_json::json!({"format": "repere-metiers-export", "version": "1.1", "ressources": [
        record("RM-000001", "concours", serde_json::json!({})),
        record("RM-000002", "evenement", serde_json::json!({})),
        record("RM-000003", "action_mobilisable_groupe", serde_json::json!({"gratuit": false})),
        record("RM-000004", "concours", serde_json::json!({"codes_rome": ["K15"]})),
        record("RM-000001", "concours", serde_json::json!({})),
        record("RM-000005", "concours", serde_json::json!({"parent_id": "RM-000404"})),
        record("RM-000006", "quiz", serde_json::json!({})),
    ]});
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let config = RepereMetiersConfig {
        mode: Mode::Snapshot,
        path: Some(path.into()),
        ..RepereMetiersConfig::default()
    };
    let adapter = RepereMetiersAdapter::new(&config, Clock::system()).unwrap();
    adapter.refresh().await.unwrap();
    let health = adapter.health();
    assert_eq!(
        health.records, 1,
        "only RM-000001 is valid (unknown fields ignored)"
    );
    let find = |id: &str, needle: &str| {
        assert!(
            health
                .anomalies
                .iter()
                .any(|a| a.location.ends_with(id) && a.problem.contains(needle)),
            "{id}: {needle} not in {:?}",
            health.anomalies
        );
    };
    find(
        "RM-000002",
        "champ dates : un événement exige au moins une date",
    );
    find("RM-000003", "champ gratuit");
    find("RM-000004", "champ codes_rome : code ROME « K15 » invalide");
    find("RM-000001", "identifiant en double");
    find("RM-000005", "champ parent_id");
    find("RM-000006", "champ categorie");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn upcoming_filter_follows_the_given_day() {
    let adapter = sample().await;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let early = adapter
        .search(
            &RessourceFilter {
                a_venir_le: Some(day(2024, 1, 1)),
                ..RessourceFilter::default()
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    let late = adapter
        .search(
            &RessourceFilter {
                a_venir_le: Some(day(2029, 1, 1)),
                ..RessourceFilter::default()
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert_eq!(early.total, 22);
    assert!(late.total < early.total);
    assert!(late.hits.iter().all(|h| h.record.dates.is_empty()));
}
