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

/// Tables of the export, by the name between `unix_` and `_v4xx_utf8.csv` (the version number in the file
/// names changes with every ROME version).
pub(crate) const FICHES: &str = "referentiel_code_rome";
pub(crate) const DOMAINES: &str = "cr_gd_dp";
pub(crate) const APPELLATIONS: &str = "referentiel_appellation";
pub(crate) const TEXTES: &str = "texte";
pub(crate) const MOBILITES: &str = "rubrique_mobilite";
pub(crate) const RIASEC: &str = "referentiel_code_rome_riasec";
pub(crate) const GRANDS_DOMAINES: &str = "grand_domaine";
pub(crate) const DOMAINES_PRO: &str = "domaine_professionnel";
pub(crate) const COMPETENCES: &str = "referentiel_competence";
pub(crate) const SAVOIRS: &str = "referentiel_savoir";
pub(crate) const CONTEXTES: &str = "referentiel_contexte_travail";
pub(crate) const LIENS: &str = "liens_rome_referentiels";
pub(crate) const COHERENCE: &str = "coherence_item";
pub(crate) const CENTRES_INTERET: &str = "arborescence_centre_interet";
pub(crate) const SECTEURS: &str = "arborescence_secteur_activite";
pub(crate) const NAF: &str = "arborescence_secteur_naf";
pub(crate) const THEMES: &str = "arborescence_thematique";
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

/// A row of `unix_grand_domaine` or `unix_domaine_professionnel`.
#[derive(Debug, Deserialize)]
pub(crate) struct NomenclatureRow {
    #[serde(alias = "code_grand_domaine", alias = "code_domaine_professionnel")]
    pub code: String,
    #[serde(
        alias = "libelle_grand_domaine",
        alias = "libelle_domaine_professionnel"
    )]
    pub libelle: String,
}

/// A row of `unix_referentiel_competence` (a compétence or a macro-compétence).
#[derive(Debug, Deserialize)]
pub(crate) struct CompetenceRow {
    pub code_ogr: String,
    pub nature: String,
    pub libelle_competence: String,
    pub code_ogr_macro_comp: String,
    pub sous_cat_comp: String,
}

/// A row of `unix_referentiel_savoir`.
#[derive(Debug, Deserialize)]
pub(crate) struct SavoirRow {
    pub code_ogr_savoir: String,
    pub libelle_savoir: String,
    pub categorie_savoir: String,
    pub sous_categorie_savoir: String,
}

/// A row of `unix_referentiel_contexte_travail`.
#[derive(Debug, Deserialize)]
pub(crate) struct ContexteRow {
    pub code_ogr: String,
    pub libelle_cont_travail: String,
    pub code_type_cont_trav: String,
    pub libelle_type_cont_trav: String,
}

/// A row of `unix_liens_rome_referentiels`: an item (appellation, compétence, savoir, contexte) of a
/// block (`code_compo_bloc`) and rubrique of a fiche.
#[derive(Debug, Deserialize)]
pub(crate) struct LienRow {
    pub code_rome: String,
    pub code_compo_bloc: String,
    pub code_rubrique: String,
    pub code_ogr: String,
}

/// A row of `unix_coherence_item`: how central an item is to a fiche (`Principale`, `Émergente`, empty).
#[derive(Debug, Deserialize)]
pub(crate) struct CoherenceRow {
    pub code_rome: String,
    pub code_ogr: String,
    pub coeur_metier: String,
}

/// A row of one of the `unix_arborescence_*` trees: a class and a fiche that belongs to it.
#[derive(Debug, Deserialize)]
pub(crate) struct ArborescenceRow {
    #[serde(
        alias = "code_centre_interet",
        alias = "code_sect_activite",
        alias = "code_secteur_naf",
        alias = "code_theme"
    )]
    pub code: String,
    #[serde(
        alias = "libelle_centre_interet",
        alias = "libelle_sect_activite",
        alias = "libelle_secteur_naf",
        alias = "libelle_theme"
    )]
    pub libelle: String,
    #[serde(default)]
    pub code_ss_sect_activite: String,
    #[serde(default)]
    pub libelle_ss_sect_activite: String,
    pub code_rome: String,
    #[serde(default)]
    pub principal: String,
}

/// The rows of one file with the line each started on, and the file's name, for error messages.
#[derive(Debug)]
pub(crate) struct Rows<T> {
    pub file: String,
    pub rows: Vec<(u64, T)>,
}

/// What `version.txt` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    /// `60`.
    pub number: String,
    /// `18/09/2025`.
    pub date: Option<String>,
}

/// The export, as wire rows.
#[derive(Debug)]
pub(crate) struct Export {
    pub version: Option<Version>,
    pub fiches: Rows<FicheRow>,
    pub domaines: Rows<DomaineRow>,
    pub appellations: Rows<AppellationRow>,
    pub textes: Rows<TexteRow>,
    pub mobilites: Rows<MobiliteRow>,
    pub riasec: Rows<RiasecRow>,
    pub grands_domaines: Rows<NomenclatureRow>,
    pub domaines_pro: Rows<NomenclatureRow>,
    pub competences: Rows<CompetenceRow>,
    pub savoirs: Rows<SavoirRow>,
    pub contextes: Rows<ContexteRow>,
    pub liens: Rows<LienRow>,
    pub coherence: Rows<CoherenceRow>,
    pub centres_interet: Rows<ArborescenceRow>,
    pub secteurs: Rows<ArborescenceRow>,
    pub naf: Rows<ArborescenceRow>,
    pub themes: Rows<ArborescenceRow>,
}

