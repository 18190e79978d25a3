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
use passerelle_core::model::Importance;

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
#[derive(Debug, Clone)]
pub struct Appellation {
    appellation: passerelle_core::model::Appellation,
    code_rome: passerelle_core::CodeRome,
}

impl From<passerelle_rome::AppellationTrouvee> for Appellation {
    fn from(a: passerelle_rome::AppellationTrouvee) -> Self {
        Self {
            appellation: a.appellation,
            code_rome: a.code_rome,
        }
    }
}

/// Une appellation (intitulé d'emploi) d'une fiche métier.
#[Object]
impl Appellation {
    /// Code OGR de l'appellation.
    async fn code_ogr(&self) -> String {
        self.appellation.code_ogr.to_string()
    }
    /// Libellé complet (ex. « Développeur / Développeuse web »).
    async fn libelle(&self) -> &str {
        &self.appellation.libelle
    }
    /// Libellé court.
    async fn libelle_court(&self) -> &str {
        &self.appellation.libelle_court
    }
    /// Appellation principale de la fiche (les autres sont des synonymes).
    async fn principale(&self) -> bool {
        self.appellation.principale
    }
    /// Libellé peu usité (`peu_usite` du référentiel).
    async fn peu_usitee(&self) -> bool {
        self.appellation.peu_usitee
    }
    /// Emploi de cadre.
    async fn emploi_cadre(&self) -> bool {
        self.appellation.emploi_cadre
    }
    /// Emploi réglementé.
    async fn emploi_reglemente(&self) -> bool {
        self.appellation.emploi_reglemente
    }
    /// Code ROME de la fiche de l'appellation.
    async fn code_rome(&self) -> CodeRome {
        CodeRome(self.code_rome.clone())
    }
    /// La fiche métier de l'appellation. `null` si la source ROME est indisponible.
    async fn metier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Metier>> {
        load_metier(ctx, self.code_rome.clone()).await
    }
}

/// Une mobilité professionnelle : une fiche vers laquelle évoluer depuis celle-ci.
#[derive(Debug, SimpleObject)]
pub struct Mobilite {
    /// Rang de la mobilité dans la fiche (1 = la première proposée).
    pub ordre: i32,
    /// La fiche cible.
    pub cible: Metier,
}

/// Place d'une compétence ou d'un savoir dans le métier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ImportanceCompetence {
    /// « Cœur de métier » : compétence principale de la fiche.
    CoeurDeMetier,
    /// Compétence émergente.
    Emergente,
    /// Compétence mobilisée, ni principale ni émergente.
    Mobilisee,
}

impl From<Importance> for ImportanceCompetence {
    fn from(i: Importance) -> Self {
        match i {
            Importance::CoeurDeMetier => Self::CoeurDeMetier,
            Importance::Emergente => Self::Emergente,
            Importance::Mobilisee => Self::Mobilisee,
        }
    }
}

/// Une macro-compétence du référentiel.
#[derive(Debug, SimpleObject)]
pub struct MacroCompetence {
    /// Code OGR.
    pub code_ogr: String,
    /// Libellé.
    pub libelle: String,
}

/// Une compétence (savoir-faire ou savoir-être professionnel) mobilisée par le métier.
#[derive(Debug, SimpleObject)]
pub struct Competence {
    /// Code OGR.
    pub code_ogr: String,
    /// Libellé.
    pub libelle: String,
    /// La compétence est une macro-compétence du référentiel (rattachée à la fiche telle quelle).
    pub est_macro_competence: bool,
    /// Macro-compétence dont relève cette compétence détaillée. Export CSV seulement : `null` en mode http.
    pub macro_competence: Option<MacroCompetence>,
    /// Sous-catégorie (« Technique », « Technique expert », « Transverse »). Export CSV seulement : `null` en mode http.
    pub sous_categorie: Option<String>,
    /// Place de la compétence dans le métier.
    pub importance: ImportanceCompetence,
    /// Compétence « cœur de métier » (principale).
    pub coeur_de_metier: bool,
    /// Enjeu auquel la compétence répond dans la fiche. API France Travail seulement : `null` en modes snapshot et échantillon.
    pub enjeu: Option<Nomenclature>,
}

