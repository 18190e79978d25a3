//! Analysis through GraphQL: the « cartographie dynamique » (`explorer`) and the grouped counts
//! (`statistiques`). Every figure is checked against the lists it summarises, queried separately.

use serde_json::{Value, json};

use crate::helpers::{TODAY, TestApp, errors, spawn_app};

const EXPLORER: &str = r#"query($code: CodeRome!, $lieu: LieuExplorer!, $rayons: [Float!]!, $el: [Elargissement!]!, $mois: Int!) {
  explorer(codeRome: $code, lieu: $lieu, rayonsKm: $rayons, elargissements: $el, moisSessions: $mois) {
    codeRome latitude longitude rayonsKm sessionsDu sessionsAu
    cibles { niveau codesRome }
    cellules {
      cible { niveau codesRome }
      rayonKm actionsFormation sessions organismes certifications ressources
      ecartCible { actionsFormation sessions organismes certifications ressources }
      ecartRayon { actionsFormation sessions organismes certifications ressources }
    }
  }
}"#;

const ACTIONS: &str = r#"query($f: FiltreActionsFormation, $after: String) {
  actionsFormation(filtre: $f, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      organismeFormateur { siret raisonSociale }
      formation { certifications { rncp certifInfo } }
      sessions { debut }
    } }
  }
}"#;

const RESSOURCES: &str = r#"query($f: FiltreRessources) {
  ressources(filtre: $f, first: 1) { totalCount }
}"#;

