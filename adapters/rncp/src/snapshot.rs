//! The certification publications -> wire rows.
//!
//! - **France compétences' RNCP export** (`export-fiches-csv-AAAA-MM-JJ.zip` on data.gouv.fr): one CSV
//!   per aspect, named `export_fiches_CSV_<Aspect>_AAAA_MM_JJ.csv`, `;`-separated, CRLF, non-empty fields
//!   double-quoted, UTF-8 with an optional BOM, every row starting with `Numero_Fiche`. The aspects read
//!   here: `Standard` (title, level, registration), `Rome`, `Formacode`, `Nsf`, `Certificateurs` (a TAB
//!   before each SIRET), `CCN` and `Ancienne_Nouvelle_Certification`; the others (blocs de compétences,
//!   partenaires, voies d'accès) are skipped.
//! - **ONISEP's table de passage** (`<root><item>`): Certif Info ↔ RNCP ↔ CFD ↔ ONISEP formation.
//!
//! A file is recognised by its name for the RNCP export (its aspect is in the name, whatever the date)
//! and by its content for the table de passage. Other files are skipped, so a folder holding other
//! publications can be given as it is.

use std::collections::HashMap;

use passerelle_core::AdapterError;
use passerelle_core::xml::{Node, read_records, root_name};

use crate::SOURCE;

/// An aspect of the RNCP export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Aspect {
    Standard,
    Rome,
    Formacode,
    Nsf,
    Certificateurs,
    Ccn,
    AncienneNouvelle,
}

impl Aspect {
    /// The aspect of `export_fiches_CSV_<Aspect>_AAAA_MM_JJ.csv`, with the date; `None` for other files
    /// and for aspects not read.
    pub(crate) fn of(name: &str) -> Option<(Self, String)> {
        let rest = name
            .strip_prefix("export_fiches_CSV_")?
            .strip_suffix(".csv")?;
        // The date is the last three `_`-separated parts.
        let mut parts = rest.rsplitn(4, '_');
        let (day, month, year, aspect) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
            return None;
        }
        let aspect = match aspect {
            "Standard" => Self::Standard,
            "Rome" => Self::Rome,
            "Formacode" => Self::Formacode,
            "Nsf" => Self::Nsf,
            "Certificateurs" => Self::Certificateurs,
            "CCN" => Self::Ccn,
            "Ancienne_Nouvelle_Certification" => Self::AncienneNouvelle,
            _ => return None,
        };
        Some((aspect, format!("{year}-{month}-{day}")))
    }

    /// Columns the aspect must have.
    fn required(self) -> &'static [&'static str] {
        match self {
            Self::Standard => &["Numero_Fiche", "Intitule"],
            Self::Rome => &["Numero_Fiche", "Codes_Rome_Code"],
            Self::Formacode => &["Numero_Fiche", "Formacode_Code"],
            Self::Nsf => &["Numero_Fiche", "Nsf_Code"],
            Self::Certificateurs => &["Numero_Fiche", "Nom_Certificateur"],
            Self::Ccn => &["Numero_Fiche", "Ccn_1_Numero"],
            Self::AncienneNouvelle => &["Numero_Fiche", "Nouvelle_Certification"],
        }
    }
}

/// One CSV row: its fields by column name, and where it was read.
#[derive(Debug, Default)]
pub(crate) struct CsvRow {
    fields: HashMap<String, String>,
    pub location: String,
}

impl CsvRow {
    /// A field, trimmed (TABs included: the export puts one before each SIRET), `None` when empty.
    pub(crate) fn get(&self, column: &str) -> Option<&str> {
        self.fields
            .get(column)
            .map(|v| v.trim_matches(|c: char| c.is_whitespace()))
            .filter(|v| !v.is_empty())
    }
}

/// One file of the RNCP export, read whole.
#[derive(Debug)]
pub(crate) struct CsvFile {
    pub aspect: Aspect,
    pub date: String,
    pub rows: Vec<CsvRow>,
}

/// What one file holds.
#[derive(Debug)]
pub(crate) enum RncpFile {
    Export(CsvFile),
    TablePassage(Vec<Node>),
    /// Not a certification publication (or an aspect not read).
    Other,
}

