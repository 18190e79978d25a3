//! HTTP routes: `/graphql` (GET and POST), `/export` (GET and POST), the playground at `/`, `/health/live`,
//! `/health/ready`, and `/admin/…` when an admin token is set.

mod admin;
mod export;
mod graphql;
mod health;
pub mod partners;
pub mod persisted;
pub mod playground;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use crate::graphql::PasserelleSchema;
use crate::sources::Sources;

/// What every handler shares: one pointer, since every layer and handler clones it per request.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The state of these parts.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    /// The schema.
    pub schema: PasserelleSchema,
    /// The sources.
    pub sources: Arc<Sources>,
    /// Exports.
    pub exporter: crate::export::Exporter,
    /// Whether `/` serves the playground.
    pub playground: bool,
    /// Bearer token of the `/admin` routes; they do not exist without it.
    pub admin_token: Option<passerelle_core::http::Secret>,
    /// Persisted operations (APQ, trusted documents).
    pub persisted: persisted::Persisted,
    /// Partner keys and rate limits.
    pub limiter: partners::RateLimiter,
    /// Origins allowed by CORS (`["*"]`: any); none: no CORS headers.
    pub cors_origins: Vec<String>,
    /// Whether `/metrics` is served with the API (`[metrics]` on, without an address of its own).
    pub metrics_here: bool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("sources", &self.sources)
            .field("playground", &self.playground)
            .finish_non_exhaustive()
    }
}

/// CORS by allow-list: the origins given (or any with `*`), GET and POST, the headers a GraphQL client
/// sends; `None` without origins.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderName, HeaderValue, Method, header};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::ACCEPT,
                HeaderName::from_static("x-api-key"),
            ])
            .expose_headers([
                HeaderName::from_static("ratelimit-limit"),
                HeaderName::from_static("ratelimit-remaining"),
                HeaderName::from_static("ratelimit-reset"),
                HeaderName::from_static("x-total-count"),
            ])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// `GET /metrics`: the Prometheus text exposition.
pub async fn metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        state.sources.metrics.render(&state.sources),
    )
        .into_response()
}

async fn count_response(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "autre".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state
        .sources
        .metrics
        .response(&route, response.status().as_u16());
    response
}

/// The router of `/metrics` alone, for its own address (`[metrics] listen`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    // Partner keys and rates apply to the API routes, not to health, the playground or admin.
    let api = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/export", get(export::get).post(export::post))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            partners::limit,
        ));
    let mut router = Router::new()
        .merge(api)
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready));
    if state.playground {
        router = router
            .route("/", get(playground::page))
            .route("/playground/simple", get(playground::simple))
            .route("/playground/{file}", get(playground::asset));
    }
    if state.admin_token.is_some() {
        router = router
            .route("/admin/sources/{id}/refresh", post(admin::refresh))
            .route("/admin/cache/purge", post(admin::purge));
    }
    if state.metrics_here {
        router = router.route("/metrics", get(metrics));
    }
    // Every response of a known route is counted by route and status (a 429 included).
    router = router.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        count_response,
    ));
    let body_limit = state.sources.limits.max_body_bytes;
    if let Some(cors) = cors(&state.cors_origins) {
        router = router.layer(cors);
    }
    router
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
