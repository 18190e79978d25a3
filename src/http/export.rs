//! `GET|POST /export?format=csv|ndjson`: a query's first list as a file, every page of it (see
//! [`crate::export`]). The query is sent as to `/graphql`: in the URL for GET, as a JSON body for POST
//! (the same rule: no "simple" cross-site form post ever runs it), with the same persisted operations
//! (an operation outside the trusted documents is refused here too).

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::export::{ExportError, Format};
use crate::graphql::errors;
use crate::http::AppState;
use crate::http::graphql::json_content_type;

/// The URL's parameters: the export's options, and for GET the query itself.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Params {
    format: Option<String>,
    separateur: Option<String>,
    bom: Option<String>,
    query: Option<String>,
    variables: Option<String>,
    operation_name: Option<String>,
}

fn error(status: StatusCode, errors: Vec<async_graphql::ServerError>) -> Response {
    let mut response = (status, json!({ "errors": errors }).to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn bad_request(argument: &str, message: String) -> Response {
    let mut e = async_graphql::ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", errors::BAD_USER_INPUT);
    extensions.set("argument", argument);
    e.extensions = Some(extensions);
    error(StatusCode::BAD_REQUEST, vec![e])
}

/// The URL's parameters and the export's options, or the response naming the one that breaks its rule.
fn options(
    params: Result<Query<Params>, QueryRejection>,
) -> Result<(Params, Format), Box<Response>> {
    let Query(params) = params
        .map_err(|e| Box::new(bad_request("query", format!("paramètres illisibles : {e}"))))?;
    let format = Format::parse(
        params.format.as_deref(),
        params.separateur.as_deref(),
        params.bom.as_deref(),
    )
    .map_err(|m| {
        let argument = m.split([' ', ':']).next().unwrap_or("format").to_owned();
        Box::new(bad_request(&argument, m))
    })?;
    Ok((params, format))
}

/// `GET /export?query=…&variables=…&operationName=…&format=…`.
pub async fn get(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
) -> Response {
    let (params, format) = match options(params) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let Some(query) = params.query.clone() else {
        return bad_request(
            "query",
            "query : la requête GraphQL à exporter est attendue".into(),
        );
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(v) = &params.variables {
        match serde_json::from_str::<serde_json::Value>(v) {
            Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Null)) => {
                request = request.variables(async_graphql::Variables::from_json(v));
            }
            _ => {
                return bad_request("variables", "variables : un objet JSON est attendu".into());
            }
        }
    }
    if let Some(op) = &params.operation_name {
        request = request.operation_name(op.clone());
    }
    run(&state, request, format).await
}

/// `POST /export?format=…` with a JSON body `{ "query", "variables", "operationName" }`.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<Params>, QueryRejection>,
    body: Bytes,
) -> Response {
    let (_, format) = match options(params) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    if let Err(content_type) = json_content_type(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            vec![async_graphql::ServerError::new(
                format!(
                    "Content-Type « {content_type} » non pris en charge : envoyez application/json"
                ),
                None,
            )],
        );
    }
    match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(request) => run(&state, request, format).await,
        Err(e) => bad_request("query", format!("corps JSON illisible : {e}")),
    }
}

async fn run(state: &AppState, mut request: async_graphql::Request, format: Format) -> Response {
    // The same persisted operations as `/graphql`: with trusted documents, only those are exported.
    if let Err(e) = state.persisted.resolve(&mut request) {
        return error(StatusCode::BAD_REQUEST, vec![e]);
    }
    let export = match state.exporter.start(request, format).await {
        Ok(e) => e,
        Err(e) => return failure(&e),
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.media_type()),
    );
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", export.file_name()))
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(total) = export.total() {
        headers.insert("x-total-count", HeaderValue::from(total));
    }
    if export.truncated() {
        headers.insert("x-export-tronque", HeaderValue::from(export.max_rows()));
    }
    (
        StatusCode::OK,
        headers,
        Body::from_stream(export.into_stream()),
    )
        .into_response()
}

fn failure(e: &ExportError) -> Response {
    error(
        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
        e.errors(),
    )
}
