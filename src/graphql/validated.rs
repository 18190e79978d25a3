//! Validation once per document. async-graphql validates every request's document against the
//! schema's rules (≈ 10 % of the CPU of a portal's métier page), although all but one rule depend on
//! the document alone, and a portal sends the same few documents again and again. So a kept document
//! remembers that it passed once, and the next requests that send it run on a copy of the schema that
//! skips the document rules ([`async_graphql::ValidationMode::Fast`]).
//!
//! The one rule that depends on the request is *ArgumentsOfCorrectType*: the variables' values must
//! suit the arguments they are given to. [`InputTypes::accepts`] checks them against the variables'
//! declared types, as strictly as that rule or more, and any request it does not accept goes through
//! full validation, whose errors are therefore the same whether or not the document was seen before.

use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{OutputType, Value, Variables};

/// A parsed document, and whether it passed the schema's full validation once.
#[derive(Debug)]
pub struct Parsed {
    /// The document.
    pub doc: ExecutableDocument,
    validated: AtomicBool,
}

impl Parsed {
    /// A document not validated yet.
    pub fn new(doc: ExecutableDocument) -> Self {
        Self {
            doc,
            validated: AtomicBool::new(false),
        }
    }

    /// Whether the document passed full validation once.
    pub fn validated(&self) -> bool {
        self.validated.load(Ordering::Relaxed)
    }

    /// Records that the document passed full validation.
    pub fn mark_validated(&self) {
        self.validated.store(true, Ordering::Relaxed);
    }
}

/// The schema's input types, to check variable values without the whole validation.
pub struct InputTypes(Registry);

impl std::fmt::Debug for InputTypes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InputTypes({} types)", self.0.types.len())
    }
}

impl InputTypes {
    /// The types reachable from the query root `Q` (its arguments' types, built-in scalars included),
    /// and Apollo Federation's `_Any` (the type of `_entities(representations:)`, which async-graphql
    /// adds to the root itself).
    pub fn of<Q: OutputType>() -> Self {
        let mut registry = Registry::default();
        Q::create_type_info(&mut registry);
        <async_graphql::Any as async_graphql::InputType>::create_type_info(&mut registry);
        Self(registry)
    }

    /// Whether `variables` may skip the document rules for `doc`, a document that passed them once:
    /// `doc` has one operation (so every fragment and variable is that operation's), and each value
    /// given is valid for its variable's declared type, as async-graphql's validation checks it at
    /// the arguments (`VariableInAllowedPosition`, checked once, makes the declared type fit every use).
    /// A `null` given at the top of a variable, a type this check does not know, or anything else
    /// doubtful answers `false`: the request is then validated in full.
    pub fn accepts(&self, doc: &ExecutableDocument, variables: &Variables) -> bool {
        let op = match &doc.operations {
            DocumentOperations::Single(op) => op,
            DocumentOperations::Multiple(ops) if ops.len() == 1 => match ops.values().next() {
                Some(op) => op,
                None => return false,
            },
            DocumentOperations::Multiple(_) => return false,
        };
        op.node.variable_definitions.iter().all(|def| {
            match variables.get(&def.node.name.node) {
                None => true,
                // A nullable variable with a default may be given to a non-null argument: its
                // `null` is checked at the argument, which only full validation knows.
                Some(Value::Null) => false,
                Some(value) => self.valid(&def.node.var_type.node.to_string(), value),
            }
        })
    }

    /// async-graphql's `is_valid_input_value`, as a yes/no; `false` for an unknown type.
    fn valid(&self, ty: &str, value: &Value) -> bool {
        match MetaTypeName::create(ty) {
            MetaTypeName::NonNull(inner) => {
                !matches!(value, Value::Null) && self.valid(inner, value)
            }
            MetaTypeName::List(item) => match value {
                Value::List(items) => items.iter().all(|v| self.valid(item, v)),
                Value::Null => true,
                other => self.valid(item, other),
            },
            MetaTypeName::Named(name) => {
                if matches!(value, Value::Null) {
                    return true;
                }
                match self.0.types.get(name) {
                    None => false,
                    Some(MetaType::Scalar { is_valid, .. }) => {
                        is_valid.as_ref().is_none_or(|f| f(value))
                    }
                    Some(MetaType::Enum { enum_values, .. }) => match value {
                        Value::Enum(v) => enum_values.contains_key(v.as_str()),
                        Value::String(v) => enum_values.contains_key(v.as_str()),
                        _ => false,
                    },
                    Some(MetaType::InputObject {
                        input_fields,
                        oneof,
                        ..
                    }) => match value {
                        Value::Object(values) => {
                            if *oneof
                                && (values.len() != 1
                                    || values.values().any(|v| matches!(v, Value::Null)))
                            {
                                return false;
                            }
                            let known =
                                values.keys().all(|k| input_fields.contains_key(k.as_str()));
                            known
                                && input_fields.values().all(|field| {
                                    match values.get(field.name.as_str()) {
                                        Some(v) => self.valid(&field.ty, v),
                                        None => {
                                            !MetaTypeName::create(&field.ty).is_non_null()
                                                || field.default_value.is_some()
                                        }
                                    }
                                })
                        }
                        // As async-graphql: another value is left to the input type's parser.
                        _ => true,
                    },
                    Some(_) => false,
                }
            }
        }
    }
}

