//! Idéo-Métiers rows and Idéo-Fiches métiers records -> domain fiches ONISEP, one per `MET.n`. Pure
//! functions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use passerelle_core::model::{DomaineOnisep, FicheOnisep, Publication};
use passerelle_core::search::{Entry, SearchIndex};
use passerelle_core::snapshot::LoadContext;
use passerelle_core::text::{fold, folded_ranks};
use passerelle_core::xml::Node;
use passerelle_core::{Anomalies, Anomaly, CodeRome, IdOnisep, Provenance};

use crate::detail::{self, Unusable};
use crate::snapshot::ItemRow;

/// Grouped problems, as shown in the source's health.
pub(crate) mod problems {
    /// A row without a link, hence without identifier.
    pub const NO_LINK: &str =
        "lien_site_onisepfr absent : identifiant MET.n introuvable, ligne ignorée";
    /// A link that does not end with `MET.n`.
    pub const BAD_LINK: &str =
        "lien_site_onisepfr ne se termine pas par un identifiant MET.n : ligne ignorée";
    /// A row without ROME code.
    pub const NO_ROME: &str = "aucun code ROME : fiche conservée, rattachée à aucun métier";
    /// A malformed ROME code.
    pub const BAD_ROME: &str = "code ROME mal formé (une lettre de A à N suivie de 4 chiffres) : \
         conservé tel quel, jamais joint";
    /// A detailed fiche without identifier.
    pub const FICHE_NO_ID: &str = "fiche détaillée sans <identifiant> : ignorée";
    /// A detailed fiche whose identifier is not `MET.n`.
    pub const FICHE_BAD_ID: &str = "fiche détaillée dont l'<identifiant> n'est pas MET.n : ignorée";
    /// Two detailed fiches with one identifier.
    pub const FICHE_DUPLICATE: &str =
        "fiche détaillée en double : la dernière du fichier est gardée";
}

