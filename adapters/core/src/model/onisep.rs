//! A métier described by ONISEP: Idéo-Métiers (the list, with publications and ROME codes) and
//! Idéo-Fiches métiers (the detailed texts).

use crate::codes::{CodeRome, IdOnisep};
use crate::model::{CodeLibelle, FormationOnisep};
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
    /// The detailed fiche (Idéo-Fiches métiers), when that dataset is loaded and describes the métier.
    pub detail: Option<Box<FicheDetaillee>>,
    /// Where the record comes from.
    pub provenance: Provenance,
}

/// What the Idéo-Fiches métiers dataset says of a métier. Texts are HTML fragments, as published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FicheDetaillee {
    /// Feminine label.
    pub libelle_feminin: Option<String>,
    /// Masculine label.
    pub libelle_masculin: Option<String>,
    /// Other names of the métier.
    pub synonymes: Vec<String>,
    /// Catchphrase.
    pub accroche: Option<String>,
    /// Nature of the work.
    pub nature_travail: Option<String>,
    /// Skills.
    pub competences: Option<String>,
    /// Working conditions.
    pub conditions_travail: Option<String>,
    /// Access to the métier.
    pub acces_metier: Option<String>,
    /// Career and professional life.
    pub vie_professionnelle: Option<String>,
    /// Minimum entry level (`REF.410` « Bac + 5 »).
    pub niveau_acces_minimum: Option<CodeLibelle>,
    /// Minimum formations required.
    pub formations_minimales: Vec<FormationOnisep>,
    /// Centres of interest.
    pub centres_interet: Vec<CodeLibelle>,
    /// Related métiers.
    pub metiers_associes: Vec<MetierAssocie>,
    /// Sectors of activity.
    pub secteurs_activite: Vec<CodeLibelle>,
    /// Employment statuses (salarié, fonctionnaire…).
    pub statuts: Vec<CodeLibelle>,
    /// Short descriptions by purpose.
    pub formats_courts: Vec<FormatCourt>,
}

/// A métier ONISEP links to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetierAssocie {
    /// Identifier.
    pub id: IdOnisep,
    /// Label as published.
    pub libelle: Option<String>,
}

/// A short description of a métier for one purpose (« Dico des métiers »…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatCourt {
    /// Purpose, as published.
    pub type_format: Option<String>,
    /// Label.
    pub libelle: Option<String>,
    /// Text (HTML fragment).
    pub descriptif: Option<String>,
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
