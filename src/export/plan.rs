//! Where an export's rows are and what its columns are, read from the query and the schema.
//!
//! The rows are those of the operation's first field: the edges (or nodes) of a connection, the items
//! of a list, or, for an object such as `explorer` or `statistiques`, the items of its first selected
//! list of objects. The columns are the leaf fields selected under a row, fragments included, each named
//! by its path of response keys (aliases when given): `node.formation.intitule`, `distanceKm`.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType,
    Selection, SelectionSet, ServiceDocument, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Positioned, Variables};

/// The alias under which an export asks for the walked connection's `totalCount`.
pub const TOTAL_KEY: &str = "passerelleExportTotal";

/// Field types by object type, read from the schema's SDL.
#[derive(Debug, Clone)]
pub struct TypeInfo {
    query: String,
    fields: HashMap<String, HashMap<String, FieldInfo>>,
}

#[derive(Debug, Clone)]
struct FieldInfo {
    ty: Type,
    arguments: Vec<String>,
}

/// The named type under lists and non-null markers, and whether a list was crossed.
fn named(ty: &Type) -> (&str, bool) {
    match &ty.base {
        BaseType::Named(n) => (n.as_str(), false),
        BaseType::List(inner) => (named(inner).0, true),
    }
}

impl TypeInfo {
    /// Reads the SDL of the schema.
    pub fn from_sdl(sdl: &str) -> Result<Self, String> {
        let doc: ServiceDocument =
            async_graphql::parser::parse_schema(sdl).map_err(|e| e.to_string())?;
        let mut query = "Query".to_owned();
        let mut fields = HashMap::new();
        for def in doc.definitions {
            match def {
                TypeSystemDefinition::Schema(s) => {
                    if let Some(q) = &s.node.query {
                        query = q.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(t) => {
                    let t = t.node;
                    let list = match t.kind {
                        TypeKind::Object(o) => o.fields,
                        TypeKind::Interface(i) => i.fields,
                        _ => continue,
                    };
                    let map = list
                        .into_iter()
                        .map(|f| {
                            let f = f.node;
                            (
                                f.name.node.to_string(),
                                FieldInfo {
                                    ty: f.ty.node,
                                    arguments: f
                                        .arguments
                                        .iter()
                                        .map(|a| a.node.name.node.to_string())
                                        .collect(),
                                },
                            )
                        })
                        .collect();
                    fields.insert(t.name.node.to_string(), map);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Ok(Self { query, fields })
    }

    fn field(&self, parent: &str, name: &str) -> Option<&FieldInfo> {
        self.fields.get(parent)?.get(name)
    }

    fn is_object(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }
}

/// An export's plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The document to execute: other root fields skipped, the connection's total asked for.
    pub document: ExecutableDocument,
    /// Response key of the first field.
    pub key: String,
    /// Where its rows are: the path of response keys from its value to the list (empty when the
    /// value is the list).
    pub rows: Vec<String>,
    /// Whether the export walks pages (a connection taking `first` and `after`).
    pub paged: bool,
    /// Column paths, relative to a row.
    pub columns: Vec<Vec<String>>,
}

/// The export cannot be planned: the message names the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

fn operation<'a>(
    doc: &'a mut ExecutableDocument,
    name: Option<&str>,
) -> Result<&'a mut Positioned<OperationDefinition>, PlanError> {
    match (&mut doc.operations, name) {
        (DocumentOperations::Single(op), _) => Ok(op),
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get_mut(n).ok_or_else(|| {
            PlanError(format!(
                "operationName : aucune opération « {n} » dans la requête"
            ))
        }),
        (DocumentOperations::Multiple(ops), None) => {
            if ops.len() == 1 {
                Ok(ops.values_mut().next().expect("one operation"))
            } else {
                Err(PlanError(
                    "operationName : la requête a plusieurs opérations, nommez celle à exporter"
                        .into(),
                ))
            }
        }
    }
}

/// Whether `@skip` / `@include` leave the selection in, with the request's variables.
fn included(
    directives: &[Positioned<async_graphql::parser::types::Directive>],
    variables: &Variables,
) -> bool {
    directives.iter().all(|d| {
        let name = d.node.name.node.as_str();
        if name != "skip" && name != "include" {
            return true;
        }
        let value = d
            .node
            .get_argument("if")
            .and_then(|v| {
                v.node
                    .clone()
                    .into_const_with(|n| variables.get(&n).cloned().ok_or(()))
                    .ok()
            })
            .and_then(|v| match v {
                async_graphql::Value::Boolean(b) => Some(b),
                _ => None,
            })
            .unwrap_or(false);
        if name == "skip" { !value } else { value }
    })
}

struct Walker<'a> {
    types: &'a TypeInfo,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
}

impl Walker<'_> {
    /// The fields of a selection set, fragments flattened, in order, those left out by directives
    /// dropped. Fields with the same response key are merged by the caller.
    fn fields<'s>(&'s self, set: &'s SelectionSet, out: &mut Vec<&'s Field>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    if included(&f.node.directives, self.variables) {
                        out.push(&f.node);
                    }
                }
                Selection::FragmentSpread(s) => {
                    if included(&s.node.directives, self.variables)
                        && let Some(frag) = self.doc.fragments.get(&s.node.fragment_name.node)
                    {
                        self.fields(&frag.node.selection_set.node, out);
                    }
                }
                Selection::InlineFragment(i) => {
                    if included(&i.node.directives, self.variables) {
                        self.fields(&i.node.selection_set.node, out);
                    }
                }
            }
        }
    }

    /// Where the rows are under a selection set of object type `ty`: the response keys down to the first
    /// selected list of objects (depth first, in selection order), with its item type and selection.
    fn find_rows<'s>(
        &'s self,
        set: &'s SelectionSet,
        ty: &str,
    ) -> Option<(Vec<String>, String, &'s SelectionSet)> {
        let mut fields = Vec::new();
        self.fields(set, &mut fields);
        for f in fields {
            if f.selection_set.node.items.is_empty() {
                continue;
            }
            let Some(info) = self.types.field(ty, f.name.node.as_str()) else {
                continue;
            };
            let (t, list) = named(&info.ty);
            if !self.types.is_object(t) {
                continue;
            }
            let key = f.response_key().node.to_string();
            if list {
                return Some((vec![key], t.to_owned(), &f.selection_set.node));
            }
            if let Some((mut path, item, selection)) = self.find_rows(&f.selection_set.node, t) {
                path.insert(0, key);
                return Some((path, item, selection));
            }
        }
        None
    }

    /// The leaf paths under a selection set of type `parent`.
    fn columns(
        &self,
        set: &SelectionSet,
        parent: &str,
        prefix: &[String],
        out: &mut Vec<Vec<String>>,
    ) {
        let mut fields = Vec::new();
        self.fields(set, &mut fields);
        for f in fields {
            let mut path = prefix.to_vec();
            path.push(f.response_key().node.to_string());
            let name = f.name.node.as_str();
            let child = self
                .types
                .field(parent, name)
                .map(|i| named(&i.ty).0)
                .filter(|t| self.types.is_object(t));
            match child {
                Some(t) if !f.selection_set.node.items.is_empty() => {
                    self.columns(&f.selection_set.node, t, &path, out);
                }
                _ => {
                    if !out.contains(&path) {
                        out.push(path);
                    }
                }
            }
        }
    }
}

