//! The Repère Métiers export (format 1.x, documented in this crate's README and JSON Schema) -> wire
//! DTOs, from its three flavours:
//!
//! - **JSON**: one document `{ "format", "version", "genere_le", "producteur", "ressources": [...] }`;
//! - **NDJSON**, for large exports: the same envelope without `ressources` on the first line, then one
//!   resource per line;
//! - **CSV**, the twin of the platform's « import de fichier » route: `;`-separated, one resource per
//!   row, lists joined by `|` (see the README for the columns).
//!
//! Records stay raw (`serde_json::Value`, with where they were read) until mapped one by one, so that one
//! bad record is reported and skipped instead of failing the file. Unknown fields are ignored at every
//! level (forward compatibility within 1.x).

use chrono::{DateTime, FixedOffset, NaiveDate};
use passerelle_core::AdapterError;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::SOURCE;

/// The document: its envelope and its raw records.
#[derive(Debug)]
pub(crate) struct Document {
    pub version: String,
    pub genere_le: Option<DateTime<FixedOffset>>,
    /// Each record with where it was read (`ressources.ndjson:12`).
    pub ressources: Vec<(String, Value)>,
}

#[derive(Debug, Deserialize)]
struct Envelope {
    format: String,
    version: String,
    #[serde(default)]
    genere_le: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    ressources: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RessourceDto {
    pub id: String,
    pub titre: String,
    pub description: String,
    pub categorie: String,
    #[serde(default)]
    pub sous_type: Option<String>,
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
    pub departements_couverts: Option<Vec<String>>,
    #[serde(default)]
    pub codes_rome: Vec<String>,
    #[serde(default)]
    pub liens: Vec<LienDto>,
    #[serde(default)]
    pub accessibilite: Option<AccessibiliteDto>,
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
    #[serde(default)]
    pub horaires: Option<String>,
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
    #[serde(default, rename = "type")]
    pub type_lien: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AccessibiliteDto {
    #[serde(default)]
    pub handicap: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ModerationDto {
    pub statut: String,
    #[serde(default)]
    pub le: Option<NaiveDate>,
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

fn check_envelope(name: &str, e: &Envelope) -> Result<(), AdapterError> {
    if e.format != "repere-metiers-export" {
        return Err(AdapterError::invalid(
            SOURCE,
            name,
            format!(
                "format « {} » : « repere-metiers-export » attendu",
                e.format
            ),
        ));
    }
    if !e.version.starts_with("1.") {
        return Err(AdapterError::invalid(
            SOURCE,
            name,
            format!("version « {} » : seule la version 1.x est lue", e.version),
        ));
    }
    Ok(())
}

/// Reads an export in any of its flavours, told from its content.
pub(crate) fn read_document(name: &str, bytes: &[u8]) -> Result<Document, AdapterError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        Some(_) => return read_csv(name, bytes),
        None => return Err(AdapterError::invalid(SOURCE, name, "fichier vide")),
    }
    // NDJSON: a first line holding an envelope without `ressources`.
    let first = bytes
        .split(|b| *b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace));
    if let Some(Ok(envelope)) = first.map(serde_json::from_slice::<Envelope>)
        && envelope.ressources.is_none()
    {
        return read_ndjson(name, bytes);
    }
    let doc: Envelope = serde_json::from_slice(bytes).map_err(|e| {
        AdapterError::invalid(
            SOURCE,
            format!("{name}:{}", e.line()),
            format!("JSON invalide : {e}"),
        )
    })?;
    check_envelope(name, &doc)?;
    Ok(Document {
        version: doc.version,
        genere_le: doc.genere_le,
        ressources: doc
            .ressources
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("{name} (ressource n°{})", i + 1), v))
            .collect(),
    })
}

fn read_ndjson(name: &str, bytes: &[u8]) -> Result<Document, AdapterError> {
    let mut envelope = None;
    let mut ressources = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let location = format!("{name}:{}", i + 1);
        if envelope.is_none() {
            let e: Envelope = serde_json::from_slice(line).map_err(|e| {
                AdapterError::invalid(
                    SOURCE,
                    location.clone(),
                    format!("en-tête NDJSON invalide : {e}"),
                )
            })?;
            check_envelope(name, &e)?;
            envelope = Some(e);
            continue;
        }
        // A line that is not JSON is one bad record, reported by the mapping like any other.
        let value = serde_json::from_slice(line)
            .unwrap_or_else(|e| json!({ "__erreur_json": e.to_string() }));
        ressources.push((location, value));
    }
    let envelope = envelope.ok_or_else(|| AdapterError::invalid(SOURCE, name, "fichier vide"))?;
    Ok(Document {
        version: envelope.version,
        genere_le: envelope.genere_le,
        ressources,
    })
}

/// The CSV columns, in the documented order (all read by name; unknown columns are ignored).
pub(crate) const CSV_COLUMNS: &[&str] = &[
    "id",
    "titre",
    "description",
    "categorie",
    "sous_type",
    "operateur_nom",
    "operateur_type",
    "operateur_siret",
    "publics",
    "modalite",
    "gratuit",
    "tarif",
    "dates",
    "horaires",
    "lieu_nom",
    "lieu_adresse",
    "lieu_code_postal",
    "lieu_code_insee",
    "lieu_commune",
    "lieu_latitude",
    "lieu_longitude",
    "mobilisable_en_region",
    "departements_couverts",
    "codes_rome",
    "lien_page",
    "lien_video",
    "lien_document",
    "accessibilite_handicap",
    "accessibilite_description",
    "parent_id",
    "moderation_statut",
    "moderation_le",
    "contact_nom",
    "contact_fonction",
    "contact_structure",
    "contact_email",
    "contact_telephone",
    "contact_consentement",
    "mis_a_jour_le",
];

