//! Exports: a GraphQL query's first list as CSV (RFC 4180) or NDJSON, every page of it.
//!
//! The same code serves `GET|POST /export` and `passerelle export`, so both give the same bytes. The
//! query runs as it would on `/graphql` (same schema, loaders, errors); the export only chooses the page
//! the first field answers ([`ExportPage`]) and walks the pages until the list ends or `max_rows` is
//! reached. Columns are the leaf paths selected under a row ([`plan`]); a path that crosses a list
//! joins its values with `|`, one value per item (empty for an item without one), so that the values
//! of sibling columns stay aligned.

pub mod plan;

use std::sync::Arc;

use async_graphql::{ServerError, Value, Variables};
use chrono::{DateTime, Utc};
use passerelle_core::PageRequest;

use crate::config::ExportConfig;
use crate::graphql::{ExportPage, PasserelleSchema, errors};
use crate::sources::Sources;
use plan::{Plan, PlanError, TOTAL_KEY, TypeInfo};

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV per RFC 4180 (CRLF line ends, quotes only where needed), with a header line.
    Csv {
        /// Field separator (`,` by default; `;` for spreadsheets set to French).
        separator: u8,
        /// Starts with a UTF-8 byte order mark, for spreadsheets that need it to read UTF-8.
        bom: bool,
    },
    /// One JSON object per line, each row as the GraphQL response gives it.
    Ndjson,
}

impl Format {
    /// Media type of the body.
    pub fn media_type(&self) -> &'static str {
        match self {
            Self::Csv { .. } => "text/csv; charset=utf-8; header=present",
            Self::Ndjson => "application/x-ndjson",
        }
    }

    /// File extension.
    pub fn extension(&self) -> &'static str {
        match self {
            Self::Csv { .. } => "csv",
            Self::Ndjson => "ndjson",
        }
    }

    /// Reads the `format`, `separateur` and `bom` options, or says which rule one breaks.
    pub fn parse(
        format: Option<&str>,
        separateur: Option<&str>,
        bom: Option<&str>,
    ) -> Result<Self, String> {
        let csv = match format.map(str::trim).unwrap_or("csv") {
            "csv" => true,
            "ndjson" => false,
            other => {
                return Err(format!("format = « {other} » : csv ou ndjson est attendu"));
            }
        };
        if !csv {
            if let Some(s) = separateur {
                return Err(format!(
                    "separateur = « {s} » : le séparateur ne s'applique qu'au format csv"
                ));
            }
            if bom.is_some() {
                return Err(
                    "bom : la marque d'ordre des octets ne s'applique qu'au format csv".into(),
                );
            }
            return Ok(Self::Ndjson);
        }
        let separator = match separateur {
            None | Some("," | "virgule") => b',',
            Some(";" | "point-virgule") => b';',
            Some("\t" | "tab" | "tabulation") => b'\t',
            Some(other) => {
                return Err(format!(
                    "separateur = « {other} » : « , » (virgule), « ; » (point-virgule) ou « tab » est attendu"
                ));
            }
        };
        let bom = match bom {
            None | Some("false" | "0" | "non") => false,
            Some("true" | "1" | "oui" | "") => true,
            Some(other) => return Err(format!("bom = « {other} » : true ou false est attendu")),
        };
        Ok(Self::Csv { separator, bom })
    }
}

/// Why an export failed. Before the first byte, it becomes an HTTP error; after, the body is cut short
/// (the client sees an incomplete transfer) and the command exits with an error.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The request is wrong (syntax, validation, arguments, nothing to export): nothing ran.
    #[error("{}", messages(.0))]
    Request(Vec<ServerError>),
    /// The query ran with errors (a source unavailable, an argument's rule): the export stops rather
    /// than write rows with missing values.
    #[error("{}", messages(.0))]
    Execution(Vec<ServerError>),
    /// A source loaded new data while the pages were being walked: pages from two versions would lose
    /// or repeat rows, so the export stops. Running it again reads the new data throughout.
    #[error("la source {0} a chargé de nouvelles données pendant l'export ; relancez l'export")]
    Changed(&'static str),
}

