//! Wire rows of the ROME export -> domain métiers, with the indexes searches use. Pure functions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use passerelle_core::model::{
    Appellation, Classement, CodeLibelle, Competence, ContexteTravail, Importance, MacroCompetence,
    Metier, Savoir, Transitions,
};
use passerelle_core::snapshot::LoadContext;
use passerelle_core::text::fold;
use passerelle_core::{AdapterError, Anomalies, Anomaly, CodeOgr, CodeRome, Provenance};

use crate::SOURCE;
use crate::snapshot::{ArborescenceRow, Export, Rows};
use passerelle_core::search::{Entry, SearchIndex};

/// The ROME référentiel held in memory.
#[derive(Debug)]
pub struct RomeData {
    pub(crate) metiers: BTreeMap<CodeRome, Arc<Metier>>,
    /// Every appellation of every fiche, searchable.
    pub(crate) index: SearchIndex,
    /// For each index entry: the fiche and the position of the appellation in it.
    pub(crate) entries: Vec<(CodeRome, usize)>,
    pub(crate) grands_domaines: Vec<CodeLibelle>,
    pub(crate) domaines_professionnels: Vec<CodeLibelle>,
    /// Version number (`60`).
    pub(crate) version: Option<String>,
    /// Publication date as published (`18/09/2025`).
    pub(crate) publication: Option<String>,
    pub(crate) anomalies: Vec<Anomaly>,
}

impl RomeData {
    /// Builds the indexes over métiers mapped from any wire format.
    pub(crate) fn from_metiers(
        metiers: BTreeMap<CodeRome, Arc<Metier>>,
        grands_domaines: Vec<CodeLibelle>,
        domaines_professionnels: Vec<CodeLibelle>,
        version: Option<String>,
        publication: Option<String>,
        anomalies: Vec<Anomaly>,
    ) -> Self {
        let mut entries = Vec::new();
        let mut labels = Vec::new();
        for m in metiers.values() {
            for (i, a) in m.appellations.iter().enumerate() {
                entries.push((m.code.clone(), i));
                labels.push(Entry::new(&a.libelle, a.principale, a.peu_usitee));
            }
        }
        Self {
            metiers,
            index: SearchIndex::new(labels),
            entries,
            grands_domaines,
            domaines_professionnels,
            version,
            publication,
            anomalies,
        }
    }
}

pub(crate) fn flag(v: &str) -> bool {
    matches!(v.trim(), "O" | "o" | "Oui" | "oui" | "1")
}

pub(crate) fn non_empty(v: &str) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Parses a code of a row; a malformed code is an error naming the file and line, because the référentiel
/// itself defines the codes.
fn code(file: &str, line: u64, column: &str, value: &str) -> Result<CodeRome, AdapterError> {
    CodeRome::parse(value).map_err(|e| {
        AdapterError::invalid(
            SOURCE,
            format!("{file}:{line}"),
            format!("colonne {column} : {e}"),
        )
    })
}

/// What a fiche's items are, from the référentiels of compétences, savoirs and contextes.
struct Items<'a> {
    competences: HashMap<&'a str, &'a crate::snapshot::CompetenceRow>,
    savoirs: HashMap<&'a str, &'a crate::snapshot::SavoirRow>,
    contextes: HashMap<&'a str, &'a crate::snapshot::ContexteRow>,
    coherence: HashMap<(&'a str, &'a str), Importance>,
}

fn ogr(value: &str) -> Option<CodeOgr> {
    CodeOgr::parse(value).ok()
}