/// `oui`/`non`, `true`/`false`, `1`/`0`.
fn boolean(v: &str) -> Value {
    match v.trim().to_ascii_lowercase().as_str() {
        "oui" | "true" | "1" => Value::Bool(true),
        "non" | "false" | "0" => Value::Bool(false),
        other => Value::String(other.to_owned()),
    }
}

fn list(v: &str) -> Value {
    Value::Array(
        v.split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_owned()))
            .collect(),
    )
}

/// One CSV row as the JSON record it stands for.
fn csv_record(get: &dyn Fn(&str) -> Option<String>) -> Value {
    let mut r = Map::new();
    let mut set = |key: &str, v: Option<Value>| {
        if let Some(v) = v {
            r.insert(key.to_owned(), v);
        }
    };
    let text = |c: &str| get(c).map(Value::String);
    for key in [
        "id",
        "titre",
        "description",
        "categorie",
        "sous_type",
        "modalite",
        "tarif",
        "parent_id",
        "mis_a_jour_le",
    ] {
        set(key, text(key));
    }
    set("gratuit", get("gratuit").map(|v| boolean(&v)));
    set("publics", get("publics").map(|v| list(&v)));
    set("codes_rome", get("codes_rome").map(|v| list(&v)));
    set(
        "departements_couverts",
        get("departements_couverts").map(|v| list(&v)),
    );
    set(
        "mobilisable_en_region",
        get("mobilisable_en_region").map(|v| boolean(&v)),
    );
    set(
        "operateur",
        Some(
            json!({ "nom": get("operateur_nom"), "type": get("operateur_type"), "siret": get("operateur_siret") }),
        ),
    );
    let horaires = get("horaires");
    set(
        "dates",
        get("dates").map(|d| {
            Value::Array(
                d.split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|slot| {
                        let (debut, fin) = slot.split_once('/').map_or((slot, None), |(a, b)| (a, Some(b)));
                        json!({ "debut": debut.trim(), "fin": fin.map(str::trim), "horaires": horaires })
                    })
                    .collect(),
            )
        }),
    );
    if get("lieu_code_insee").is_some() || get("lieu_commune").is_some() {
        let number = |c: &str| {
            get(c).map(|v| {
                v.replace(',', ".")
                    .parse::<f64>()
                    .map_or(Value::String(v), Value::from)
            })
        };
        set(
            "lieu",
            Some(json!({
                "nom": get("lieu_nom"), "adresse": get("lieu_adresse"), "code_postal": get("lieu_code_postal"),
                "code_insee": get("lieu_code_insee"), "commune": get("lieu_commune"),
                "latitude": number("lieu_latitude"), "longitude": number("lieu_longitude"),
            })),
        );
    }
    let liens: Vec<Value> = [
        ("lien_page", "page", "Page"),
        ("lien_video", "video", "Vidéo"),
        ("lien_document", "document", "Document"),
    ]
    .into_iter()
    .filter_map(|(c, kind, label)| {
        get(c).map(|url| json!({ "url": url, "libelle": label, "type": kind }))
    })
    .collect();
    set("liens", Some(Value::Array(liens)));
    if get("accessibilite_handicap").is_some() || get("accessibilite_description").is_some() {
        set(
            "accessibilite",
            Some(json!({
                "handicap": get("accessibilite_handicap").map(|v| boolean(&v)),
                "description": get("accessibilite_description"),
            })),
        );
    }
    set(
        "moderation",
        Some(json!({ "statut": get("moderation_statut"), "le": get("moderation_le") })),
    );
    if get("contact_nom").is_some() {
        set(
            "contact",
            Some(json!({
                "nom": get("contact_nom"), "fonction": get("contact_fonction"), "structure": get("contact_structure"),
                "email": get("contact_email"), "telephone": get("contact_telephone"),
                "consentement_publication": get("contact_consentement").map(|v| boolean(&v)),
            })),
        );
    }
    Value::Object(r)
}

fn read_csv(name: &str, bytes: &[u8]) -> Result<Document, AdapterError> {
    let table = passerelle_core::text::read_csv(SOURCE, name, bytes, b';')?;
    let headers = &table.headers;
    for required in ["id", "titre", "categorie", "moderation_statut"] {
        if !headers.iter().any(|h| h == required) {
            return Err(AdapterError::invalid(
                SOURCE,
                format!("{name}:1"),
                format!(
                    "colonne {required} absente : l'export CSV de Repère Métiers a les colonnes {}",
                    CSV_COLUMNS.join(";")
                ),
            ));
        }
    }
    let mut ressources = Vec::new();
    for (line, record) in &table.records {
        let get = |column: &str| {
            headers
                .iter()
                .position(|h| h == column)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        ressources.push((format!("{name}:{line}"), csv_record(&get)));
    }
    Ok(Document {
        version: "1.1".into(),
        genere_le: None,
        ressources,
    })
}