/// The Idéo datasets held in memory.
#[derive(Debug)]
pub struct OnisepData {
    pub(crate) fiches: BTreeMap<IdOnisep, Arc<FicheOnisep>>,
    /// Each fiche's rank in the order by folded label, then id.
    pub(crate) rang: HashMap<IdOnisep, u32>,
    /// Fiches by (well-formed) ROME code.
    pub(crate) by_rome: HashMap<CodeRome, Vec<IdOnisep>>,
    /// Labels, label variants and synonyms; `labels[i]` is the fiche of entry `i`.
    pub(crate) index: SearchIndex,
    pub(crate) labels: Vec<IdOnisep>,
    pub(crate) anomalies: Vec<Anomaly>,
    /// Whether Idéo-Fiches métiers was part of the load.
    pub(crate) has_details: bool,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `…/metier/slug/MET.84` -> `MET.84`.
pub(crate) fn id_from_link(link: &str) -> Option<IdOnisep> {
    link.rsplit('/')
        .next()
        .and_then(|last| IdOnisep::parse(last).ok())
}

/// The page of a métier on onisep.fr.
pub(crate) fn url_of(id: &IdOnisep) -> String {
    format!("https://www.onisep.fr/http/redirection/metier/slug/{id}")
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

/// Adds ROME codes to a fiche: well-formed ones once, malformed ones kept aside and reported.
fn add_codes<'a>(
    fiche: &mut FicheOnisep,
    codes: impl Iterator<Item = &'a str>,
    labels: &[&str],
    location: &str,
    anomalies: &mut Anomalies,
) {
    for (i, raw) in codes.map(str::trim).filter(|c| !c.is_empty()).enumerate() {
        match CodeRome::parse(raw) {
            Ok(code) if fiche.codes_rome.contains(&code) => {}
            Ok(code) => {
                fiche.codes_rome.push(code);
                fiche
                    .libelles_rome
                    .push(labels.get(i).copied().unwrap_or_default().to_owned());
            }
            Err(_) => {
                if !fiche.codes_rome_invalides.iter().any(|c| c == raw) {
                    fiche.codes_rome_invalides.push(raw.to_owned());
                    anomalies.add(
                        problems::BAD_ROME,
                        format!("{location} ({}) « {raw} »", fiche.id),
                    );
                }
            }
        }
    }
}

fn empty_fiche(id: &IdOnisep, libelle: &str, url: String, provenance: &Provenance) -> FicheOnisep {
    FicheOnisep {
        id: id.clone(),
        libelle: libelle.to_owned(),
        url: url.clone(),
        publications: Vec::new(),
        gfe: None,
        codes_rome: Vec::new(),
        libelles_rome: Vec::new(),
        codes_rome_invalides: Vec::new(),
        domaines: Vec::new(),
        detail: None,
        provenance: provenance.clone().with_url(Some(url)),
    }
}

/// Builds the fiches: Idéo-Métiers rows merged per métier, then the detailed fiches attached (a detailed
/// fiche of a métier absent from Idéo-Métiers makes a fiche of its own). Rows without ROME code and
/// malformed codes are kept and counted; rows and records without a usable identifier are skipped and
/// counted.
pub(crate) fn build(
    rows: Vec<ItemRow>,
    fiche_files: Vec<(String, Vec<Node>)>,
    ctx: &LoadContext,
) -> OnisepData {
    let provenance = Provenance::new(
        &ctx.descriptor,
        Some(ctx.fetched_at.format("export du %Y-%m-%d").to_string()),
        ctx.fetched_at,
    );
    let mut fiches: BTreeMap<IdOnisep, FicheOnisep> = BTreeMap::new();
    let mut anomalies = Anomalies::default();
    for row in &rows {
        let Some(link) = text(&row.lien_site_onisepfr) else {
            anomalies.reject(problems::NO_LINK, row.location.clone());
            continue;
        };
        let Some(id) = id_from_link(link) else {
            anomalies.reject(problems::BAD_LINK, format!("{} « {link} »", row.location));
            continue;
        };
        let fiche = fiches.entry(id.clone()).or_insert_with(|| {
            let mut f = empty_fiche(
                &id,
                text(&row.libelle_metier).unwrap_or_default(),
                link.to_owned(),
                &provenance,
            );
            f.gfe = text(&row.gfe).map(str::to_owned);
            f.domaines = text(&row.domaine_sous_domaine)
                .map(domaines)
                .unwrap_or_default();
            f
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
            None => anomalies.add(problems::NO_ROME, format!("{} ({id})", row.location)),
            Some(codes) => {
                let labels: Vec<&str> = text(&row.libelle_rome)
                    .map(|l| l.split('|').map(str::trim).collect())
                    .unwrap_or_default();
                add_codes(
                    fiche,
                    codes.split('|'),
                    &labels,
                    &row.location,
                    &mut anomalies,
                );
            }
        }
    }
    let has_details = !fiche_files.is_empty();
    for (file, nodes) in fiche_files {
        let mut seen = std::collections::HashSet::new();
        for node in nodes {
            let location = format!("{file}:{}", node.line);
            let record = match detail::fiche(&node) {
                Ok(r) => r,
                Err(Unusable::NoId) => {
                    anomalies.reject(problems::FICHE_NO_ID, location);
                    continue;
                }
                Err(Unusable::BadId(raw)) => {
                    anomalies.reject(problems::FICHE_BAD_ID, format!("{location} « {raw} »"));
                    continue;
                }
            };
            if !seen.insert(record.id.clone()) {
                anomalies.add(
                    problems::FICHE_DUPLICATE,
                    format!("{location} ({})", record.id),
                );
            }
            let fiche = fiches.entry(record.id.clone()).or_insert_with(|| {
                empty_fiche(
                    &record.id,
                    record.libelle.as_deref().unwrap_or_default(),
                    url_of(&record.id),
                    &provenance,
                )
            });
            add_codes(
                fiche,
                record.codes_rome.iter().map(String::as_str),
                &[],
                &location,
                &mut anomalies,
            );
            fiche.detail = Some(Box::new(record.detail));
        }
    }
    let mut by_rome: HashMap<CodeRome, Vec<IdOnisep>> = HashMap::new();
    let mut entries = Vec::new();
    let mut labels = Vec::new();
    for f in fiches.values() {
        for c in &f.codes_rome {
            by_rome.entry(c.clone()).or_default().push(f.id.clone());
        }
        let mut add = |label: &str, primary: bool| {
            if !label.trim().is_empty() {
                entries.push(Entry::new(label, primary, false));
                labels.push(f.id.clone());
            }
        };
        add(&f.libelle, true);
        if let Some(d) = &f.detail {
            for variant in [&d.libelle_feminin, &d.libelle_masculin]
                .into_iter()
                .flatten()
            {
                if fold(variant) != fold(&f.libelle) {
                    add(variant, true);
                }
            }
            for s in &d.synonymes {
                add(s, false);
            }
        }
    }
    // The order by folded label; `fiches` is in id order, so equal labels stay in id order.
    let rang = fiches
        .keys()
        .cloned()
        .zip(folded_ranks(fiches.values().map(|f| f.libelle.as_str())))
        .collect();
    OnisepData {
        fiches: fiches.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
        rang,
        by_rome,
        index: SearchIndex::new(entries),
        labels,
        anomalies: anomalies.into_vec(),
        has_details,
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
