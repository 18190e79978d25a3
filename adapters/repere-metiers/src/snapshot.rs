//! The Repère Métiers JSON export (format 1.0, documented in this crate's README) -> wire DTOs.
//!
//! Records are decoded one by one, so that one bad record is reported and skipped instead of failing
//! the file. Unknown fields are ignored at every level (forward compatibility within 1.x).

use chrono::{DateTime, FixedOffset};
use passerelle_core::AdapterError;
use serde::Deserialize;

use crate::SOURCE;

/// The document.
#[derive(Debug, Deserialize)]
pub(crate) struct Document {
    pub format: String,
    pub version: String,
    pub genere_le: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub ressources: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RessourceDto {
    pub id: String,
    pub titre: String,
    pub description: String,
    pub categorie: String,
    pub operateur: OperateurDto,
    pub publics: Vec<String>,
    pub modalite: String,
    pub gratuit: bool,
    #[serde(default)]
    pub tarif: Option<String>,
    #[serde(default)]
    pub dates: Vec<CreneauDto>,
    #[serde(default)]
    pub lieu: Option<LieuDto>,
    #[serde(default)]
    pub mobilisable_en_region: bool,
    #[serde(default)]
    pub codes_rome: Vec<String>,
    #[serde(default)]
    pub liens: Vec<LienDto>,
    pub moderation: ModerationDto,
    #[serde(default)]
    pub contact: Option<ContactDto>,
    #[serde(default)]
    pub parent_id: Option<String>,
    pub mis_a_jour_le: DateTime<FixedOffset>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OperateurDto {
    pub nom: String,
    #[serde(rename = "type")]
    pub type_operateur: String,
    #[serde(default)]
    pub siret: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CreneauDto {
    pub debut: DateTime<FixedOffset>,
    #[serde(default)]
    pub fin: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LieuDto {
    #[serde(default)]
    pub nom: Option<String>,
    #[serde(default)]
    pub adresse: Option<String>,
    pub code_postal: String,
    pub code_insee: String,
    pub commune: String,
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LienDto {
    pub url: String,
    pub libelle: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ModerationDto {
    pub statut: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ContactDto {
    pub nom: String,
    #[serde(default)]
    pub fonction: Option<String>,
    #[serde(default)]
    pub structure: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub telephone: Option<String>,
    pub consentement_publication: bool,
}

/// Reads the document envelope; records stay raw until mapped one by one.
pub(crate) fn read_document(name: &str, bytes: &[u8]) -> Result<Document, AdapterError> {
    let doc: Document = serde_json::from_slice(bytes).map_err(|e| {
        AdapterError::invalid(
            SOURCE,
            format!("{name}:{}", e.line()),
            format!("JSON invalide : {e}"),
        )
    })?;
    if doc.format != "repere-metiers-export" {
        return Err(AdapterError::invalid(
            SOURCE,
            name,
            format!(
                "format « {} » : « repere-metiers-export » attendu",
                doc.format
            ),
        ));
    }
    if !doc.version.starts_with("1.") {
        return Err(AdapterError::invalid(
            SOURCE,
            name,
            format!("version « {} » : seule la version 1.x est lue", doc.version),
        ));
    }
    Ok(doc)
}
