//! Objects whose selection is only plain fields are resolved by passerelle's own join of their fields
//! (`src/graphql/fast.rs`); any other selection by async-graphql's. Both must answer the same bytes.
//!
//! Each query is sent as written, then with every selection set wrapped in an inline fragment without
//! type condition (`{ ... { … } }`), which sends every object through async-graphql's path. The
//! queries keep one field per line and their argument values in variables, so that the rewriting
//! moves no error location and touches no input object.

use serde_json::{Value, json};

use crate::helpers::*;

/// Every selection set of `query` wrapped in an inline fragment (`{` → `{ ... {`, `}` → `} }`).
fn through_fragments(query: &str) -> String {
    query.replace('{', "{ ... {").replace('}', "} }")
}

fn cases() -> Vec<(&'static str, Value)> {
    vec![
        // The portal's métier page, as the bench sends it (nested objects, lists, loaders).
        (
            "query Page($c: CodeRome!, $a: FiltreActionsFormation, $n: Int, $r: Int) {
  metier(codeRome: $c) {
    codeRome
    libelle
    appellations {
      libelle
    }
    fichesOnisep {
      rattachement
      fiche {
        id
        libelle
        url
      }
    }
    actionsFormation(filtre: $a, first: $n) {
      totalCount
      edges {
        distanceKm
        node {
          numero
          formation {
            intitule
          }
          lieu {
            commune {
              codeInsee
              nom
            }
          }
          prochaineSession {
            debut
            fin
          }
        }
      }
    }
    ressources(first: $r) {
      totalCount
      nodes {
        id
        titre
        categorie
        debut
      }
    }
  }
}",
            json!({"c": "M1805", "a": {"autour": {"codeInsee": "69123", "rayonKm": 50}}, "n": 10, "r": 5}),
        ),
        // The same field twice, aliases, `__typename` at every level, an unknown code (null).
        (
            "query Doubles($c: CodeRome!, $x: CodeRome!) {
  metier(codeRome: $c) {
    __typename
    codeRome
    codeRome
    nom: libelle
    libelle
    type: __typename
    appellations {
      __typename
      libelle
    }
    appellations {
      libelle
    }
  }
  inconnu: metier(codeRome: $x) {
    codeRome
  }
  metiers(first: 4) {
    totalCount
    nodes {
      codeRome
      libelle
    }
  }
}",
            json!({"c": "M1805", "x": "N9999"}),
        ),
        // Errors: a limit exceeded and a bad argument, in two objects (named arguments refuse the
        // request: no data).
        (
            "query Erreurs($c: CodeRome!, $n: Int, $m: Int) {
  metier(codeRome: $c) {
    codeRome
    actionsFormation(first: $n) {
      totalCount
    }
    ressources(first: $m) {
      totalCount
    }
    libelle
  }
}",
            json!({"c": "M1805", "n": 101, "m": -1}),
        ),
    ]
}

#[tokio::test]
async fn objects_answer_the_same_through_either_resolution() {
    let app = spawn_app().await;
    for (query, variables) in cases() {
        let direct = app.query_text(query, &variables).await;
        let wrapped = app.query_text(&through_fragments(query), &variables).await;
        assert_eq!(direct, wrapped, "{query}");
    }
    // The cases do reach what they are for: nested data, repeated keys once, errors with a path.
    let (status, page) = app.query(cases()[0].0, cases()[0].1.clone()).await;
    assert_eq!(status, 200, "{page}");
    let edges = page["data"]["metier"]["actionsFormation"]["edges"]
        .as_array()
        .unwrap();
    assert!(!edges.is_empty(), "{page}");
    assert!(
        edges[0]["node"]["lieu"]["commune"]["nom"].is_string(),
        "{page}"
    );
    let (_, text) = app.query_text(cases()[1].0, &cases()[1].1).await;
    assert!(
        text.starts_with(r#"{"data":{"metier":{"__typename":"Metier","codeRome":"M1805","nom":"#),
        "{text}"
    );
    let doubles: Value = serde_json::from_str(&text).unwrap();
    let metier = doubles["data"]["metier"].as_object().unwrap();
    assert_eq!(metier.len(), 6, "{text}");
    assert_eq!(metier["type"], "Metier");
    assert_eq!(doubles["data"]["inconnu"], Value::Null);
    let (_, failed) = app.query(cases()[2].0, cases()[2].1.clone()).await;
    let errors = errors(&failed);
    let codes: Vec<&str> = errors
        .iter()
        .map(|e| e["extensions"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["LIMIT_EXCEEDED", "BAD_USER_INPUT"], "{failed}");
    assert!(failed.get("data").is_none(), "{failed}");
    app.stop().await;
}
