//! `Metier`: a fiche of the ROME 4.0, and what the other sources attach to it.
//!
//! Files: [`appellation`] (job titles), [`model`] (the parts of a fiche), [`rattachement`] (how other
//! sources' records attach to fiches, both ways).

mod appellation;
mod model;
mod rattachement;

use std::sync::Arc;

use async_graphql::{Context, Object};
use passerelle_core::Adapter;

use crate::graphql::common::{Nomenclature, Provenance};
use crate::graphql::errors::source_error;
use crate::graphql::filters::{FiltreActionsFormation, FiltreRessources};
use crate::graphql::formation::ActionFormation;
use crate::graphql::pagination::{
    ActionFormationConnection, RessourceConnection, page_rattache, page_request,
};
use crate::graphql::scalars::CodeRome;
use crate::graphql::{loaders, sources};

pub use appellation::Appellation;
pub use model::{
    CentreInteret, Competence, ContexteTravail, DomaineProfessionnel, GrandDomaine,
    GroupeContextesTravail, GroupeSavoirs, Mobilite, Savoir, SecteurActivite,
};
pub use rattachement::{
    CertificationRattachee, FicheOnisepRattachee, MetierRattache, Rattachement,
    certifications_par_formations, fiches_par_formations, metiers_rattaches,
};
use rattachement::{certifications_de, fiches_onisep_de, formacodes_rncp};

/// Une façon de relier un métier à des actions de formation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum JointureFormation {
    /// Par code ROME : les actions indexées sur la fiche ou sur la fiche V3 qu'elle détaille.
    CodeRome,
    /// Par certification : les actions qui préparent une certification rattachée au métier (RNCP ou Certif Info).
    Certification,
    /// Par Formacode : les actions indexées sur un Formacode du métier.
    Formacode,
}

/// Une fiche métier du ROME 4.0 (France Travail), avec ce que les autres sources y rattachent.
#[derive(Debug, Clone)]
pub struct Metier(pub Arc<passerelle_core::model::Metier>);

