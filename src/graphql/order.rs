//! Response fields in the order of the query.
//!
//! async-graphql resolves sibling fields concurrently and writes them in completion order; GraphQL
//! says a response lists its fields in the order they were selected. This puts them back in order,
//! following the selected operation, its fragments and aliases.

use async_graphql::Value;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Reorders `data` after the operation named `operation` (or the only one) of `doc`.
pub fn reorder(data: &mut Value, doc: &ExecutableDocument, operation: Option<&str>) {
    let Some((_, op)) = super::selected_operation(doc, operation) else {
        return;
    };
    reorder_value(data, &[&op.node.selection_set.node], doc);
}

/// The selected fields of `sets` (fragments flattened), by response key in first-seen order, with the
/// sub-selections of each key merged.
fn collect<'a>(
    sets: &[&'a SelectionSet],
    doc: &'a ExecutableDocument,
    out: &mut Vec<(&'a str, Vec<&'a SelectionSet>)>,
) {
    for set in sets {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let key = f.node.response_key().node.as_str();
                    let sub = &f.node.selection_set.node;
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, subs)) => subs.push(sub),
                        None => out.push((key, vec![sub])),
                    }
                }
                Selection::InlineFragment(frag) => {
                    collect(&[&frag.node.selection_set.node], doc, out)
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                        collect(&[&fragment.node.selection_set.node], doc, out);
                    }
                }
            }
        }
    }
}

fn reorder_value(value: &mut Value, sets: &[&SelectionSet], doc: &ExecutableDocument) {
    // Only data has fields to order (a document refused by validation, circular fragments included,
    // has none). The selection is flattened once for a value and all the items of a list.
    if !matches!(value, Value::Object(_) | Value::List(_)) {
        return;
    }
    let mut fields = Vec::new();
    collect(sets, doc, &mut fields);
    apply(value, &fields, doc);
}

fn apply(value: &mut Value, fields: &[(&str, Vec<&SelectionSet>)], doc: &ExecutableDocument) {
    match value {
        Value::List(items) => items.iter_mut().for_each(|v| apply(v, fields, doc)),
        Value::Object(map) => {
            let in_order = map.len() == fields.len()
                && map.keys().zip(fields).all(|(k, (f, _))| k.as_str() == *f);
            if !in_order {
                let mut rest = std::mem::take(map);
                for (key, _) in fields {
                    if let Some((name, v)) = rest.swap_remove_entry(*key) {
                        map.insert(name, v);
                    }
                }
                // Anything not selected by name (there should be nothing) keeps its place at the end.
                map.extend(rest);
            }
            for (key, subs) in fields {
                if subs.iter().any(|s| !s.items.is_empty())
                    && let Some(v) = map.get_mut(*key)
                {
                    reorder_value(v, subs, doc);
                }
            }
        }
        _ => {}
    }
}
