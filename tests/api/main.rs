//! Integration tests: the real application on port 0, queried over HTTP; upstreams are real HTTP
//! servers on 127.0.0.1 serving the sources' real formats.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot go on should stop at once"
)]

mod helpers;

mod analyse;
mod certifications;
mod examples;
mod export;
mod federation;
mod graphql_http;
mod jointures;
mod limits;
mod objects;
mod observability;
mod offres;
mod partners;
mod persisted;
mod playground;
mod query;
mod resilience;
mod ressources;
mod rome;
mod schema;
mod security;
mod sources;
mod validation;
