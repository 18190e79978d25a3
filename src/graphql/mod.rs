//! The GraphQL schema: one file per object type, the inputs, the loaders, the error mapping.

mod certification;
mod common;
mod commune;
pub mod entities;
pub mod errors;
mod explorer;
pub mod fast;
mod filters;
mod formation;
pub mod limits;
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
pub mod validated;

use std::sync::Arc;

use async_graphql::{Context, EmptyMutation, EmptySubscription, Schema};

pub use loaders::Loaders;

use async_graphql::parser::types::ExecutableDocument;

/// Parsed documents by query text, bounded: a document is parsed once however many requests send it.
/// Only documents within the limits are kept, each weighed at 64 times its text (a parsed document
/// takes tens of times the room of its text).
#[derive(Debug)]
pub struct Documents(moka::sync::Cache<Arc<str>, Arc<validated::Parsed>>);

impl Documents {
    /// A cache of at most `bytes` (weighed as above; 0: none).
    pub fn new(bytes: u64) -> Self {
        Self(
            moka::sync::Cache::builder()
                .max_capacity(bytes)
                .weigher(|query: &Arc<str>, _| {
                    u32::try_from(query.len().saturating_mul(64)).unwrap_or(u32::MAX)
                })
                .build(),
        )
    }

    /// `query` parsed now; `None` when it does not parse (execution then reports the error with its
    /// position).
    pub fn parse(query: &str) -> Option<Arc<validated::Parsed>> {
        Some(Arc::new(validated::Parsed::new(
            async_graphql::parser::parse_query(query).ok()?,
        )))
    }

    /// The document kept for `query`, if any.
    pub fn kept(&self, query: &str) -> Option<Arc<validated::Parsed>> {
        self.0.get(query)
    }

    /// Keeps a document that passed the limits.
    pub fn keep(&self, query: &str, doc: &Arc<validated::Parsed>) {
        self.0.insert(Arc::from(query), Arc::clone(doc));
    }
}
pub use pagination::ExportPage;
pub use query::QueryRoot;

use crate::sources::Sources;

/// async-graphql's schema over the query root.
type Inner = Schema<entities::Root, EmptyMutation, EmptySubscription>;

/// The schema: async-graphql's, twice over the same sources, once validating each document in full
/// and once validating only what depends on the request, for documents that passed in full once
/// (see [`validated`]).
#[derive(Clone)]
pub struct PasserelleSchema {
    strict: Inner,
    fast: Inner,
    inputs: Arc<validated::InputTypes>,
}

impl std::fmt::Debug for PasserelleSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasserelleSchema")
            .field("inputs", &self.inputs)
            .finish_non_exhaustive()
    }
}

impl PasserelleSchema {
    /// The schema in SDL.
    pub fn sdl(&self) -> String {
        self.strict.sdl()
    }
}

/// Builds the schema over the sources.
pub fn build_schema(sources: Arc<Sources>) -> PasserelleSchema {
    build_schema_with(sources, &crate::config::SecurityConfig::default())
}

