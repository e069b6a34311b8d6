//! `cargo xtask diff OLD NEW`: a markdown changelog between two spec versions.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::meta::{self, Operation};
use crate::normalise::walk::{effective_properties, effective_required};

fn set_diff<T: Ord + Clone>(old: &BTreeSet<T>, new: &BTreeSet<T>) -> (Vec<T>, Vec<T>) {
    (
        new.difference(old).cloned().collect(),
        old.difference(new).cloned().collect(),
    )
}

fn op_changes(old: &Operation, new: &Operation) -> Vec<String> {
    let mut out = Vec::new();
    if old.method != new.method || old.path != new.path {
        out.push(format!(
            "moved: `{} {}` → `{} {}`",
            old.method, old.path, new.method, new.path
        ));
    }
    let params = |op: &Operation| -> BTreeMap<(String, String), (bool, String)> {
        op.parameters
            .iter()
            .map(|(l, n, r, s)| ((l.clone(), n.clone()), (*r, s.clone())))
            .collect()
    };
    let (old_params, new_params) = (params(old), params(new));
    for (key, (required, schema)) in &new_params {
        match old_params.get(key) {
            None => out.push(format!(
                "parameter added: `{}` ({}, {schema}{})",
                key.1,
                key.0,
                if *required { ", required" } else { "" }
            )),
            Some((old_required, old_schema)) => {
                if old_schema != schema {
                    out.push(format!("parameter `{}`: {old_schema} → {schema}", key.1));
                }
                if old_required != required {
                    out.push(format!(
                        "parameter `{}`: {}",
                        key.1,
                        if *required {
                            "now required"
                        } else {
                            "now optional"
                        }
                    ));
                }
            }
        }
    }
    for key in old_params.keys().filter(|k| !new_params.contains_key(*k)) {
        out.push(format!("parameter removed: `{}` ({})", key.1, key.0));
    }
    if old.request_body != new.request_body {
        out.push(format!(
            "request body: {} → {}",
            old.request_body.as_deref().unwrap_or("none"),
            new.request_body.as_deref().unwrap_or("none")
        ));
    }
    let responses =
        |op: &Operation| -> BTreeMap<String, String> { op.responses.iter().cloned().collect() };
    let (old_responses, new_responses) = (responses(old), responses(new));
    for (status, schema) in &new_responses {
        match old_responses.get(status) {
            None => out.push(format!("response added: {status} {schema}")),
            Some(old_schema) if old_schema != schema => {
                out.push(format!("response {status}: {old_schema} → {schema}"))
            }
            _ => {}
        }
    }
    for status in old_responses
        .keys()
        .filter(|s| !new_responses.contains_key(*s))
    {
        out.push(format!("response removed: {status}"));
    }
    let (added, removed) = set_diff(
        &old.scopes.iter().cloned().collect(),
        &new.scopes.iter().cloned().collect(),
    );
    for scope in added {
        out.push(format!("scope added: `{scope}`"));
    }
    for scope in removed {
        out.push(format!("scope removed: `{scope}`"));
    }
    if old.ssws != new.ssws {
        out.push(if new.ssws {
            "now accepts SSWS API tokens".to_string()
        } else {
            "no longer accepts SSWS API tokens (OAuth 2.0 only)".to_string()
        });
    }
    if old.lifecycle != new.lifecycle {
        out.push(format!("lifecycle: {} → {}", old.lifecycle, new.lifecycle));
    }
    out
}

/// Field-level summary of a component schema: properties (with type summary), required, enum.
struct SchemaShape {
    properties: BTreeMap<String, String>,
    required: BTreeSet<String>,
    enum_values: BTreeSet<String>,
    kind: String,
    default: Option<String>,
}

