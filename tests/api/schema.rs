//! The committed contract: `schema.graphql` is what the server serves.

use serde_json::json;

use crate::helpers::spawn_app;

#[test]
fn the_committed_schema_is_the_served_schema() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    let served = passerelle::graphql::sdl();
    assert!(
        committed == served,
        "schema.graphql differs from the served schema: run `cargo run -- schema > schema.graphql` and review the diff"
    );
}

#[test]
fn every_type_and_field_is_described() {
    let sdl = passerelle::graphql::sdl();
    let lines: Vec<&str> = sdl.lines().collect();
    let mut missing = Vec::new();
    let mut in_federation_type = false;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if !line.starts_with('\t') && !t.is_empty() {
            in_federation_type = t
                .split_whitespace()
                .nth(1)
                .is_some_and(|n| n.starts_with('_'));
        }
        let declares_type = ["type ", "input ", "enum ", "scalar "]
            .iter()
            .any(|k| t.starts_with(k))
            && !line.starts_with('\t');
        let declares_member = line.starts_with('\t')
            && !t.starts_with('"')
            && !t.is_empty()
            && !t.starts_with('}')
            && !t.starts_with(')');
        if (declares_type || declares_member)
            && i > 0
            && !lines[i - 1].trim().ends_with("\"\"\"")
            && t != "query: Query"
            // Apollo Federation's own fields and types (`_service`, `_entities`, `_Service`…),
            // described by its specification.
            && !t.starts_with('_')
            && !in_federation_type
        {
            missing.push(t.to_owned());
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}

#[tokio::test]
async fn introspection_sees_the_custom_scalars() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(
            r#"{ __type(name: "CodeRome") { kind description } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["__type"]["kind"], "SCALAR");
    assert!(
        body["data"]["__type"]["description"]
            .as_str()
            .unwrap()
            .contains("A à N")
    );
}

/// Object types that are parts of a record (served within it, under its provenance).
const PARTS: &[&str] = &[
    "Accessibilite",
    "CentreInteret",
    "Certificateur",
    "CertificationVisee",
    "Competence",
    "Contact",
    "ContactOffre",
    "ContexteTravail",
    "Correspondance",
    "Creneau",
    "DomaineOnisep",
    "FormacodeIndexe",
    "FormatCourt",
    "GroupeContextesTravail",
    "GroupeSavoirs",
    "Lien",
    "Lieu",
    "MacroCompetence",
    "Mobilite",
    "Nomenclature",
    "Operateur",
    "Organisme",
    "Provenance",
    "Publication",
    "Savoir",
    "SecteurActivite",
    "Session",
];

/// Object types that say how a record was reached (their record has its provenance).
const PATHS: &[&str] = &[
    "PageInfo",
    "MetierRattache",
    "CertificationRattachee",
    "FicheOnisepRattachee",
];

/// passerelle's own answers, computed over the records: the sources directory and its anomalies, the
/// cartographie dynamique, the statistics.
const COMPUTED: &[&str] = &[
    "Query",
    // Apollo Federation: `_service { sdl }`.
    "_Service",
    "Source",
    "ProtectionApi",
    "Anomalie",
    "Exploration",
    "Cible",
    "Cellule",
    "Comptes",
    "Statistiques",
    "Groupe",
    "Cle",
];

#[test]
fn every_type_that_comes_from_a_source_has_provenance() {
    use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

    fn named(t: &Type) -> String {
        match &t.base {
            BaseType::Named(n) => n.to_string(),
            BaseType::List(inner) => named(inner),
        }
    }
    let doc = async_graphql::parser::parse_schema(passerelle::graphql::sdl()).unwrap();
    let mut objects = std::collections::BTreeMap::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(t) = def
            && let TypeKind::Object(o) = &t.node.kind
        {
            let fields: Vec<(String, String)> = o
                .fields
                .iter()
                .map(|f| (f.node.name.node.to_string(), named(&f.node.ty.node)))
                .collect();
            objects.insert(t.node.name.node.to_string(), fields);
        }
    }
    // Every object type reachable from the root.
    let mut reachable = std::collections::BTreeSet::new();
    let mut todo = vec!["Query".to_owned()];
    while let Some(t) = todo.pop() {
        if !objects.contains_key(&t) || !reachable.insert(t.clone()) {
            continue;
        }
        todo.extend(objects[&t].iter().map(|(_, ty)| ty.clone()));
    }
    let mut records = Vec::new();
    for t in &reachable {
        let has = objects[t]
            .iter()
            .any(|(f, ty)| f == "provenance" && ty == "Provenance");
        let classified = PARTS.contains(&t.as_str())
            || PATHS.contains(&t.as_str())
            || COMPUTED.contains(&t.as_str())
            || t.ends_with("Connection")
            || t.ends_with("Edge");
        assert!(
            has || classified,
            "{t} is neither a record with `provenance` nor a declared part, path or computed type"
        );
        assert!(
            !(has && classified),
            "{t} has provenance: it is a record, not a part"
        );
        if has {
            records.push(t.clone());
        }
    }
    // Each root field and each connection leads to records.
    for (field, ty) in &objects["Query"] {
        let node = match objects.get(ty) {
            Some(fields) if ty.ends_with("Connection") => fields
                .iter()
                .find(|(f, _)| f == "nodes")
                .map(|(_, t)| t.clone())
                .unwrap(),
            _ => ty.clone(),
        };
        if objects.contains_key(&node) && !COMPUTED.contains(&node.as_str()) {
            assert!(
                records.contains(&node),
                "Query.{field} serves {node}, without provenance"
            );
        }
    }
    for expected in [
        "Metier",
        "Appellation",
        "GrandDomaine",
        "DomaineProfessionnel",
        "FicheOnisep",
        "FormationOnisep",
        "Certification",
        "Formation",
        "ActionFormation",
        "Ressource",
        "Commune",
    ] {
        assert!(
            records.contains(&expected.to_owned()),
            "{expected}: {records:?}"
        );
    }
}