/// The schema with the `[security]` settings (introspection, field suggestions).
pub fn build_schema_with(
    sources: Arc<Sources>,
    security: &crate::config::SecurityConfig,
) -> PasserelleSchema {
    let build = |mode| {
        let mut builder =
            Schema::build(entities::Root(QueryRoot), EmptyMutation, EmptySubscription)
                .data(Arc::clone(&sources))
                .validation_mode(mode);
        if !security.introspection {
            builder = builder.disable_introspection();
        }
        if !security.suggestions {
            builder = builder.disable_suggestions();
        }
        builder.finish()
    };
    PasserelleSchema {
        strict: build(async_graphql::ValidationMode::Strict),
        fast: build(async_graphql::ValidationMode::Fast),
        inputs: Arc::new(validated::InputTypes::of::<entities::Root>()),
    }
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(entities::Root(QueryRoot), EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}

/// A response ready to send: post-processed, and whether it is a request error (no execution).
#[derive(Debug)]
pub struct Executed {
    /// The response, its fields in the order of the query and its argument errors naming the argument.
    pub response: async_graphql::Response,
    /// Errors before execution (syntax, validation, bad arguments): the response has no data.
    pub request_error: bool,
    /// The operation's name, when the document names it.
    pub operation: Option<String>,
}

/// Executes a request with its loaders, then names bad arguments and restores the query's field order.
/// Every entry point (`/graphql`, `/export`, `passerelle export`) goes through here.
pub async fn execute(
    schema: &PasserelleSchema,
    sources: &Arc<Sources>,
    request: async_graphql::Request,
) -> Executed {
    execute_document(schema, sources, request, None).await
}

/// [`execute`], running `document` instead of the request's text when given (the export's rewritten
/// document); the limits, argument names and field order still follow the text as sent.
pub async fn execute_document(
    schema: &PasserelleSchema,
    sources: &Arc<Sources>,
    request: async_graphql::Request,
    document: Option<&ExecutableDocument>,
) -> Executed {
    let started = std::time::Instant::now();
    let query = request.query.clone();
    let operation = request.operation_name.clone();
    let executed = execute_checked(
        schema,
        sources,
        request,
        &query,
        operation.as_deref(),
        document,
    )
    .await;
    let name = executed.operation.clone();
    let outcome = if executed.request_error {
        crate::metrics::Outcome::Refused
    } else if executed.response.errors.is_empty() {
        crate::metrics::Outcome::Ok
    } else {
        crate::metrics::Outcome::Partial
    };
    if outcome != crate::metrics::Outcome::Ok {
        tracing::Span::current().record("otel.status_code", "ERROR");
    }
    sources
        .metrics
        .operation(name.as_deref(), outcome, started.elapsed());
    executed
}

/// The introspection field an operation of `doc` asks for at its root, if any: `__schema`, `__type`, or
/// Apollo Federation's `_service` (the whole SDL); refused when introspection is off.
fn introspection_field(doc: &ExecutableDocument) -> Option<&'static str> {
    use async_graphql::parser::types::Selection;
    const FIELDS: [&str; 3] = ["__schema", "__type", "_service"];
    // Each fragment is followed once (circular fragments are refused later, by validation).
    fn within<'a>(
        set: &'a async_graphql::parser::types::SelectionSet,
        doc: &'a ExecutableDocument,
        seen: &mut Vec<&'a str>,
    ) -> Option<&'static str> {
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(f) => FIELDS
                .iter()
                .find(|name| f.node.name.node == **name)
                .copied(),
            Selection::InlineFragment(frag) => within(&frag.node.selection_set.node, doc, seen),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if seen.contains(&name) {
                    return None;
                }
                seen.push(name);
                doc.fragments
                    .get(&spread.node.fragment_name.node)
                    .and_then(|frag| within(&frag.node.selection_set.node, doc, seen))
            }
        })
    }
    doc.operations
        .iter()
        .find_map(|(_, op)| within(&op.node.selection_set.node, doc, &mut Vec::new()))
}

/// The operation a request runs, with its name (`None` for an anonymous one): the one named `name`, or
/// the only one; `None` when there is no such operation (execution then names the problem).
pub(crate) fn selected_operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(
    Option<&'a async_graphql::Name>,
    &'a async_graphql::Positioned<async_graphql::parser::types::OperationDefinition>,
)> {
    use async_graphql::parser::types::DocumentOperations;
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some((None, op)),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(n, op)| (Some(n), op)),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.iter().next().map(|(n, op)| (Some(n), op))
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

