//! Idéo-Métiers rows -> domain fiches ONISEP, one per `MET.n`. Pure functions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use passerelle_core::model::{DomaineOnisep, FicheOnisep, Publication};
use passerelle_core::snapshot::LoadContext;
use passerelle_core::{Anomaly, CodeRome, IdOnisep, Provenance};

use crate::snapshot::ItemRow;

/// The Idéo-Métiers dataset held in memory.
#[derive(Debug)]
pub struct OnisepData {
    pub(crate) fiches: BTreeMap<IdOnisep, Arc<FicheOnisep>>,
    /// Fiches by (well-formed) ROME code.
    pub(crate) by_rome: HashMap<CodeRome, Vec<IdOnisep>>,
    pub(crate) anomalies: Vec<Anomaly>,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `…/metier/slug/MET.84` -> `MET.84`.
fn id_from_link(link: &str) -> Option<IdOnisep> {
    link.rsplit('/')
        .next()
        .and_then(|last| IdOnisep::parse(last).ok())
}

/// `a/b| c/d` -> pairs (domaine, sous-domaine).
fn domaines(v: &str) -> Vec<DomaineOnisep> {
    v.split('|')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('/') {
            Some((d, s)) => DomaineOnisep {
                domaine: d.trim().to_owned(),
                sous_domaine: Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            },
            None => DomaineOnisep {
                domaine: pair.to_owned(),
                sous_domaine: None,
            },
        })
        .collect()
}

/// Builds the fiches, merging the rows of one métier. Rows without ROME code and malformed codes are kept
/// and counted as anomalies; rows without a usable identifier are skipped and counted.
pub(crate) fn build(file: &str, rows: Vec<ItemRow>, ctx: &LoadContext) -> OnisepData {
    let provenance = Provenance::new(
        &ctx.descriptor,
        Some(ctx.fetched_at.format("export du %Y-%m-%d").to_string()),
        ctx.fetched_at,
    );
    let mut fiches: BTreeMap<IdOnisep, FicheOnisep> = BTreeMap::new();
    let mut anomalies = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let location = format!("{file}, item n°{}", index + 1);
        let Some(link) = text(&row.lien_site_onisepfr) else {
            anomalies.push(Anomaly {
                location,
                problem: "lien_site_onisepfr absent : identifiant MET introuvable, ligne ignorée"
                    .into(),
                count: 1,
            });
            continue;
        };
        let Some(id) = id_from_link(link) else {
            anomalies.push(Anomaly { location, problem: format!("lien_site_onisepfr « {link} » ne se termine pas par un identifiant MET.n, ligne ignorée"), count: 1, });
            continue;
        };
        let fiche = fiches.entry(id.clone()).or_insert_with(|| FicheOnisep {
            id: id.clone(),
            libelle: text(&row.libelle_metier).unwrap_or_default().to_owned(),
            url: link.to_owned(),
            publications: Vec::new(),
            gfe: text(&row.gfe).map(str::to_owned),
            codes_rome: Vec::new(),
            libelles_rome: Vec::new(),
            codes_rome_invalides: Vec::new(),
            domaines: text(&row.domaine_sous_domaine)
                .map(domaines)
                .unwrap_or_default(),
            provenance: provenance.clone().with_url(Some(link.to_owned())),
        });
        if let Some(titre) = text(&row.nom_publication) {
            let publication = Publication {
                titre: titre.to_owned(),
                collection: text(&row.collection).map(str::to_owned),
                annee: text(&row.annee).and_then(|a| a.parse().ok()),
                ean: text(&row.gencod).map(str::to_owned),
            };
            if !fiche.publications.contains(&publication) {
                fiche.publications.push(publication);
            }
        }
        match text(&row.code_rome) {
            None => anomalies.push(Anomaly {
                location,
                problem: format!("{id} : aucun code ROME (fiche conservée, non rattachée)"),
                count: 1,
            }),
            Some(codes) => {
                let labels: Vec<&str> = text(&row.libelle_rome)
                    .map(|l| l.split('|').map(str::trim).collect())
                    .unwrap_or_default();
                for (i, raw) in codes
                    .split('|')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .enumerate()
                {
                    match CodeRome::parse(raw) {
                        Ok(code) if fiche.codes_rome.contains(&code) => {}
                        Ok(code) => {
                            fiche.codes_rome.push(code);
                            fiche
                                .libelles_rome
                                .push(labels.get(i).copied().unwrap_or_default().to_owned());
                        }
                        Err(e) => {
                            if !fiche.codes_rome_invalides.iter().any(|c| c == raw) {
                                fiche.codes_rome_invalides.push(raw.to_owned());
                                anomalies.push(Anomaly {
                                    location: location.clone(),
                                    problem: format!("{id} : {e} (code conservé, jamais joint)"),
                                    count: 1,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    let mut by_rome: HashMap<CodeRome, Vec<IdOnisep>> = HashMap::new();
    for f in fiches.values() {
        for c in &f.codes_rome {
            by_rome.entry(c.clone()).or_default().push(f.id.clone());
        }
    }
    OnisepData {
        fiches: fiches.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
        by_rome,
        anomalies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_ids() {
        let d = domaines("informatique, Internet/bases de données| sciences/mathématiques");
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].domaine, "informatique, Internet");
        assert_eq!(d[1].sous_domaine.as_deref(), Some("mathématiques"));
        assert_eq!(
            id_from_link("https://www.onisep.fr/http/redirection/metier/slug/MET.84")
                .map(|i| i.to_string()),
            Some("MET.84".into())
        );
        assert!(id_from_link("https://www.onisep.fr/x/FOR.1").is_none());
    }
}
