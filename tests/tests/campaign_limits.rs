//! The campaign flow's table of limits (`okta_governance::campaigns::LIMITS`) is every limit
//! the pinned spec states inside `campaign-mutable`: a spec update that adds, drops or moves
//! one fails here until the table follows.

use std::collections::BTreeSet;

use oig_tests::pinned_spec;
use okta_governance::campaigns::{LimitKind, LIMITS};
use serde_json::Value;

/// (path, kind, min, max) of every limit under `schema`, `[]` for array items.
fn walk(doc: &Value, node: &Value, path: &str, depth: usize, out: &mut BTreeSet<String>) {
    if depth > 12 {
        return;
    }
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        walk(
            doc,
            &doc["components"]["schemas"][name],
            path,
            depth + 1,
            out,
        );
        return;
    }
    let number = |key: &str| node.get(key).and_then(Value::as_f64);
    let mut add = |kind: &str, min: Option<f64>, max: Option<f64>| {
        if min.is_some() || max.is_some() {
            let (min, max) = (min.unwrap_or(0.0), max.unwrap_or(f64::INFINITY));
            out.insert(format!("{path} {kind} {min} {max}"));
        }
    };
    add("Length", number("minLength"), number("maxLength"));
    add("Items", number("minItems"), number("maxItems"));
    add("Value", number("minimum"), number("maximum"));
    for key in ["allOf", "oneOf", "anyOf"] {
        for sub in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(doc, sub, path, depth + 1, out);
        }
    }
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            walk(doc, property, &child, depth + 1, out);
        }
    }
    if let Some(items) = node.get("items") {
        walk(doc, items, &format!("{path}[]"), depth + 1, out);
    }
}

#[test]
fn the_campaign_limits_are_the_specs() {
    let doc = pinned_spec();
    let mut spec = BTreeSet::new();
    walk(
        &doc,
        &doc["components"]["schemas"]["campaign-mutable"],
        "",
        0,
        &mut spec,
    );
    let table: BTreeSet<String> = LIMITS
        .iter()
        .map(|l| {
            // A limit on an array's items is written on the array itself (`ids`), its items'
            // own limits on `ids[]`.
            let kind = match l.kind {
                LimitKind::Length => "Length",
                LimitKind::Items => "Items",
                _ => "Value",
            };
            format!("{} {kind} {} {}", l.path, l.min, l.max)
        })
        .collect();
    let missing: Vec<&String> = spec.difference(&table).collect();
    let extra: Vec<&String> = table.difference(&spec).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "in the spec, not in LIMITS: {missing:#?}\nin LIMITS, not in the spec: {extra:#?}"
    );
}
