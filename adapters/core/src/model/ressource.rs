//! Discovery resources of Repère Métiers.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::codes::{CodeDepartement, CodeRome, Siret};
use crate::model::Lieu;
use crate::provenance::Provenance;

/// The six categories of the Repère Métiers charter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CategorieRessource {
    /// Salons, open days, company open days, branch events. Requires a date.
    Evenement,
    /// Discovery competitions.
    Concours,
    /// Company immersions, internships, sponsoring.
    ImmersionEntreprise,
    /// Actions a group (a class…) can book: discovery services, exhibitions, company visits. Free for schools.
    ActionMobilisableGroupe,
    /// Pedagogical and method resources: kits, teacher videos.
    PedagogieMethode,
    /// Multimedia supports: quizzes, videos, games.
    SupportMultimedia,
}

/// Moderation state; only `Publiee` resources are ever served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatutModeration {
    /// Proposed by its operator, waiting for moderation.
    Proposee,
    /// Approved by the moderator.
    Publiee,
    /// Refused.
    Refusee,
    /// Withdrawn or archived after publication.
    Archivee,
}

/// Who a resource is for.
#[allow(
    clippy::enum_variant_names,
    reason = "« tout public » is the charter's own term"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Public {
    /// Pupils of collège.
    Collegiens,
    /// Pupils of lycée.
    Lyceens,
    /// Students.
    Etudiants,
    /// Apprentices.
    Apprentis,
    /// Job seekers.
    DemandeursEmploi,
    /// Employees.
    Salaries,
    /// Teachers.
    Enseignants,
    /// Guidance professionals.
    ProfessionnelsOrientation,
    /// Parents.
    Parents,
    /// Everyone (the general public).
    ToutPublic,
    /// Professionals (of any field).
    Professionnels,
    /// Young people.
    Jeunes,
    /// Adults.
    Adultes,
    /// School groups (a class with its teachers).
    GroupesScolaires,
}

/// Individual or group participation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modalite {
    /// Individuals.
    Individuel,
    /// Groups.
    Groupe,
    /// Both.
    IndividuelEtGroupe,
}

/// Kind of operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeOperateur {
    /// Professional branch.
    BrancheProfessionnelle,
    /// Company.
    Entreprise,
    /// Training body.
    OrganismeFormation,
    /// Association.
    Association,
    /// Local authority.
    Collectivite,
    /// School.
    EtablissementScolaire,
    /// Other.
    Autre,
}

/// The organisation that publishes and runs a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operateur {
    /// Name.
    pub nom: String,
    /// Kind.
    pub type_operateur: TypeOperateur,
    /// SIRET.
    pub siret: Option<Siret>,
}

/// A time slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creneau {
    /// Start.
    pub debut: DateTime<FixedOffset>,
    /// End.
    pub fin: Option<DateTime<FixedOffset>>,
    /// Opening hours within the slot, as published (« 9 h – 17 h, nocturne le jeudi »).
    pub horaires: Option<String>,
}

impl Creneau {
    /// The last day of the slot.
    pub fn dernier_jour(&self) -> NaiveDate {
        self.fin.unwrap_or(self.debut).date_naive()
    }
}

/// What a link leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TypeLien {
    /// A web page.
    #[default]
    Page,
    /// A video.
    Video,
    /// A document (PDF…).
    Document,
}

/// A link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lien {
    /// URL.
    pub url: String,
    /// Label.
    pub libelle: String,
    /// What it leads to.
    pub type_lien: TypeLien,
}

/// How accessible a resource is to people with disabilities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accessibilite {
    /// Accessible to people with disabilities, as the operator declares.
    pub handicap: Option<bool>,
    /// Details, as published.
    pub description: Option<String>,
}

/// An operator's contact; only present when the operator consented to its publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Name.
    pub nom: String,
    /// Function.
    pub fonction: Option<String>,
    /// Employer.
    pub structure: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub telephone: Option<String>,
}

/// A published discovery resource.
#[derive(Debug, Clone)]
pub struct Ressource {
    /// Identifier (`RM-000123`).
    pub id: String,
    /// Title.
    pub titre: String,
    /// Description.
    pub description: String,
    /// Category.
    pub categorie: CategorieRessource,
    /// Kind within the category (`salon`, `visite_entreprise`, `quiz`…), see the format's vocabulary.
    pub sous_type: Option<String>,
    /// Operator.
    pub operateur: Operateur,
    /// Audiences.
    pub publics: Vec<Public>,
    /// Individual or group.
    pub modalite: Modalite,
    /// Free of charge.
    pub gratuit: bool,
    /// Price, when not free.
    pub tarif: Option<String>,
    /// Dates, in order.
    pub dates: Vec<Creneau>,
    /// Fixed place, if any.
    pub lieu: Option<Lieu>,
    /// Can come anywhere in the region instead of a fixed place.
    pub mobilisable_en_region: bool,
    /// For a resource mobilisable in the region: the départements it covers.
    pub departements_couverts: Vec<CodeDepartement>,
    /// Accessibility.
    pub accessibilite: Option<Accessibilite>,
    /// Métiers it helps discover.
    pub codes_rome: Vec<CodeRome>,
    /// Links.
    pub liens: Vec<Lien>,
    /// Contact, only with the operator's consent.
    pub contact: Option<Contact>,
    /// The regional event this resource is a notable part of.
    pub parent_id: Option<String>,
    /// Last update at the producer.
    pub mis_a_jour_le: DateTime<FixedOffset>,
    /// When the moderator published it.
    pub publiee_le: Option<NaiveDate>,
    /// Where the record comes from.
    pub provenance: Provenance,
}
