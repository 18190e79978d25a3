//! Liveness and readiness: ready once every source has data to serve.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use crate::http::AppState;

/// `GET /health/live`: the process answers.
pub async fn live() -> Json<serde_json::Value> {
    Json(json!({ "statut": "vivant" }))
}

/// `GET /health/ready`: 200 once every source has data to serve, 503 before, with each source's state.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let sources: Vec<serde_json::Value> = state
        .sources
        .directory()
        .into_iter()
        .map(|e| {
            json!({
                "id": e.descriptor.id,
                "statut": format!("{:?}", e.health.status).to_lowercase(),
                "enregistrements": e.health.records,
                "derniereErreur": e.health.last_error,
            })
        })
        .collect();
    let ready = state.sources.ready();
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(json!({ "pret": ready, "sources": sources })))
}
