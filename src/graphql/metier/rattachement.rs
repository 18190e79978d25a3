//! How records of other sources attach to ROME 4.0 fiches, both ways, each link saying how it was made.
//!
//! ONISEP, the RNCP and LHEO cite V3-level ROME codes; ROME 4.0 has split many of those fiches into
//! detailed ones (`fichesDetaillees`, each with its `codeRomeParent`). A record citing a V3-level code is
//! attached `DIRECT` to that fiche and, seen from the detailed fiches, `VIA_FICHE_PARENTE`; seen from the
//! record, the detailed fiches are `VIA_FICHE_DETAILLEE`. Codes that the ROME 4.0 loaded does not know
//! are never joined on (the loader finds nothing for them) and are counted in the source's health.

use std::collections::BTreeMap;

use async_graphql::{Context, Enum, SimpleObject};
use passerelle_core::{Adapter, CodeRome, PageRequest};
use passerelle_onisep::OnisepFilter;
use passerelle_rncp::RncpFilter;

use crate::graphql::certification::Certification;
use crate::graphql::common::Nomenclature;
use crate::graphql::errors::source_error;
use crate::graphql::metier::{Metier, load_metiers};
use crate::graphql::onisep::FicheOnisep;
use crate::graphql::sources;

/// Comment un enregistrement d'une source est rattaché à un autre : ce qui dépend du chemin, pas de l'enregistrement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Rattachement {
    /// Rattaché directement par le code publié par la source.
    Direct,
    /// Rattaché par la fiche ROME de niveau V3 dont la fiche ROME 4.0 est le détail.
    ViaFicheParente,
    /// Rattaché par une fiche ROME 4.0 détaillant la fiche de niveau V3 publiée par la source.
    ViaFicheDetaillee,
    /// Rattaché par un Formacode commun.
    ViaFormacode,
    /// Rattaché par une certification commune.
    ViaCertification,
    /// Rattaché par une formation ONISEP : celle que la fiche ONISEP cite parmi les formations minimales et à laquelle mène la certification selon la table de passage.
    ViaFormationOnisep,
}

/// Une fiche ONISEP et la façon dont elle est rattachée à la fiche métier.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct FicheOnisepRattachee {
    /// Comment la fiche ONISEP est rattachée : à un métier, DIRECT par son code ROME ou VIA_FICHE_PARENTE quand l'ONISEP cite la fiche V3 que celle-ci détaille ; à une certification, VIA_FORMATION_ONISEP.
    pub rattachement: Rattachement,
    /// La fiche ONISEP.
    pub fiche: FicheOnisep,
}

/// Une certification et la façon dont elle est rattachée à la fiche métier.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct CertificationRattachee {
    /// Comment la certification est rattachée : à un métier, DIRECT par un code ROME de sa fiche RNCP ou VIA_FICHE_PARENTE quand elle cite la fiche V3 que celle-ci détaille ; à une fiche ONISEP, VIA_FORMATION_ONISEP.
    pub rattachement: Rattachement,
    /// La certification.
    pub certification: Certification,
}

/// Une fiche métier ROME 4.0 et la façon dont elle est rattachée à l'enregistrement (fiche ONISEP, certification).
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct MetierRattache {
    /// DIRECT pour le code ROME cité par la source, VIA_FICHE_DETAILLEE pour les fiches ROME 4.0 qui le détaillent.
    pub rattachement: Rattachement,
    /// La fiche métier, avec son libellé ROME 4.0.
    pub metier: Metier,
}

/// The ROME 4.0 fiches a record citing `codes` is attached to: each cited fiche the référentiel knows
/// (`DIRECT`), then the fiches detailing them (`VIA_FICHE_DETAILLEE`), all through the request's loader.
pub async fn metiers_rattaches(
    ctx: &Context<'_>,
    codes: &[CodeRome],
) -> async_graphql::Result<Vec<MetierRattache>> {
    let direct = load_metiers(ctx, codes).await?;
    let mut children: Vec<CodeRome> = Vec::new();
    for m in &direct {
        for child in m.0.fiches_detaillees.iter().flatten() {
            if !codes.contains(child) && !children.contains(child) {
                children.push(child.clone());
            }
        }
    }
    let detailed = load_metiers(ctx, &children).await?;
    Ok(direct
        .into_iter()
        .map(|metier| MetierRattache {
            rattachement: Rattachement::Direct,
            metier,
        })
        .chain(detailed.into_iter().map(|metier| MetierRattache {
            rattachement: Rattachement::ViaFicheDetaillee,
            metier,
        }))
        .collect())
}

/// The codes under which other sources cite a fiche: its own, and its V3-level parent's.
fn codes_citant(m: &passerelle_core::model::Metier) -> Vec<CodeRome> {
    let mut codes = vec![m.code.clone()];
    codes.extend(m.code_rome_parent.clone());
    codes
}

/// `DIRECT` when the record cites the fiche's own code, else `VIA_FICHE_PARENTE`.
fn rattachement(m: &passerelle_core::model::Metier, cited: &[CodeRome]) -> Rattachement {
    if cited.contains(&m.code) {
        Rattachement::Direct
    } else {
        Rattachement::ViaFicheParente
    }
}

