//! The playground at `/`: one self-contained page (no CDN, no external font or script) that sends a
//! query to `/graphql` and shows the answer.

use axum::http::header;
use axum::response::IntoResponse;

/// `GET /`.
pub async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("playground.html"),
    )
}
