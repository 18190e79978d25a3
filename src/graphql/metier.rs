//! `Metier`: a fiche of the ROME 4.0, and what the other sources attach to it.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject};
use passerelle_core::{Adapter, PageRequest};
use passerelle_onisep::OnisepFilter;

use crate::graphql::common::{Nomenclature, Provenance};
use crate::graphql::errors::source_error;
use crate::graphql::filters::{FiltreActionsFormation, FiltreRessources};
use crate::graphql::formation::ActionFormation;
use crate::graphql::onisep::FicheOnisep;
use crate::graphql::pagination::{
    ActionFormationConnection, RessourceConnection, page, page_request,
};
use crate::graphql::ressource::Ressource;
use crate::graphql::scalars::CodeRome;
use crate::graphql::{loaders, sources};

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
}

/// Une fiche métier du ROME 4.0 (France Travail), avec ce que les autres sources y rattachent.
#[derive(Debug, Clone)]
pub struct Metier(pub Arc<passerelle_core::model::Metier>);

/// Une appellation (intitulé d'emploi) d'une fiche métier.
#[derive(Debug, SimpleObject)]
pub struct Appellation {
    /// Code OGR de l'appellation.
    pub code_ogr: String,
    /// Libellé complet.
    pub libelle: String,
    /// Libellé court.
    pub libelle_court: String,
    /// Appellation principale de la fiche.
    pub principale: bool,
    /// Libellé peu usité.
    pub peu_usitee: bool,
    /// Emploi de cadre.
    pub emploi_cadre: bool,
    /// Emploi réglementé.
    pub emploi_reglemente: bool,
}

/// Une fiche ONISEP et la façon dont elle est rattachée à la fiche métier.
#[derive(Debug, SimpleObject)]
pub struct FicheOnisepRattachee {
    /// Comment la fiche ONISEP est rattachée : DIRECT par son code ROME, VIA_FICHE_PARENTE quand l'ONISEP cite la fiche V3 que celle-ci détaille.
    pub rattachement: Rattachement,
    /// La fiche ONISEP.
    pub fiche: FicheOnisep,
}

/// Une fiche métier du ROME 4.0 (France Travail), avec ce que les autres sources y rattachent.
#[Object]
impl Metier {
    /// Code ROME de la fiche.
    async fn code_rome(&self) -> CodeRome {
        CodeRome(self.0.code.clone())
    }

    /// Libellé de la fiche (son appellation principale).
    async fn libelle(&self) -> &str {
        &self.0.libelle
    }

    /// Code OGR de la fiche.
    async fn code_ogr(&self) -> Option<String> {
        self.0.code_ogr.as_ref().map(ToString::to_string)
    }

    /// Définition du métier, phrases jointes dans l'ordre.
    async fn definition(&self) -> Option<&str> {
        self.0.definition.as_deref()
    }

    /// Accès au métier, phrases jointes dans l'ordre.
    async fn acces_metier(&self) -> Option<&str> {
        self.0.acces_metier.as_deref()
    }

    /// Grand domaine (lettre et libellé).
    async fn grand_domaine(&self) -> Nomenclature {
        (&self.0.grand_domaine).into()
    }

    /// Domaine professionnel (ex. M18).
    async fn domaine_professionnel(&self) -> Nomenclature {
        (&self.0.domaine_professionnel).into()
    }

    /// Appellations de la fiche, la principale d'abord.
    async fn appellations(
        &self,
        #[graphql(desc = "Nombre maximal d'appellations (toutes par défaut).")] first: Option<
            usize,
        >,
    ) -> Vec<Appellation> {
        self.0
            .appellations
            .iter()
            .take(first.unwrap_or(usize::MAX))
            .map(|a| Appellation {
                code_ogr: a.code_ogr.to_string(),
                libelle: a.libelle.clone(),
                libelle_court: a.libelle_court.clone(),
                principale: a.principale,
                peu_usitee: a.peu_usitee,
                emploi_cadre: a.emploi_cadre,
                emploi_reglemente: a.emploi_reglemente,
            })
            .collect()
    }

    /// Code de la fiche de niveau V3 que cette fiche ROME 4.0 détaille ; `null` si la fiche est sa propre parente.
    async fn code_rome_parent(&self) -> Option<CodeRome> {
        self.0.code_rome_parent.clone().map(CodeRome)
    }

    /// Fiche de niveau V3 que cette fiche détaille.
    async fn fiche_parente(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Metier>> {
        let Some(parent) = &self.0.code_rome_parent else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .metiers
            .load_one(parent.clone())
            .await
            .map_err(|e| source_error(&e))?
            .map(Metier))
    }

