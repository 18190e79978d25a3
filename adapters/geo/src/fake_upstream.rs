//! An API Géo stand-in for tests: a real HTTP server on 127.0.0.1 speaking the API's shapes —
//! `GET /communes/{code}` (one object, or `404`) and `GET /communes?nom=&codeDepartement=&codePostal=`
//! (an array), both honouring `fields` (`nom` and `code` always; `_score` added to a search by name) and
//! `type` (`commune-actuelle` by default, `arrondissement-municipal`, or both separated by a comma).
//!
//! It serves the communes of a La Poste file converted by its own simple code, independent of the
//! adapter's parser: rows grouped by code INSEE, names title-cased, postal codes merged, the centre of
//! the first row with coordinates (as GeoJSON, longitude first), the département from the code and
//! the région from a table of its own; Paris, Lyon and Marseille built as communes from their
//! arrondissements (centre = mean of theirs), which are served as `arrondissement-municipal`. It counts
//! requests, keeps their query strings and can be switched to answer `503`. Behind the `test-support`
//! feature.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use passerelle_core::text::fold;
use serde_json::{Map, Value, json};

/// `type` of a commune.
pub const COMMUNE: &str = "commune-actuelle";
/// `type` of a municipal arrondissement.
pub const ARRONDISSEMENT: &str = "arrondissement-municipal";

/// Régions and their départements (since 2016), for `codeRegion`.
const REGIONS: &[(&str, &[&str])] = &[
    ("01", &["971"]),
    ("02", &["972"]),
    ("03", &["973"]),
    ("04", &["974"]),
    ("06", &["976"]),
    ("11", &["75", "77", "78", "91", "92", "93", "94", "95"]),
    ("24", &["18", "28", "36", "37", "41", "45"]),
    ("27", &["21", "25", "39", "58", "70", "71", "89", "90"]),
    ("28", &["14", "27", "50", "61", "76"]),
    ("32", &["02", "59", "60", "62", "80"]),
    (
        "44",
        &["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"],
    ),
    ("52", &["44", "49", "53", "72", "85"]),
    ("53", &["22", "29", "35", "56"]),
    (
        "75",
        &[
            "16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87",
        ],
    ),
    (
        "76",
        &[
            "09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82",
        ],
    ),
    (
        "84",
        &[
            "01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74",
        ],
    ),
    ("93", &["04", "05", "06", "13", "83", "84"]),
    ("94", &["2A", "2B"]),
];

/// Paris, Lyon and Marseille: code, name, prefix of their arrondissements' codes.
const PLM: [(&str, &str, &str); 3] = [
    ("75056", "Paris", "751"),
    ("69123", "Lyon", "6938"),
    ("13055", "Marseille", "132"),
];

/// One commune or arrondissement served.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `commune-actuelle` or `arrondissement-municipal`.
    pub kind: &'static str,
    /// Every field the stand-in knows, in API Géo's names.
    pub record: Map<String, Value>,
    folded: String,
}

/// What the fake API Géo serves and has seen.
#[derive(Debug, Default)]
pub struct Upstream {
    /// By code.
    pub entries: BTreeMap<String, Entry>,
    /// Every request (retries included).
    pub requests: AtomicU64,
    /// Requests to `/communes/{code}`.
    pub lookups: AtomicU64,
    /// Requests to `/communes`.
    pub searches: AtomicU64,
    /// The path and query string of every request, in order.
    pub seen: Mutex<Vec<String>>,
    /// The `traceparent` header of every request that had one, in order.
    pub traceparents: Mutex<Vec<String>>,
    /// Answer every request with 503.
    pub down: AtomicBool,
    /// Added latency of every answer, in milliseconds.
    pub delay_ms: AtomicU64,
    /// How every answer misbehaves: [`Behaviour`] as a number.
    pub behaviour: AtomicU64,
}

/// How the stand-in misbehaves (stored in [`Upstream::behaviour`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Behaviour {
    /// Answers as API Géo does.
    Normal = 0,
    /// `500 Internal Server Error`.
    ServerError = 1,
    /// Never answers (the client's timeout must end the wait).
    Hang = 2,
    /// `200` with a JSON body cut in the middle.
    MalformedJson = 3,
    /// `429` with `Retry-After: 1`, once, then normal.
    TooManyRequestsOnce = 4,
}

impl Upstream {
    /// Sets how the stand-in answers from now on.
    pub fn behave(&self, b: Behaviour) {
        self.behaviour.store(b as u64, Ordering::SeqCst);
    }

