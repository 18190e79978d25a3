//! Training offers in the LHEO model: a formation, its actions (where and by whom) and sessions (when).

use std::sync::Arc;

use chrono::NaiveDate;

use crate::codes::{CodeCertifInfo, CodeInsee, CodeRncp, CodeRome, Formacode, Siret};
use crate::model::{CodeLibelle, GeoPoint};
use crate::provenance::Provenance;

/// A formation (the "what"): shared by all its actions.
#[derive(Debug, Clone)]
pub struct Formation {
    /// Number given by the Carif-Oref.
    pub numero: String,
    /// Title.
    pub intitule: String,
    /// Objective.
    pub objectif: Option<String>,
    /// Expected results.
    pub resultats_attendus: Option<String>,
    /// Content.
    pub contenu: Option<String>,
    /// Whether it leads to a certification.
    pub certifiante: bool,
    /// Formacodes indexing the formation, the principal one flagged.
    pub formacodes: Vec<FormacodeIndexe>,
    /// ROME codes indexing the formation (V3-level codes, as LHEO publishes them).
    pub codes_rome: Vec<CodeRome>,
    /// NSF codes.
    pub codes_nsf: Vec<String>,
    /// Certifications the formation prepares.
    pub certifications: Vec<CertificationVisee>,
    /// Entry level (LHEO code list `dict-niveaux`).
    pub niveau_entree: Option<CodeLibelle>,
    /// Exit level.
    pub niveau_sortie: Option<CodeLibelle>,
    /// Page of the formation at the producer.
    pub url: Option<String>,
    /// The training body responsible for the formation.
    pub organisme_responsable: Option<Organisme>,
    /// Kind of path (LHEO `dict-type-parcours`: en groupe, individualisé, modularisé, mixte).
    pub parcours: Option<CodeLibelle>,
    /// General objective (LHEO `dict-objectif-general`: certification, professionnalisation…).
    pub objectif_general: Option<CodeLibelle>,
    /// The formation's contact, exactly as the source publishes it (real people's professional data).
    pub contact: Option<ContactOffre>,
    /// Where the formation comes from (its link: the formation's page at the producer).
    pub provenance: Provenance,
}

/// A contact of an offer, as published in LHEO `<coordonnees>`: served only as the source publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactOffre {
    /// Civility.
    pub civilite: Option<String>,
    /// Last name.
    pub nom: Option<String>,
    /// First name.
    pub prenom: Option<String>,
    /// Phone numbers (landline, mobile).
    pub telephones: Vec<String>,
    /// E-mail.
    pub courriel: Option<String>,
    /// Web sites.
    pub web: Vec<String>,
}

/// A Formacode with its `principal` tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormacodeIndexe {
    /// The code.
    pub code: Formacode,
    /// Whether it is the principal Formacode of the formation.
    pub principal: bool,
}

/// A certification reference (RNCP and/or Certif Info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificationVisee {
    /// RNCP number.
    pub rncp: Option<CodeRncp>,
    /// Certif Info number.
    pub certif_info: Option<CodeCertifInfo>,
}

/// An action de formation (the "where and by whom") with its sessions (the "when").
#[derive(Debug, Clone)]
pub struct ActionFormation {
    /// Number given by the Carif-Oref.
    pub numero: String,
    /// The formation this action delivers.
    pub formation: Arc<Formation>,
    /// Rhythm, as published.
    pub rythme: Option<String>,
    /// Teaching mode (LHEO `dict-modalites-enseignement`).
    pub modalites_enseignement: Option<CodeLibelle>,
    /// Audiences (LHEO `code-public-vise`, Formacode-based).
    pub publics_vises: Vec<String>,
    /// Where it takes place.
    pub lieu: Option<Lieu>,
    /// The training body that delivers it.
    pub organisme_formateur: Option<Organisme>,
    /// Funders (LHEO `dict-financeurs`).
    pub financeurs: Vec<CodeLibelle>,
    /// Total hours.
    pub nombre_heures_total: Option<u32>,
    /// Total price including tax, in euros.
    pub prix_total_ttc: Option<f64>,
    /// Whether at least one session is eligible to the CPF (from the `eligibilite-cpf` extras).
    pub eligible_cpf: bool,
    /// Hours in the training centre.
    pub nombre_heures_centre: Option<u32>,
    /// Hours in a company.
    pub nombre_heures_entreprise: Option<u32>,
    /// Entries and exits (LHEO `dict-modalites-es`: à dates fixes, permanentes).
    pub modalites_entrees_sorties: Option<CodeLibelle>,
    /// Recruitment methods, as published.
    pub modalites_recrutement: Option<String>,
    /// Specific conditions, as published.
    pub conditions_specifiques: Option<String>,
    /// Accessibility for people with disabilities, as published.
    pub acces_handicapes: Option<String>,
    /// Catering, accommodation and transport, as published.
    pub restauration: Option<String>,
    /// Accommodation.
    pub hebergement: Option<String>,
    /// Transport.
    pub transport: Option<String>,
    /// Teaching language.
    pub langue: Option<String>,
    /// The action's contact at the training body, as published.
    pub contact: Option<ContactOffre>,
    /// Sessions, by start date.
    pub sessions: Vec<Session>,
    /// Where the record comes from.
    pub provenance: Provenance,
}

impl ActionFormation {
    /// The position used for distance searches: the place's own geolocation, or its commune's centre.
    pub fn position(&self) -> Option<GeoPoint> {
        self.lieu.as_ref().and_then(|l| l.position)
    }

    /// The département of the place: from its code INSEE, else as published.
    pub fn departement(&self) -> Option<&str> {
        let lieu = self.lieu.as_ref()?;
        match &lieu.code_insee {
            Some(c) => Some(c.departement_str()),
            None => lieu.departement.as_deref(),
        }
    }
}

/// Where a place's position comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OriginePosition {
    /// The geolocation the source publishes.
    #[default]
    Source,
    /// The source gives none: the centre of the place's commune, from the communes référentiel.
    CentreCommune,
}

/// A place with its address.
#[derive(Debug, Clone, PartialEq)]
pub struct Lieu {
    /// Name of the place.
    pub nom: Option<String>,
    /// Address lines.
    pub adresse: Vec<String>,
    /// Postal code.
    pub code_postal: Option<String>,
    /// Town as written by the source.
    pub ville: Option<String>,
    /// Code INSEE of the commune, when well-formed.
    pub code_insee: Option<CodeInsee>,
    /// Département, as published (used when there is no code INSEE).
    pub departement: Option<String>,
    /// Geolocation: published, or the commune's centre (see `origine_position`).
    pub position: Option<GeoPoint>,
    /// Where `position` comes from.
    pub origine_position: OriginePosition,
}

/// A training body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisme {
    /// SIRET, when well-formed.
    pub siret: Option<Siret>,
    /// Legal name.
    pub raison_sociale: String,
}

/// A session of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Number given by the Carif-Oref.
    pub numero: Option<String>,
    /// First day.
    pub debut: Option<NaiveDate>,
    /// Last day.
    pub fin: Option<NaiveDate>,
    /// Registration opens (`None` when unknown, as `00000000` says).
    pub inscription_debut: Option<NaiveDate>,
    /// Registration closes.
    pub inscription_fin: Option<NaiveDate>,
    /// Recruitment state (LHEO `dict-etat-recrutement`).
    pub etat_recrutement: Option<CodeLibelle>,
}