/// Every action of a list, walking its pages.
async fn all_actions(app: &TestApp, filtre: Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let (status, body) = app
            .query(ACTIONS, json!({ "f": filtre, "after": after }))
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(errors(&body).is_empty(), "{body}");
        let page = &body["data"]["actionsFormation"];
        out.extend(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            assert_eq!(page["totalCount"], out.len(), "{filtre}");
            return out;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

async fn total(app: &TestApp, query: &str, field: &str, filtre: Value) -> i64 {
    let (status, body) = app.query(query, json!({ "f": filtre })).await;
    assert_eq!(status, 200, "{body}");
    assert!(errors(&body).is_empty(), "{filtre}: {body}");
    body["data"][field]["totalCount"].as_i64().unwrap()
}

fn date(s: &Value) -> Option<&str> {
    s["debut"].as_str()
}

/// The figures of an explorer cell, recomputed from the lists.
async fn recompute(
    app: &TestApp,
    codes: &Value,
    lieu: &Value,
    rayon: f64,
    window: (&str, &str),
) -> Value {
    let mut autour = lieu.clone();
    autour["rayonKm"] = json!(rayon);
    let actions = all_actions(app, json!({ "codesRome": codes, "autour": autour })).await;
    let mut organismes = std::collections::BTreeSet::new();
    let mut certifications = std::collections::BTreeSet::new();
    let mut sessions = 0;
    for a in &actions {
        let o = &a["organismeFormateur"];
        if !o.is_null() {
            organismes.insert(if o["siret"].is_null() {
                o["raisonSociale"].to_string()
            } else {
                o["siret"].to_string()
            });
        }
        for c in a["formation"]["certifications"].as_array().unwrap() {
            if let Some(r) = c["rncp"].as_str() {
                certifications.insert(r.to_owned());
            } else if let Some(ci) = c["certifInfo"].as_str() {
                certifications.insert(format!("CI{ci}"));
            }
        }
        sessions += a["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(date)
            .filter(|d| *d >= window.0 && *d <= window.1)
            .count();
    }
    let ressources = total(
        app,
        RESSOURCES,
        "ressources",
        json!({ "codesRome": codes, "autour": autour }),
    )
    .await;
    json!({
        "actionsFormation": actions.len(),
        "sessions": sessions,
        "organismes": organismes.len(),
        "certifications": certifications.len(),
        "ressources": ressources,
    })
}

const FIGURES: [&str; 5] = [
    "actionsFormation",
    "sessions",
    "organismes",
    "certifications",
    "ressources",
];

#[tokio::test]
async fn every_explorer_cell_equals_its_list_queries_and_widening_never_loses_anything() {
    let app = spawn_app().await;
    let lieu = json!({ "codeInsee": "69123" });
    let (status, body) = app
        .query(
            EXPLORER,
            json!({
                "code": "M1805",
                "lieu": lieu,
                "rayons": [60, 10, 30],
                "el": ["FICHES_DETAILLEES", "METIERS_PROCHES", "DOMAINE_PROFESSIONNEL"],
                "mois": 6
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(errors(&body).is_empty(), "{body}");
    let x = &body["data"]["explorer"];
    assert_eq!(x["rayonsKm"], json!([10.0, 30.0, 60.0]), "radii sorted");
    let today = format!("{:04}-{:02}-{:02}", TODAY.0, TODAY.1, TODAY.2);
    assert_eq!(x["sessionsDu"], today.as_str());
    assert_eq!(x["sessionsAu"], "2026-07-15");
    let cibles = x["cibles"].as_array().unwrap();
    let niveaux: Vec<&str> = cibles
        .iter()
        .map(|c| c["niveau"].as_str().unwrap())
        .collect();
    assert_eq!(
        niveaux,
        [
            "METIER",
            "FICHES_DETAILLEES",
            "METIERS_PROCHES",
            "DOMAINE_PROFESSIONNEL"
        ]
    );
    assert_eq!(cibles[0]["codesRome"], json!(["M1805"]));
    // Each level is its predecessor plus what the widening adds, in order of entry.
    for pair in cibles.windows(2) {
        let (a, b) = (
            pair[0]["codesRome"].as_array().unwrap(),
            pair[1]["codesRome"].as_array().unwrap(),
        );
        assert_eq!(&b[..a.len()], &a[..], "{pair:?}");
    }
    let domaine = cibles[3]["codesRome"].as_array().unwrap();
    assert!(
        domaine.iter().all(|c| c.as_str().unwrap().starts_with('M'))
            && domaine
                .iter()
                .any(|c| c != "M1805" && c.as_str().unwrap().starts_with("M18")),
        "{domaine:?}"
    );

    let cellules = x["cellules"].as_array().unwrap();
    assert_eq!(cellules.len(), 4 * 3);
    let mut any_nonzero = false;
    for (i, cell) in cellules.iter().enumerate() {
        let (level, r) = (i / 3, i % 3);
        assert_eq!(cell["cible"], cibles[level]);
        let rayon = cell["rayonKm"].as_f64().unwrap();
        assert_eq!(rayon, [10.0, 30.0, 60.0][r]);
        let expected = recompute(
            &app,
            &cell["cible"]["codesRome"],
            &lieu,
            rayon,
            (&today, "2026-07-15"),
        )
        .await;
        for f in FIGURES {
            assert_eq!(cell[f], expected[f], "cell {i} ({level}, {rayon} km) {f}");
            any_nonzero |= cell[f].as_i64().unwrap() > 0;
        }
        // The differences with the previous target and the previous radius.
        for (key, previous) in [
            ("ecartCible", (level > 0).then(|| &cellules[i - 3])),
            ("ecartRayon", (r > 0).then(|| &cellules[i - 1])),
        ] {
            match previous {
                None => assert!(cell[key].is_null(), "{cell}"),
                Some(p) => {
                    for f in FIGURES {
                        let d = cell[key][f].as_i64().unwrap();
                        assert_eq!(d, cell[f].as_i64().unwrap() - p[f].as_i64().unwrap());
                        // Actions, sessions and resources are unions: they never decrease. Distinct
                        // organisations and certifications do not either.
                        assert!(d >= 0, "{key}.{f} of cell {i}: {d}");
                    }
                }
            }
        }
    }
    assert!(any_nonzero, "the sample has offers around Lyon: {x}");
    // The close métiers (M1802, M1810) bring offers of their own at every radius.
    for cell in &cellules[6..9] {
        assert!(
            cell["ecartCible"]["actionsFormation"].as_i64().unwrap() > 0,
            "{cell}"
        );
    }
    let last = &cellules[11];
    let first = &cellules[0];
    assert!(
        last["actionsFormation"].as_i64() > first["actionsFormation"].as_i64(),
        "widening the target and the radius finds more offers: {first} → {last}"
    );
    app.stop().await;
}

#[tokio::test]
async fn explorer_rejects_bad_arguments_naming_them() {
    let app = spawn_app().await;
    let run = |rayons: Value, el: Value, mois: i64, lieu: Value| {
        let app = &app;
        async move {
            let (_, body) = app
                .query(
                    EXPLORER,
                    json!({ "code": "M1805", "lieu": lieu, "rayons": rayons, "el": el, "mois": mois }),
                )
                .await;
            body
        }
    };
    let lyon = json!({ "codeInsee": "69123" });
    for (body, field, code, words) in [
        (
            run(json!([]), json!([]), 6, lyon.clone()).await,
            "rayonsKm",
            "BAD_USER_INPUT",
            "au moins un rayon",
        ),
        (
            run(json!([-3]), json!([]), 6, lyon.clone()).await,
            "rayonsKm",
            "BAD_USER_INPUT",
            "-3",
        ),
        (
            run(json!([500]), json!([]), 6, lyon.clone()).await,
            "rayonsKm",
            "LIMIT_EXCEEDED",
            "500",
        ),
        (
            run(json!([1, 2, 3, 4, 5, 6, 7]), json!([]), 6, lyon.clone()).await,
            "rayonsKm",
            "LIMIT_EXCEEDED",
            "7 rayons",
        ),
        (
            run(
                json!([10]),
                json!(["METIERS_PROCHES", "METIERS_PROCHES"]),
                6,
                lyon.clone(),
            )
            .await,
            "elargissements",
            "BAD_USER_INPUT",
            "deux fois",
        ),
        (
            run(json!([10]), json!([]), 0, lyon.clone()).await,
            "moisSessions",
            "BAD_USER_INPUT",
            "moisSessions = 0",
        ),
        (
            run(json!([10]), json!([]), 6, json!({})).await,
            "lieu",
            "BAD_USER_INPUT",
            "lieu",
        ),
    ] {
        let e = errors(&body);
        assert_eq!(e.len(), 1, "{body}");
        assert_eq!(e[0]["extensions"]["code"], code, "{body}");
        assert_eq!(e[0]["extensions"]["argument"], field, "{body}");
        assert!(e[0]["message"].as_str().unwrap().contains(words), "{body}");
    }
    // An unknown métier is no error: there is no exploration around it.
    let (_, body) = app
        .query(
            EXPLORER,
            json!({ "code": "N9999", "lieu": lyon, "rayons": [10], "el": [], "mois": 6 }),
        )
        .await;
    assert!(errors(&body).is_empty(), "{body}");
    assert!(body["data"]["explorer"].is_null());
    app.stop().await;
}

const STATISTIQUES: &str = r#"query($o: ObjetStatistique!, $par: [Dimension!]!, $fa: FiltreActionsFormation, $fr: FiltreRessources) {
  statistiques(objet: $o, par: $par, filtreActions: $fa, filtreRessources: $fr) {
    objet par total
    groupes { cles { dimension code libelle } nombre }
  }
}"#;

async fn statistiques(app: &TestApp, vars: Value) -> Value {
    let (status, body) = app.query(STATISTIQUES, vars.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert!(errors(&body).is_empty(), "{vars}: {body}");
    body["data"]["statistiques"].clone()
}

/// The list filter that selects one group's code in a dimension.
fn action_filter(dimension: &str, code: &str) -> Value {
    match dimension {
        "DEPARTEMENT" => json!({ "departements": [code] }),
        "REGION" => json!({ "regions": [code] }),
        "GRAND_DOMAINE" => json!({ "grandsDomaines": [code] }),
        "DOMAINE_PROFESSIONNEL" => json!({ "domainesProfessionnels": [code] }),
        "FORMACODE" => json!({ "formacodes": [code] }),
        "CERTIFICATION" => match code.strip_prefix("CI") {
            Some(ci) => json!({ "certifInfo": [ci] }),
            None => json!({ "rncp": [code] }),
        },
        "MOIS_DEBUT_SESSION" => {
            let (y, m): (i32, u32) = (code[..4].parse().unwrap(), code[5..].parse().unwrap());
            let first = chrono::NaiveDate::from_ymd_opt(y, m, 1).unwrap();
            let last = first
                .checked_add_months(chrono::Months::new(1))
                .unwrap()
                .pred_opt()
                .unwrap();
            json!({ "sessionsDebutant": { "du": first.to_string(), "au": last.to_string() } })
        }
        other => panic!("no action filter for {other}"),
    }
}

fn ressource_filter(dimension: &str, code: &str) -> Value {
    match dimension {
        "DEPARTEMENT" => json!({ "departements": [code] }),
        "REGION" => json!({ "regions": [code] }),
        "GRAND_DOMAINE" => json!({ "grandsDomaines": [code] }),
        "DOMAINE_PROFESSIONNEL" => json!({ "domainesProfessionnels": [code] }),
        "CATEGORIE_RESSOURCE" => json!({ "categories": [code] }),
        other => panic!("no resource filter for {other}"),
    }
}

fn merge(a: &Value, b: &Value) -> Value {
    let mut out = a.as_object().cloned().unwrap_or_default();
    for (k, v) in b.as_object().unwrap() {
        out.insert(k.clone(), v.clone());
    }
    Value::Object(out)
}

#[tokio::test]
async fn every_action_group_equals_the_total_count_of_its_filtered_list() {
    let app = spawn_app().await;
    // Under a filter, as the lists: the offers of Auvergne-Rhône-Alpes.
    let base = json!({ "regions": ["84"] });
    let all = total(&app, ACTIONS, "actionsFormation", base.clone()).await;
    assert!(all > 20, "the sample has offers in the region: {all}");
    for dimension in [
        "DEPARTEMENT",
        "REGION",
        "GRAND_DOMAINE",
        "DOMAINE_PROFESSIONNEL",
        "FORMACODE",
        "CERTIFICATION",
        "MOIS_DEBUT_SESSION",
    ] {
        let s = statistiques(
            &app,
            json!({ "o": "ACTIONS_FORMATION", "par": [dimension], "fa": base }),
        )
        .await;
        assert_eq!(s["total"], all, "{dimension}");
        let groupes = s["groupes"].as_array().unwrap();
        assert!(!groupes.is_empty(), "{dimension}");
        let mut previous = i64::MAX;
        for g in groupes {
            let n = g["nombre"].as_i64().unwrap();
            assert!(n > 0 && n <= previous, "largest groups first: {s}");
            previous = n;
            let cle = &g["cles"][0];
            assert_eq!(cle["dimension"], dimension);
            let Some(code) = cle["code"].as_str() else {
                continue;
            };
            let filtre = merge(&base, &action_filter(dimension, code));
            let expected = total(&app, ACTIONS, "actionsFormation", filtre.clone()).await;
            assert_eq!(n, expected, "{dimension} {code}: {filtre}");
        }
    }
    // Labels come from the référentiels.
    let s = statistiques(
        &app,
        json!({ "o": "ACTIONS_FORMATION", "par": ["REGION", "GRAND_DOMAINE"] }),
    )
    .await;
    let labels: Vec<(String, String)> = s["groupes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["cles"].as_array().unwrap().clone())
        .map(|c| (c["code"].to_string(), c["libelle"].to_string()))
        .collect();
    assert!(
        labels.contains(&("\"84\"".into(), "\"Auvergne-Rhône-Alpes\"".into())),
        "{labels:?}"
    );
    assert!(
        labels.contains(&("\"M\"".into(), "\"Support à l'entreprise\"".into())),
        "{labels:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn two_dimension_groups_are_the_lists_filtered_on_both_codes_and_sessions_add_up() {
    let app = spawn_app().await;
    let s = statistiques(
        &app,
        json!({ "o": "ACTIONS_FORMATION", "par": ["DEPARTEMENT", "DOMAINE_PROFESSIONNEL"] }),
    )
    .await;
    for g in s["groupes"].as_array().unwrap() {
        let (d, p) = (&g["cles"][0], &g["cles"][1]);
        let (Some(d), Some(p)) = (d["code"].as_str(), p["code"].as_str()) else {
            continue;
        };
        let filtre = merge(
            &action_filter("DEPARTEMENT", d),
            &action_filter("DOMAINE_PROFESSIONNEL", p),
        );
        assert_eq!(
            g["nombre"],
            total(&app, ACTIONS, "actionsFormation", filtre.clone()).await,
            "{filtre}"
        );
    }

    // Sessions in a window: the sum over the actions of their sessions in that window, and each month's
    // group the count of that month's sessions.
    let window = json!({ "sessionsDebutant": { "du": "2026-01-15", "au": "2026-12-31" } });
    let s = statistiques(
        &app,
        json!({ "o": "SESSIONS", "par": ["MOIS_DEBUT_SESSION"], "fa": window }),
    )
    .await;
    let actions = all_actions(&app, window.clone()).await;
    let dates: Vec<String> = actions
        .iter()
        .flat_map(|a| a["sessions"].as_array().unwrap().clone())
        .filter_map(|s| date(&s).map(str::to_owned))
        .filter(|d| d.as_str() >= "2026-01-15" && d.as_str() <= "2026-12-31")
        .collect();
    assert!(dates.len() > 5, "{dates:?}");
    assert_eq!(s["total"], dates.len());
    let sum: i64 = s["groupes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["nombre"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, dates.len() as i64, "one month per session");
    for g in s["groupes"].as_array().unwrap() {
        let month = g["cles"][0]["code"].as_str().unwrap();
        let n = dates.iter().filter(|d| d.starts_with(month)).count();
        assert_eq!(g["nombre"], n, "{month}");
        assert!(
            g["cles"][0]["libelle"].as_str().unwrap().ends_with("2026"),
            "{g}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn every_resource_group_equals_the_total_count_of_its_filtered_list() {
    let app = spawn_app().await;
    let all = total(&app, RESSOURCES, "ressources", json!({})).await;
    for dimension in [
        "DEPARTEMENT",
        "REGION",
        "GRAND_DOMAINE",
        "DOMAINE_PROFESSIONNEL",
        "CATEGORIE_RESSOURCE",
    ] {
        let s = statistiques(&app, json!({ "o": "RESSOURCES", "par": [dimension] })).await;
        assert_eq!(
            s["total"], all,
            "{dimension}: the default window, as the list"
        );
        for g in s["groupes"].as_array().unwrap() {
            let Some(code) = g["cles"][0]["code"].as_str() else {
                continue;
            };
            let filtre = ressource_filter(dimension, code);
            assert_eq!(
                g["nombre"],
                total(&app, RESSOURCES, "ressources", filtre.clone()).await,
                "{dimension} {code}: {filtre}"
            );
        }
    }
    let s = statistiques(
        &app,
        json!({ "o": "RESSOURCES", "par": ["CATEGORIE_RESSOURCE"], "fr": { "du": "2020-01-01" } }),
    )
    .await;
    assert!(
        s["total"].as_i64().unwrap() > all,
        "past resources with an explicit window"
    );
    app.stop().await;
}

#[tokio::test]
async fn statistiques_reject_dimensions_and_filters_that_do_not_apply() {
    let app = spawn_app().await;
    for (vars, field, words) in [
        (
            json!({ "o": "RESSOURCES", "par": [] }),
            "par",
            "une ou deux dimensions, 0",
        ),
        (
            json!({ "o": "RESSOURCES", "par": ["REGION", "DEPARTEMENT", "GRAND_DOMAINE"] }),
            "par",
            "3",
        ),
        (
            json!({ "o": "RESSOURCES", "par": ["REGION", "REGION"] }),
            "par",
            "différentes",
        ),
        (
            json!({ "o": "RESSOURCES", "par": ["FORMACODE"] }),
            "par",
            "FORMACODE",
        ),
        (
            json!({ "o": "SESSIONS", "par": ["CATEGORIE_RESSOURCE"] }),
            "par",
            "CATEGORIE_RESSOURCE",
        ),
        (
            json!({ "o": "RESSOURCES", "par": ["REGION"], "fa": {} }),
            "filtreActions",
            "filtreRessources",
        ),
        (
            json!({ "o": "ACTIONS_FORMATION", "par": ["REGION"], "fr": {} }),
            "filtreRessources",
            "filtreActions",
        ),
    ] {
        let (_, body) = app.query(STATISTIQUES, vars.clone()).await;
        let e = errors(&body);
        assert_eq!(e.len(), 1, "{vars}: {body}");
        assert_eq!(e[0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(e[0]["extensions"]["argument"], field, "{body}");
        assert!(
            e[0]["message"].as_str().unwrap().contains(words),
            "{vars}: {body}"
        );
    }
    app.stop().await;
}