fn messages(errors: &[ServerError]) -> String {
    errors
        .iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join(" ; ")
}

impl ExportError {
    /// The HTTP status before the first byte: 400 for the client's errors, 503 for the sources'.
    pub fn status(&self) -> u16 {
        match self {
            Self::Request(_) => 400,
            Self::Execution(errors) => {
                let client = errors.iter().all(|e| {
                    e.extensions
                        .as_ref()
                        .and_then(|x| x.get("code"))
                        .is_some_and(|c| {
                            *c == Value::from(errors::BAD_USER_INPUT)
                                || *c == Value::from(errors::LIMIT_EXCEEDED)
                        })
                });
                if client { 400 } else { 503 }
            }
            Self::Changed(_) => 503,
        }
    }

    /// The GraphQL errors, for a JSON error body.
    pub fn errors(&self) -> Vec<ServerError> {
        match self {
            Self::Request(e) | Self::Execution(e) => e.clone(),
            Self::Changed(_) => vec![ServerError::new(self.to_string(), None)],
        }
    }
}

impl From<PlanError> for ExportError {
    fn from(e: PlanError) -> Self {
        let mut error = ServerError::new(e.0, None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", errors::BAD_USER_INPUT);
        error.extensions = Some(extensions);
        Self::Request(vec![error])
    }
}

/// What exports share: the schema, its types, the sources and the limits.
#[derive(Clone)]
pub struct Exporter {
    schema: PasserelleSchema,
    sources: Arc<Sources>,
    types: Arc<TypeInfo>,
    config: ExportConfig,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Exporter {
    /// An exporter over the schema and its sources.
    pub fn new(schema: PasserelleSchema, sources: Arc<Sources>, config: ExportConfig) -> Self {
        let types = TypeInfo::from_sdl(&schema.sdl()).expect("the schema's own SDL parses");
        Self {
            schema,
            sources,
            types: Arc::new(types),
            config,
        }
    }

    /// Plans the export and runs its first page: errors found there are returned before anything is
    /// written.
    pub async fn start(
        &self,
        request: async_graphql::Request,
        format: Format,
    ) -> Result<Export, ExportError> {
        let document = match async_graphql::parser::parse_query(&request.query) {
            Ok(d) => d,
            Err(_) => {
                // The usual syntax error, as `/graphql` gives it.
                let executed = crate::graphql::execute(&self.schema, &self.sources, request).await;
                return Err(ExportError::Request(executed.response.errors));
            }
        };
        let plan = Plan::new(
            &self.types,
            document,
            request.operation_name.as_deref(),
            &request.variables,
        )?;
        let mut export = Export {
            exporter: self.clone(),
            query: request.query,
            operation: request.operation_name,
            variables: request.variables,
            versions: self.sources.load_times(),
            plan,
            format,
            max_rows: self.config.max_rows,
            offset: 0,
            written: 0,
            total: None,
            pending: None,
            finished: false,
            header_written: false,
        };
        let rows = export.page().await?;
        export.pending = Some(rows);
        Ok(export)
    }
}

/// An export under way.
pub struct Export {
    exporter: Exporter,
    query: String,
    operation: Option<String>,
    variables: Variables,
    versions: Vec<(&'static str, Option<DateTime<Utc>>)>,
    plan: Plan,
    format: Format,
    max_rows: usize,
    offset: usize,
    written: usize,
    total: Option<usize>,
    pending: Option<Vec<Value>>,
    finished: bool,
    header_written: bool,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("key", &self.plan.key)
            .field("written", &self.written)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl Export {
    /// The number of rows of the whole list, once known (after the first page).
    pub fn total(&self) -> Option<usize> {
        self.total
    }

    /// The export stops at `max_rows`, short of the whole list.
    pub fn truncated(&self) -> bool {
        self.total.is_some_and(|t| t > self.max_rows)
    }

    /// The most rows written.
    pub fn max_rows(&self) -> usize {
        self.max_rows
    }

    /// Rows written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// A file name for the export: the list's response key and the format's extension.
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.plan.key, self.format.extension())
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Runs the next page and returns its rows.
    async fn page(&mut self) -> Result<Vec<Value>, ExportError> {
        let limit = if self.plan.paged {
            self.exporter
                .config
                .page_size
                .min(self.max_rows.saturating_sub(self.offset))
        } else {
            self.max_rows
        };
        let mut request = async_graphql::Request::new(self.query.clone())
            .variables(self.variables.clone())
            .data(ExportPage {
                key: self.plan.key.clone(),
                page: PageRequest {
                    offset: self.offset,
                    limit,
                },
            });
        if let Some(op) = &self.operation {
            request = request.operation_name(op.clone());
        }
        let executed = crate::graphql::execute_document(
            &self.exporter.schema,
            &self.exporter.sources,
            request,
            Some(&self.plan.document),
        )
        .await;
        if executed.request_error {
            return Err(ExportError::Request(executed.response.errors));
        }
        if !executed.response.errors.is_empty() {
            return Err(ExportError::Execution(executed.response.errors));
        }
        let now = self.exporter.sources.load_times();
        if now != self.versions {
            let changed = now
                .into_iter()
                .zip(&self.versions)
                .find(|(now, before)| now != *before)
                .map_or("?", |(now, _)| now.0);
            return Err(ExportError::Changed(changed));
        }
        let Value::Object(mut data) = executed.response.data else {
            return Ok(Vec::new());
        };
        let root = data
            .shift_remove(self.plan.key.as_str())
            .unwrap_or(Value::Null);
        let total = match &root {
            Value::Object(object) => match object.get(TOTAL_KEY) {
                Some(Value::Number(n)) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
                _ => None,
            },
            _ => None,
        };
        let mut value = root;
        for key in &self.plan.rows {
            value = match value {
                Value::Object(mut object) => {
                    object.shift_remove(key.as_str()).unwrap_or(Value::Null)
                }
                _ => Value::Null,
            };
        }
        let rows = match value {
            Value::List(items) => items,
            _ => Vec::new(),
        };
        let total = total.unwrap_or(rows.len());
        self.total.get_or_insert(total);
        let mut rows = rows;
        rows.truncate(self.max_rows.saturating_sub(self.offset));
        self.offset += rows.len();
        let more = self.plan.paged
            && !rows.is_empty()
            && self.offset < self.total.unwrap_or(0).min(self.max_rows);
        if !more {
            self.finished = true;
        }
        Ok(rows)
    }

    /// The next bytes to write: the header (CSV) and the rows of one page; `None` at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ExportError> {
        let rows = match self.pending.take() {
            Some(rows) => rows,
            None if self.finished => return Ok(None),
            None => self.page().await?,
        };
        let mut out = Vec::new();
        if !self.header_written {
            self.header_written = true;
            if let Format::Csv { separator, bom } = self.format {
                if bom {
                    out.extend_from_slice(b"\xEF\xBB\xBF");
                }
                write_csv(&mut out, separator, &[self.plan.header()]);
            }
        }
        match self.format {
            Format::Csv { separator, .. } => {
                let lines: Vec<Vec<String>> = rows
                    .iter()
                    .map(|row| self.plan.columns.iter().map(|p| cell(row, p)).collect())
                    .collect();
                write_csv(&mut out, separator, &lines);
            }
            Format::Ndjson => {
                for row in &rows {
                    serde_json::to_writer(&mut out, row).expect("a GraphQL value serialises");
                    out.push(b'\n');
                }
            }
        }
        self.written += rows.len();
        if out.is_empty() && self.finished {
            return Ok(None);
        }
        Ok(Some(out))
    }

