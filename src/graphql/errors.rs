//! Errors become GraphQL errors here, and only here, with `extensions.code` and, for source failures,
//! `extensions.source`.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, Pos, Response, ServerError, Value};
use passerelle_core::AdapterError;

/// A caller's input broke a rule.
pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
/// A source failed; its fields are `null`.
pub const SOURCE_UNAVAILABLE: &str = "SOURCE_UNAVAILABLE";
/// The source cannot answer this in its configured mode.
pub const SOURCE_UNSUPPORTED: &str = "SOURCE_UNSUPPORTED";
/// A configured limit was exceeded.
pub const LIMIT_EXCEEDED: &str = "LIMIT_EXCEEDED";

/// The GraphQL error of a source failure.
pub fn source_error(e: &AdapterError) -> async_graphql::Error {
    let code = match e {
        AdapterError::Unsupported { .. } => SOURCE_UNSUPPORTED,
        AdapterError::BadInput { .. } => BAD_USER_INPUT,
        _ => SOURCE_UNAVAILABLE,
    };
    async_graphql::Error::new(e.to_string()).extend_with(|_, ext| {
        ext.set("code", code);
        if let Some(source) = e.source_id() {
            ext.set("source", source);
        }
        if let AdapterError::BadInput { field, .. } = e {
            ext.set("argument", field.as_str());
        }
    })
}

/// Production masking: a source failure keeps its code and source but not its details (upstream
/// address, status, body); an error without a code (an internal one) says only that.
pub fn mask(response: &mut Response) {
    for error in &mut response.errors {
        let source = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("source"))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                _ => None,
            });
        match (code_of(error).as_deref(), source) {
            (Some(SOURCE_UNAVAILABLE), Some(source)) => {
                error.message = format!("la source {source} est indisponible");
            }
            (None, _) if !error.path.is_empty() => {
                error.message = "erreur interne".into();
            }
            _ => {}
        }
    }
}

/// What a scalar's parse error says, without async-graphql's prefix:
/// « Failed to parse "CodeRome": code ROME « ZZ » invalide … » -> the part after the type name.
pub fn parse_detail(message: &str) -> &str {
    message.split_once("\": ").map_or(message, |(_, d)| d)
}

/// An error raised before execution (no path, no location), with `extensions.code` and any other
/// extensions `more` sets.
pub fn request_error(
    code: &str,
    message: impl Into<String>,
    more: impl FnOnce(&mut async_graphql::ErrorExtensionValues),
) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", code);
    more(&mut ext);
    error.extensions = Some(ext);
    error
}

/// An input that breaks a rule: names the argument (dotted path inside input objects).
pub fn bad_input(argument: &str, message: impl Into<String>) -> async_graphql::Error {
    let argument = argument.to_owned();
    async_graphql::Error::new(message).extend_with(move |_, ext| {
        ext.set("code", BAD_USER_INPUT);
        ext.set("argument", argument.as_str());
    })
}

/// An argument beyond a limit of the schema: names the argument, the limit, the value and the maximum
/// (`extensions.argument`, `limite`, `valeur`, `maximum`), as the limits of `[limits]` do.
pub fn limit_exceeded(
    argument: &str,
    limite: &str,
    value: impl Into<Value>,
    maximum: impl Into<Value>,
    message: impl Into<String>,
) -> async_graphql::Error {
    let argument = argument.to_owned();
    let limite = limite.to_owned();
    let (value, maximum) = (value.into(), maximum.into());
    async_graphql::Error::new(message).extend_with(move |_, ext| {
        ext.set("code", LIMIT_EXCEEDED);
        ext.set("argument", argument.as_str());
        ext.set("limite", limite.as_str());
        ext.set("valeur", value.clone());
        ext.set("maximum", maximum.clone());
    })
}