/// Une fiche métier du ROME 4.0 (France Travail), avec ce que les autres sources y rattachent.
#[Object(cache_control(max_age = 3600), crate = "crate::graphql::fast")]
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

    /// Appellations de la fiche, la principale d'abord, puis les synonymes par libellé.
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
                appellation: a.clone(),
                code_rome: self.0.code.clone(),
                provenance: self.0.provenance.clone(),
            })
            .collect()
    }

    /// Savoir-faire mobilisés par le métier : cœur de métier d'abord, puis émergents, puis les autres, par libellé.
    async fn competences(&self) -> Vec<Competence> {
        self.0.competences.iter().map(Competence::from).collect()
    }

    /// Savoir-être professionnels (macro-compétences).
    async fn savoirs_etre(&self) -> Vec<Competence> {
        self.0.savoirs_etre.iter().map(Competence::from).collect()
    }

    /// Savoirs, par catégorie puis libellé.
    async fn savoirs(&self) -> Vec<GroupeSavoirs> {
        let mut groups: Vec<GroupeSavoirs> = Vec::new();
        for s in &self.0.savoirs {
            let savoir = Savoir {
                code_ogr: s.code_ogr.to_string(),
                libelle: s.libelle.clone(),
                sous_categorie: s.sous_categorie.clone(),
                importance: s.importance.into(),
            };
            match groups.iter_mut().find(|g| g.categorie == s.categorie) {
                Some(g) => g.savoirs.push(savoir),
                None => groups.push(GroupeSavoirs {
                    categorie: s.categorie.clone(),
                    savoirs: vec![savoir],
                }),
            }
        }
        groups
    }

    /// Contextes de travail, par type.
    async fn contextes_travail(&self) -> Vec<GroupeContextesTravail> {
        let mut groups: Vec<GroupeContextesTravail> = Vec::new();
        for c in &self.0.contextes_travail {
            let contexte = ContexteTravail {
                code_ogr: c.code_ogr.to_string(),
                libelle: c.libelle.clone(),
            };
            match groups
                .iter_mut()
                .find(|g| g.type_contexte.code == c.type_contexte.code)
            {
                Some(g) => g.contextes.push(contexte),
                None => groups.push(GroupeContextesTravail {
                    type_contexte: (&c.type_contexte).into(),
                    contextes: vec![contexte],
                }),
            }
        }
        groups
    }

    /// Centres d'intérêt du métier, le principal d'abord.
    async fn centres_interet(&self) -> Vec<CentreInteret> {
        self.0
            .centres_interet
            .iter()
            .map(|c| CentreInteret {
                code: c.classe.code.clone(),
                libelle: c.classe.libelle.clone(),
                principal: c.principal,
            })
            .collect()
    }

    /// Secteurs d'activité du métier, le principal d'abord.
    async fn secteurs_activite(&self) -> Vec<SecteurActivite> {
        self.0
            .secteurs_activite
            .iter()
            .map(|c| SecteurActivite {
                code: c.classe.code.clone(),
                libelle: c.classe.libelle.clone(),
                sous_secteur: c.sous_classe.as_ref().map(Nomenclature::from),
                principal: c.principal,
            })
            .collect()
    }

    /// Divisions NAF (rév. 2, deux chiffres) où le métier s'exerce.
    async fn divisions_naf(&self) -> Vec<Nomenclature> {
        self.0
            .divisions_naf
            .iter()
            .map(Nomenclature::from)
            .collect()
    }

    /// Thèmes du métier (ex. « Métiers du multimédia »).
    async fn themes(&self) -> Vec<Nomenclature> {
        self.0.themes.iter().map(Nomenclature::from).collect()
    }

    /// Formacodes des formations qui mènent au métier. En mode http, ceux de l'API France Travail ; sinon (l'export CSV du ROME ne les publie pas), ceux des certifications RNCP rattachées au métier — celles qui citent la fiche, à défaut celles qui citent sa fiche parente —, les plus cités d'abord. `null` si la source des certifications est indisponible.
    async fn formacodes(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<Nomenclature>>> {
        match &self.0.formacodes {
            Some(f) => Ok(Some(f.iter().map(Nomenclature::from).collect())),
            None => formacodes_rncp(ctx, &self.0).await.map(Some),
        }
    }

    /// Code ISCO (CITP-08) du métier. API France Travail seulement : `null` en modes snapshot et échantillon.
    async fn code_isco(&self) -> Option<&str> {
        self.0.code_isco.as_deref()
    }

    /// Version du ROME dont vient la fiche (ex. « 60 »).
    async fn version(&self) -> Option<&str> {
        self.0.provenance.version.as_deref()
    }

    /// Code de la fiche de niveau V3 que cette fiche ROME 4.0 détaille ; `null` si la fiche est sa propre parente.
    async fn code_rome_parent(&self) -> Option<CodeRome> {
        self.0.code_rome_parent.clone().map(CodeRome)
    }

    /// Fiche de niveau V3 que cette fiche détaille.
    async fn fiche_parente(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Metier>> {
        match &self.0.code_rome_parent {
            Some(parent) => load_metier(ctx, parent.clone()).await,
            None => Ok(None),
        }
    }

    /// Fiches ROME 4.0 qui détaillent cette fiche de niveau V3, par code (liste vide pour une fiche qui n'en a pas). Export CSV seulement : `null` en mode http, l'API ne sachant pas les lister.
    async fn fiches_detaillees(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<Metier>>> {
        match &self.0.fiches_detaillees {
            Some(codes) => load_metiers(ctx, codes).await.map(Some),
            None => Ok(None),
        }
    }

    /// Mobilités professionnelles : les fiches vers lesquelles évoluer, dans l'ordre du référentiel.
    async fn mobilites(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Mobilite>> {
        let found = loaders(ctx)
            .metiers
            .load_many(self.0.mobilites.iter().cloned())
            .await
            .map_err(|e| source_error(&e))?;
        Ok(self
            .0
            .mobilites
            .iter()
            .zip(1..)
            .filter_map(|(c, ordre)| {
                found.get(c).map(|m| Mobilite {
                    ordre,
                    cible: Metier(Arc::clone(m)),
                })
            })
            .collect())
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
        fiches_onisep_de(ctx, &self.0).await.map(Some)
    }

    /// Certifications (RNCP, Certif Info) rattachées : celles dont la fiche RNCP cite ce code (DIRECT), puis celles qui citent la fiche V3 que celle-ci détaille (VIA_FICHE_PARENTE), par numéro RNCP. `null` si la source des certifications est indisponible.
    async fn certifications(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<CertificationRattachee>>> {
        certifications_de(ctx, &self.0).await.map(Some)
    }

    /// Actions de formation rattachées au métier, sous le même filtre que la liste racine `actionsFormation`. Par défaut par code ROME : les actions indexées sur la fiche (DIRECT) ou sur la fiche V3 qu'elle détaille (VIA_FICHE_PARENTE). `jointures` ajoute les actions qui préparent une certification rattachée au métier (VIA_CERTIFICATION, voir `certifications`) ou indexées sur un Formacode du métier (VIA_FORMACODE, voir `formacodes`) ; l'arête dit par où chaque action est venue (le premier de cet ordre). `null` si la source Offre Info est indisponible.
    async fn actions_formation(
        &self,
        ctx: &Context<'_>,
        filtre: Option<FiltreActionsFormation>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
        #[graphql(
            desc = "Les façons de relier le métier aux actions (une au moins).",
            default_with = "vec![JointureFormation::CodeRome]"
        )]
        jointures: Vec<JointureFormation>,
    ) -> async_graphql::Result<Option<ActionFormationConnection>> {
        let request = page_request(ctx, first, after)?;
        if jointures.is_empty() {
            return Err(crate::graphql::errors::bad_input(
                "jointures",
                "jointures : au moins une façon de relier le métier est attendue (CODE_ROME, CERTIFICATION, FORMACODE)",
            ));
        }
        if jointures == [JointureFormation::CodeRome] {
            return filtre
                .unwrap_or_default()
                .page(ctx, Some(&self.0.code), request)
                .await
                .map(Some);
        }
        let (mut filter, _) = filtre.unwrap_or_default().resolve(ctx, None).await?;
        let mut any = passerelle_offre_info::AnyOf::default();
        let mut by_code = None;
        if jointures.contains(&JointureFormation::CodeRome) {
            let (codes, widened) =
                crate::graphql::filters::CodesRome::widen(ctx, vec![self.0.code.clone()]).await;
            any.codes_rome = widened;
            by_code = Some(codes);
        }
        if jointures.contains(&JointureFormation::Certification) {
            for c in certifications_de(ctx, &self.0).await? {
                let c = &c.certification.0;
                any.rncp.extend(c.rncp.clone());
                any.certif_info.extend(
                    c.correspondances
                        .iter()
                        .filter_map(|k| k.certif_info.clone()),
                );
            }
        }
        if jointures.contains(&JointureFormation::Formacode) {
            let formacodes = match &self.0.formacodes {
                Some(f) => f.iter().map(|n| n.code.clone()).collect(),
                None => formacodes_rncp(ctx, &self.0)
                    .await?
                    .into_iter()
                    .map(|n| n.code)
                    .collect::<Vec<String>>(),
            };
            any.formacodes = formacodes
                .iter()
                .filter_map(|c| passerelle_core::Formacode::parse(c).ok())
                .collect();
        }
        let wanted = any.clone();
        filter.any_of = Some(any);
        let result = sources(ctx).offre_info.search(&filter, request).await;
        page_rattache(request, result, ActionFormation, |a| {
            let f = &a.formation;
            if let Some(codes) = &by_code
                && f.codes_rome.iter().any(|c| wanted.codes_rome.contains(c))
            {
                return Some(codes.rattachement(&f.codes_rome));
            }
            let certified = f.certifications.iter().any(|c| {
                c.rncp.as_ref().is_some_and(|r| wanted.rncp.contains(r))
                    || c.certif_info
                        .as_ref()
                        .is_some_and(|ci| wanted.certif_info.contains(ci))
            });
            if certified {
                return Some(Rattachement::ViaCertification);
            }
            f.formacodes
                .iter()
                .any(|c| wanted.formacodes.contains(&c.code))
                .then_some(Rattachement::ViaFormacode)
        })
        .map(Some)
    }

    /// Ressources de découverte rattachées à ce code ROME : le même filtre que la liste racine `ressources`, restreint à ce métier. `null` si la source Repère Métiers est indisponible.
    async fn ressources(
        &self,
        ctx: &Context<'_>,
        filtre: Option<FiltreRessources>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<RessourceConnection>> {
        let request = page_request(ctx, first, after)?;
        filtre
            .unwrap_or_default()
            .page(ctx, Some(&self.0.code), request)
            .await
            .map(Some)
    }

    /// Provenance de la fiche.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}

/// Loads one métier by code through the request's loader; `None` for an unknown code.
pub async fn load_metier(
    ctx: &Context<'_>,
    code: passerelle_core::CodeRome,
) -> async_graphql::Result<Option<Metier>> {
    Ok(loaders(ctx)
        .metiers
        .load_one(code)
        .await
        .map_err(|e| source_error(&e))?
        .map(Metier))
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