/// GraphQL's coercion of variable values, for what async-graphql leaves to execution: a non-null
/// variable without a default value must be given, and not as `null`. async-graphql runs the request
/// without it and fails each field that uses it (`Variable c is not defined.`), other fields going on;
/// the specification refuses the request before execution (CoerceVariableValues), as this does,
/// naming the variable, its type and the rule. Checks the operation `name` (or the only one).
pub fn required_variables(
    doc: &ExecutableDocument,
    name: Option<&str>,
    variables: &Variables,
) -> Result<(), async_graphql::ServerError> {
    // No operation chosen among several, or an unknown one: execution says so.
    let Some((_, op)) = super::selected_operation(doc, name) else {
        return Ok(());
    };
    for def in &op.node.variable_definitions {
        let def_node = &def.node;
        if def_node.var_type.node.nullable || def_node.default_value.is_some() {
            continue;
        }
        let problem = match variables.get(&def_node.name.node) {
            None => "absente",
            Some(Value::Null) => "nulle",
            Some(_) => continue,
        };
        let variable = def_node.name.node.to_string();
        let mut error = crate::graphql::errors::request_error(
            crate::graphql::errors::BAD_USER_INPUT,
            format!(
                "variable ${variable} de type {} {problem} : une valeur non nulle est attendue \
                 (type non nul, sans valeur par défaut)",
                def_node.var_type.node
            ),
            |ext| ext.set("variable", variable.as_str()),
        );
        error.locations = vec![def.pos];
        return Err(error);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(query: &str, variables: serde_json::Value) -> bool {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        InputTypes::of::<crate::graphql::entities::Root>()
            .accepts(&doc, &Variables::from_json(variables))
    }

    const PAGE: &str = "query($c: CodeRome!, $f: Int, $r: FiltreRessources) \
        { metier(codeRome: $c) { ressources(filtre: $r, first: $f) { totalCount } } }";

    #[test]
    fn values_of_their_declared_types_are_accepted() {
        assert!(accepts(PAGE, serde_json::json!({"c": "M1805"})));
        assert!(accepts(PAGE, serde_json::json!({"c": "ZZZ", "f": 3})));
        assert!(accepts(
            PAGE,
            serde_json::json!({"c": "M1805", "r": {"categories": "EVENEMENT", "regions": ["84"]}})
        ));
        // Extra variables are not the operation's: left alone, as validation does.
        assert!(accepts(
            PAGE,
            serde_json::json!({"c": "M1805", "autre": {}})
        ));
    }

    #[test]
    fn anything_validation_could_refuse_is_not_accepted() {
        for variables in [
            serde_json::json!({"c": 5}),
            serde_json::json!({"c": "M1805", "f": "x"}),
            serde_json::json!({"c": "M1805", "f": 1.5}),
            serde_json::json!({"c": "M1805", "f": null}),
            serde_json::json!({"c": null}),
            serde_json::json!({"c": "M1805", "r": {"inconnu": 1}}),
            serde_json::json!({"c": "M1805", "r": {"categories": ["AUCUNE"]}}),
            serde_json::json!({"c": "M1805", "r": {"categories": [null]}}),
        ] {
            assert!(!accepts(PAGE, variables.clone()), "{variables}");
        }
    }

    #[test]
    fn required_variables_are_those_of_the_operation_run() {
        let doc = async_graphql::parser::parse_query(
            "query A($c: CodeRome!) { metier(codeRome: $c) { codeRome } } query B { __typename }",
        )
        .unwrap();
        let none = Variables::default();
        let refused = required_variables(&doc, Some("A"), &none).unwrap_err();
        assert_eq!(
            refused.message,
            "variable $c de type CodeRome! absente : une valeur non nulle est attendue \
             (type non nul, sans valeur par défaut)"
        );
        assert!(required_variables(&doc, Some("B"), &none).is_ok());
        // No operation chosen among two, or an unknown one: execution names the problem.
        assert!(required_variables(&doc, None, &none).is_ok());
        assert!(required_variables(&doc, Some("C"), &none).is_ok());
        let given = Variables::from_json(serde_json::json!({"c": "M1805"}));
        assert!(required_variables(&doc, Some("A"), &given).is_ok());
    }

    #[test]
    fn several_operations_or_unknown_types_go_to_full_validation_router_entities_do_not() {
        let two = "query A($c: CodeRome!) { metier(codeRome: $c) { codeRome } } \
                   query B { __typename }";
        assert!(!accepts(two, serde_json::json!({"c": "M1805"})));
        // A router's entity query: `_Any` is known.
        let entities = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }";
        assert!(accepts(
            entities,
            serde_json::json!({"r": [{"__typename": "Metier", "codeRome": "M1805"}]})
        ));
        let unknown = "query($x: PasUnType) { __typename }";
        assert!(!accepts(unknown, serde_json::json!({"x": 1})));
        assert!(accepts(unknown, serde_json::json!({})));
    }
}
