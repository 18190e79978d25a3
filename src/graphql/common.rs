//! Small shared types: provenance, code + label pairs.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use passerelle_core::model::CodeLibelle;

/// D'où vient un enregistrement et de quand il date.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Provenance {
    /// Identifiant de la source dans passerelle (`rome`, `onisep`, `rncp`, `offre-info`, `repere-metiers`, `geo`).
    pub source: String,
    /// Producteur de la donnée.
    pub producteur: String,
    /// Licence de la donnée.
    pub licence: String,
    /// Mention de la source à afficher par qui réutilise la donnée, comme sa licence le demande.
    pub attribution: String,
    /// Lien vers l'enregistrement chez le producteur, s'il en a un.
    pub url: Option<String>,
    /// Version ou date du jeu de données d'où l'enregistrement a été lu.
    pub version: Option<String>,
    /// Moment où passerelle a récupéré ces données.
    pub recupere_le: DateTime<Utc>,
}

impl From<&passerelle_core::Provenance> for Provenance {
    fn from(p: &passerelle_core::Provenance) -> Self {
        Self {
            source: p.source.to_owned(),
            producteur: p.producteur.to_owned(),
            licence: p.licence.to_owned(),
            attribution: p.attribution.to_owned(),
            url: p.url.clone(),
            version: p.version.clone(),
            recupere_le: p.recupere_le,
        }
    }
}

/// Un code d'une nomenclature et son libellé.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Nomenclature {
    /// Code.
    pub code: String,
    /// Libellé, quand la nomenclature le donne.
    pub libelle: Option<String>,
}

impl From<&CodeLibelle> for Nomenclature {
    fn from(c: &CodeLibelle) -> Self {
        Self {
            code: c.code.clone(),
            libelle: c.libelle.clone(),
        }
    }
}
