//! Operations, authorised by a bearer token from `PASSERELLE_ADMIN_TOKEN` (the routes do not exist
//! without it): `POST /admin/sources/{id}/refresh` reloads a source now, `POST /admin/cache/purge`
//! forgets the cached API answers (`?partage=true`: in Redis too, for every replica).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::http::AppState;

/// Compares without stopping at the first different byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn authorised(state: &AppState, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let expected = state
        .admin_token
        .as_ref()
        .ok_or_else(|| Box::new(StatusCode::NOT_FOUND.into_response()))?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(t) if same(t.as_bytes(), expected.expose().as_bytes()) => Ok(()),
        _ => Err(Box::new(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                Json(json!({ "erreur": "jeton d'administration absent ou invalide (en-tête Authorization: Bearer …)" })),
            )
                .into_response(),
        )),
    }
}

/// `POST /admin/sources/{id}/refresh`.
pub async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = authorised(&state, &headers) {
        return *r;
    }
    let status = |state: &AppState| {
        state
            .sources
            .directory()
            .into_iter()
            .find(|e| e.descriptor.id == id)
            .map(|e| format!("{:?}", e.health.status).to_lowercase())
    };
    match state.sources.refresh(&id).await {
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({ "erreur": format!("source « {id} » inconnue : rome, onisep, rncp, offre-info, repere-metiers ou geo") })),
        )
            .into_response(),
        Some(Ok(outcome)) => Json(json!({
            "source": id,
            "resultat": match outcome {
                passerelle_core::RefreshOutcome::Loaded => "charge",
                passerelle_core::RefreshOutcome::Unchanged => "inchange",
            },
            "statut": status(&state),
        }))
        .into_response(),
        Some(Err(e)) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({
                "source": id,
                "erreur": e.to_string(),
                "statut": status(&state),
            })),
        )
            .into_response(),
    }
}

/// `?partage=true`.
#[derive(Debug, serde::Deserialize)]
pub struct PurgeParams {
    #[serde(default)]
    partage: bool,
}

/// `POST /admin/cache/purge`.
pub async fn purge(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<PurgeParams>,
) -> Response {
    if let Err(r) = authorised(&state, &headers) {
        return *r;
    }
    let dropped = state.sources.purge_caches(params.partage).await;
    Json(json!({
        "cacheLocal": "vidé",
        "clesPartageesSupprimees": dropped,
        "partage": params.partage && state.sources.shared_cache().is_some(),
    }))
    .into_response()
}
