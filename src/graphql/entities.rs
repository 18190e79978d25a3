//! Apollo Federation's `_entities`, one representation at a time.
//!
//! async-graphql resolves the representations with `try_join_all`: one malformed key or one failed
//! source would fail the whole list, and the router would lose every entity of the batch. Here each
//! entity resolver reads its key as it comes ([`async_graphql::Any`]), parses it itself, and on any
//! error answers `null` for its own representation and records the error at its index
//! (`path: ["_entities", i]`), as federation subgraph libraries do; the other entities resolve.
//! A representation that no entity resolver takes (not an object, `__typename` absent or unknown, key
//! absent) is nulled the same way by [`Root`], the query root the schema serves.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{
    Any, Context, ContextSelectionSet, ErrorExtensions, InputType, ObjectType, OutputType,
    PathSegment, Positioned, ServerError, ServerResult, Value,
};

use crate::graphql::errors::{BAD_USER_INPUT, parse_detail};
use crate::graphql::query::QueryRoot;

/// The entity types and their key field, as the schema declares them (`@key`; a test compares them
/// with the SDL).
pub const KEYS: [(&str, &str); 7] = [
    ("Metier", "codeRome"),
    ("FicheOnisep", "id"),
    ("Formation", "numero"),
    ("ActionFormation", "numero"),
    ("Ressource", "id"),
    ("Commune", "codeInsee"),
    ("Certification", "rncp"),
];

/// The query root as the schema serves it: [`QueryRoot`], except in `_entities`, where a
/// representation that no entity resolver takes answers `null` with its error at its index instead of
/// failing the whole list (async-graphql's "Entity not found.").
#[derive(Debug)]
pub struct Root(pub QueryRoot);

impl OutputType for Root {
    fn type_name() -> Cow<'static, str> {
        QueryRoot::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        QueryRoot::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        async_graphql::resolver_utils::resolve_container(ctx, self).await
    }
}

impl ContainerType for Root {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        self.0.resolve_field(ctx).await
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        let refused = match self.0.find_entity(ctx, params).await {
            Ok(Some(found)) => return Ok(Some(found)),
            Ok(None) => None,
            Err(e) => Some(e),
        };
        let error = async_graphql::Error::new(unresolved(params)).extend_with(|_, ext| {
            ext.set("code", BAD_USER_INPUT);
            ext.set("argument", "representations");
        });
        if record(ctx, &error, |representation| representation == params) {
            Ok(Some(Value::Null))
        } else {
            Err(refused.unwrap_or_else(|| error.into_server_error(ctx.item.pos)))
        }
    }
}

impl ObjectType for Root {}

/// Why no entity resolver took `representation`, naming what a representation must hold.
fn unresolved(representation: &Value) -> String {
    let known = KEYS
        .iter()
        .map(|(ty, key)| format!("{ty} ({key})"))
        .collect::<Vec<_>>()
        .join(", ");
    let Value::Object(fields) = representation else {
        return format!(
            "représentation {representation} refusée : un objet {{ __typename, clé }} est attendu ; types d'entités : {known}"
        );
    };
    match fields.get("__typename") {
        Some(Value::String(ty)) => match KEYS.iter().find(|(t, _)| t == ty) {
            Some((_, key)) => format!(
                "représentation {representation} refusée : la clé {key} d'une entité {ty} est absente"
            ),
            None => format!(
                "représentation {representation} refusée : type « {ty} » inconnu ; types d'entités : {known}"
            ),
        },
        _ => format!(
            "représentation {representation} refusée : __typename (chaîne) absent ; types d'entités : {known}"
        ),
    }
}

/// Records `error` at the index of every representation of the request's `_entities` that `matches`
/// (a router may send the same one twice: each gets the same answer). False without the request's
/// [`EntityErrors`] (outside [`crate::graphql::execute`]).
fn record(
    ctx: &Context<'_>,
    error: &async_graphql::Error,
    matches: impl Fn(&Value) -> bool,
) -> bool {
    let Some(errors) = ctx.data_opt::<Arc<EntityErrors>>() else {
        return false;
    };
    let Ok((_, representations)) = ctx.param_value::<Vec<Any>>("representations", None) else {
        return false;
    };
    let field = ctx.item.node.response_key().node.to_string();
    let mut recorded = errors.0.lock().unwrap_or_else(PoisonError::into_inner);
    for (i, representation) in representations.iter().enumerate() {
        if matches(&representation.0) {
            let mut server_error = error.clone().into_server_error(ctx.item.pos);
            server_error.path = vec![PathSegment::Field(field.clone()), PathSegment::Index(i)];
            recorded.insert(i, server_error);
        }
    }
    true
}

/// The errors of the entities of one request, by index of their representation.
#[derive(Debug, Default)]
pub struct EntityErrors(Mutex<BTreeMap<usize, ServerError>>);

impl EntityErrors {
    /// The errors recorded, in the order of the representations.
    pub fn take(&self) -> Vec<ServerError> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
            .into_values()
            .collect()
    }
}

/// Resolves the entity `typename` whose key field `key` is `value` with `resolve`, after parsing the
/// key as `K`. An error nulls this entity alone (see the module); without the request's
/// [`EntityErrors`] it is returned as is.
pub async fn resolve<K, T, F, Fut>(
    ctx: &Context<'_>,
    typename: &str,
    key: &str,
    value: Any,
    resolve: F,
) -> async_graphql::Result<Option<T>>
where
    K: InputType,
    F: FnOnce(K) -> Fut,
    Fut: Future<Output = async_graphql::Result<Option<T>>>,
{
    let result = match K::parse(Some(value.0.clone())) {
        Ok(parsed) => resolve(parsed).await,
        Err(e) => {
            let message = e.into_server_error(ctx.item.pos).message;
            let detail = parse_detail(&message);
            let argument = format!("representations.{key}");
            Err(async_graphql::Error::new(format!(
                "représentation {typename} : clé {key} = {} refusée : {detail}",
                value.0
            ))
            .extend_with(|_, ext| {
                ext.set("code", BAD_USER_INPUT);
                ext.set("argument", argument.as_str());
            }))
        }
    };
    let error = match result {
        Ok(found) => return Ok(found),
        Err(error) => error,
    };
    // Every representation with this type and key value gets this answer: the same error.
    let same = |representation: &Value| {
        let Value::Object(fields) = representation else {
            return false;
        };
        matches!(fields.get("__typename"), Some(Value::String(t)) if t == typename)
            && fields.get(key) == Some(&value.0)
    };
    if record(ctx, &error, same) {
        Ok(None)
    } else {
        Err(error)
    }
}
