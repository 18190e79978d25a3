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
    /// Sessions, by start date.
    pub sessions: Vec<Session>,
    /// Where the record comes from.
    pub provenance: Provenance,
}

impl ActionFormation {
    /// The position used for distance searches: the place's own geolocation.
    pub fn position(&self) -> Option<GeoPoint> {
        self.lieu.as_ref().and_then(|l| l.position)
    }
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
    /// Geolocation, when published.
    pub position: Option<GeoPoint>,
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