/// Builds the métiers from the export.
pub(crate) fn build(export: Export, ctx: &LoadContext) -> Result<RomeData, AdapterError> {
    let mut anomalies = Anomalies::default();
    let version = export.version.as_ref().map(|v| v.number.clone());
    let publication = export.version.as_ref().and_then(|v| v.date.clone());
    let provenance = Provenance::new(&ctx.descriptor, version.clone(), ctx.fetched_at);

    let mut domaines = HashMap::new();
    let file = &export.domaines.file;
    for (line, d) in &export.domaines.rows {
        let c = code(file, *line, "code_rome", &d.code_rome)?;
        let gd = CodeLibelle::new(d.code_grand_domaine.trim(), d.libelle_grand_domaine.trim());
        let dp = CodeLibelle::new(
            d.code_domaine_professionnel.trim(),
            d.libelle_domaine_professionnel.trim(),
        );
        domaines.insert(c, (gd, dp));
    }

    let mut texts: HashMap<(CodeRome, &str), Vec<(u32, &str)>> = HashMap::new();
    for (line, t) in &export.textes.rows {
        let Ok(c) = CodeRome::parse(&t.code_rome) else {
            anomalies.add(
                "code ROME mal formé, texte ignoré",
                format!("{}:{line}", export.textes.file),
            );
            continue;
        };
        let position = t.position_phrase.trim().parse().unwrap_or(u32::MAX);
        texts
            .entry((c, t.libelle_type_texte.trim()))
            .or_default()
            .push((position, t.libelle_texte.trim()));
    }

    let mut appellations: HashMap<CodeRome, Vec<Appellation>> = HashMap::new();
    let file = &export.appellations.file;
    for (line, a) in &export.appellations.rows {
        let c = code(file, *line, "code_rome", &a.code_rome)?;
        let code_ogr = CodeOgr::parse(&a.code_ogr).map_err(|e| {
            AdapterError::invalid(
                SOURCE,
                format!("{file}:{line}"),
                format!("colonne code_ogr : {e}"),
            )
        })?;
        appellations.entry(c).or_default().push(Appellation {
            code_ogr,
            libelle: a.libelle_appellation_long.trim().to_owned(),
            libelle_court: a.libelle_appellation_court.trim().to_owned(),
            principale: a.classification.trim().eq_ignore_ascii_case("PRINCIPALE"),
            peu_usitee: flag(&a.peu_usite),
            emploi_cadre: flag(&a.emploi_cadre),
            emploi_reglemente: flag(&a.emploi_reglemente),
        });
    }

    let mut mobilites: HashMap<CodeRome, Vec<(u32, CodeRome)>> = HashMap::new();
    let file = &export.mobilites.file;
    for (line, m) in &export.mobilites.rows {
        let from = code(file, *line, "code_rome", &m.code_rome)?;
        let to = code(file, *line, "code_rome_cible", &m.code_rome_cible)?;
        mobilites
            .entry(from)
            .or_default()
            .push((m.numero_ordre.trim().parse().unwrap_or(u32::MAX), to));
    }
    let riasec: HashMap<String, (Option<String>, Option<String>)> = export
        .riasec
        .rows
        .iter()
        .map(|(_, r)| {
            (
                r.code_rome.trim().to_ascii_uppercase(),
                (non_empty(&r.riasec_majeur), non_empty(&r.riasec_mineur)),
            )
        })
        .collect();

    let items = Items {
        competences: export
            .competences
            .rows
            .iter()
            .map(|(_, r)| (r.code_ogr.trim(), r))
            .collect(),
        savoirs: export
            .savoirs
            .rows
            .iter()
            .map(|(_, r)| (r.code_ogr_savoir.trim(), r))
            .collect(),
        contextes: export
            .contextes
            .rows
            .iter()
            .map(|(_, r)| (r.code_ogr.trim(), r))
            .collect(),
        coherence: export
            .coherence
            .rows
            .iter()
            .map(|(_, r)| {
                let importance = match fold(&r.coeur_metier).as_str() {
                    "principale" => Importance::CoeurDeMetier,
                    "emergente" => Importance::Emergente,
                    _ => Importance::Mobilisee,
                };
                ((r.code_rome.trim(), r.code_ogr.trim()), importance)
            })
            .collect(),
    };
    let mut liens: HashMap<&str, FicheItems> = HashMap::new();
    for (line, l) in &export.liens.rows {
        let at = || format!("{}:{line}", export.liens.file);
        let rome = l.code_rome.trim();
        let item = l.code_ogr.trim();
        let entry = liens.entry(rome).or_default();
        let importance = items
            .coherence
            .get(&(rome, item))
            .copied()
            .unwrap_or_default();
        match (l.code_compo_bloc.trim(), l.code_rubrique.trim()) {
            ("5", rubrique @ ("1" | "2")) => match items.competences.get(item) {
                Some(row) => {
                    let Some(code_ogr) = ogr(item) else { continue };
                    let macro_ = non_empty(&row.code_ogr_macro_comp).and_then(|m| {
                        let libelle = items.competences.get(m.as_str())?.libelle_competence.trim();
                        Some(MacroCompetence {
                            code_ogr: ogr(&m)?,
                            libelle: libelle.to_owned(),
                        })
                    });
                    let competence = Competence {
                        code_ogr,
                        libelle: row.libelle_competence.trim().to_owned(),
                        est_macro: fold(&row.nature) == "macro competence",
                        macro_competence: macro_,
                        enjeu: None,
                        sous_categorie: non_empty(&row.sous_cat_comp),
                        importance,
                    };
                    if rubrique == "1" {
                        entry.competences.push(competence);
                    } else {
                        entry.savoirs_etre.push(competence);
                    }
                }
                None => anomalies.add(
                    "compétence absente du référentiel des compétences, ignorée",
                    at(),
                ),
            },
            ("5", "3") => match (items.savoirs.get(item), ogr(item)) {
                (Some(row), Some(code_ogr)) => entry.savoirs.push(Savoir {
                    code_ogr,
                    libelle: row.libelle_savoir.trim().to_owned(),
                    categorie: row.categorie_savoir.trim().to_owned(),
                    sous_categorie: non_empty(&row.sous_categorie_savoir),
                    importance,
                }),
                _ => anomalies.add("savoir absent du référentiel des savoirs, ignoré", at()),
            },
            ("6", _) => match (items.contextes.get(item), ogr(item)) {
                (Some(row), Some(code_ogr)) => entry.contextes.push(ContexteTravail {
                    code_ogr,
                    libelle: row.libelle_cont_travail.trim().to_owned(),
                    type_contexte: CodeLibelle::new(
                        row.code_type_cont_trav.trim(),
                        row.libelle_type_cont_trav.trim(),
                    ),
                }),
                _ => anomalies.add(
                    "contexte de travail absent du référentiel des contextes, ignoré",
                    at(),
                ),
            },
            // Blocks 1 (code and title) and 2 (appellations) repeat what the référentiel files give.
            _ => {}
        }
    }

    let centres = classements(&export.centres_interet, &mut anomalies);
    let secteurs = classements(&export.secteurs, &mut anomalies);
    let naf = classements(&export.naf, &mut anomalies);
    let themes = classements(&export.themes, &mut anomalies);

    let mut metiers = BTreeMap::new();
    let file = &export.fiches.file;
    for (line, f) in &export.fiches.rows {
        let c = code(file, *line, "code_rome", &f.code_rome)?;
        let parent = code(file, *line, "code_rome_parent", &f.code_rome_parent)?;
        let Some((grand_domaine, domaine_professionnel)) = domaines.get(&c).cloned() else {
            return Err(AdapterError::invalid(
                SOURCE,
                format!("{file}:{line}"),
                format!(
                    "la fiche {c} n'a pas de domaine dans {}",
                    export.domaines.file
                ),
            ));
        };
        let mut apps = appellations.remove(&c).unwrap_or_default();
        apps.sort_by(|a, b| {
            b.principale
                .cmp(&a.principale)
                .then_with(|| a.libelle.cmp(&b.libelle))
        });
        let mut mob = mobilites.remove(&c).unwrap_or_default();
        mob.sort_by_key(|(order, _)| *order);
        let (riasec_majeur, riasec_mineur) = riasec.get(c.as_str()).cloned().unwrap_or_default();
        let mut fiche = liens.remove(c.as_str()).unwrap_or_default();
        fiche.sort();
        let pick = |table: &HashMap<&str, Vec<Classement>>| {
            table.get(c.as_str()).cloned().unwrap_or_default()
        };
        // Flat lists (NAF divisions, thèmes) come by code, whatever the file's order.
        let flat = |table: &HashMap<&str, Vec<Classement>>| -> Vec<CodeLibelle> {
            let mut list: Vec<CodeLibelle> = pick(table).into_iter().map(|k| k.classe).collect();
            list.sort_by(|a, b| a.code.cmp(&b.code));
            list
        };
        let metier = Metier {
            code_ogr: CodeOgr::parse(&f.code_ogr).ok(),
            libelle: f.libelle_rome.trim().to_owned(),
            code_rome_parent: (parent != c).then_some(parent),
            fiches_detaillees: Some(Vec::new()),
            grand_domaine,
            domaine_professionnel,
            definition: joined(&mut texts, &c, "definition"),
            acces_metier: joined(&mut texts, &c, "acces_metier"),
            appellations: apps,
            mobilites: mob.into_iter().map(|(_, c)| c).collect(),
            competences: fiche.competences,
            savoirs_etre: fiche.savoirs_etre,
            savoirs: fiche.savoirs,
            contextes_travail: fiche.contextes,
            centres_interet: pick(&centres),
            secteurs_activite: pick(&secteurs),
            divisions_naf: flat(&naf)
                .into_iter()
                .map(|d| CodeLibelle {
                    code: format!("{:0>2}", d.code),
                    ..d
                })
                .collect(),
            themes: flat(&themes),
            formacodes: None,
            code_isco: None,
            riasec_majeur,
            riasec_mineur,
            transitions: Transitions {
                ecologique: non_empty(&f.transition_eco),
                numerique: flag(&f.transition_num),
                demographique: flag(&f.transition_demo),
            },
            emploi_reglemente: flag(&f.emploi_reglemente),
            emploi_cadre: flag(&f.emploi_cadre),
            provenance: provenance.clone().with_url(Some(fiche_url(&c))),
            code: c.clone(),
        };
        metiers.insert(c, metier);
    }
    for c in appellations.keys() {
        anomalies.add(
            "appellations rattachées à un code absent du référentiel, ignorées",
            format!("{} ({c})", export.appellations.file),
        );
    }
    for c in liens.keys() {
        anomalies.add(
            "compétences, savoirs ou contextes rattachés à un code absent du référentiel, ignorés",
            format!("{} ({c})", export.liens.file),
        );
    }

    link(
        &mut metiers,
        &mut anomalies,
        &export.fiches.file,
        &export.mobilites.file,
    );

    let nomenclature = |rows: &Rows<crate::snapshot::NomenclatureRow>| -> Vec<CodeLibelle> {
        rows.rows
            .iter()
            .map(|(_, r)| CodeLibelle::new(r.code.trim(), r.libelle.trim()))
            .collect()
    };
    let mut grands_domaines = nomenclature(&export.grands_domaines);
    let mut domaines_pro = nomenclature(&export.domaines_pro);
    // Without the nomenclature files, the lists are what the fiches use.
    if grands_domaines.is_empty() || domaines_pro.is_empty() {
        let mut gd = BTreeMap::new();
        let mut dp = BTreeMap::new();
        for (g, d) in domaines.values() {
            gd.insert(g.code.clone(), g.clone());
            dp.insert(d.code.clone(), d.clone());
        }
        if grands_domaines.is_empty() {
            grands_domaines = gd.into_values().collect();
        }
        if domaines_pro.is_empty() {
            domaines_pro = dp.into_values().collect();
        }
    }
    grands_domaines.sort_by(|a, b| a.code.cmp(&b.code));
    domaines_pro.sort_by(|a, b| a.code.cmp(&b.code));

    Ok(RomeData::from_metiers(
        metiers.into_iter().map(|(c, m)| (c, Arc::new(m))).collect(),
        grands_domaines,
        domaines_pro,
        version,
        publication,
        anomalies.into_vec(),
    ))
}