fn shape(doc: &Value, schema: &Value) -> SchemaShape {
    SchemaShape {
        properties: effective_properties(doc, schema)
            .iter()
            .map(|(k, v)| (k.clone(), meta::schema_summary(v)))
            .collect(),
        required: effective_required(doc, schema).into_iter().collect(),
        enum_values: schema["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect(),
        kind: meta::schema_summary(schema),
        default: schema.get("default").map(Value::to_string),
    }
}

fn schema_changes(old: &SchemaShape, new: &SchemaShape) -> Vec<String> {
    let mut out = Vec::new();
    if old.properties.is_empty() && new.properties.is_empty() && old.kind != new.kind {
        out.push(format!("type: {} → {}", old.kind, new.kind));
    }
    for (name, ty) in &new.properties {
        match old.properties.get(name) {
            None => out.push(format!(
                "field added: `{name}` ({ty}{})",
                if new.required.contains(name) {
                    ", required"
                } else {
                    ""
                }
            )),
            Some(old_ty) if old_ty != ty => out.push(format!("field `{name}`: {old_ty} → {ty}")),
            _ => {}
        }
    }
    for name in old
        .properties
        .keys()
        .filter(|n| !new.properties.contains_key(*n))
    {
        out.push(format!("field removed: `{name}`"));
    }
    for name in new.required.difference(&old.required) {
        if old.properties.contains_key(name) {
            out.push(format!("field `{name}`: now required"));
        }
    }
    for name in old.required.difference(&new.required) {
        if new.properties.contains_key(name) {
            out.push(format!("field `{name}`: now optional"));
        }
    }
    if old.default != new.default {
        out.push(format!(
            "default: {} → {}",
            old.default.as_deref().unwrap_or("none"),
            new.default.as_deref().unwrap_or("none")
        ));
    }
    let (added, removed) = set_diff(&old.enum_values, &new.enum_values);
    if !added.is_empty() {
        out.push(format!("enum values added: {}", quoted(&added)));
    }
    if !removed.is_empty() {
        out.push(format!("enum values removed: {}", quoted(&removed)));
    }
    out
}

/// Writes `- none` under an empty section so the markdown stays readable.
fn none_if_empty(out: &mut String, count: usize) {
    if count == 0 {
        out.push_str("- none\n");
    }
}

fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The changelog from `old` to `new`, in markdown, in a stable order.
pub fn changelog(old: &Value, new: &Value, old_label: &str, new_label: &str) -> String {
    let old_ops: BTreeMap<String, Operation> = meta::operations(old)
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let new_ops: BTreeMap<String, Operation> = meta::operations(new)
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "# Spec changes: {old_label} → {new_label}\n");
    let _ = writeln!(
        out,
        "Operations: {} → {}. Schemas: {} → {}.\n",
        old_ops.len(),
        new_ops.len(),
        schema_names(old).len(),
        schema_names(new).len()
    );

    let added: Vec<&Operation> = new_ops
        .values()
        .filter(|o| !old_ops.contains_key(&o.id))
        .collect();
    let removed: Vec<&Operation> = old_ops
        .values()
        .filter(|o| !new_ops.contains_key(&o.id))
        .collect();
    let changed: Vec<(String, Vec<String>)> = new_ops
        .values()
        .filter_map(|new_op| {
            let old_op = old_ops.get(&new_op.id)?;
            let changes = op_changes(old_op, new_op);
            (!changes.is_empty()).then(|| (new_op.id.clone(), changes))
        })
        .collect();

    let _ = writeln!(out, "## Operations\n");
    let _ = writeln!(out, "### Added ({})\n", added.len());
    for op in &added {
        let _ = writeln!(
            out,
            "- `{}` `{} {}` ({}; {}): {}",
            op.id,
            op.method,
            op.path,
            op.lifecycle,
            if op.scopes.is_empty() {
                "no scope".to_string()
            } else {
                quoted(&op.scopes)
            },
            op.summary
        );
    }
    none_if_empty(&mut out, added.len());
    let _ = writeln!(out, "\n### Removed ({})\n", removed.len());
    for op in &removed {
        let _ = writeln!(out, "- `{}` `{} {}`", op.id, op.method, op.path);
    }
    none_if_empty(&mut out, removed.len());
    let _ = writeln!(out, "\n### Changed ({})\n", changed.len());
    for (id, changes) in &changed {
        let _ = writeln!(out, "- `{id}`");
        for change in changes {
            let _ = writeln!(out, "  - {change}");
        }
    }

    none_if_empty(&mut out, changed.len());
    let old_names = schema_names(old);
    let new_names = schema_names(new);
    let (added, removed) = set_diff(&old_names, &new_names);
    let _ = writeln!(out, "\n## Schemas\n");
    let _ = writeln!(out, "### Added ({})\n", added.len());
    for name in &added {
        let s = shape(new, &new["components"]["schemas"][name]);
        let _ = writeln!(out, "- `{name}` ({})", describe(&s));
    }
    none_if_empty(&mut out, added.len());
    let _ = writeln!(out, "\n### Removed ({})\n", removed.len());
    for name in &removed {
        let _ = writeln!(out, "- `{name}`");
    }
    none_if_empty(&mut out, removed.len());
    let mut changed_schemas = Vec::new();
    for name in old_names.intersection(&new_names) {
        let changes = schema_changes(
            &shape(old, &old["components"]["schemas"][name]),
            &shape(new, &new["components"]["schemas"][name]),
        );
        if !changes.is_empty() {
            changed_schemas.push((name.clone(), changes));
        }
    }
    let _ = writeln!(out, "\n### Changed ({})\n", changed_schemas.len());
    for (name, changes) in &changed_schemas {
        let _ = writeln!(out, "- `{name}`");
        for change in changes {
            let _ = writeln!(out, "  - {change}");
        }
    }
    none_if_empty(&mut out, changed_schemas.len());
    out
}

fn describe(shape: &SchemaShape) -> String {
    if !shape.properties.is_empty() {
        format!("{} field(s)", shape.properties.len())
    } else if !shape.enum_values.is_empty() {
        format!(
            "enum: {}",
            quoted(&shape.enum_values.iter().cloned().collect::<Vec<_>>())
        )
    } else {
        shape.kind.clone()
    }
}