    /// The export as a stream of byte chunks; an error ends it (after logging it).
    pub fn into_stream(
        self,
    ) -> impl futures::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send {
        futures::stream::unfold(Some(self), |state| async move {
            let mut export = state?;
            match export.next_chunk().await {
                Ok(Some(bytes)) => Some((Ok(axum::body::Bytes::from(bytes)), Some(export))),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(export = %export.plan.key, rows = export.written, error = %e, "export interrompu");
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
            }
        })
    }
}

fn write_csv(out: &mut Vec<u8>, separator: u8, lines: &[Vec<String>]) {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(separator)
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out);
    for line in lines {
        writer
            .write_record(line)
            .expect("writing to memory cannot fail");
    }
    writer.flush().expect("writing to memory cannot fail");
}

/// A row's cell for a column path: values under lists joined with `|`.
pub fn cell(row: &Value, path: &[String]) -> String {
    let mut values = Vec::new();
    collect(row, path, false, &mut values);
    values.join("|")
}

fn collect(value: &Value, path: &[String], in_list: bool, out: &mut Vec<String>) {
    match value {
        Value::List(items) => {
            for item in items {
                collect(item, path, true, out);
            }
        }
        Value::Null => {
            if in_list {
                out.push(String::new());
            }
        }
        Value::Object(map) if !path.is_empty() => match map.get(path[0].as_str()) {
            Some(v) => collect(v, &path[1..], in_list, out),
            None if in_list => out.push(String::new()),
            None => {}
        },
        Value::String(s) => out.push(s.clone()),
        Value::Enum(e) => out.push(e.to_string()),
        Value::Boolean(b) => out.push(b.to_string()),
        Value::Number(n) => out.push(n.to_string()),
        other => out.push(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_join_list_values_keeping_them_aligned() {
        let row = Value::from_json(serde_json::json!({
            "node": {
                "numero": "A1",
                "sessions": [
                    { "debut": "2026-03-01", "fin": null },
                    { "debut": "2026-09-01", "fin": "2027-06-30" }
                ],
                "codes": ["M1805", "M1810"],
                "lieu": null,
                "cpf": true,
                "heures": 420
            }
        }))
        .unwrap();
        let c = |p: &[&str]| cell(&row, &p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(c(&["node", "numero"]), "A1");
        assert_eq!(c(&["node", "sessions", "debut"]), "2026-03-01|2026-09-01");
        assert_eq!(c(&["node", "sessions", "fin"]), "|2027-06-30");
        assert_eq!(c(&["node", "codes"]), "M1805|M1810");
        assert_eq!(c(&["node", "lieu", "commune"]), "");
        assert_eq!(c(&["node", "cpf"]), "true");
        assert_eq!(c(&["node", "heures"]), "420");
    }

    #[test]
    fn csv_is_rfc_4180() {
        let mut out = Vec::new();
        write_csv(
            &mut out,
            b',',
            &[
                vec!["a".into(), "b,c".into()],
                vec!["dit \"oui\"".into(), "deux\nlignes".into()],
            ],
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\"\r\n\"dit \"\"oui\"\"\",\"deux\nlignes\"\r\n"
        );
    }

    #[test]
    fn options_are_checked_naming_them() {
        assert_eq!(
            Format::parse(None, None, None),
            Ok(Format::Csv {
                separator: b',',
                bom: false
            })
        );
        assert_eq!(
            Format::parse(Some("csv"), Some(";"), Some("true")),
            Ok(Format::Csv {
                separator: b';',
                bom: true
            })
        );
        assert_eq!(
            Format::parse(Some("ndjson"), None, None),
            Ok(Format::Ndjson)
        );
        for (f, s, b, words) in [
            (Some("xlsx"), None, None, "format = « xlsx »"),
            (Some("csv"), Some("|"), None, "separateur = « | »"),
            (Some("csv"), None, Some("peut-être"), "bom = « peut-être »"),
            (Some("ndjson"), Some(";"), None, "qu'au format csv"),
        ] {
            let e = Format::parse(f, s, b).unwrap_err();
            assert!(e.contains(words), "{e}");
        }
    }
}