#[tokio::test]
async fn provenance_names_the_source_its_licence_attribution_and_the_record_link() {
    let app = spawn_app().await;
    let (_, body) = app
        .query(
            r#"{
              formation(numero: "84_F7001") { url provenance { source producteur licence attribution url version recupereLe } }
              metier(codeRome: "M1805") { provenance { url } appellations(first: 1) { provenance { source url } } }
              certification(rncp: "RNCP35340") { formationOnisep { url provenance { source url } } }
              grandsDomaines { code provenance { source version } domainesProfessionnels { code provenance { source } } }
              sources { id attribution prochaineActualisation enregistrementsRejetes rejets { probleme nombre rejet } anomalies(first: 50) { rejet } }
            }"#,
            json!({}),
        )
        .await;
    assert!(crate::helpers::errors(&body).is_empty(), "{body}");
    let d = &body["data"];
    let p = &d["formation"]["provenance"];
    assert_eq!(p["source"], "offre-info");
    assert_eq!(
        p["url"], d["formation"]["url"],
        "the formation's page at the producer"
    );
    assert!(p["attribution"].as_str().unwrap().starts_with("Source : "));
    assert!(p["recupereLe"].is_string());
    let m = &d["metier"];
    assert_eq!(m["appellations"][0]["provenance"]["source"], "rome");
    assert_eq!(
        m["appellations"][0]["provenance"]["url"],
        m["provenance"]["url"]
    );
    let f = &d["certification"]["formationOnisep"];
    assert_eq!(f["provenance"]["url"], f["url"]);
    assert_eq!(
        f["provenance"]["source"], "rncp",
        "cited by the table de passage"
    );
    let g = &d["grandsDomaines"][0];
    assert_eq!(g["provenance"]["source"], "rome");
    assert_eq!(
        g["domainesProfessionnels"][0]["provenance"]["source"],
        "rome"
    );
    for s in d["sources"].as_array().unwrap() {
        assert!(
            s["attribution"].as_str().unwrap().starts_with("Source : "),
            "{s}"
        );
        assert!(
            s["prochaineActualisation"].is_null(),
            "samples are not refreshed: {s}"
        );
        let rejected: u64 = s["rejets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                assert_eq!(r["rejet"], true);
                r["nombre"].as_u64().unwrap()
            })
            .sum();
        assert_eq!(s["enregistrementsRejetes"], rejected, "{s}");
    }
    // The RNCP sample has a line of the répertoire spécifique, left out.
    let rncp = d["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "rncp")
        .unwrap();
    assert!(
        rncp["enregistrementsRejetes"].as_u64().unwrap() >= 1,
        "{rncp}"
    );
    app.stop().await;
}
