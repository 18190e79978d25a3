//! Certifications: the RNCP fiches of France compétences and the Certif Info entries, joined by ONISEP's
//! table de passage (Certif Info ↔ RNCP ↔ CFD ↔ ONISEP formation).

use chrono::NaiveDate;

use crate::codes::{Cfd, CodeCertifInfo, CodeRncp, CodeRome, IdFormationOnisep, Siret};
use crate::model::CodeLibelle;
use crate::provenance::Provenance;

/// A certification: one RNCP fiche, or a Certif Info entry that has no RNCP number.
#[derive(Debug, Clone)]
pub struct Certification {
    /// RNCP number, when the certification is registered there.
    pub rncp: Option<CodeRncp>,
    /// Title: the RNCP's when known, else Certif Info's.
    pub intitule: Option<String>,
    /// European qualification level (3 to 8), from the RNCP (`NIV5`) or Certif Info.
    pub niveau_europeen: Option<u8>,
    /// Kind of diploma or title, as Certif Info names it (« Brevet de technicien supérieur »).
    pub type_diplome: Option<String>,
    /// « Enregistrement de droit » or « Enregistrement sur demande ».
    pub type_enregistrement: Option<String>,
    /// Whether the RNCP fiche is active (only when the export's Standard file is loaded).
    pub actif: Option<bool>,
    /// End of the RNCP registration.
    pub date_fin_enregistrement: Option<NaiveDate>,
    /// Well-formed ROME codes the fiche cites (V3-level codes, as the RNCP publishes them).
    pub codes_rome: Vec<CodeRome>,
    /// ROME labels as the RNCP publishes them, in the order of `codes_rome`.
    pub libelles_rome: Vec<String>,
    /// Malformed ROME codes found in the source, kept to be shown, never joined on.
    pub codes_rome_invalides: Vec<String>,
    /// Formacodes of the fiche.
    pub formacodes: Vec<CodeLibelle>,
    /// NSF specialities (`312t`).
    pub nsf: Vec<CodeLibelle>,
    /// Who awards the certification.
    pub certificateurs: Vec<Certificateur>,
    /// Collective agreements (IDCC) the certification relates to.
    pub conventions_collectives: Vec<CodeLibelle>,
    /// RNCP (or RS) numbers this fiche replaces, as published.
    pub anciennes_certifications: Vec<String>,
    /// RNCP (or RS) numbers that replace this fiche, as published.
    pub nouvelles_certifications: Vec<String>,
    /// The table de passage entries: the Certif Info declinations of the certification (several when it
    /// has mentions), each with its CFD and ONISEP formation.
    pub correspondances: Vec<Correspondance>,
    /// Where the record comes from.
    pub provenance: Provenance,
}

impl Certification {
    /// The first Certif Info number (a certification with mentions has several).
    pub fn certif_info(&self) -> Option<&CodeCertifInfo> {
        self.correspondances
            .iter()
            .find_map(|c| c.certif_info.as_ref())
    }

    /// The first CFD.
    pub fn cfd(&self) -> Option<&Cfd> {
        self.correspondances.iter().find_map(|c| c.cfd.as_ref())
    }

    /// The first ONISEP formation.
    pub fn formation_onisep(&self) -> Option<&FormationOnisep> {
        self.correspondances
            .iter()
            .find_map(|c| c.formation_onisep.as_ref())
    }
}

/// An organisation that awards a certification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificateur {
    /// SIRET, when well-formed.
    pub siret: Option<Siret>,
    /// Name, as published.
    pub nom: String,
}

/// One entry of ONISEP's table de passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correspondance {
    /// Certif Info number.
    pub certif_info: Option<CodeCertifInfo>,
    /// Certif Info title.
    pub intitule: Option<String>,
    /// Code formation diplôme (Éducation nationale), `ci_code_scolarite`.
    pub cfd: Option<Cfd>,
    /// The ONISEP formation.
    pub formation_onisep: Option<FormationOnisep>,
    /// Whether Certif Info calls it certifying.
    pub certifiante: Option<bool>,
    /// The entry's status in the table (« identique », « créé », « mis à jour »…).
    pub statut: Option<String>,
}

/// A formation described by ONISEP (`FOR.n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormationOnisep {
    /// Identifier.
    pub id: IdFormationOnisep,
    /// Label as ONISEP writes it.
    pub libelle: Option<String>,
}

impl FormationOnisep {
    /// The formation's page on onisep.fr.
    pub fn url(&self) -> String {
        format!(
            "https://www.onisep.fr/http/redirection/formation/slug/{}",
            self.id
        )
    }
}