impl Plan {
    /// Plans the export of `query`'s operation `operation_name`.
    pub fn new(
        types: &TypeInfo,
        mut document: ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Result<Self, PlanError> {
        let reading = document.clone();
        let walker = Walker {
            types,
            doc: &reading,
            variables,
        };
        let op = operation(&mut document, operation_name)?;
        if op.node.ty != OperationType::Query {
            return Err(PlanError(
                "export : seules les requêtes (query) s'exportent".into(),
            ));
        }
        // The first field of the operation, itself (not inside a fragment).
        let index = op
            .node
            .selection_set
            .node
            .items
            .iter()
            .position(|s| matches!(&s.node, Selection::Field(f) if f.node.name.node != "__typename"))
            .ok_or_else(|| {
                PlanError(
                    "export : la requête doit commencer par le champ de la liste à exporter (ex. actionsFormation { edges { node { numero } } })"
                        .into(),
                )
            })?;
        let Selection::Field(root) = &op.node.selection_set.node.items[index].node else {
            unreachable!("position found a field");
        };
        let root_name = root.node.name.node.to_string();
        let key = root.node.response_key().node.to_string();
        let info = types
            .field(&types.query, &root_name)
            .ok_or_else(|| PlanError(format!("export : le champ « {root_name} » n'existe pas")))?;
        let (root_type, root_is_list) = named(&info.ty);
        if !types.is_object(root_type) {
            return Err(PlanError(format!(
                "export : « {key} » n'est pas une liste d'objets"
            )));
        }
        let connection = types.field(root_type, "edges").is_some()
            && types.field(root_type, "pageInfo").is_some();
        let (rows, row_type, row_set) = if root_is_list {
            (
                Vec::new(),
                root_type.to_owned(),
                &root.node.selection_set.node,
            )
        } else {
            match walker.find_rows(&root.node.selection_set.node, root_type) {
                Some(found) => found,
                None if connection => {
                    return Err(PlanError(format!(
                        "export : sélectionnez les lignes de « {key} » : edges {{ node {{ … }} }} ou nodes {{ … }}"
                    )));
                }
                None => {
                    return Err(PlanError(format!(
                        "export : « {key} » ne contient aucune liste d'objets sélectionnée"
                    )));
                }
            }
        };
        let mut columns = Vec::new();
        walker.columns(row_set, &row_type, &[], &mut columns);
        if columns.is_empty() {
            return Err(PlanError(format!(
                "export : aucun champ sélectionné sous « {key} »"
            )));
        }
        // A connection's edges or nodes: its only lists.
        let paged = connection
            && rows.len() == 1
            && info.arguments.iter().any(|a| a == "first")
            && info.arguments.iter().any(|a| a == "after");

        // Only the first field runs: the others are skipped (so that their variables and fragments
        // stay used), and a connection walked page by page also gives its total.
        let pos = op.pos;
        for (i, item) in op.node.selection_set.node.items.iter_mut().enumerate() {
            if i == index {
                continue;
            }
            let directives = match &mut item.node {
                Selection::Field(f) => &mut f.node.directives,
                Selection::FragmentSpread(s) => &mut s.node.directives,
                Selection::InlineFragment(f) => &mut f.node.directives,
            };
            directives.push(skip(pos));
        }
        if paged && let Selection::Field(root) = &mut op.node.selection_set.node.items[index].node {
            root.node.selection_set.node.items.push(Positioned::new(
                Selection::Field(Positioned::new(
                    Field {
                        alias: Some(Positioned::new(Name::new(TOTAL_KEY), pos)),
                        name: Positioned::new(Name::new("totalCount"), pos),
                        arguments: Vec::new(),
                        directives: Vec::new(),
                        selection_set: Positioned::new(SelectionSet::default(), pos),
                    },
                    pos,
                )),
                pos,
            ));
        }
        Ok(Self {
            document,
            key,
            rows,
            paged,
            columns,
        })
    }

    /// The header line's names: paths joined with dots.
    pub fn header(&self) -> Vec<String> {
        self.columns.iter().map(|p| p.join(".")).collect()
    }
}

fn skip(pos: async_graphql::Pos) -> Positioned<async_graphql::parser::types::Directive> {
    Positioned::new(
        async_graphql::parser::types::Directive {
            name: Positioned::new(Name::new("skip"), pos),
            arguments: vec![(
                Positioned::new(Name::new("if"), pos),
                Positioned::new(async_graphql_value::Value::Boolean(true), pos),
            )],
        },
        pos,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(query: &str, variables: serde_json::Value) -> Result<Plan, PlanError> {
        let types = TypeInfo::from_sdl(&crate::graphql::sdl()).unwrap();
        let doc = async_graphql::parser::parse_query(query).unwrap();
        Plan::new(&types, doc, None, &Variables::from_json(variables))
    }

    #[test]
    fn connection_edges_with_aliases_fragments_and_directives() {
        let p = plan(
            r#"query($sans: Boolean!) {
              offres: actionsFormation(first: 3) {
                totalCount
                edges { distanceKm node { numero ...F intitule: formation { nom: intitule } sessions { debut fin } lieu @skip(if: $sans) { commune { nom } } } }
              }
              sources { id }
            }
            fragment F on ActionFormation { numero eligibleCpf formation { codesRome } }"#,
            serde_json::json!({ "sans": true }),
        )
        .unwrap();
        assert_eq!(p.key, "offres");
        assert_eq!(p.rows, ["edges"]);
        assert!(p.paged);
        assert_eq!(
            p.header(),
            [
                "distanceKm",
                "node.numero",
                "node.eligibleCpf",
                "node.formation.codesRome",
                "node.intitule.nom",
                "node.sessions.debut",
                "node.sessions.fin"
            ]
        );
    }

    #[test]
    fn plain_lists_and_lists_inside_objects() {
        let p = plan(
            "{ sources { id anomalies { probleme } } }",
            serde_json::json!({}),
        )
        .unwrap();
        assert!(p.rows.is_empty() && !p.paged);
        assert_eq!(p.header(), ["id", "anomalies.probleme"]);
        let p = plan(
            "{ statistiques(objet: RESSOURCES, par: [REGION]) { total par groupes { cles { code } nombre } } }",
            serde_json::json!({}),
        )
        .unwrap();
        assert_eq!(p.rows, ["groupes"]);
        assert!(!p.paged);
        assert_eq!(p.header(), ["cles.code", "nombre"]);
        // Lists further down: a commune's offers around it, a connection inside an object.
        let p = plan(
            "{ commune(codeInsee: \"69123\") { nom actionsFormation(rayonKm: 10) { edges { distanceKm node { numero } } } } }",
            serde_json::json!({}),
        )
        .unwrap();
        assert_eq!(p.rows, ["actionsFormation", "edges"]);
        assert!(!p.paged, "only the first field's own pages are walked");
        assert_eq!(p.header(), ["distanceKm", "node.numero"]);
    }

    #[test]
    fn what_cannot_be_exported_is_named() {
        for (q, words) in [
            ("{ actionsFormation { totalCount } }", "edges"),
            ("{ __typename }", "commencer par le champ"),
            (
                "{ metier(codeRome: \"M1805\") { libelle } }",
                "aucune liste",
            ),
            (
                "query A { sources { id } } query B { sources { nom } }",
                "plusieurs opérations",
            ),
        ] {
            let e = plan(q, serde_json::json!({})).unwrap_err();
            assert!(e.0.contains(words), "{q}: {e}");
        }
    }
}
