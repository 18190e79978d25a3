//! The GraphQL schema: one file per object type, the inputs, the loaders, the error mapping.

mod certification;
mod common;
mod commune;
pub mod errors;
mod explorer;
mod filters;
mod formation;
pub mod loaders;
mod metier;
mod onisep;
pub mod order;
mod pagination;
mod query;
mod ressource;
mod scalars;
mod source;
mod statistiques;

use std::sync::Arc;

use async_graphql::{Context, EmptyMutation, EmptySubscription, Schema};

pub use loaders::Loaders;
pub use query::QueryRoot;

use crate::sources::Sources;

/// The schema type.
pub type PasserelleSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Builds the schema over the sources.
pub fn build_schema(sources: Arc<Sources>) -> PasserelleSchema {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .data(sources)
        .finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}

fn sources<'a>(ctx: &Context<'a>) -> &'a Sources {
    ctx.data_unchecked::<Arc<Sources>>()
}

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}
