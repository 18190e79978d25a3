//! The physical-limit baseline of `bench/run.sh`: an axum server that answers every `POST /graphql`
//! (and `GET /export`) with fixed bytes — the very response passerelle gave — after reading the request
//! body, on the same runtime and HTTP stack. passerelle's throughput is reported as a share of this one.
//!
//!   cargo run --release --example bench_baseline -- RESPONSE_FILE PORT [CONTENT_TYPE]
#![allow(
    clippy::print_stdout,
    reason = "prints its address for the bench script"
)]

use axum::body::Bytes;
use axum::http::header;
use axum::routing::post;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(port)) = (args.next(), args.next()) else {
        eprintln!("usage: bench_baseline RESPONSE_FILE PORT [CONTENT_TYPE]");
        std::process::exit(2);
    };
    let content_type = args.next().unwrap_or_else(|| "application/json".into());
    let body = Bytes::from(std::fs::read(&file)?);
    let content_type: &'static str = Box::leak(content_type.into_boxed_str());
    let answer = move |_request: Bytes| {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, content_type)], body) }
    };
    let app = axum::Router::new().route("/graphql", post(answer.clone()).get(answer.clone()));
    let app = app.route("/export", post(answer.clone()).get(answer));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.parse().unwrap_or(0))).await?;
    println!("baseline http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