    /// Fiches ROME 4.0 qui détaillent cette fiche de niveau V3, par code.
    async fn fiches_detaillees(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Metier>> {
        load_metiers(ctx, &self.0.fiches_detaillees).await
    }

    /// Métiers cibles des mobilités, dans l'ordre du référentiel.
    async fn mobilites(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Metier>> {
        load_metiers(ctx, &self.0.mobilites).await
    }

    /// Lettre RIASEC majeure.
    async fn riasec_majeur(&self) -> Option<&str> {
        self.0.riasec_majeur.as_deref()
    }

    /// Lettre RIASEC mineure.
    async fn riasec_mineur(&self) -> Option<&str> {
        self.0.riasec_mineur.as_deref()
    }

    /// Étiquette de transition écologique, telle que publiée (ex. « Emploi Blanc »).
    async fn transition_ecologique(&self) -> Option<&str> {
        self.0.transitions.ecologique.as_deref()
    }

    /// Métier concerné par la transition numérique.
    async fn transition_numerique(&self) -> bool {
        self.0.transitions.numerique
    }

    /// Métier concerné par la transition démographique.
    async fn transition_demographique(&self) -> bool {
        self.0.transitions.demographique
    }

    /// Emploi réglementé.
    async fn emploi_reglemente(&self) -> bool {
        self.0.emploi_reglemente
    }

    /// Emploi de cadre.
    async fn emploi_cadre(&self) -> bool {
        self.0.emploi_cadre
    }

    /// Fiches métier ONISEP rattachées : celles qui citent ce code (DIRECT) et celles qui citent la fiche V3 que celle-ci détaille (VIA_FICHE_PARENTE). `null` si la source ONISEP est indisponible.
    async fn fiches_onisep(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<FicheOnisepRattachee>>> {
        let m = &self.0;
        let mut codes = vec![m.code.clone()];
        codes.extend(m.code_rome_parent.clone());
        let filter = OnisepFilter {
            codes_rome: Some(codes),
            texte: None,
        };
        let found = sources(ctx)
            .onisep
            .search(&filter, PageRequest::ALL)
            .await
            .map_err(|e| source_error(&e))?;
        let mut linked: Vec<FicheOnisepRattachee> = found
            .hits
            .into_iter()
            .map(|h| {
                let rattachement = if h.record.codes_rome.contains(&m.code) {
                    Rattachement::Direct
                } else {
                    Rattachement::ViaFicheParente
                };
                FicheOnisepRattachee {
                    rattachement,
                    fiche: FicheOnisep(h.record),
                }
            })
            .collect();
        linked.sort_by_key(|l| l.rattachement != Rattachement::Direct);
        Ok(Some(linked))
    }

    /// Actions de formation indexées sur ce code ROME : le même filtre que la liste racine `actionsFormation`, restreint à ce métier. `null` si la source Offre Info est indisponible.
    async fn actions_formation(
        &self,
        ctx: &Context<'_>,
        filtre: Option<FiltreActionsFormation>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<ActionFormationConnection>> {
        let request = page_request(first, after)?;
        let filter = filtre
            .unwrap_or_default()
            .resolve(ctx, Some(&self.0.code))
            .await?;
        let result = sources(ctx).offre_info.search(&filter, request).await;
        page(request, result, ActionFormation).map(Some)
    }

    /// Ressources de découverte rattachées à ce code ROME : le même filtre que la liste racine `ressources`, restreint à ce métier. `null` si la source Repère Métiers est indisponible.
    async fn ressources(
        &self,
        ctx: &Context<'_>,
        filtre: Option<FiltreRessources>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<RessourceConnection>> {
        let request = page_request(first, after)?;
        let filter = filtre
            .unwrap_or_default()
            .resolve(ctx, Some(&self.0.code))
            .await?;
        let result = sources(ctx).repere_metiers.search(&filter, request).await;
        page(request, result, Ressource).map(Some)
    }

    /// Provenance de la fiche.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}

/// Loads métiers by code through the request's loader, in the order given; unknown codes are skipped.
pub async fn load_metiers(
    ctx: &Context<'_>,
    codes: &[passerelle_core::CodeRome],
) -> async_graphql::Result<Vec<Metier>> {
    let found = loaders(ctx)
        .metiers
        .load_many(codes.iter().cloned())
        .await
        .map_err(|e| source_error(&e))?;
    Ok(codes
        .iter()
        .filter_map(|c| found.get(c).cloned().map(Metier))
        .collect())
}
