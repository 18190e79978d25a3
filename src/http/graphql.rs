//! `/graphql` over HTTP: JSON POST and GET (queries only), content negotiation between
//! `application/graphql-response+json` and `application/json`, and request errors without `data`.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::graphql::errors;
use crate::http::AppState;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(GRAPHQL_RESPONSE))
}

/// A response body with the negotiated media type.
fn reply(headers: &HeaderMap, status: StatusCode, body: String) -> Response {
    let media = if wants_graphql_response(headers) {
        GRAPHQL_RESPONSE
    } else {
        JSON
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if media == JSON {
            "application/json"
        } else {
            "application/graphql-response+json; charset=utf-8"
        }),
    );
    response
}

/// A request that could not be read: 400, no `data`.
fn unreadable(headers: &HeaderMap, status: StatusCode, message: String) -> Response {
    reply(headers, status, json!({ "errors": [{ "message": message, "extensions": { "code": errors::BAD_USER_INPUT } }] }).to_string())
}

/// `GET /graphql?query=…&variables=…&operationName=…`.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match async_graphql::http::parse_query_string(query.as_deref().unwrap_or("")) {
        Ok(request) if !is_query(&request) => {
            let mut response = unreadable(
                &headers,
                StatusCode::METHOD_NOT_ALLOWED,
                "GET n'exécute que des requêtes (query) : envoyez toute autre opération en POST"
                    .into(),
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            response
        }
        Ok(request) => execute(&state, &headers, request).await,
        Err(e) => unreadable(
            &headers,
            StatusCode::BAD_REQUEST,
            format!("requête GET illisible : {e}"),
        ),
    }
}

/// Whether the operation a request selects is a query (a mutation or a subscription is not; a document
/// that does not parse is left to execution, which reports it).
fn is_query(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return true;
    };
    let ty = match (&doc.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    };
    ty.is_none_or(|t| t == OperationType::Query)
}

/// Whether the body is JSON (`application/json`, any parameters); otherwise the Content-Type given.
pub fn json_content_type(headers: &HeaderMap) -> Result<(), String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == JSON {
        Ok(())
    } else {
        Err(content_type.to_owned())
    }
}

/// Checks that a JSON body is an object whose `query` is a string (an absent `query` is a misspelt
/// parameter, never an empty document).
fn query_parameter(body: &serde_json::Value) -> Result<(), String> {
    let by_hash = body
        .get("extensions")
        .is_some_and(|e| e.get("persistedQuery").is_some());
    match body.get("query") {
        Some(serde_json::Value::String(_)) => Ok(()),
        None if by_hash => Ok(()),
        None => Err("paramètre query absent : le corps JSON doit avoir la forme { \"query\": \"…\", \"variables\": {…}, \"operationName\": \"…\" }".into()),
        Some(other) => Err(format!("paramètre query : une chaîne est attendue, reçu {other}")),
    }
}

/// `POST /graphql` with a JSON body `{ "query", "variables", "operationName" }`.
pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(content_type) = json_content_type(&headers) {
        // Only JSON: a "simple" cross-site form post (text/plain, urlencoded, multipart) never executes.
        return unreadable(
            &headers,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type « {content_type} » non pris en charge : envoyez application/json"
            ),
        );
    }
    // Read once: the shape is checked on the JSON value, then the request is taken from it.
    let body: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return unreadable(
                &headers,
                StatusCode::BAD_REQUEST,
                format!("corps JSON illisible : {e}"),
            );
        }
    };
    if let serde_json::Value::Array(operations) = body {
        return batch(&state, &headers, operations).await;
    }
    if let Err(message) = query_parameter(&body) {
        return unreadable(&headers, StatusCode::BAD_REQUEST, message);
    }
    match serde_json::from_value::<async_graphql::Request>(body) {
        Ok(request) => execute(&state, &headers, request).await,
        Err(e) => unreadable(
            &headers,
            StatusCode::BAD_REQUEST,
            format!("corps JSON illisible : {e}"),
        ),
    }
}