fn code_of(e: &ServerError) -> Option<String> {
    let ext = e.extensions.as_ref()?;
    match ext.get("code")? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Post-processes a response: an argument whose value failed to parse (a malformed code) is a request
/// error — its message is rewritten to name the argument, `extensions.argument` is set, and `data` is
/// dropped. Returns whether the response is a request error (no `data`).
pub fn finalize(response: &mut Response, document: Option<&ExecutableDocument>) -> bool {
    let mut request_error = false;
    for error in &mut response.errors {
        // An argument beyond a limit (`first`, a radius) is the caller's input: a request error too,
        // before any data, without a path.
        if code_of(error).as_deref() == Some(LIMIT_EXCEEDED)
            && error
                .extensions
                .as_ref()
                .is_some_and(|e| e.get("argument").is_some())
        {
            request_error = true;
            error.path.clear();
            continue;
        }
        // Our scalars say BAD_USER_INPUT; the built-in ones (an `Int` out of range) say nothing.
        if !error.message.starts_with("Failed to parse")
            || !matches!(code_of(error).as_deref(), None | Some(BAD_USER_INPUT))
        {
            continue;
        }
        request_error = true;
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", BAD_USER_INPUT);
        let detail = parse_detail(&error.message).to_owned();
        let argument = error
            .locations
            .first()
            .and_then(|pos| document.and_then(|d| argument_at(d, *pos)));
        error.path.clear();
        match argument {
            Some(name) => {
                error.message = format!("argument {name} : {detail}");
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("argument", name);
            }
            None => error.message = detail,
        }
    }
    if request_error {
        response
            .errors
            .retain(|e| matches!(code_of(e).as_deref(), Some(BAD_USER_INPUT | LIMIT_EXCEEDED)));
        response.data = Value::Null;
        return true;
    }
    restore_errored_fields(response);
    false
}

/// async-graphql leaves a field whose resolver failed out of its parent object; GraphQL says it is
/// present with `null` (all fields that can fail on a source are nullable). Puts those `null`s back.
fn restore_errored_fields(response: &mut Response) {
    use async_graphql::PathSegment;
    for error in &response.errors {
        let Some((PathSegment::Field(last), parents)) = error.path.split_last() else {
            continue;
        };
        if response.data == Value::Null && parents.is_empty() {
            response.data = Value::Object(Default::default());
        }
        if let Some(Value::Object(map)) = value_at(&mut response.data, parents) {
            map.entry(async_graphql::Name::new(last))
                .or_insert(Value::Null);
        }
    }
}

fn value_at<'a>(
    value: &'a mut Value,
    path: &[async_graphql::PathSegment],
) -> Option<&'a mut Value> {
    use async_graphql::PathSegment;
    let Some((first, rest)) = path.split_first() else {
        return Some(value);
    };
    let next = match (first, value) {
        (PathSegment::Field(name), Value::Object(map)) => map.get_mut(name.as_str()),
        (PathSegment::Index(i), Value::List(items)) => items.get_mut(*i),
        _ => None,
    }?;
    value_at(next, rest)
}

/// The name of the argument whose value (or variable) starts at `pos`.
fn argument_at(doc: &ExecutableDocument, pos: Pos) -> Option<String> {
    let sets = doc
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node));
    sets.into_iter().find_map(|set| find_in(set, pos))
}

fn find_in(set: &SelectionSet, pos: Pos) -> Option<String> {
    set.items.iter().find_map(|item| match &item.node {
        Selection::Field(f) => f
            .node
            .arguments
            .iter()
            .find(|(_, value)| value.pos == pos)
            .map(|(name, _)| name.node.to_string())
            .or_else(|| find_in(&f.node.selection_set.node, pos)),
        Selection::InlineFragment(frag) => find_in(&frag.node.selection_set.node, pos),
        Selection::FragmentSpread(_) => None,
    })
}

/// The schema name of an enum value (`FICHES_DETAILLEES`), for messages.
pub fn enum_name<T: async_graphql::resolver_utils::EnumType + Copy + Eq>(value: T) -> &'static str {
    T::items()
        .iter()
        .find(|i| i.value == value)
        .map_or("?", |i| i.name)
}
