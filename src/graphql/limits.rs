//! Limits checked before a document is executed, each configurable under `[limits]` and each answered,
//! when exceeded, with a request error `extensions.code = "LIMIT_EXCEEDED"` naming the limit, the value
//! and the maximum: document size, tokens, depth, aliases, root fields, directives, and a complexity in
//! which a list's `first` multiplies the cost of what it selects. The checks are linear in the document
//! and stop at the first limit exceeded, so an attack (alias overloading, field duplication, directive
//! overloading, circular fragments, deep introspection) is refused quickly, before any resolver runs.

use std::time::Duration;

use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{ServerError, Value, Variables};
use serde::Deserialize;

use crate::graphql::errors::{LIMIT_EXCEEDED, request_error};

/// `[limits]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Size of the document, in bytes. Default 65 536.
    pub max_document_bytes: usize,
    /// Tokens of the document (names, punctuation, values). Default 5 000.
    pub max_tokens: usize,
    /// Depth of nested selections, fragments included. Default 15.
    pub max_depth: usize,
    /// Aliases in the document. Default 30.
    pub max_aliases: usize,
    /// Fields at the root of the operation. Default 20.
    pub max_root_fields: usize,
    /// Directives in the document. Default 50.
    pub max_directives: usize,
    /// Complexity: each field costs 1, times the `first` of every list above it. Default 100 000.
    pub max_complexity: u64,
    /// Size of a request body, in bytes (413 beyond). Default 1 048 576.
    pub max_body_bytes: usize,
    /// Operations in one array-batched POST (`[{…}, {…}]`); `0` refuses arrays. Default 0: off.
    pub max_batch: usize,
    /// Longest execution of one request. Default `30s`.
    #[serde(deserialize_with = "passerelle_core::config::deserialize_duration")]
    pub execution_timeout: Duration,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_document_bytes: 65_536,
            max_tokens: 5_000,
            max_depth: 15,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 50,
            max_complexity: 100_000,
            max_body_bytes: 1_048_576,
            max_batch: 0,
            execution_timeout: Duration::from_secs(30),
        }
    }
}

/// The error of a limit exceeded: `limits.<name>`, the value found and the maximum.
pub fn exceeded(name: &str, value: u64, max: u64, what: &str) -> ServerError {
    let message = format!("limite dépassée : {what} = {value}, au-delà de limits.{name} = {max}");
    request_error(LIMIT_EXCEEDED, message, |ext| {
        ext.set("limite", format!("limits.{name}"));
        ext.set("valeur", value);
        ext.set("maximum", max);
    })
}

/// Counts the tokens of a GraphQL document, stopping once `stop` is passed.
pub fn count_tokens(doc: &str, stop: usize) -> usize {
    let b = doc.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() && n <= stop {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            0xEF if b[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => i += 3,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 3;
                n += 1;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                n += 1;
            }
            b'.' if b[i..].starts_with(b"...") => {
                i += 3;
                n += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'-' | b'+'))
                {
                    i += 1;
                }
                n += 1;
            }
            _ => {
                i += 1;
                n += 1;
            }
        }
    }
    n
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    aliases: u64,
    directives: u64,
    complexity: u64,
    depth: usize,
}

impl Walk<'_> {
    fn first(&self, field: &async_graphql::parser::types::Field) -> u64 {
        // Apollo Federation's `_entities` answers one object per representation.
        let size_of = if field.name.node == "_entities" {
            "representations"
        } else {
            "first"
        };
        let Some((_, value)) = field.arguments.iter().find(|(n, _)| n.node == size_of) else {
            return 1;
        };
        let value = match &value.node {
            async_graphql_value::Value::Variable(name) => self.variables.get(name).cloned(),
            other => other.clone().into_const(),
        };
        match value {
            Some(Value::Number(n)) => n.as_u64().unwrap_or(1).max(1),
            Some(Value::List(items)) => (items.len() as u64).max(1),
            _ => 1,
        }
    }

    fn selections(
        &mut self,
        set: &SelectionSet,
        depth: usize,
        multiplier: u64,
        path: &mut Vec<String>,
    ) {
        self.depth = self.depth.max(depth);
        for selection in &set.items {
            self.directives += selection.node.directives().len() as u64;
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if field.alias.is_some() {
                        self.aliases += 1;
                    }
                    self.complexity = self.complexity.saturating_add(multiplier);
                    if !field.selection_set.node.items.is_empty() {
                        let inner = multiplier.saturating_mul(self.first(field));
                        self.selections(&field.selection_set.node, depth + 1, inner, path);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.selections(&fragment.node.selection_set.node, depth, multiplier, path);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.to_string();
                    // A fragment already on the path is a cycle: validation refuses it; never loop.
                    if path.contains(&name) {
                        continue;
                    }
                    if let Some(fragment) = self.doc.fragments.get(&spread.node.fragment_name.node)
                    {
                        self.directives += fragment.node.directives.len() as u64;
                        path.push(name);
                        self.selections(&fragment.node.selection_set.node, depth, multiplier, path);
                        path.pop();
                    }
                }
            }
        }
    }
}