/// An array of operations (`[{…}, {…}]`), off unless `limits.max_batch` allows it: each operation is
/// checked and run as if sent alone (persisted documents, limits, timeout) and the answer is the array
/// of their answers, in order. The whole array counts as one request for the partner's rate.
async fn batch(
    state: &AppState,
    headers: &HeaderMap,
    operations: Vec<serde_json::Value>,
) -> Response {
    let max = state.sources.limits.max_batch;
    if operations.is_empty() {
        return unreadable(
            headers,
            StatusCode::BAD_REQUEST,
            "tableau d'opérations vide : envoyez au moins une opération".into(),
        );
    }
    if operations.len() > max {
        let what = if max == 0 {
            "opérations groupées dans un tableau (désactivées : une opération par requête)"
        } else {
            "opérations groupées dans un tableau"
        };
        let error = crate::graphql::limits::exceeded(
            "max_batch",
            operations.len() as u64,
            max as u64,
            what,
        );
        return reply(
            headers,
            StatusCode::BAD_REQUEST,
            json!({ "errors": [error] }).to_string(),
        );
    }
    let answers = futures::future::join_all(
        operations
            .into_iter()
            .enumerate()
            .map(|(i, body)| batch_item(state, headers, i, body)),
    )
    .await;
    let mut reply = reply(headers, StatusCode::OK, format!("[{}]", answers.join(",")));
    reply
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    reply
}

/// One operation of a batch, answered as serialised (its fields keep the order of its query).
async fn batch_item(
    state: &AppState,
    headers: &HeaderMap,
    index: usize,
    body: serde_json::Value,
) -> String {
    let request = query_parameter(&body).and_then(|()| {
        serde_json::from_value::<async_graphql::Request>(body)
            .map_err(|e| format!("corps JSON illisible : {e}"))
    });
    match request {
        Ok(request) => {
            let answer = execute(state, headers, request).await;
            let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Err(message) => {
            let message = format!("opération {index} du tableau : {message}");
            json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] })
                .to_string()
        }
    }
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    mut request: async_graphql::Request,
) -> Response {
    if let Err(error) = state.persisted.resolve(&mut request) {
        let status = if wants_graphql_response(headers) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        return reply(headers, status, json!({ "errors": [error] }).to_string());
    }
    use tracing::Instrument as _;
    let span = crate::telemetry::request_span(headers, request.operation_name.as_deref());
    let crate::graphql::Executed {
        response,
        request_error,
        ..
    } = crate::graphql::execute(&state.schema, &state.sources, request)
        .instrument(span)
        .await;
    // Serialised straight from the response, so that fields keep the order of the query.
    let body = if request_error {
        #[derive(serde::Serialize)]
        struct Errors<'a> {
            errors: &'a [async_graphql::ServerError],
        }
        serde_json::to_string(&Errors {
            errors: &response.errors,
        })
    } else {
        serde_json::to_string(&response)
    };
    let body =
        body.unwrap_or_else(|e| json!({ "errors": [{ "message": e.to_string() }] }).to_string());
    let status = if request_error && wants_graphql_response(headers) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut reply = reply(headers, status, body);
    if let Ok(value) = HeaderValue::from_str(&cache_control(&response)) {
        reply.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    reply
}

/// `Cache-Control` from the cache hints of the fields served: the shortest `max-age` of the types
/// answered (référentiels an hour, offers and resources a quarter of an hour), `private` when a personal
/// contact is in the answer, `no-cache` for the sources' health; `no-store` for an answer with errors or
/// with data served stale because a source failed, and for a selection without hints.
pub fn cache_control(response: &async_graphql::Response) -> String {
    if !response.errors.is_empty() || response.extensions.contains_key("donneesPerimees") {
        return "no-store".into();
    }
    let hints = response.cache_control;
    match hints.value() {
        Some(v) if hints.max_age > 0 => {
            if hints.public {
                format!("public, {v}")
            } else {
                v
            }
        }
        Some(v) if hints.max_age == -1 => v,
        Some(_) => "private, no-store".into(),
        None => "no-store".into(),
    }
}