/// Reads one file, recognising it by its name (RNCP export) or its content (table de passage).
pub(crate) fn read_file(name: &str, bytes: &[u8]) -> Result<RncpFile, AdapterError> {
    if let Some((aspect, date)) = Aspect::of(name) {
        return read_csv(name, bytes, aspect)
            .map(|rows| RncpFile::Export(CsvFile { aspect, date, rows }));
    }
    let is_table = root_name(bytes).as_deref() == Some("root")
        && memfind(bytes, b"<certif_info_ci_identifiant>");
    if !is_table {
        return Ok(RncpFile::Other);
    }
    let mut items = Vec::new();
    read_records(SOURCE, name, bytes, "item", |_| Ok(()), |n| items.push(n))?;
    Ok(RncpFile::TablePassage(items))
}

fn memfind(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn read_csv(name: &str, bytes: &[u8], aspect: Aspect) -> Result<Vec<CsvRow>, AdapterError> {
    let table = passerelle_core::text::read_csv(SOURCE, name, bytes, b';')?;
    let headers = &table.headers;
    if let Some(missing) = aspect
        .required()
        .iter()
        .find(|c| !headers.iter().any(|h| h == *c))
    {
        return Err(AdapterError::invalid(
            SOURCE,
            format!("{name}:1"),
            format!(
                "colonne {missing} absente de l'en-tête ({}) : ce fichier ne suit pas le format de l'export RNCP",
                headers.join(";")
            ),
        ));
    }
    Ok(table
        .records
        .iter()
        .map(|(line, record)| CsvRow {
            fields: headers
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect(),
            location: format!("{name}:{line}"),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tell_the_aspect_and_date() {
        assert_eq!(
            Aspect::of("export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_02_01.csv"),
            Some((Aspect::AncienneNouvelle, "2026-02-01".into()))
        );
        assert_eq!(
            Aspect::of("export_fiches_CSV_Rome_2026_02_01.csv").map(|a| a.0),
            Some(Aspect::Rome)
        );
        assert_eq!(
            Aspect::of("export_fiches_CSV_Blocs_De_Compétences_2026_02_01.csv"),
            None
        );
        assert_eq!(Aspect::of("export_fiches_CSV_Rome_2026_2_1.csv"), None);
        assert_eq!(Aspect::of("notes.txt"), None);
    }

    #[test]
    fn crlf_quotes_tabs_and_lines() {
        let csv = "\u{feff}\"Numero_Fiche\";\"Siret_Certificateur\";\"Nom_Certificateur\"\r\n\"RNCP229\";\"\t11000007200014\";\"MINISTERE DU TRAVAIL\"\r\n\"RNCP320\";;\"X\"\r\n";
        let RncpFile::Export(f) = read_file(
            "export_fiches_CSV_Certificateurs_2026_02_01.csv",
            csv.as_bytes(),
        )
        .unwrap() else {
            panic!("an export file")
        };
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.rows[0].get("Siret_Certificateur"), Some("11000007200014"));
        assert_eq!(
            f.rows[0].location,
            "export_fiches_CSV_Certificateurs_2026_02_01.csv:2"
        );
        assert_eq!(f.rows[1].get("Siret_Certificateur"), None);
        assert_eq!(
            f.rows[1].location,
            "export_fiches_CSV_Certificateurs_2026_02_01.csv:3"
        );
    }

    #[test]
    fn wrong_headers_and_other_files() {
        let e = read_file("export_fiches_CSV_Rome_2026_02_01.csv", b"a;b\r\n1;2\r\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Numero_Fiche") && e.contains("(a;b)") && e.contains(":1"),
            "{e}"
        );
        assert!(matches!(
            read_file("PROVENANCE.txt", b"texte").unwrap(),
            RncpFile::Other
        ));
        assert!(matches!(
            read_file(
                "ideo.xml",
                b"<root><item><libelle_metier>x</libelle_metier></item></root>"
            )
            .unwrap(),
            RncpFile::Other
        ));
        let table = b"<root><item><certif_info_ci_identifiant>82581</certif_info_ci_identifiant></item></root>";
        assert!(
            matches!(read_file("t.xml", table).unwrap(), RncpFile::TablePassage(items) if items.len() == 1)
        );
    }
}