fn operations<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Vec<&'a OperationDefinition> {
    doc.operations
        .iter()
        .filter(|(n, _)| name.is_none() || n.map(|n| n.as_str()) == name)
        .map(|(_, op)| &op.node)
        .collect()
}

/// Checks the text of `query` (size, tokens) before it is parsed; the first limit exceeded.
pub fn check_text(limits: &LimitsConfig, query: &str) -> Result<(), ServerError> {
    let size = query.len();
    if size > limits.max_document_bytes {
        return Err(exceeded(
            "max_document_bytes",
            size as u64,
            limits.max_document_bytes as u64,
            "taille du document (octets)",
        ));
    }
    let tokens = count_tokens(query, limits.max_tokens);
    if tokens > limits.max_tokens {
        return Err(exceeded(
            "max_tokens",
            tokens as u64,
            limits.max_tokens as u64,
            "jetons du document (au moins)",
        ));
    }
    Ok(())
}

/// Checks a parsed document (depth, aliases, directives, root fields, complexity); the first limit
/// exceeded, as a request error.
pub fn check_document(
    limits: &LimitsConfig,
    doc: &ExecutableDocument,
    operation: Option<&str>,
    variables: &Variables,
) -> Result<(), ServerError> {
    let mut walk = Walk {
        doc,
        variables,
        aliases: 0,
        directives: 0,
        complexity: 0,
        depth: 0,
    };
    let mut root_fields = 0;
    for op in operations(doc, operation) {
        walk.directives += op.directives.len() as u64;
        root_fields = root_fields.max(op.selection_set.node.items.len());
        walk.selections(&op.selection_set.node, 1, 1, &mut Vec::new());
    }
    let checks = [
        (
            "max_depth",
            walk.depth as u64,
            limits.max_depth as u64,
            "profondeur",
        ),
        (
            "max_aliases",
            walk.aliases,
            limits.max_aliases as u64,
            "alias",
        ),
        (
            "max_directives",
            walk.directives,
            limits.max_directives as u64,
            "directives",
        ),
        (
            "max_root_fields",
            root_fields as u64,
            limits.max_root_fields as u64,
            "champs à la racine",
        ),
        (
            "max_complexity",
            walk.complexity,
            limits.max_complexity,
            "complexité (champs × first des listes)",
        ),
    ];
    for (name, value, max, what) in checks {
        if value > max {
            return Err(exceeded(name, value, max, what));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_like_a_lexer() {
        assert_eq!(count_tokens("{ a b }", 100), 4);
        assert_eq!(
            count_tokens("query Q($x: Int = 3) { f(x: $x) { ...F } } # c", 100),
            23
        );
        assert_eq!(
            count_tokens(r#"{ f(s: "a b, c", t: """x "y" z""") }"#, 100),
            11
        );
        assert_eq!(count_tokens(&"a ".repeat(10_000), 50), 51, "stops early");
    }

    fn check(
        limits: &LimitsConfig,
        query: &str,
        operation: Option<&str>,
        variables: &Variables,
    ) -> Result<(), ServerError> {
        check_text(limits, query)?;
        match async_graphql::parser::parse_query(query) {
            Ok(doc) => check_document(limits, &doc, operation, variables),
            Err(_) => Ok(()),
        }
    }

    #[test]
    fn depth_aliases_and_complexity() {
        let limits = LimitsConfig::default();
        let vars = Variables::default();
        assert!(check(&limits, "{ a { b { c } } }", None, &vars).is_ok());
        let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
        let e = check(&limits, &format!("{{ {aliases} }}"), None, &vars).unwrap_err();
        assert!(
            e.message.contains("limits.max_aliases = 30") && e.message.contains("= 31"),
            "{}",
            e.message
        );
        let deep = format!("{}{}", "{ a ".repeat(16), "}".repeat(16));
        let e = check(&limits, &deep, None, &vars).unwrap_err();
        assert!(e.message.contains("limits.max_depth"), "{}", e.message);
        let lists = "{ a(first: 100) { b(first: 100) { c(first: 100) { d } } } }";
        let e = check(&limits, lists, None, &vars).unwrap_err();
        assert!(
            e.message.contains("max_complexity") && e.message.contains("1010101"),
            "{}",
            e.message
        );
        let vars = Variables::from_json(serde_json::json!({ "n": 2 }));
        assert!(
            check(
                &limits,
                "query($n: Int) { a(first: $n) { b(first: $n) { c } } }",
                None,
                &vars
            )
            .is_ok()
        );
        // Circular fragments end the walk; validation refuses them.
        let cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert!(check(&limits, cycle, None, &Variables::default()).is_ok());
    }
}
