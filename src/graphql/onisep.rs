//! `FicheOnisep`: a métier described by ONISEP, joined to ROME 4.0.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use passerelle_core::{Adapter, PageRequest};
use passerelle_rome::RomeFilter;

use crate::graphql::common::Provenance;
use crate::graphql::errors::source_error;
use crate::graphql::metier::{Metier, Rattachement, load_metiers};
use crate::graphql::scalars::{CodeRome, IdOnisep};
use crate::graphql::sources;

/// Une fiche métier Idéo de l'ONISEP, écrite pour les jeunes et leurs familles.
#[derive(Debug, Clone)]
pub struct FicheOnisep(pub Arc<passerelle_core::model::FicheOnisep>);

/// Une publication ONISEP qui présente le métier.
#[derive(Debug, SimpleObject)]
pub struct Publication {
    /// Titre.
    pub titre: String,
    /// Collection.
    pub collection: Option<String>,
    /// Année de parution.
    pub annee: Option<i32>,
    /// EAN-13 (gencod).
    pub ean: Option<String>,
}

/// Un domaine et un sous-domaine de la classification ONISEP.
#[derive(Debug, SimpleObject)]
pub struct DomaineOnisep {
    /// Domaine.
    pub domaine: String,
    /// Sous-domaine.
    pub sous_domaine: Option<String>,
}

/// Une fiche métier ROME 4.0 et la façon dont elle est rattachée à la fiche ONISEP.
#[derive(Debug, SimpleObject)]
pub struct MetierRattache {
    /// DIRECT pour le code ROME cité par l'ONISEP, VIA_FICHE_DETAILLEE pour les fiches ROME 4.0 qui le détaillent.
    pub rattachement: Rattachement,
    /// La fiche métier.
    pub metier: Metier,
}

/// Une fiche métier Idéo de l'ONISEP, écrite pour les jeunes et leurs familles.
#[Object]
impl FicheOnisep {
    /// Identifiant ONISEP (MET.n).
    async fn id(&self) -> IdOnisep {
        IdOnisep(self.0.id.clone())
    }

    /// Libellé du métier, tel que l'ONISEP l'écrit.
    async fn libelle(&self) -> &str {
        &self.0.libelle
    }

    /// Page du métier sur onisep.fr.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// Publications ONISEP qui présentent le métier.
    async fn publications(&self) -> Vec<Publication> {
        self.0
            .publications
            .iter()
            .map(|p| Publication {
                titre: p.titre.clone(),
                collection: p.collection.clone(),
                annee: p.annee,
                ean: p.ean.clone(),
            })
            .collect()
    }

    /// Groupe formation emploi (GFE).
    async fn gfe(&self) -> Option<&str> {
        self.0.gfe.as_deref()
    }

    /// Codes ROME cités par l'ONISEP (niveau V3), bien formés.
    async fn codes_rome(&self) -> Vec<CodeRome> {
        self.0.codes_rome.iter().cloned().map(CodeRome).collect()
    }

    /// Libellés ROME cités par l'ONISEP (libellés V3), dans l'ordre de `codesRome`.
    async fn libelles_rome(&self) -> &[String] {
        &self.0.libelles_rome
    }

    /// Codes ROME mal formés publiés par la source : montrés tels quels, jamais joints.
    async fn codes_rome_invalides(&self) -> &[String] {
        &self.0.codes_rome_invalides
    }

    /// Domaines et sous-domaines ONISEP.
    async fn domaines(&self) -> Vec<DomaineOnisep> {
        self.0
            .domaines
            .iter()
            .map(|d| DomaineOnisep {
                domaine: d.domaine.clone(),
                sous_domaine: d.sous_domaine.clone(),
            })
            .collect()
    }

    /// Fiches ROME 4.0 rattachées : celles des codes cités (DIRECT) puis les fiches qui les détaillent (VIA_FICHE_DETAILLEE). `null` si la source ROME est indisponible.
    async fn metiers(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<MetierRattache>>> {
        let direct = load_metiers(ctx, &self.0.codes_rome).await?;
        let mut linked: Vec<MetierRattache> = direct
            .iter()
            .cloned()
            .map(|metier| MetierRattache {
                rattachement: Rattachement::Direct,
                metier,
            })
            .collect();
        for parent in &direct {
            let filter = RomeFilter {
                code_rome_parent: Some(parent.0.code.clone()),
                ..RomeFilter::default()
            };
            let children = sources(ctx)
                .rome
                .search(&filter, PageRequest::ALL)
                .await
                .map_err(|e| source_error(&e))?;
            linked.extend(
                children
                    .hits
                    .into_iter()
                    .filter(|h| !self.0.codes_rome.contains(&h.record.code))
                    .map(|h| MetierRattache {
                        rattachement: Rattachement::ViaFicheDetaillee,
                        metier: Metier(h.record),
                    }),
            );
        }
        Ok(Some(linked))
    }

    /// Provenance de la fiche.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}