    /// The misbehaving answer, if the stand-in is told to misbehave; after the added latency.
    async fn misbehave(&self) -> Option<Response> {
        let delay = self.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        match self.behaviour.load(Ordering::SeqCst) {
            1 => Some((StatusCode::INTERNAL_SERVER_ERROR, "erreur interne").into_response()),
            2 => {
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                None
            }
            3 => Some(
                (
                    [("content-type", "application/json")],
                    r#"{"nom":"Lyon","code":"69123","codesPost"#,
                )
                    .into_response(),
            ),
            4 => {
                self.behave(Behaviour::Normal);
                Some(
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("retry-after", "1")],
                        r#"{"message":"quota"}"#,
                    )
                        .into_response(),
                )
            }
            _ => None,
        }
    }
}

/// The real La Poste file, read in place from `../shared/data` (never copied into the repository).
pub fn laposte_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/geo/laposte_hexasmal.csv")
}

fn title_case(name: &str) -> String {
    name.split(' ')
        .map(|w| {
            let lower = w.to_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn departement(code: &str) -> &str {
    if code.starts_with("97") || code.starts_with("98") {
        &code[..3]
    } else {
        &code[..2]
    }
}

fn region(departement: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .find(|(_, ds)| ds.contains(&departement))
        .map(|(r, _)| *r)
}

#[derive(Default)]
struct Acc {
    nom: String,
    codes_postaux: BTreeSet<String>,
    centre: Option<(f64, f64)>,
}

fn entry(kind: &'static str, code: &str, acc: &Acc) -> Entry {
    let mut record = Map::new();
    record.insert("nom".into(), json!(acc.nom));
    record.insert("code".into(), json!(code));
    let d = departement(code);
    record.insert("codeDepartement".into(), json!(d));
    if let Some(r) = region(d) {
        record.insert("codeRegion".into(), json!(r));
    }
    record.insert("codesPostaux".into(), json!(acc.codes_postaux));
    if let Some((lat, lon)) = acc.centre {
        record.insert(
            "centre".into(),
            json!({"type": "Point", "coordinates": [lon, lat]}),
        );
    }
    Entry {
        kind,
        folded: fold(&acc.nom),
        record,
    }
}

/// The communes and arrondissements of a La Poste file (`;`-separated, one row per code INSEE × postal
/// code × ligne 5), as API Géo would serve them.
pub fn entries_from_laposte(csv: &str) -> Vec<Entry> {
    let mut by_code: BTreeMap<String, Acc> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cols: Vec<&str> = line.split(';').collect();
        if cols.len() < 3 || cols[0].len() != 5 {
            continue;
        }
        let acc = by_code.entry(cols[0].to_owned()).or_default();
        if acc.nom.is_empty() {
            acc.nom = title_case(cols[1].trim());
        }
        if !cols[2].trim().is_empty() {
            acc.codes_postaux.insert(cols[2].trim().to_owned());
        }
        if acc.centre.is_none() {
            acc.centre = cols.get(5).and_then(|gps| {
                let (lat, lon) = gps.split_once(',')?;
                Some((lat.trim().parse().ok()?, lon.trim().parse().ok()?))
            });
        }
    }
    let mut entries = Vec::new();
    for (code, nom, prefix) in PLM {
        let parts: Vec<&Acc> = by_code
            .iter()
            .filter(|(c, _)| c.starts_with(prefix))
            .map(|(_, a)| a)
            .collect();
        let centres: Vec<(f64, f64)> = parts.iter().filter_map(|a| a.centre).collect();
        let n = centres.len() as f64;
        let plm = Acc {
            nom: nom.to_owned(),
            codes_postaux: parts
                .iter()
                .flat_map(|a| a.codes_postaux.iter().cloned())
                .collect(),
            centre: (!centres.is_empty()).then(|| {
                (
                    centres.iter().map(|c| c.0).sum::<f64>() / n,
                    centres.iter().map(|c| c.1).sum::<f64>() / n,
                )
            }),
        };
        entries.push(entry(COMMUNE, code, &plm));
    }
    for (code, acc) in &by_code {
        let kind = if PLM.iter().any(|(_, _, p)| code.starts_with(p)) {
            ARRONDISSEMENT
        } else {
            COMMUNE
        };
        entries.push(entry(kind, code, acc));
    }
    entries
}

impl Upstream {
    fn saw(&self, path: &str, query: Option<&str>) -> bool {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.seen
            .lock()
            .unwrap()
            .push(format!("{path}?{}", query.unwrap_or_default()));
        !self.down.load(Ordering::SeqCst)
    }

    fn saw_headers(&self, headers: &axum::http::HeaderMap) {
        if let Some(t) = headers.get("traceparent").and_then(|v| v.to_str().ok()) {
            self.traceparents.lock().unwrap().push(t.to_owned());
        }
    }

    /// The query strings of the requests to `path` seen so far.
    pub fn queries_to(&self, path: &str) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter_map(|s| s.strip_prefix(path)?.strip_prefix('?').map(str::to_owned))
            .collect()
    }
}

fn types(q: &HashMap<String, String>) -> Vec<String> {
    q.get("type")
        .map_or(COMMUNE, String::as_str)
        .split(',')
        .map(|t| t.trim().to_owned())
        .collect()
}

/// The record with only the `fields` asked (`nom` and `code` always), as API Géo answers.
fn shaped(entry: &Entry, q: &HashMap<String, String>) -> Map<String, Value> {
    match q.get("fields") {
        None => entry.record.clone(),
        Some(fields) => {
            let asked: Vec<&str> = fields.split(',').map(str::trim).collect();
            entry
                .record
                .iter()
                .filter(|(k, _)| {
                    k.as_str() == "nom" || k.as_str() == "code" || asked.contains(&k.as_str())
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }
    }
}

async fn lookup(
    State(up): State<Arc<Upstream>>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
    Query(q): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
) -> Response {
    up.lookups.fetch_add(1, Ordering::SeqCst);
    up.saw_headers(&headers);
    if !up.saw(&format!("/communes/{code}"), raw.as_deref()) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if let Some(r) = up.misbehave().await {
        return r;
    }
    let types = types(&q);
    match up.entries.get(&code) {
        Some(e) if types.iter().any(|t| t == e.kind) => axum::Json(shaped(e, &q)).into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"code": 404, "message": "Commune non trouvée"})),
        )
            .into_response(),
    }
}

