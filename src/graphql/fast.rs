//! async-graphql as the object types see it (`#[Object(crate = "crate::graphql::fast")]`,
//! `#[graphql(crate = "crate::graphql::fast")]`): everything re-exported as is, except how an object
//! resolves its selection.
//!
//! async-graphql resolves every object through a `FuturesUnordered` of boxed field futures: an
//! allocation for the set, one per field for its task node, wakers and atomics, for objects that
//! mostly hold two or three fields whose futures finish on their first poll. On the métier page (a
//! hundred objects) that machinery was the largest share of the CPU samples. Here, an object whose
//! selection is only plain fields (no fragment, no directive) joins its field futures in place: all
//! are polled on each turn, in order, until each is done, so the loaders still see every key of the
//! turn before they run. Anything else (fragments, `@skip`/`@include`) goes through async-graphql's
//! own resolution, unchanged. The answer is the same object, fields in the same order, the same
//! errors: `tests/api` and the conformance suites run through it.
//!
//! The schema registers no async-graphql extension (none would see these fields: async-graphql's
//! path calls extensions only when some are registered, which `build_schema_with` never does).

pub use async_graphql::*;

/// async-graphql's resolver helpers, with [`resolver_utils::resolve_container`] replaced.
pub mod resolver_utils {
    pub use async_graphql::resolver_utils::*;

    // Fully qualified paths only: a private `use` here would hide the re-exported item of the same
    // name from the generated code.
    type Object = async_graphql::indexmap::IndexMap<async_graphql::Name, async_graphql::Value>;
    type FieldFuture<'a> = std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = async_graphql::ServerResult<(
                        async_graphql::Name,
                        async_graphql::Value,
                    )>,
                > + Send
                + 'a,
        >,
    >;

    /// Resolves an object's selection, its fields at once (see the module).
    pub async fn resolve_container<'a, T: async_graphql::ContainerType + ?Sized>(
        ctx: &async_graphql::ContextSelectionSet<'a>,
        root: &'a T,
    ) -> async_graphql::ServerResult<async_graphql::Value> {
        use async_graphql::parser::types::Selection;
        use async_graphql::{ServerResult, Value};
        let items = &ctx.item.node.items;
        let plain = items.iter().all(|selection| {
            matches!(&selection.node, Selection::Field(field) if field.node.directives.is_empty())
        });
        if !plain {
            return async_graphql::resolver_utils::resolve_container(ctx, root).await;
        }
        // Boxed, as in async-graphql: an object's future holds its fields' futures, which may hold
        // objects of its own type (a recursive type otherwise).
        let fields = items.iter().map(|selection| -> FieldFuture<'_> {
            Box::pin(async move {
                let Selection::Field(field) = &selection.node else {
                    unreachable!("only plain fields reach here");
                };
                let ctx_field = ctx.with_field(field);
                let name = ctx_field.item.node.response_key().node.clone();
                if field.node.name.node == "__typename" {
                    return Ok((
                        name,
                        Value::String(root.introspection_type_name().into_owned()),
                    ));
                }
                Ok((
                    name,
                    root.resolve_field(&ctx_field).await?.unwrap_or_default(),
                ))
            })
        });
        let results: Vec<ServerResult<(async_graphql::Name, Value)>> =
            async_graphql::futures_util::future::join_all(fields).await;
        let mut object = Object::with_capacity(results.len());
        for result in results {
            match result {
                Ok((name, value)) => insert_value(&mut object, name, value),
                Err(error) => ctx.add_error(error),
            }
        }
        Ok(if object.is_empty() {
            Value::Null
        } else {
            Value::Object(object)
        })
    }

    /// async-graphql's rule for a response key seen twice (the same field selected twice): objects
    /// are merged, lists item by item, anything else keeps the first value.
    fn insert_value(target: &mut Object, name: async_graphql::Name, value: async_graphql::Value) {
        use async_graphql::Value;
        if let Some(previous) = target.get_mut(&name) {
            match (previous, value) {
                (Value::Object(into), Value::Object(from)) => {
                    for (key, value) in from {
                        insert_value(into, key, value);
                    }
                }
                (Value::List(into), Value::List(from)) => {
                    for (index, value) in from.into_iter().enumerate() {
                        if let (Some(Value::Object(into)), Value::Object(from)) =
                            (into.get_mut(index), value)
                        {
                            for (key, value) in from {
                                insert_value(into, key, value);
                            }
                        }
                    }
                }
                _ => {}
            }
        } else {
            target.insert(name, value);
        }
    }
}