async fn execute_checked(
    schema: &PasserelleSchema,
    sources: &Arc<Sources>,
    request: async_graphql::Request,
    query: &str,
    operation: Option<&str>,
    to_run: Option<&ExecutableDocument>,
) -> Executed {
    let operation = operation.map(str::to_owned);
    let limits = &sources.limits;
    // The text is checked before it is parsed; parsed once (and kept in the documents cache: a
    // portal sends the same few queries again and again) for the other limits, to name bad arguments
    // and to restore the query's order, and handed to execution, which does not parse it again. A
    // document that does not parse is reported by execution, with its position.
    let refused = |error| Executed {
        response: async_graphql::Response::from_errors(vec![error]),
        request_error: true,
        operation: None,
    };
    // A kept document passed the text limits already (the limits and the cache live and go together
    // in `Sources`): its text is not counted again.
    let document = match sources.documents.kept(query) {
        Some(doc) => Some((doc, true)),
        None => match limits::check_text(limits, query) {
            Err(error) => return refused(error),
            Ok(()) => Documents::parse(query).map(|doc| (doc, false)),
        },
    };
    let document = match document {
        Some((doc, kept)) => {
            if let Err(error) =
                limits::check_document(limits, &doc.doc, operation.as_deref(), &request.variables)
            {
                return refused(error);
            }
            if !sources.introspection
                && let Some(field) = introspection_field(&doc.doc)
            {
                return refused(errors::request_error(
                    "INTROSPECTION_DISABLED",
                    format!(
                        "introspection désactivée : {field} n'est pas servi ([security] introspection = false)"
                    ),
                    |_| {},
                ));
            }
            if !kept {
                sources.documents.keep(query, &doc);
            }
            if let Err(error) =
                validated::required_variables(&doc.doc, operation.as_deref(), &request.variables)
            {
                return refused(error);
            }
            Some(doc)
        }
        None => None,
    };
    let log = Arc::new(passerelle_core::freshness::StaleLog::default());
    let turns = loaders::Turns::default();
    let entity_errors = Arc::new(entities::EntityErrors::default());
    let mut request = request
        .data(Loaders::new(sources, &log, &turns))
        .data(Arc::clone(&entity_errors));
    // A document validated in full once skips the document rules, unless it is another document that
    // runs (the export's) or the variables need the full check.
    let validated = to_run.is_none()
        && document
            .as_ref()
            .is_some_and(|d| d.validated() && schema.inputs.accepts(&d.doc, &request.variables));
    if let Some(doc) = to_run.or(document.as_ref().map(|d| &d.doc)) {
        request.set_parsed_query(doc.clone());
    }
    if to_run.is_some() || document.is_some() {
        sources.metrics.validation(!validated);
    }
    let runs = if validated {
        &schema.fast
    } else {
        &schema.strict
    };
    let execution =
        passerelle_core::freshness::scope(Arc::clone(&log), turns.drive(runs.execute(request)));
    let mut response = match tokio::time::timeout(limits.execution_timeout, execution).await {
        Ok(response) => response,
        Err(_) => {
            let ms = limits.execution_timeout.as_millis() as u64;
            let mut error = limits::exceeded("execution_timeout", ms, ms, "durée d'exécution (ms)");
            error.message = format!(
                "limite dépassée : l'exécution a duré plus que limits.execution_timeout = {ms} ms ; \
                 restreignez la requête (filtres, first)"
            );
            async_graphql::Response::from_errors(vec![error])
        }
    };
    // Data means the document passed validation (a refused document has none).
    if !validated
        && to_run.is_none()
        && response.data != async_graphql::Value::Null
        && let Some(doc) = &document
    {
        doc.mark_validated();
    }
    // Entities that failed alone (`_entities`): null, with their error at their index.
    response.errors.extend(entity_errors.take());
    if sources.mask_errors {
        errors::mask(&mut response);
    }
    let stale = log.entries();
    if !stale.is_empty() {
        // Answers served past their freshness because a source failed: said, never hidden.
        response.extensions.insert(
            "donneesPerimees".into(),
            async_graphql::Value::List(
                stale
                    .into_iter()
                    .map(|s| {
                        let mut entry = async_graphql::indexmap::IndexMap::new();
                        entry.insert(
                            async_graphql::Name::new("source"),
                            async_graphql::Value::from(s.source),
                        );
                        entry.insert(
                            async_graphql::Name::new("ageSecondes"),
                            async_graphql::Value::from(s.age.as_secs()),
                        );
                        entry.insert(
                            async_graphql::Name::new("motif"),
                            async_graphql::Value::from(s.reason),
                        );
                        async_graphql::Value::Object(entry)
                    })
                    .collect(),
            ),
        );
    }
    let argument_error = errors::finalize(&mut response, document.as_ref().map(|d| &d.doc));
    if let Some(doc) = &document {
        order::reorder(&mut response.data, &doc.doc, operation.as_deref());
    }
    let request_error = argument_error
        || (response.data == async_graphql::Value::Null && !response.errors.is_empty());
    Executed {
        response,
        request_error,
        operation: document
            .as_ref()
            .and_then(|doc| selected_operation(&doc.doc, operation.as_deref()))
            .and_then(|(name, _)| name.map(ToString::to_string)),
    }
}

fn sources<'a>(ctx: &Context<'a>) -> &'a Sources {
    ctx.data_unchecked::<Arc<Sources>>()
}

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}
