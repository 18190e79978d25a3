//! Wire rows of the ROME export -> domain métiers, with the indexes searches use. Pure functions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use passerelle_core::model::{Appellation, CodeLibelle, Metier, Transitions};
use passerelle_core::snapshot::LoadContext;
use passerelle_core::text::fold;
use passerelle_core::{AdapterError, Anomaly, CodeOgr, CodeRome, Provenance};

use crate::SOURCE;
use crate::snapshot::{APPELLATIONS, DOMAINES, Export, FICHES, MOBILITES};

/// The ROME référentiel held in memory.
#[derive(Debug)]
pub struct RomeData {
    pub(crate) metiers: BTreeMap<CodeRome, Arc<Metier>>,
    /// Folded texts searched by `texte`: the fiche's label and its appellations.
    pub(crate) search_text: HashMap<CodeRome, (String, String)>,
    pub(crate) version: Option<String>,
    pub(crate) anomalies: Vec<Anomaly>,
}

fn flag(v: &str) -> bool {
    matches!(v.trim(), "O" | "o" | "Oui" | "oui" | "1")
}

fn non_empty(v: &str) -> Option<String> {
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

/// Builds the métiers from the export.
pub(crate) fn build(export: Export, ctx: &LoadContext) -> Result<RomeData, AdapterError> {
    let mut anomalies = Vec::new();
    let version = export.version.clone();
    let provenance = Provenance::new(&ctx.descriptor, version.clone(), ctx.fetched_at);

    let mut domaines = HashMap::new();
    for (line, d) in &export.domaines {
        let c = code(DOMAINES, *line, "code_rome", &d.code_rome)?;
        let gd = CodeLibelle::new(d.code_grand_domaine.trim(), d.libelle_grand_domaine.trim());
        let dp = CodeLibelle::new(
            d.code_domaine_professionnel.trim(),
            d.libelle_domaine_professionnel.trim(),
        );
        domaines.insert(c, (gd, dp));
    }

    let mut texts: HashMap<(CodeRome, &str), Vec<(u32, &str)>> = HashMap::new();
    for (line, t) in &export.textes {
        let Ok(c) = CodeRome::parse(&t.code_rome) else {
            anomalies.push(Anomaly {
                location: format!("unix_texte_v460_utf8.csv:{line}"),
                problem: format!("code ROME « {} » mal formé, texte ignoré", t.code_rome),
            });
            continue;
        };
        let position = t.position_phrase.trim().parse().unwrap_or(u32::MAX);
        texts
            .entry((c, t.libelle_type_texte.trim()))
            .or_default()
            .push((position, t.libelle_texte.trim()));
    }

    let mut appellations: HashMap<CodeRome, Vec<Appellation>> = HashMap::new();
    for (line, a) in &export.appellations {
        let c = code(APPELLATIONS, *line, "code_rome", &a.code_rome)?;
        let code_ogr = CodeOgr::parse(&a.code_ogr).map_err(|e| {
            AdapterError::invalid(
                SOURCE,
                format!("{APPELLATIONS}:{line}"),
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
    for (line, m) in &export.mobilites {
        let from = code(MOBILITES, *line, "code_rome", &m.code_rome)?;
        let to = code(MOBILITES, *line, "code_rome_cible", &m.code_rome_cible)?;
        mobilites
            .entry(from)
            .or_default()
            .push((m.numero_ordre.trim().parse().unwrap_or(u32::MAX), to));
    }
    let riasec: HashMap<String, (Option<String>, Option<String>)> = export
        .riasec
        .iter()
        .map(|(_, r)| {
            (
                r.code_rome.trim().to_ascii_uppercase(),
                (non_empty(&r.riasec_majeur), non_empty(&r.riasec_mineur)),
            )
        })
        .collect();

    let mut metiers = BTreeMap::new();
    for (line, f) in &export.fiches {
        let c = code(FICHES, *line, "code_rome", &f.code_rome)?;
        let parent = code(FICHES, *line, "code_rome_parent", &f.code_rome_parent)?;
        let Some((grand_domaine, domaine_professionnel)) = domaines.get(&c).cloned() else {
            return Err(AdapterError::invalid(
                SOURCE,
                format!("{FICHES}:{line}"),
                format!("la fiche {c} n'a pas de domaine dans {DOMAINES}"),
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
        let metier = Metier {
            code_ogr: CodeOgr::parse(&f.code_ogr).ok(),
            libelle: f.libelle_rome.trim().to_owned(),
            code_rome_parent: (parent != c).then_some(parent),
            fiches_detaillees: Vec::new(),
            grand_domaine,
            domaine_professionnel,
            definition: joined(&mut texts, &c, "definition"),
            acces_metier: joined(&mut texts, &c, "acces_metier"),
            appellations: apps,
            mobilites: mob.into_iter().map(|(_, c)| c).collect(),
            riasec_majeur,
            riasec_mineur,
            transitions: Transitions {
                ecologique: non_empty(&f.transition_eco),
                numerique: flag(&f.transition_num),
                demographique: flag(&f.transition_demo),
            },
            emploi_reglemente: flag(&f.emploi_reglemente),
            emploi_cadre: flag(&f.emploi_cadre),
            provenance: provenance.clone().with_url(Some(format!(
                "https://candidat.francetravail.fr/metierscope/fiche-metier/{c}"
            ))),
            code: c.clone(),
        };
        metiers.insert(c, metier);
    }
    for (c, _) in appellations {
        anomalies.push(Anomaly {
            location: APPELLATIONS.into(),
            problem: format!("appellations rattachées au code {c} absent du référentiel, ignorées"),
        });
    }

    // Children of each V3-level fiche, and links to fiches the référentiel does not have.
    let children: Vec<(CodeRome, CodeRome)> = metiers
        .values()
        .filter_map(|m| m.code_rome_parent.clone().map(|p| (p, m.code.clone())))
        .collect();
    for (parent, child) in children {
        match metiers.get_mut(&parent) {
            Some(p) => p.fiches_detaillees.push(child),
            None => anomalies.push(Anomaly {
                location: format!("{FICHES} ({child})"),
                problem: format!("fiche parente {parent} absente du référentiel"),
            }),
        }
    }
    let known: std::collections::HashSet<CodeRome> = metiers.keys().cloned().collect();
    for m in metiers.values_mut() {
        let before = m.mobilites.len();
        m.mobilites.retain(|t| known.contains(t));
        if m.mobilites.len() != before {
            anomalies.push(Anomaly {
                location: format!("{MOBILITES} ({})", m.code),
                problem: "mobilité vers une fiche absente du référentiel, ignorée".into(),
            });
        }
    }

    let search_text = metiers
        .values()
        .map(|m| {
            let apps: Vec<&str> = m.appellations.iter().map(|a| a.libelle.as_str()).collect();
            (m.code.clone(), (fold(&m.libelle), fold(&apps.join(" | "))))
        })
        .collect();
    Ok(RomeData {
        metiers: metiers.into_iter().map(|(c, m)| (c, Arc::new(m))).collect(),
        search_text,
        version,
        anomalies,
    })
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
fn terminate(sentence: &str) -> String {
    if sentence.ends_with(['.', '!', '?', ':', '…']) {
        sentence.to_owned()
    } else {
        format!("{sentence}.")
    }
}
