//! The ROME 4.0 open-data CSV export -> wire DTOs.
//!
//! The export is a folder of `unix_*_v460_utf8.csv` files (every field quoted, newlines inside quoted
//! fields) and a `version.txt`. Real quirks handled here: one file is ISO-8859-15 despite its `_utf8`
//! name (bytes that are not UTF-8 are decoded as ISO-8859-15, so no `�` ever appears), `unix_texte`
//! doubles single quotes, and `unix_cr_gd_dp` spells `code_domaine_professionel`.

use std::borrow::Cow;

use passerelle_core::AdapterError;
use passerelle_core::snapshot::RawFiles;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::SOURCE;

pub(crate) const FICHES: &str = "unix_referentiel_code_rome_v460_utf8.csv";
pub(crate) const DOMAINES: &str = "unix_cr_gd_dp_v460_utf8.csv";
pub(crate) const APPELLATIONS: &str = "unix_referentiel_appellation_v460_utf8.csv";
pub(crate) const TEXTES: &str = "unix_texte_v460_utf8.csv";
pub(crate) const MOBILITES: &str = "unix_rubrique_mobilite_v460_utf8.csv";
pub(crate) const RIASEC: &str = "unix_referentiel_code_rome_riasec_v460_utf8.csv";
pub(crate) const VERSION: &str = "version.txt";

/// A row of `unix_referentiel_code_rome`.
#[derive(Debug, Deserialize)]
pub(crate) struct FicheRow {
    pub code_rome: String,
    pub code_ogr: String,
    pub libelle_rome: String,
    pub transition_eco: String,
    pub transition_num: String,
    pub transition_demo: String,
    pub emploi_reglemente: String,
    pub emploi_cadre: String,
    pub code_rome_parent: String,
}

/// A row of `unix_cr_gd_dp` (fiche -> grand domaine, domaine professionnel).
#[derive(Debug, Deserialize)]
pub(crate) struct DomaineRow {
    pub code_rome: String,
    pub code_grand_domaine: String,
    pub libelle_grand_domaine: String,
    #[serde(
        rename = "code_domaine_professionel",
        alias = "code_domaine_professionnel"
    )]
    pub code_domaine_professionnel: String,
    #[serde(
        rename = "libelle_domaine_professionel",
        alias = "libelle_domaine_professionnel"
    )]
    pub libelle_domaine_professionnel: String,
}

/// A row of `unix_referentiel_appellation`.
#[derive(Debug, Deserialize)]
pub(crate) struct AppellationRow {
    pub code_ogr: String,
    pub libelle_appellation_long: String,
    pub libelle_appellation_court: String,
    pub code_rome: String,
    pub emploi_reglemente: String,
    pub emploi_cadre: String,
    pub classification: String,
    pub peu_usite: String,
}

/// A row of `unix_texte` (one sentence of a text of a fiche).
#[derive(Debug, Deserialize)]
pub(crate) struct TexteRow {
    pub code_rome: String,
    pub libelle_type_texte: String,
    pub position_phrase: String,
    pub libelle_texte: String,
}

/// A row of `unix_rubrique_mobilite`.
#[derive(Debug, Deserialize)]
pub(crate) struct MobiliteRow {
    pub code_rome: String,
    pub code_rome_cible: String,
    pub numero_ordre: String,
}

/// A row of `unix_referentiel_code_rome_riasec`.
#[derive(Debug, Deserialize)]
pub(crate) struct RiasecRow {
    pub code_rome: String,
    pub riasec_majeur: String,
    pub riasec_mineur: String,
}

/// Rows of one file with the line each started on, for error messages.
pub(crate) type Rows<T> = Vec<(u64, T)>;

/// The export, as wire rows.
#[derive(Debug)]
pub(crate) struct Export {
    pub version: Option<String>,
    pub fiches: Rows<FicheRow>,
    pub domaines: Rows<DomaineRow>,
    pub appellations: Rows<AppellationRow>,
    pub textes: Rows<TexteRow>,
    pub mobilites: Rows<MobiliteRow>,
    pub riasec: Rows<RiasecRow>,
}

