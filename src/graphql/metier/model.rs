//! The parts of a fiche métier: compétences, savoirs, contextes, classifications, mobilités, and the
//! référentiel's grands domaines.

use async_graphql::{Enum, SimpleObject};
use passerelle_core::model::Importance;

use crate::graphql::common::{Nomenclature, Provenance};
use crate::graphql::metier::Metier;

/// Une mobilité professionnelle : une fiche vers laquelle évoluer depuis celle-ci.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
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
#[graphql(crate = "crate::graphql::fast")]
pub struct MacroCompetence {
    /// Code OGR.
    pub code_ogr: String,
    /// Libellé.
    pub libelle: String,
}

/// Une compétence (savoir-faire ou savoir-être professionnel) mobilisée par le métier.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
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
#[graphql(crate = "crate::graphql::fast")]
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
#[graphql(crate = "crate::graphql::fast")]
pub struct GroupeSavoirs {
    /// Catégorie (ex. « Domaines d'expertise »).
    pub categorie: String,
    /// Les savoirs de la catégorie, par libellé.
    pub savoirs: Vec<Savoir>,
}

/// Un contexte de travail du métier.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct ContexteTravail {
    /// Code OGR.
    pub code_ogr: String,
    /// Libellé (ex. « Travail le samedi »).
    pub libelle: String,
}

/// Les contextes de travail d'un type.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct GroupeContextesTravail {
    /// Type de contexte (ex. 2 « Horaires et durée du travail »).
    #[graphql(name = "type")]
    pub type_contexte: Nomenclature,
    /// Les contextes de ce type, par libellé.
    pub contextes: Vec<ContexteTravail>,
}

/// Un centre d'intérêt auquel le métier est rattaché.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
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
#[graphql(crate = "crate::graphql::fast")]
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
#[graphql(crate = "crate::graphql::fast")]
pub struct GrandDomaine {
    /// Lettre (ex. M).
    pub code: String,
    /// Libellé.
    pub libelle: Option<String>,
    /// Ses domaines professionnels, par code.
    pub domaines_professionnels: Vec<DomaineProfessionnel>,
    /// Provenance : le ROME 4.0 chargé.
    pub provenance: Provenance,
}

/// Un domaine professionnel du ROME (ex. M18).
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct DomaineProfessionnel {
    /// Code : la lettre du grand domaine et deux chiffres (ex. M18).
    pub code: String,
    /// Libellé.
    pub libelle: Option<String>,
    /// Lettre de son grand domaine.
    pub code_grand_domaine: String,
    /// Provenance : le ROME 4.0 chargé.
    pub provenance: Provenance,
}

impl DomaineProfessionnel {
    /// The domaines professionnels, those of `grand_domaine` only when given.
    pub fn all(
        n: &passerelle_rome::Nomenclatures,
        grand_domaine: Option<&str>,
        provenance: &passerelle_core::Provenance,
    ) -> Vec<Self> {
        n.domaines_professionnels
            .iter()
            .filter(|d| grand_domaine.is_none_or(|g| d.code.starts_with(g)))
            .map(|d| Self {
                code: d.code.clone(),
                libelle: d.libelle.clone(),
                code_grand_domaine: d.code.chars().take(1).collect(),
                provenance: provenance.into(),
            })
            .collect()
    }
}

impl GrandDomaine {
    /// The grands domaines with their domaines professionnels.
    pub fn all(
        n: &passerelle_rome::Nomenclatures,
        provenance: &passerelle_core::Provenance,
    ) -> Vec<Self> {
        n.grands_domaines
            .iter()
            .map(|g| Self {
                code: g.code.clone(),
                libelle: g.libelle.clone(),
                domaines_professionnels: DomaineProfessionnel::all(n, Some(&g.code), provenance),
                provenance: provenance.into(),
            })
            .collect()
    }
}
