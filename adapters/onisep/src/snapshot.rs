//! The ONISEP open-data files -> wire rows.
//!
//! - **Idéo-Métiers** comes in three flavours with the same fields: XML (`<root><item>` with flat
//!   elements), JSON (an array of objects, the API's field names, `annee` and `gencod` as numbers) and
//!   CSV (`;`-separated, French column titles such as `libellé métier` or `code ROME (V.3)`, an optional
//!   BOM). All three give [`ItemRow`]s, one per métier × publication; the API's search answers give the
//!   same rows (see [`crate::client`]).
//! - **Idéo-Fiches métiers** is an XML file of `<metiers><metier>` records, read as element trees and
//!   mapped in [`crate::detail`].
//!
//! A file's kind is told from its content, never from its name: the first byte (`<`, `[`/`{`, or text)
//! and, for XML, the root element.

use passerelle_core::AdapterError;
use passerelle_core::text::fold;
use passerelle_core::xml::{Node, read_records, root_name};
use serde::{Deserialize, Deserializer, Serialize};

use crate::SOURCE;

/// One row of Idéo-Métiers, whatever the flavour it was read from.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct ItemRow {
    #[serde(deserialize_with = "lenient")]
    pub libelle_metier: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub lien_site_onisepfr: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub nom_publication: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub collection: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub annee: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub gencod: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub gfe: Option<String>,
    #[serde(deserialize_with = "lenient", alias = "codeRome")]
    pub code_rome: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub libelle_rome: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub lien_rome: Option<String>,
    #[serde(rename = "domainesous-domaine", deserialize_with = "lenient")]
    pub domaine_sous_domaine: Option<String>,
    /// Where the row was read (file and line, or item number), for anomalies.
    #[serde(skip)]
    pub location: String,
}

impl ItemRow {
    /// The field a column or element name stands for, whatever the flavour: `libelle_metier`,
    /// `libellé métier`, `code ROME (V.3)` and `codeRome` are recognised alike.
    fn field(&mut self, name: &str) -> Option<&mut Option<String>> {
        let key: String = fold(name).chars().filter(|c| *c != ' ').collect();
        let key = key.strip_suffix("v3").unwrap_or(&key);
        Some(match key {
            "libellemetier" => &mut self.libelle_metier,
            "liensiteonisepfr" => &mut self.lien_site_onisepfr,
            "nompublication" => &mut self.nom_publication,
            "collection" => &mut self.collection,
            "annee" => &mut self.annee,
            "gencod" => &mut self.gencod,
            "gfe" => &mut self.gfe,
            "coderome" => &mut self.code_rome,
            "libellerome" => &mut self.libelle_rome,
            "lienrome" => &mut self.lien_rome,
            "domainesousdomaine" => &mut self.domaine_sous_domaine,
            _ => return None,
        })
    }
}

/// A string, a number or nothing (the JSON flavour and the API give `annee` and `gencod` as numbers,
/// `null` when a métier has no publication).
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(match Option::<Value>::deserialize(d)? {
        None => None,
        Some(Value::Text(s)) => Some(s),
        Some(Value::Int(n)) => Some(n.to_string()),
        Some(Value::Float(f)) => Some(f.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
    })
}

/// What one ONISEP file holds.
#[derive(Debug)]
pub(crate) enum OnisepFile {
    /// Idéo-Métiers rows.
    Metiers(Vec<ItemRow>),
    /// Idéo-Fiches métiers records (`<metier>` trees).
    Fiches(Vec<Node>),
}

/// Reads one file, telling its kind and flavour from its content.
pub(crate) fn read_file(name: &str, bytes: &[u8]) -> Result<OnisepFile, AdapterError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => read_xml(name, bytes),
        Some(b'[' | b'{') => read_json(name, bytes).map(OnisepFile::Metiers),
        Some(_) => read_csv(name, bytes).map(OnisepFile::Metiers),
        None => Err(AdapterError::invalid(SOURCE, name, "fichier vide")),
    }
}

/// Idéo-Métiers rows (`<root><item>`) or Idéo-Fiches métiers records (`<metiers><metier>`).
fn read_xml(name: &str, bytes: &[u8]) -> Result<OnisepFile, AdapterError> {
    let record = match root_name(bytes).as_deref() {
        Some("metiers") => "metier",
        _ => "item",
    };
    let mut nodes = Vec::new();
    read_records(
        SOURCE,
        name,
        bytes,
        record,
        |root| match (record, root.name.as_str()) {
            ("metier", _) | (_, "root") => Ok(()),
            (_, other) => Err(format!(
                "élément racine <{other}> : <root> (Idéo-Métiers) ou <metiers> (Idéo-Fiches métiers) attendu"
            )),
        },
        |n| nodes.push(n),
    )?;
    if record == "metier" {
        return Ok(OnisepFile::Fiches(nodes));
    }
    Ok(OnisepFile::Metiers(
        nodes
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                let mut row = ItemRow {
                    location: format!("{name}:{} (item n°{})", item.line, i + 1),
                    ..ItemRow::default()
                };
                for child in &item.children {
                    if let Some(field) = row.field(&child.name) {
                        *field = Some(child.text.clone());
                    }
                }
                row
            })
            .collect(),
    ))
}

