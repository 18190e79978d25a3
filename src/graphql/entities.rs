//! Apollo Federation's `_entities`, one representation at a time.
//!
//! async-graphql resolves the representations with `try_join_all`: one malformed key or one failed
//! source would fail the whole list, and the router would lose every entity of the batch. Here each
//! entity resolver reads its key as it comes ([`async_graphql::Any`]), parses it itself, and on any
//! error answers `null` for its own representation and records the error at its index
//! (`path: ["_entities", i]`), as federation subgraph libraries do; the other entities resolve.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::{Any, Context, ErrorExtensions, InputType, PathSegment, ServerError, Value};

use crate::graphql::errors::{BAD_USER_INPUT, parse_detail};

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
    let Some(errors) = ctx.data_opt::<Arc<EntityErrors>>() else {
        return Err(error);
    };
    let Ok((_, representations)) = ctx.param_value::<Vec<Any>>("representations", None) else {
        return Err(error);
    };
    // Every representation with this type and key value gets this answer: the same error.
    let field = ctx.item.node.response_key().node.to_string();
    let mut recorded = errors.0.lock().unwrap_or_else(PoisonError::into_inner);
    for (i, representation) in representations.iter().enumerate() {
        let Value::Object(fields) = &representation.0 else {
            continue;
        };
        let same_type = matches!(fields.get("__typename"), Some(Value::String(t)) if t == typename);
        if same_type && fields.get(key) == Some(&value.0) {
            let mut server_error = error.clone().into_server_error(ctx.item.pos);
            server_error.path = vec![PathSegment::Field(field.clone()), PathSegment::Index(i)];
            recorded.insert(i, server_error);
        }
    }
    Ok(None)
}