/// Reads the export. The référentiel, domain and appellation files are required; the others are read
/// when present (a fiche then lacks what they describe).
pub(crate) fn read_export(files: &RawFiles) -> Result<Export, AdapterError> {
    let export = Export {
        version: files.get(VERSION).map(|b| parse_version(&decode(b))),
        fiches: required(files, FICHES)?,
        domaines: required(files, DOMAINES)?,
        appellations: required(files, APPELLATIONS)?,
        textes: optional(files, TEXTES)?,
        mobilites: optional(files, MOBILITES)?,
        riasec: optional(files, RIASEC)?,
        grands_domaines: optional(files, GRANDS_DOMAINES)?,
        domaines_pro: optional(files, DOMAINES_PRO)?,
        competences: optional(files, COMPETENCES)?,
        savoirs: optional(files, SAVOIRS)?,
        contextes: optional(files, CONTEXTES)?,
        liens: optional(files, LIENS)?,
        coherence: optional(files, COHERENCE)?,
        centres_interet: optional(files, CENTRES_INTERET)?,
        secteurs: optional(files, SECTEURS)?,
        naf: optional(files, NAF)?,
        themes: optional(files, THEMES)?,
    };
    let mut export = export;
    for (_, t) in &mut export.textes.rows {
        // The export escapes apostrophes by doubling them, SQL-style.
        if t.libelle_texte.contains("''") {
            t.libelle_texte = t.libelle_texte.replace("''", "'");
        }
    }
    Ok(export)
}

/// The file of a table: `unix_{table}_v{n}_utf8.csv` whatever the version `n`.
pub(crate) fn find<'a>(files: &'a RawFiles, table: &str) -> Option<(&'a str, &'a [u8])> {
    files
        .names()
        .find(|name| table_of(name) == Some(table))
        .and_then(|name| files.get(name).map(|bytes| (name, bytes)))
}

/// `unix_referentiel_code_rome_v460_utf8.csv` -> `referentiel_code_rome`.
pub(crate) fn table_of(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_prefix("unix_")?.strip_suffix(".csv")?;
    let stem = stem
        .strip_suffix("_utf8")
        .or_else(|| stem.strip_suffix("_iso8859-15"))
        .unwrap_or(stem);
    let (table, version) = stem.rsplit_once('_')?;
    let digits = version.strip_prefix('v')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(table)
}

/// The name a missing table's file would have, for error messages.
pub(crate) fn expected_name(table: &str) -> String {
    format!("unix_{table}_v4xx_utf8.csv")
}

fn required<T: DeserializeOwned>(files: &RawFiles, table: &str) -> Result<Rows<T>, AdapterError> {
    let (name, bytes) = find(files, table).ok_or_else(|| {
        let present: Vec<&str> = files.names().collect();
        AdapterError::invalid(
            SOURCE,
            expected_name(table),
            format!(
                "fichier absent de l'export (fichiers présents : {})",
                if present.is_empty() {
                    "aucun".to_owned()
                } else {
                    present.join(", ")
                }
            ),
        )
    })?;
    read_csv(name, bytes)
}

fn optional<T: DeserializeOwned>(files: &RawFiles, table: &str) -> Result<Rows<T>, AdapterError> {
    find(files, table).map_or_else(
        || {
            Ok(Rows {
                file: expected_name(table),
                rows: Vec::new(),
            })
        },
        |(name, bytes)| read_csv(name, bytes),
    )
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
    Ok(Rows {
        file: name.to_owned(),
        rows,
    })
}

/// `Numero de version : 60` and `Date de publication : 18/09/2025`.
fn parse_version(text: &str) -> Version {
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .map(|rest| rest.trim_start_matches([' ', ':']).trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Version {
        number: field("Numero de version")
            .or_else(|| field("Numéro de version"))
            .unwrap_or_else(|| text.lines().next().unwrap_or("").trim().to_owned()),
        date: field("Date de publication"),
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
    fn tables_are_found_whatever_the_version() {
        assert_eq!(table_of("unix_cr_gd_dp_v460_utf8.csv"), Some("cr_gd_dp"));
        assert_eq!(
            table_of("unix_referentiel_code_rome_v461_utf8.csv"),
            Some("referentiel_code_rome")
        );
        assert_eq!(table_of("version.txt"), None);
        assert_eq!(table_of("unix_cr_gd_dp_utf8.csv"), None);
    }

    #[test]
    fn version_line() {
        let v = parse_version("Numero de version : 60\n\nDate de publication : 18/09/2025\n");
        assert_eq!(v.number, "60");
        assert_eq!(v.date.as_deref(), Some("18/09/2025"));
    }

    #[test]
    fn malformed_file_names_file_and_line() {
        let bytes = b"\"code_rome\",\"code_rome_cible\",\"numero_ordre\"\n\"A1101\",\"A1102\",\"6\"\n\"A1101\",\"A1201\"\n";
        let err = read_csv::<MobiliteRow>("unix_rubrique_mobilite_v460_utf8.csv", bytes)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unix_rubrique_mobilite_v460_utf8.csv:3"),
            "{err}"
        );
        assert!(err.contains("2 champs au lieu des 3"), "{err}");
    }
}
