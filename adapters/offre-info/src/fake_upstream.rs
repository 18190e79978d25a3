//! An Intercarif web service stand-in for tests: a real HTTP server on 127.0.0.1 answering
//! `/serviceweb2/offre-info/?versionLHEO=2.2&idsMetiers=<ROME>&code-departement=<dep>` with the
//! `<resume-offre>` records of real Intercarif answers that cite that code and département (cut out of
//! the files as text, not through the adapter's reader), and `?numeroAction=<n>` with the real LHEO
//! document holding that action. Behind the `test-support` feature.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// What the fake Intercarif serves and has seen.
#[derive(Debug, Default)]
pub struct Upstream {
    /// `<resume-offre …>…</resume-offre>` records, as text.
    pub resumes: Vec<String>,
    /// Full LHEO documents, as text.
    pub documents: Vec<String>,
    pub questions: AtomicU64,
    /// Answer 503.
    pub down: AtomicBool,
}

/// The `<resume-offre>` records of an Intercarif search answer, cut out as text.
pub fn resumes_of(answer: &str) -> Vec<String> {
    answer
        .split("<resume-offre ")
        .skip(1)
        .filter_map(|rest| {
            let end = rest.find("</resume-offre>")?;
            Some(format!("<resume-offre {}</resume-offre>", &rest[..end]))
        })
        .collect()
}

async fn offre_info(
    State(up): State<Arc<Upstream>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    up.questions.fetch_add(1, Ordering::SeqCst);
    if up.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if q.get("versionLHEO").map(String::as_str) != Some("2.2") {
        return (StatusCode::BAD_REQUEST, "versionLHEO manquant").into_response();
    }
    let xml =
        |body: String| ([("content-type", "application/xml; charset=utf-8")], body).into_response();
    if let Some(numero) = q.get("numeroAction") {
        let wanted = format!("<action numero=\"{numero}\"");
        return match up.documents.iter().find(|d| d.contains(&wanted)) {
            Some(doc) => xml(doc.clone()),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    let (Some(rome), Some(dep)) = (q.get("idsMetiers"), q.get("code-departement")) else {
        return (
            StatusCode::BAD_REQUEST,
            "idsMetiers et code-departement attendus",
        )
            .into_response();
    };
    let code = format!("<code-ROME>{rome}</code-ROME>");
    let departement = format!("<departement>{dep}</departement>");
    let found: Vec<&String> = up
        .resumes
        .iter()
        .filter(|r| r.contains(&code) && r.contains(&departement))
        .collect();
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<lheo-index xmlns=\"http://www.lheo.org/2.2\">\n<resumes-offres>\n",
    );
    for r in &found {
        body.push_str(r);
        body.push('\n');
    }
    body.push_str(&format!(
        "<extras info=\"FLUX-CARIF\"><extra info=\"statut\">OK</extra><extra info=\"nb-resultat\">{}</extra></extras>\n</resumes-offres>\n</lheo-index>\n",
        found.len()
    ));
    xml(body)
}

/// Starts the stand-in; the service's URL is `http://{addr}/serviceweb2/offre-info/`.
pub async fn start_upstream(
    answers: &[String],
    documents: Vec<String>,
) -> (SocketAddr, Arc<Upstream>) {
    let up = Arc::new(Upstream {
        resumes: answers.iter().flat_map(|a| resumes_of(a)).collect(),
        documents,
        ..Upstream::default()
    });
    let app = axum::Router::new()
        .route("/serviceweb2/offre-info/", get(offre_info))
        .with_state(Arc::clone(&up));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, up)
}