/// The public page of a fiche.
pub(crate) fn fiche_url(c: &CodeRome) -> String {
    format!("https://candidat.francetravail.fr/metierscope/fiche-metier/{c}")
}

/// Fills the fiches détaillées of V3-level fiches and drops mobilités to fiches the référentiel does not
/// have, noting both.
fn link(
    metiers: &mut BTreeMap<CodeRome, Metier>,
    anomalies: &mut Anomalies,
    fiches_file: &str,
    mobilites_file: &str,
) {
    let children: Vec<(CodeRome, CodeRome)> = metiers
        .values()
        .filter_map(|m| m.code_rome_parent.clone().map(|p| (p, m.code.clone())))
        .collect();
    for (parent, child) in children {
        match metiers.get_mut(&parent) {
            Some(p) => p.fiches_detaillees.get_or_insert_with(Vec::new).push(child),
            None => anomalies.add(
                "fiche parente absente du référentiel",
                format!("{fiches_file} ({child} -> {parent})"),
            ),
        }
    }
    let known: HashSet<CodeRome> = metiers.keys().cloned().collect();
    for m in metiers.values_mut() {
        let before = m.mobilites.len();
        m.mobilites.retain(|t| known.contains(t));
        if m.mobilites.len() != before {
            anomalies.add(
                "mobilité vers une fiche absente du référentiel, ignorée",
                format!("{mobilites_file} ({})", m.code),
            );
        }
    }
}