impl From<&passerelle_core::model::Competence> for Competence {
    fn from(c: &passerelle_core::model::Competence) -> Self {
        Self {
            code_ogr: c.code_ogr.to_string(),
            libelle: c.libelle.clone(),
            est_macro_competence: c.est_macro,
            macro_competence: c.macro_competence.as_ref().map(|m| MacroCompetence {
                code_ogr: m.code_ogr.to_string(),
                libelle: m.libelle.clone(),
            }),
            sous_categorie: c.sous_categorie.clone(),
            importance: c.importance.into(),
            coeur_de_metier: c.importance == Importance::CoeurDeMetier,
            enjeu: c.enjeu.as_ref().map(Nomenclature::from),
        }
    }
}

/// Un savoir (connaissance) mobilisé par le métier.
#[derive(Debug, SimpleObject)]
pub struct Savoir {
    /// Code OGR.
    pub code_ogr: String,
    /// Libellé.
    pub libelle: String,
    /// Sous-catégorie (ex. « Langages informatiques »). Export CSV seulement : `null` en mode http.
    pub sous_categorie: Option<String>,
    /// Place du savoir dans le métier.
    pub importance: ImportanceCompetence,
}

/// Les savoirs d'une catégorie.
#[derive(Debug, SimpleObject)]
pub struct GroupeSavoirs {
    /// Catégorie (ex. « Domaines d'expertise »).
    pub categorie: String,
    /// Les savoirs de la catégorie, par libellé.
    pub savoirs: Vec<Savoir>,
}

/// Un contexte de travail du métier.
#[derive(Debug, SimpleObject)]
pub struct ContexteTravail {
    /// Code OGR.
    pub code_ogr: String,
    /// Libellé (ex. « Travail le samedi »).
    pub libelle: String,
}

/// Les contextes de travail d'un type.
#[derive(Debug, SimpleObject)]
pub struct GroupeContextesTravail {
    /// Type de contexte (ex. 2 « Horaires et durée du travail »).
    #[graphql(name = "type")]
    pub type_contexte: Nomenclature,
    /// Les contextes de ce type, par libellé.
    pub contextes: Vec<ContexteTravail>,
}

/// Un centre d'intérêt auquel le métier est rattaché.
#[derive(Debug, SimpleObject)]
pub struct CentreInteret {
    /// Code.
    pub code: String,
    /// Libellé (ex. « J'aime faire des découvertes »).
    pub libelle: Option<String>,
    /// Centre d'intérêt principal du métier.
    pub principal: bool,
}

/// Un secteur d'activité auquel le métier est rattaché.
#[derive(Debug, SimpleObject)]
pub struct SecteurActivite {
    /// Code du secteur.
    pub code: String,
    /// Libellé du secteur.
    pub libelle: Option<String>,
    /// Sous-secteur, quand le rattachement est fait à ce niveau.
    pub sous_secteur: Option<Nomenclature>,
    /// Secteur principal du métier.
    pub principal: bool,
}

/// Un grand domaine du ROME et ses domaines professionnels.
#[derive(Debug, SimpleObject)]
pub struct GrandDomaine {
    /// Lettre (ex. M).
    pub code: String,
    /// Libellé.
    pub libelle: Option<String>,
    /// Ses domaines professionnels, par code.
    pub domaines_professionnels: Vec<Nomenclature>,
}

impl GrandDomaine {
    /// The grands domaines with their domaines professionnels.
    pub fn all(n: &passerelle_rome::Nomenclatures) -> Vec<Self> {
        n.grands_domaines
            .iter()
            .map(|g| Self {
                code: g.code.clone(),
                libelle: g.libelle.clone(),
                domaines_professionnels: n
                    .domaines_professionnels
                    .iter()
                    .filter(|d| d.code.starts_with(&g.code))
                    .map(Nomenclature::from)
                    .collect(),
            })
            .collect()
    }
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

    /// Formacodes des formations qui mènent au métier. API France Travail seulement : `null` en modes snapshot et échantillon (l'export CSV ne les publie pas).
    async fn formacodes(&self) -> Option<Vec<Nomenclature>> {
        self.0
            .formacodes
            .as_ref()
            .map(|f| f.iter().map(Nomenclature::from).collect())
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