/// The JSON flavour: an array of rows, or an API page (`{"results": [...]}`).
pub(crate) fn read_json(name: &str, bytes: &[u8]) -> Result<Vec<ItemRow>, AdapterError> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Doc {
        Rows(Vec<ItemRow>),
        Page { results: Vec<ItemRow> },
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let doc: Doc = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        AdapterError::invalid(
            SOURCE,
            name,
            format!(
                "JSON inattendu ({}) : un tableau de lignes Idéo-Métiers ou une page {{\"results\": […]}} est attendu",
                e.inner()
            ),
        )
    })?;
    let rows = match doc {
        Doc::Rows(r) | Doc::Page { results: r } => r,
    };
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.location = format!("{name} (ligne n°{})", i + 1);
            r
        })
        .collect())
}

/// The CSV flavour: `;`-separated (`,` accepted), columns recognised by their titles.
fn read_csv(name: &str, bytes: &[u8]) -> Result<Vec<ItemRow>, AdapterError> {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let table = passerelle_core::text::read_csv(SOURCE, name, bytes, delimiter)?;
    let headers = &table.headers;
    let mut probe = ItemRow::default();
    let columns: Vec<bool> = headers.iter().map(|h| probe.field(h).is_some()).collect();
    let has = |wanted: &str| {
        headers
            .iter()
            .any(|h| ItemRow::default().field(h).is_some() && fold(h).starts_with(wanted))
    };
    if !has("lien site onisep") || !has("libelle metier") {
        return Err(AdapterError::invalid(
            SOURCE,
            format!("{name}:1"),
            "en-tête Idéo-Métiers attendu : colonnes « libellé métier » et « lien site onisep.fr » \
             (ou libelle_metier et lien_site_onisepfr) au moins",
        ));
    }
    let mut rows = Vec::new();
    for (line, record) in &table.records {
        let mut row = ItemRow {
            location: format!("{name}:{line}"),
            ..ItemRow::default()
        };
        for ((value, header), known) in record.iter().zip(headers.iter()).zip(&columns) {
            if *known && let Some(field) = row.field(header) {
                *field = Some(value.to_owned());
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(file: OnisepFile) -> Vec<ItemRow> {
        match file {
            OnisepFile::Metiers(r) => r,
            OnisepFile::Fiches(_) => panic!("Idéo-Métiers rows expected"),
        }
    }

    #[test]
    fn xml_rows_with_empty_and_unknown_elements() {
        let xml = "<root>\n<item><libelle_metier>x</libelle_metier><code_rome/><nouveau>y</nouveau></item></root>";
        let r = rows(read_file("f.xml", xml.as_bytes()).unwrap());
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].libelle_metier.as_deref(), Some("x"));
        assert_eq!(r[0].code_rome.as_deref(), Some(""));
        assert_eq!(r[0].location, "f.xml:2 (item n°1)");
    }

    #[test]
    fn broken_or_foreign_xml_names_the_file() {
        let err = read_file("f.xml", b"<root><item></root>")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.xml") && err.contains("XML invalide"),
            "{err}"
        );
        let err = read_file("f.xml", b"<lheo><item/></lheo>")
            .unwrap_err()
            .to_string();
        assert!(err.contains("<lheo>") && err.contains("<metiers>"), "{err}");
    }

    #[test]
    fn json_numbers_nulls_and_api_pages() {
        let json = r#"[{"libelle_metier":"actuaire","lien_site_onisepfr":"https:\/\/www.onisep.fr\/x\/MET.861","annee":2021,"gencod":9782273015134,"code_rome":"C1105"},{"libelle_metier":"y","annee":null,"gencod":null}]"#;
        let r = rows(read_file("f.json", json.as_bytes()).unwrap());
        assert_eq!(r[0].annee.as_deref(), Some("2021"));
        assert_eq!(r[0].gencod.as_deref(), Some("9782273015134"));
        assert_eq!(
            r[0].lien_site_onisepfr.as_deref(),
            Some("https://www.onisep.fr/x/MET.861")
        );
        assert_eq!(r[1].annee, None);
        let page = r#"{"total":1,"size":1,"from":0,"results":[{"libelle_metier":"z"}]}"#;
        assert_eq!(rows(read_file("p.json", page.as_bytes()).unwrap()).len(), 1);
        let e = read_file("f.json", b"{\"x\": 1}").unwrap_err().to_string();
        assert!(e.contains("f.json") && e.contains("results"), "{e}");
    }

    #[test]
    fn csv_with_french_titles_bom_and_v3_columns() {
        let csv = "\u{feff}\"libellé métier\";\"lien site onisep.fr\";\"nom publication\";collection;année;gencod;GFE;\"code ROME (V.3)\";\"libellé ROME (V.3)\";\"lien ROME\";domaine/sous-domaine\r\n\"agent / agente d'escale\";http://www.onisep.fr/http/redirection/metier/slug/MET.597;\"Les métiers du tourisme\";Parcours;2019;9782273014526;\"GFE O : transport, logistique\";N2201;\"Personnel d'escale aéroportuaire\";https://x/N2201;\"logistique - transport/transport\"\r\n";
        let r = rows(read_file("f.csv", csv.as_bytes()).unwrap());
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code_rome.as_deref(), Some("N2201"));
        assert_eq!(r[0].annee.as_deref(), Some("2019"));
        assert_eq!(
            r[0].domaine_sous_domaine.as_deref(),
            Some("logistique - transport/transport")
        );
        assert_eq!(r[0].location, "f.csv:2");
        let e = read_file("f.csv", b"a;b\n1;2\n").unwrap_err().to_string();
        assert!(
            e.contains("f.csv:1") && e.contains("lien site onisep.fr"),
            "{e}"
        );
    }
}