/// The fiches ONISEP attached to a métier, `DIRECT` first.
pub async fn fiches_onisep_de(
    ctx: &Context<'_>,
    m: &passerelle_core::model::Metier,
) -> async_graphql::Result<Vec<FicheOnisepRattachee>> {
    let filter = OnisepFilter {
        codes_rome: Some(codes_citant(m)),
        ..OnisepFilter::default()
    };
    let found = sources(ctx)
        .onisep
        .search(&filter, PageRequest::ALL)
        .await
        .map_err(|e| source_error(&e))?;
    let mut linked: Vec<FicheOnisepRattachee> = found
        .hits
        .into_iter()
        .map(|h| FicheOnisepRattachee {
            rattachement: rattachement(m, &h.record.codes_rome),
            fiche: FicheOnisep(h.record),
        })
        .collect();
    linked.sort_by_key(|l| l.rattachement != Rattachement::Direct);
    Ok(linked)
}

/// The certifications attached to a métier, `DIRECT` first, by RNCP number.
pub async fn certifications_de(
    ctx: &Context<'_>,
    m: &passerelle_core::model::Metier,
) -> async_graphql::Result<Vec<CertificationRattachee>> {
    let filter = RncpFilter {
        codes_rome: Some(codes_citant(m)),
        ..RncpFilter::default()
    };
    let found = sources(ctx)
        .rncp
        .search(&filter, PageRequest::ALL)
        .await
        .map_err(|e| source_error(&e))?;
    let mut linked: Vec<CertificationRattachee> = found
        .hits
        .into_iter()
        .map(|h| CertificationRattachee {
            rattachement: rattachement(m, &h.record.codes_rome),
            certification: Certification(h.record),
        })
        .collect();
    linked.sort_by_key(|l| l.rattachement != Rattachement::Direct);
    Ok(linked)
}

/// The Formacodes of a métier from its certifications: those of the certifications citing the fiche,
/// or, when none does, those citing its V3-level parent; the most cited first.
pub async fn formacodes_rncp(
    ctx: &Context<'_>,
    m: &passerelle_core::model::Metier,
) -> async_graphql::Result<Vec<Nomenclature>> {
    let linked = certifications_de(ctx, m).await?;
    let direct = linked
        .iter()
        .any(|l| l.rattachement == Rattachement::Direct);
    let mut counts: BTreeMap<&str, (usize, Option<&str>)> = BTreeMap::new();
    for l in linked
        .iter()
        .filter(|l| !direct || l.rattachement == Rattachement::Direct)
    {
        for f in &l.certification.0.formacodes {
            let e = counts.entry(f.code.as_str()).or_insert((0, None));
            e.0 += 1;
            e.1 = e.1.or(f.libelle.as_deref());
        }
    }
    let mut ranked: Vec<(&str, usize, Option<&str>)> =
        counts.into_iter().map(|(c, (n, l))| (c, n, l)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Ok(ranked
        .into_iter()
        .map(|(code, _, libelle)| Nomenclature {
            code: code.to_owned(),
            libelle: libelle.map(str::to_owned),
        })
        .collect())
}

/// The certifications leading to these ONISEP formations (table de passage), each once, by RNCP number.
pub async fn certifications_par_formations(
    ctx: &Context<'_>,
    formations: &[passerelle_core::IdFormationOnisep],
) -> async_graphql::Result<Vec<CertificationRattachee>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for id in formations {
        let filter = RncpFilter {
            formation_onisep: Some(id.clone()),
            ..RncpFilter::default()
        };
        let found = sources(ctx)
            .rncp
            .search(&filter, PageRequest::ALL)
            .await
            .map_err(|e| source_error(&e))?;
        for h in found.hits {
            if seen.insert((h.record.rncp.clone(), h.record.certif_info().cloned())) {
                out.push(CertificationRattachee {
                    rattachement: Rattachement::ViaFormationOnisep,
                    certification: Certification(h.record),
                });
            }
        }
    }
    out.sort_by(|a, b| a.certification.0.rncp.cmp(&b.certification.0.rncp));
    Ok(out)
}

/// The fiches ONISEP citing one of these formations among their minimal ones, by label.
pub async fn fiches_par_formations(
    ctx: &Context<'_>,
    formations: Vec<passerelle_core::IdFormationOnisep>,
) -> async_graphql::Result<Vec<FicheOnisepRattachee>> {
    if formations.is_empty() {
        return Ok(Vec::new());
    }
    let filter = OnisepFilter {
        formations: Some(formations),
        ..OnisepFilter::default()
    };
    let found = sources(ctx)
        .onisep
        .search(&filter, PageRequest::ALL)
        .await
        .map_err(|e| source_error(&e))?;
    Ok(found
        .hits
        .into_iter()
        .map(|h| FicheOnisepRattachee {
            rattachement: Rattachement::ViaFormationOnisep,
            fiche: FicheOnisep(h.record),
        })
        .collect())
}
