//! The Idéo-Métiers open-data export (XML flavour) -> wire rows.
//!
//! The export has one `<item>` per métier × publication, flat elements, several ROME codes in one field
//! separated by `|`. The JSON and CSV flavours carry the same field names, so [`ItemRow`] is the wire
//! DTO of all three.

use passerelle_core::AdapterError;
use serde::Deserialize;

use crate::SOURCE;

/// One row of the export.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ItemRow {
    pub libelle_metier: Option<String>,
    pub lien_site_onisepfr: Option<String>,
    pub nom_publication: Option<String>,
    pub collection: Option<String>,
    pub annee: Option<String>,
    pub gencod: Option<String>,
    pub gfe: Option<String>,
    pub code_rome: Option<String>,
    pub libelle_rome: Option<String>,
    pub lien_rome: Option<String>,
    #[serde(rename = "domainesous-domaine")]
    pub domaine_sous_domaine: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Root {
    #[serde(rename = "item", default)]
    items: Vec<ItemRow>,
}

/// Reads the XML export.
pub(crate) fn read_xml(name: &str, bytes: &[u8]) -> Result<Vec<ItemRow>, AdapterError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        AdapterError::invalid(
            SOURCE,
            format!("{name}, octet {}", e.valid_up_to()),
            "le fichier n'est pas en UTF-8",
        )
    })?;
    let root: Root = quick_xml::de::from_str(text)
        .map_err(|e| AdapterError::invalid(SOURCE, name, format!("XML invalide : {e}")))?;
    Ok(root.items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_elements_and_unknown_ones() {
        let xml = "<root><item><libelle_metier>x</libelle_metier><code_rome/><nouveau>y</nouveau></item></root>";
        let rows = read_xml("f.xml", xml.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].code_rome.as_deref().unwrap_or("").is_empty());
    }

    #[test]
    fn broken_xml_names_the_file() {
        let err = read_xml("f.xml", b"<root><item></root>")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.xml") && err.contains("XML invalide"),
            "{err}"
        );
    }
}
