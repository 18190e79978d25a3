//! A métier described by ONISEP (Idéo-Métiers).

use crate::codes::{CodeRome, IdOnisep};
use crate::provenance::Provenance;

/// One ONISEP métier (`MET.n`), all its publication rows merged.
#[derive(Debug, Clone)]
pub struct FicheOnisep {
    /// Identifier (`MET.84`).
    pub id: IdOnisep,
    /// Label as ONISEP writes it.
    pub libelle: String,
    /// Page of the métier on onisep.fr.
    pub url: String,
    /// ONISEP publications presenting the métier.
    pub publications: Vec<Publication>,
    /// Groupe formation emploi.
    pub gfe: Option<String>,
    /// Well-formed ROME codes the métier is linked to (V3-level codes, as ONISEP publishes them).
    pub codes_rome: Vec<CodeRome>,
    /// ROME labels as ONISEP publishes them (V3 labels), in the order of `codes_rome`.
    pub libelles_rome: Vec<String>,
    /// Malformed ROME codes found in the source, kept to be shown, never joined on.
    pub codes_rome_invalides: Vec<String>,
    /// Domaine / sous-domaine pairs.
    pub domaines: Vec<DomaineOnisep>,
    /// Where the record comes from.
    pub provenance: Provenance,
}

/// An ONISEP publication (book) presenting a métier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// Title.
    pub titre: String,
    /// Collection.
    pub collection: Option<String>,
    /// Year of publication.
    pub annee: Option<i32>,
    /// EAN-13 (gencod).
    pub ean: Option<String>,
}

/// A domaine and sous-domaine of the ONISEP classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomaineOnisep {
    /// Domaine.
    pub domaine: String,
    /// Sous-domaine, when given.
    pub sous_domaine: Option<String>,
}
