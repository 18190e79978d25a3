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
    /// The ROME 4.0 fiches that detail this one (when it is a V3-level fiche), in code order.
    pub fiches_detaillees: Vec<CodeRome>,
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
