//! The playground: GraphiQL at `/`, served entirely by passerelle (no CDN, no external font or script).
//!
//! GraphiQL's UMD build and React 18 are embedded at build time by `build.rs` (from the npm registry,
//! pinned by `playground/package-lock.json`). A binary built without npm serves the minimal page at `/`
//! instead, which says why and how to enable GraphiQL; that page is always at `/playground/simple`.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Its name under `/playground/`.
    pub name: &'static str,
    /// Its media type.
    pub media_type: &'static str,
    /// Its bytes.
    pub raw: &'static [u8],
    /// Its bytes, gzip-compressed at build time.
    pub gzip: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/playground_assets.rs"));

/// Our own files, always embedded.
const OWN: &[(&str, &str, &str)] = &[
    (
        "examples.js",
        "text/javascript; charset=utf-8",
        include_str!("playground/examples.js"),
    ),
    (
        "passerelle.js",
        "text/javascript; charset=utf-8",
        include_str!("playground/passerelle.js"),
    ),
    (
        "passerelle.css",
        "text/css; charset=utf-8",
        include_str!("playground/passerelle.css"),
    ),
    (
        "simple.js",
        "text/javascript; charset=utf-8",
        include_str!("playground/simple.js"),
    ),
];

/// Scripts and styles come from this origin only; nothing may be fetched from elsewhere. GraphiQL's
/// editors set inline styles and its fonts are `data:` URLs.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
                   frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Whether this binary embeds GraphiQL, and which versions (for `passerelle --version`-like output).
pub fn graphiql_versions() -> Result<&'static str, &'static str> {
    GRAPHIQL.map(|_| VERSIONS)
}

fn html(body: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /`: GraphiQL, or the minimal page when this build has no GraphiQL.
pub async fn page() -> Response {
    match GRAPHIQL {
        Ok(_) => html(include_str!("playground/graphiql.html").to_owned()),
        Err(why) => minimal_page(Some(why)),
    }
}

/// `GET /playground/simple`: the minimal page (a text area and the examples).
pub async fn simple() -> Response {
    minimal_page(GRAPHIQL.err())
}

fn minimal_page(missing: Option<&str>) -> Response {
    let banner = match missing {
        Some(why) => format!(
            "<p id=\"sans-graphiql\" role=\"note\"><strong>GraphiQL n'est pas intégré à ce binaire</strong> \
             ({}). Installez Node.js et npm, puis recompilez : <code>cargo build --release</code>. \
             Cette page minimale reste utilisable.</p>",
            escape(why)
        ),
        None => "<p><a href=\"/\">GraphiQL</a></p>".to_owned(),
    };
    html(include_str!("playground/minimal.html").replace("<!--BANDEAU-->", &banner))
}

/// `GET /playground/{file}`: an embedded file, gzip-compressed when the client accepts it. GraphiQL's
/// files are versioned by the lock file and cached for a day; our own files are revalidated.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    if let Some((_, media_type, text)) = OWN.iter().find(|(n, _, _)| *n == name) {
        return (
            [
                (header::CONTENT_TYPE, *media_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *text,
        )
            .into_response();
    }
    let Some(asset) = GRAPHIQL
        .ok()
        .and_then(|assets| assets.iter().find(|a| a.name == name))
    else {
        return (StatusCode::NOT_FOUND, "fichier inconnu du playground").into_response();
    };
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.split(';').next().is_some_and(|e| e.trim() == "gzip"))
        });
    let mut response = (
        [
            (header::CONTENT_TYPE, asset.media_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
            (header::VARY, "accept-encoding"),
        ],
        if gzip { asset.gzip } else { asset.raw },
    )
        .into_response();
    if gzip {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn text(response: Response) -> String {
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        String::from_utf8(body.to_vec()).expect("utf-8")
    }

    /// A build without npm serves the minimal page at `/`, saying why and which command enables GraphiQL.
    #[tokio::test]
    async fn without_graphiql_the_page_says_how_to_enable_it() {
        let page = text(minimal_page(Some(
            "npm could not be started: <No such file>",
        )))
        .await;
        assert!(
            page.contains("GraphiQL n'est pas intégré à ce binaire"),
            "{page}"
        );
        assert!(
            page.contains("npm could not be started: &lt;No such file&gt;"),
            "{page}"
        );
        assert!(
            page.contains("<code>cargo build --release</code>"),
            "{page}"
        );
        assert!(page.contains("/playground/examples.js"), "{page}");
        let with = text(minimal_page(None)).await;
        assert!(
            !with.contains("n'est pas intégré") && with.contains("href=\"/\""),
            "{with}"
        );
    }
}
