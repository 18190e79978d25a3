//! The domain model: what passerelle knows of métiers, fiches ONISEP, training offers, discovery
//! resources and communes, independent of any source format and of GraphQL.

mod certification;
mod commune;
mod formation;
mod metier;
mod onisep;
mod ressource;

pub use certification::{Certificateur, Certification, Correspondance, FormationOnisep};
pub use commune::{Commune, GeoPoint};
pub use formation::{
    ActionFormation, CertificationVisee, ContactOffre, FormacodeIndexe, Formation, Lieu, Organisme,
    OriginePosition, Session,
};
pub use metier::{
    Appellation, Classement, Competence, ContexteTravail, Importance, MacroCompetence, Metier,
    Savoir, Transitions,
};
pub use onisep::{
    DomaineOnisep, FicheDetaillee, FicheOnisep, FormatCourt, MetierAssocie, Publication,
};
pub use ressource::{
    Accessibilite, CategorieRessource, Contact, Creneau, Lien, Modalite, Operateur, Public,
    Ressource, StatutModeration, TypeLien, TypeOperateur,
};

/// A code with its label, as the référentiels publish them (a domaine professionnel, a code-list entry…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLibelle {
    /// The code.
    pub code: String,
    /// Its label, when known.
    pub libelle: Option<String>,
}

impl CodeLibelle {
    /// A code with a known label.
    pub fn new(code: impl Into<String>, libelle: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            libelle: Some(libelle.into()),
        }
    }
}