fn schema_names(doc: &Value) -> BTreeSet<String> {
    doc["components"]["schemas"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_added_removed_and_changed() {
        let old = json!({"openapi": "3.0.3", "paths": {
            "/a": {"get": {"operationId": "getA", "summary": "Get A", "tags": ["T"],
                "security": [{"OAuth2": ["s.read"]}],
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok"}}}},
            "/gone": {"delete": {"operationId": "gone", "responses": {}}}},
            "components": {"schemas": {"x": {"type": "object", "properties": {"a": {"type": "string"}}}}}});
        let new = json!({"openapi": "3.0.3", "paths": {
            "/a": {"get": {"operationId": "getA", "summary": "Get A", "tags": ["T"],
                "security": [{"OAuth2": ["s.read", "s.extra"]}, {"ApiKey": []}],
                "parameters": [{"name": "after", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}}}},
            "/b": {"post": {"operationId": "postB", "summary": "Post B", "tags": ["T"], "responses": {}}}},
            "components": {"schemas": {"x": {"type": "object", "required": ["b"],
                "properties": {"b": {"type": "integer"}}}, "y": {"type": "string", "enum": ["A"]}}}});
        let log = changelog(&old, &new, "old", "new");
        for needle in [
            "### Added (1)\n\n- `postB` `POST /b`",
            "- `gone` `DELETE /gone`",
            "parameter added: `after` (query, string)",
            "parameter removed: `limit` (query)",
            "scope added: `s.extra`",
            "now accepts SSWS API tokens",
            "field added: `b` (integer, required)",
            "field removed: `a`",
            "- `y` (enum: `A`)",
        ] {
            assert!(log.contains(needle), "missing {needle:?} in\n{log}");
        }
    }
}

/// A CHANGELOG entry for `version` of the client crate: the changelog of [`changelog`] with its
/// headings moved two levels down under `## {version}`.
pub fn changelog_entry(version: &str, changes: &str) -> String {
    let mut out = format!("## {version}\n\n");
    for line in changes.lines() {
        if let Some(title) = line.strip_prefix("# ") {
            let _ = writeln!(out, "### {title}");
        } else if line.starts_with('#') {
            let _ = writeln!(out, "##{line}");
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
    out.trim_end().to_string() + "\n"
}

/// `text` (a CHANGELOG) with `entry` in place: it replaces the entry with the same `## `
/// heading, or goes before the newest one (after the preamble). Running it twice changes
/// nothing.
pub fn insert_entry(text: &str, entry: &str) -> String {
    let heading = entry.lines().next().unwrap_or_default();
    let entries_start = |s: &str| {
        s.match_indices("\n## ")
            .map(|(i, _)| i + 1)
            .chain(s.starts_with("## ").then_some(0))
            .min()
    };
    if let Some(at) = text.find(&format!("\n{heading}\n")).map(|i| i + 1) {
        let rest = &text[at + heading.len()..];
        let end = entries_start(rest)
            .map(|i| at + heading.len() + i)
            .unwrap_or(text.len());
        return format!("{}{}\n{}", &text[..at], entry, &text[end..])
            .trim_end()
            .to_string()
            + "\n";
    }
    match entries_start(text) {
        Some(at) => format!("{}{}\n{}", &text[..at], entry, &text[at..]),
        None => format!("{}\n\n{}", text.trim_end(), entry),
    }
}

#[cfg(test)]
mod changelog_tests {
    use super::*;

    const CHANGES: &str =
        "# Spec changes: a → b\n\nOperations: 1 → 2.\n\n## Operations\n\n### Added (1)\n\n- `x`\n";

    #[test]
    fn entries_nest_under_the_version_heading() {
        let entry = changelog_entry("0.2.0+spec.b", CHANGES);
        assert!(entry.starts_with("## 0.2.0+spec.b\n\n### Spec changes: a → b\n"));
        assert!(entry.contains("\n#### Operations\n") && entry.contains("\n##### Added (1)\n"));
    }

    #[test]
    fn entries_go_first_and_replace_their_own_version() {
        let file = "# Changelog\n\nPreamble.\n\n## 0.1.0\n\nOld.\n";
        let one = insert_entry(file, "## 0.2.0\n\nNew.\n");
        assert_eq!(
            one,
            "# Changelog\n\nPreamble.\n\n## 0.2.0\n\nNew.\n\n## 0.1.0\n\nOld.\n"
        );
        assert_eq!(insert_entry(&one, "## 0.2.0\n\nNew.\n"), one);
        let replaced = insert_entry(&one, "## 0.2.0\n\nNewer.\n");
        assert_eq!(
            replaced,
            "# Changelog\n\nPreamble.\n\n## 0.2.0\n\nNewer.\n\n## 0.1.0\n\nOld.\n"
        );
        assert_eq!(
            insert_entry("# Changelog\n", "## 0.1.0\n\nFirst.\n"),
            "# Changelog\n\n## 0.1.0\n\nFirst.\n"
        );
    }
}
