//! A fiche métier of the ROME 4.0 and its appellations.

use crate::codes::{CodeOgr, CodeRome};
use crate::model::CodeLibelle;
use crate::provenance::Provenance;

/// A fiche métier of the ROME 4.0.
#[derive(Debug, Clone)]
pub struct Metier {
    /// Code ROME of the fiche.
    pub code: CodeRome,
    /// Code OGR of the fiche.
    pub code_ogr: Option<CodeOgr>,
    /// Label of the fiche (its appellation principale).
    pub libelle: String,
    /// The V3-level fiche this ROME 4.0 fiche details; `None` when the fiche is its own parent.
    pub code_rome_parent: Option<CodeRome>,
    /// The ROME 4.0 fiches that detail this one (when it is a V3-level fiche), in code order; `None`
    /// when the source cannot tell (the France Travail API does not list them).
    pub fiches_detaillees: Option<Vec<CodeRome>>,
    /// Grand domaine (`M` « Support à l'entreprise »).
    pub grand_domaine: CodeLibelle,
    /// Domaine professionnel (`M18`).
    pub domaine_professionnel: CodeLibelle,
    /// Definition, its sentences joined in order.
    pub definition: Option<String>,
    /// Access to the métier, its sentences joined in order.
    pub acces_metier: Option<String>,
    /// Appellations, the principale first.
    pub appellations: Vec<Appellation>,
    /// Target métiers of the mobilités, in the référentiel's order.
    pub mobilites: Vec<CodeRome>,
    /// Savoir-faire mobilised by the métier, cœur de métier first.
    pub competences: Vec<Competence>,
    /// Savoir-être professionnels.
    pub savoirs_etre: Vec<Competence>,
    /// Savoirs (knowledge), in category then label order.
    pub savoirs: Vec<Savoir>,
    /// Contextes de travail, in type then label order.
    pub contextes_travail: Vec<ContexteTravail>,
    /// Centres d'intérêt the métier belongs to.
    pub centres_interet: Vec<Classement>,
    /// Secteurs d'activité the métier belongs to.
    pub secteurs_activite: Vec<Classement>,
    /// Divisions NAF where the métier is exercised.
    pub divisions_naf: Vec<CodeLibelle>,
    /// Thèmes the métier belongs to.
    pub themes: Vec<CodeLibelle>,
    /// Formacodes of the métier: only the France Travail API gives them (`None` from the CSV export).
    pub formacodes: Option<Vec<CodeLibelle>>,
    /// ISCO code: only the France Travail API gives it (`None` from the CSV export).
    pub code_isco: Option<String>,
    /// RIASEC major and minor profile letters.
    pub riasec_majeur: Option<String>,
    /// RIASEC minor letter.
    pub riasec_mineur: Option<String>,
    /// The three transition tags.
    pub transitions: Transitions,
    /// Whether the métier is a regulated occupation.
    pub emploi_reglemente: bool,
    /// Whether the métier is an executive (cadre) occupation.
    pub emploi_cadre: bool,
    /// Where the record comes from.
    pub provenance: Provenance,
}

/// A compétence (savoir-faire or savoir-être professionnel) mobilised by a métier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competence {
    /// Code OGR of the compétence.
    pub code_ogr: CodeOgr,
    /// Label.
    pub libelle: String,
    /// Whether the référentiel lists it as a macro-compétence (linked to the fiche as a whole).
    pub est_macro: bool,
    /// The macro-compétence a detailed compétence belongs to (CSV export only).
    pub macro_competence: Option<MacroCompetence>,
    /// The enjeu the compétence serves in this fiche (France Travail API only).
    pub enjeu: Option<CodeLibelle>,
    /// Subcategory as published (« Technique », « Technique expert », « Transverse »).
    pub sous_categorie: Option<String>,
    /// Importance for this métier.
    pub importance: Importance,
}

/// A macro-compétence of the référentiel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroCompetence {
    /// Code OGR.
    pub code_ogr: CodeOgr,
    /// Label.
    pub libelle: String,
}

/// How central a compétence or savoir is to a métier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Importance {
    /// « Cœur de métier » (principale).
    CoeurDeMetier,
    /// Émergente.
    Emergente,
    /// Mobilised, neither of the above.
    #[default]
    Mobilisee,
}

/// A savoir (knowledge) of a métier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Savoir {
    /// Code OGR.
    pub code_ogr: CodeOgr,
    /// Label.
    pub libelle: String,
    /// Category (« Domaines d'expertise », « Normes et procédés »…).
    pub categorie: String,
    /// Subcategory (« Langages informatiques »…).
    pub sous_categorie: Option<String>,
    /// Importance for this métier.
    pub importance: Importance,
}

/// A contexte de travail of a métier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContexteTravail {
    /// Code OGR.
    pub code_ogr: CodeOgr,
    /// Label.
    pub libelle: String,
    /// Type of context (« Horaires et durée du travail »…).
    pub type_contexte: CodeLibelle,
}

/// A class of a référentiel tree (centre d'intérêt, secteur d'activité) the métier belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classement {
    /// Code and label of the class.
    pub classe: CodeLibelle,
    /// Sub-class (sous-secteur d'activité), when the tree has one.
    pub sous_classe: Option<CodeLibelle>,
    /// Whether it is the métier's main class.
    pub principal: bool,
}

/// The transition tags of a fiche or an appellation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transitions {
    /// Ecological transition tag (« Emploi Blanc », « Emploi Vert »…), as published.
    pub ecologique: Option<String>,
    /// Digital transition.
    pub numerique: bool,
    /// Demographic transition.
    pub demographique: bool,
}

/// An appellation (job title) of a fiche métier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appellation {
    /// Code OGR of the appellation.
    pub code_ogr: CodeOgr,
    /// Full label.
    pub libelle: String,
    /// Short label.
    pub libelle_court: String,
    /// Whether this is the fiche's appellation principale.
    pub principale: bool,
    /// Whether the label is rarely used.
    pub peu_usitee: bool,
    /// Executive occupation.
    pub emploi_cadre: bool,
    /// Regulated occupation.
    pub emploi_reglemente: bool,
}