/// Reads the export. The référentiel, domain and appellation files are required; the others are read
/// when present.
pub(crate) fn read_export(files: &RawFiles) -> Result<Export, AdapterError> {
    let mut textes: Rows<TexteRow> = optional(files, TEXTES)?;
    for (_, t) in &mut textes {
        // The export escapes apostrophes by doubling them.
        if t.libelle_texte.contains("''") {
            t.libelle_texte = t.libelle_texte.replace("''", "'");
        }
    }
    Ok(Export {
        version: files.get(VERSION).map(|b| parse_version(&decode(b))),
        fiches: read_csv(FICHES, files.require(SOURCE, FICHES)?)?,
        domaines: read_csv(DOMAINES, files.require(SOURCE, DOMAINES)?)?,
        appellations: read_csv(APPELLATIONS, files.require(SOURCE, APPELLATIONS)?)?,
        textes,
        mobilites: optional(files, MOBILITES)?,
        riasec: optional(files, RIASEC)?,
    })
}

fn optional<T: DeserializeOwned>(files: &RawFiles, name: &str) -> Result<Rows<T>, AdapterError> {
    files
        .get(name)
        .map_or(Ok(Vec::new()), |bytes| read_csv(name, bytes))
}

/// Decodes a file: UTF-8 when it is valid UTF-8, ISO-8859-15 otherwise (the NAF tree of the real export).
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            encoding_rs::ISO_8859_15
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

fn read_csv<T: DeserializeOwned>(name: &str, bytes: &[u8]) -> Result<Rows<T>, AdapterError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(1, csv::Position::line);
        let problem = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("{len} champs au lieu des {expected_len} de l'en-tête")
            }
            _ => e.to_string(),
        };
        AdapterError::invalid(SOURCE, format!("{name}:{line}"), problem)
    };
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        // The line a record starts on (records may span several lines).
        let line = record.position().map_or(0, csv::Position::line);
        let row = record
            .deserialize::<T>(Some(&headers))
            .map_err(|e| match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    let column = err
                        .field()
                        .and_then(|i| headers.get(i as usize))
                        .map(|h| format!(" (colonne {h})"));
                    AdapterError::invalid(
                        SOURCE,
                        format!("{name}:{line}"),
                        format!(
                            "ligne mal formée{} : {}",
                            column.unwrap_or_default(),
                            err.kind()
                        ),
                    )
                }
                _ => csv_error(e),
            })?;
        rows.push((line, row));
    }
    Ok(rows)
}

/// `Numero de version : 60` and `Date de publication : 18/09/2025` -> `60 (18/09/2025)`.
fn parse_version(text: &str) -> String {
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .map(|rest| rest.trim_start_matches([' ', ':']).trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    match (field("Numero de version"), field("Date de publication")) {
        (Some(v), Some(d)) => format!("{v} ({d})"),
        (Some(v), None) => v,
        _ => text.lines().next().unwrap_or("").trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin9_is_decoded() {
        // "Activités" in ISO-8859-15, and the euro sign (0xA4 in Latin-9, not in Latin-1).
        let bytes = b"Activit\xe9s \xa4";
        assert_eq!(decode(bytes), "Activités €");
        assert_eq!(decode("déjà".as_bytes()), "déjà");
    }

    #[test]
    fn version_line() {
        let v = parse_version("Numero de version : 60\n\nDate de publication : 18/09/2025\n");
        assert_eq!(v, "60 (18/09/2025)");
    }

    #[test]
    fn malformed_file_names_file_and_line() {
        let bytes = b"\"code_rome\",\"code_rome_cible\",\"numero_ordre\"\n\"A1101\",\"A1102\",\"6\"\n\"A1101\",\"A1201\"\n";
        let err = read_csv::<MobiliteRow>(MOBILITES, bytes)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unix_rubrique_mobilite_v460_utf8.csv:3"),
            "{err}"
        );
        assert!(err.contains("2 champs au lieu des 3"), "{err}");
    }
}