/// A fiche's compétences, savoirs and contextes, gathered from the links.
#[derive(Default)]
struct FicheItems {
    competences: Vec<Competence>,
    savoirs_etre: Vec<Competence>,
    savoirs: Vec<Savoir>,
    contextes: Vec<ContexteTravail>,
}

impl FicheItems {
    /// Cœur de métier first, then émergentes, then the others; savoirs and contextes by category.
    fn sort(&mut self) {
        let by_importance = |a: &Competence, b: &Competence| {
            a.importance
                .cmp(&b.importance)
                .then_with(|| a.libelle.cmp(&b.libelle))
        };
        self.competences.sort_by(by_importance);
        self.savoirs_etre.sort_by(by_importance);
        self.savoirs.sort_by(|a, b| {
            (&a.categorie, &a.sous_categorie, &a.libelle).cmp(&(
                &b.categorie,
                &b.sous_categorie,
                &b.libelle,
            ))
        });
        self.contextes.sort_by(|a, b| {
            (&a.type_contexte.code, &a.libelle).cmp(&(&b.type_contexte.code, &b.libelle))
        });
    }
}

/// The classes of a tree each fiche belongs to, the main one first.
fn classements<'a>(
    rows: &'a Rows<ArborescenceRow>,
    anomalies: &mut Anomalies,
) -> HashMap<&'a str, Vec<Classement>> {
    let mut out: HashMap<&str, Vec<Classement>> = HashMap::new();
    for (line, r) in &rows.rows {
        if CodeRome::parse(&r.code_rome).is_err() {
            anomalies.reject(
                "code ROME mal formé, ligne ignorée",
                format!("{}:{line}", rows.file),
            );
            continue;
        }
        out.entry(r.code_rome.trim()).or_default().push(Classement {
            classe: CodeLibelle::new(r.code.trim(), r.libelle.trim()),
            sous_classe: non_empty(&r.code_ss_sect_activite)
                .map(|c| CodeLibelle::new(c, r.libelle_ss_sect_activite.trim())),
            principal: fold(&r.principal) == "oui",
        });
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| {
            b.principal
                .cmp(&a.principal)
                .then_with(|| a.classe.libelle.cmp(&b.classe.libelle))
        });
    }
    out
}

/// The sentences of one text of a fiche, joined in order.
fn joined<'a>(
    texts: &mut HashMap<(CodeRome, &'a str), Vec<(u32, &'a str)>>,
    c: &CodeRome,
    kind: &'a str,
) -> Option<String> {
    texts.remove(&(c.clone(), kind)).map(|mut sentences| {
        sentences.sort_by_key(|(p, _)| *p);
        sentences
            .into_iter()
            .map(|(_, s)| terminate(s))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Sentences are published without their final full stop; joined, they need one.
pub(crate) fn terminate(sentence: &str) -> String {
    if sentence.ends_with(['.', '!', '?', ':', '…']) {
        sentence.to_owned()
    } else {
        format!("{sentence}.")
    }
}