async fn search(
    State(up): State<Arc<Upstream>>,
    RawQuery(raw): RawQuery,
    Query(q): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
) -> Response {
    up.searches.fetch_add(1, Ordering::SeqCst);
    up.saw_headers(&headers);
    if !up.saw("/communes", raw.as_deref()) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if let Some(r) = up.misbehave().await {
        return r;
    }
    let types = types(&q);
    let words: Option<Vec<String>> = q.get("nom").map(|n| {
        fold(n)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    });
    let text = |e: &Entry, key: &str| e.record.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut hits: Vec<&Entry> = up
        .entries
        .values()
        .filter(|e| types.iter().any(|t| t == e.kind))
        .filter(|e| {
            q.get("codeDepartement")
                .is_none_or(|d| text(e, "codeDepartement").as_ref() == Some(d))
        })
        .filter(|e| {
            q.get("codePostal").is_none_or(|cp| {
                e.record["codesPostaux"]
                    .as_array()
                    .is_some_and(|cps| cps.iter().any(|c| c.as_str() == Some(cp)))
            })
        })
        .filter(|e| {
            q.get("code")
                .is_none_or(|c| text(e, "code").as_ref() == Some(c))
        })
        .filter(|e| {
            words.as_ref().is_none_or(|ws| {
                ws.iter()
                    .all(|w| e.folded.split(' ').any(|t| t.starts_with(w.as_str())))
            })
        })
        .collect();
    // Not in code order, as the API's answers are not.
    hits.sort_by(|a, b| a.folded.cmp(&b.folded));
    let answer: Vec<Value> = hits
        .into_iter()
        .map(|e| {
            let mut record = shaped(e, &q);
            if words.is_some() {
                record.insert("_score".into(), json!(1.0));
            }
            Value::Object(record)
        })
        .collect();
    axum::Json(answer).into_response()
}

/// Starts the stand-in serving `entries`; the API's base URL is `http://{addr}`.
pub async fn start_upstream(entries: Vec<Entry>) -> (SocketAddr, Arc<Upstream>) {
    let up = Arc::new(Upstream {
        entries: entries
            .into_iter()
            .map(|e| (e.record["code"].as_str().unwrap().to_owned(), e))
            .collect(),
        ..Upstream::default()
    });
    let app = axum::Router::new()
        .route("/communes", get(search))
        .route("/communes/{code}", get(lookup))
        .with_state(Arc::clone(&up));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, up)
}

/// Starts the stand-in serving the communes of the real La Poste file ([`laposte_file`]).
pub async fn start_laposte() -> (SocketAddr, Arc<Upstream>) {
    let path = laposte_file();
    let csv = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the real La Poste file is expected at {}: {e}",
            path.display()
        )
    });
    start_upstream(entries_from_laposte(&csv)).await
}
