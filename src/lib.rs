//! passerelle: one GraphQL API over the public data of French career guidance.
//!
//! Layout (data flows one way: upstream bytes → wire DTO → domain type → GraphQL type → response):
//! - [`config`]: typed configuration, TOML file + `PASSERELLE_*` environment overrides, validated at load.
//! - [`sources`]: the five adapters built from the configuration, loaded and refreshed in the background.
//! - [`app`]: [`Application::build`](app::Application::build) binds the listener;
//!   `run_until_stopped(shutdown)` serves until the signal.
//! - [`http`]: axum routes — `/graphql` (GET + POST), the playground, health.
//! - [`graphql`]: the schema — query root, one file per object type, inputs, loaders, error mapping.
//!
//! The adapters live in their own crates under `adapters/` (`passerelle-core` holds the contract).

pub mod app;
pub mod config;
pub mod export;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod sources;
pub mod telemetry;
