//! `cargo xtask diff OLD NEW`: a markdown changelog between two spec versions, with a verdict
//! for users of the generated Rust API.
//!
//! Every change is classified:
//! - **breaking**: an operation or schema removed; a parameter or field added as required,
//!   removed, made required, made optional (its Rust type changes) or given another type; a
//!   request body or 2xx response changed or removed; an enum value removed; a scope now
//!   required; SSWS tokens no longer accepted;
//! - **additive**: an operation, schema, optional parameter or optional field added; an enum
//!   value added (the generated enums are open); a response added; a scope no longer required;
//!   SSWS tokens now accepted;
//! - **docs**: everything that changes no Rust signature and no access rule (lifecycle, a
//!   moved path the client follows, defaults, error responses).
//!
//! The changelog starts with the verdict (`breaking` with the count, `additive`, or
//! `no API change`) and marks every entry.

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

/// What a change means for users of the generated Rust API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// No signature or access rule changes.
    Docs,
    /// Only additions: code that compiled and worked still does.
    Additive,
    /// Code may stop compiling or working.
    Breaking,
}

impl Impact {
    fn mark(self) -> &'static str {
        match self {
            Impact::Docs => "[docs]",
            Impact::Additive => "[additive]",
            Impact::Breaking => "[breaking]",
        }
    }
}

/// The verdict on a spec update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdict {
    pub breaking: usize,
    pub additive: usize,
    pub docs: usize,
}

impl Verdict {
    fn count(&mut self, impact: Impact) {
        match impact {
            Impact::Docs => self.docs += 1,
            Impact::Additive => self.additive += 1,
            Impact::Breaking => self.breaking += 1,
        }
    }

    /// The strongest impact, if anything changed the API.
    pub fn impact(&self) -> Option<Impact> {
        if self.breaking > 0 {
            Some(Impact::Breaking)
        } else if self.additive > 0 {
            Some(Impact::Additive)
        } else {
            None
        }
    }

    /// The changelog's verdict line.
    pub fn line(&self) -> String {
        match self.impact() {
            Some(Impact::Breaking) => format!(
                "Verdict: **breaking** ({} breaking change(s), {} additive, {} docs)",
                self.breaking, self.additive, self.docs
            ),
            Some(_) => format!(
                "Verdict: **additive** ({} additive change(s), {} docs)",
                self.additive, self.docs
            ),
            None => format!("Verdict: **no API change** ({} docs change(s))", self.docs),
        }
    }
}

/// A change and what it means.
type Change = (Impact, String);

fn op_changes(old: &Operation, new: &Operation) -> Vec<Change> {
    use Impact::*;
    let mut out: Vec<Change> = Vec::new();
    let mut push = |impact: Impact, text: String| out.push((impact, text));
    if old.method != new.method || old.path != new.path {
        push(
            Docs,
            format!(
                "moved: `{} {}` → `{} {}`",
                old.method, old.path, new.method, new.path
            ),
        );
    }
    // The Rust type of a parameter follows its schema: a changed schema is a changed type.
    let params = |op: &Operation| -> BTreeMap<(String, String), (bool, String)> {
        op.parameters
            .iter()
            .map(|(l, n, r, s)| ((l.clone(), n.clone()), (*r, s.clone())))
            .collect()
    };
    let (old_params, new_params) = (params(old), params(new));
    for (key, (required, schema)) in &new_params {
        match old_params.get(key) {
            None => push(
                if *required { Breaking } else { Additive },
                format!(
                    "parameter added: `{}` ({}, {schema}{})",
                    key.1,
                    key.0,
                    if *required { ", required" } else { "" }
                ),
            ),
            Some((old_required, old_schema)) => {
                if old_schema != schema {
                    push(
                        Breaking,
                        format!("parameter `{}`: {old_schema} → {schema}", key.1),
                    );
                }
                if old_required != required {
                    // Required → optional keeps every call working (the builder setter is
                    // the same); optional → required fails calls that do not set it.
                    push(
                        if *required { Breaking } else { Additive },
                        format!(
                            "parameter `{}`: {}",
                            key.1,
                            if *required {
                                "now required"
                            } else {
                                "now optional"
                            }
                        ),
                    );
                }
            }
        }
    }
    for key in old_params.keys().filter(|k| !new_params.contains_key(*k)) {
        push(
            Breaking,
            format!("parameter removed: `{}` ({})", key.1, key.0),
        );
    }
    if old.request_body != new.request_body {
        push(
            Breaking,
            format!(
                "request body: {} → {}",
                old.request_body.as_deref().unwrap_or("none"),
                new.request_body.as_deref().unwrap_or("none")
            ),
        );
    }
    let responses =
        |op: &Operation| -> BTreeMap<String, String> { op.responses.iter().cloned().collect() };
    let (old_responses, new_responses) = (responses(old), responses(new));
    // A 2xx response's schema is the success type; error bodies are decoded into the
    // crate's error type whatever their schema.
    let success = |status: &str| status.starts_with('2');
    for (status, schema) in &new_responses {
        match old_responses.get(status) {
            None => push(
                if success(status) { Breaking } else { Docs },
                format!("response added: {status} {schema}"),
            ),
            Some(old_schema) if old_schema != schema => push(
                if success(status) { Breaking } else { Docs },
                format!("response {status}: {old_schema} → {schema}"),
            ),
            _ => {}
        }
    }
    for status in old_responses
        .keys()
        .filter(|s| !new_responses.contains_key(*s))
    {
        push(
            if success(status) { Breaking } else { Docs },
            format!("response removed: {status}"),
        );
    }
    let (added, removed) = set_diff(
        &old.scopes.iter().cloned().collect(),
        &new.scopes.iter().cloned().collect(),
    );
    // A scope now required makes tokens without it fail.
    for scope in added {
        push(Breaking, format!("scope added: `{scope}`"));
    }
    for scope in removed {
        push(Additive, format!("scope removed: `{scope}`"));
    }
    if old.ssws != new.ssws {
        if new.ssws {
            push(Additive, "now accepts SSWS API tokens".to_string());
        } else {
            push(
                Breaking,
                "no longer accepts SSWS API tokens (OAuth 2.0 only)".to_string(),
            );
        }
    }
    if old.lifecycle != new.lifecycle {
        push(
            Docs,
            format!("lifecycle: {} → {}", old.lifecycle, new.lifecycle),
        );
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

fn schema_changes(old: &SchemaShape, new: &SchemaShape) -> Vec<Change> {
    use Impact::*;
    let mut out: Vec<Change> = Vec::new();
    let mut push = |impact: Impact, text: String| out.push((impact, text));
    if old.properties.is_empty() && new.properties.is_empty() && old.kind != new.kind {
        push(Breaking, format!("type: {} → {}", old.kind, new.kind));
    }
    for (name, ty) in &new.properties {
        match old.properties.get(name) {
            None => {
                let required = new.required.contains(name);
                push(
                    if required { Breaking } else { Additive },
                    format!(
                        "field added: `{name}` ({ty}{})",
                        if required { ", required" } else { "" }
                    ),
                )
            }
            Some(old_ty) if old_ty != ty => {
                push(Breaking, format!("field `{name}`: {old_ty} → {ty}"))
            }
            _ => {}
        }
    }
    for name in old
        .properties
        .keys()
        .filter(|n| !new.properties.contains_key(*n))
    {
        push(Breaking, format!("field removed: `{name}`"));
    }
    // Either way the field's Rust type changes (`T` ↔ `Option<T>`).
    for name in new.required.difference(&old.required) {
        if old.properties.contains_key(name) {
            push(Breaking, format!("field `{name}`: now required"));
        }
    }
    for name in old.required.difference(&new.required) {
        if new.properties.contains_key(name) {
            push(Breaking, format!("field `{name}`: now optional"));
        }
    }
    if old.default != new.default {
        push(
            Docs,
            format!(
                "default: {} → {}",
                old.default.as_deref().unwrap_or("none"),
                new.default.as_deref().unwrap_or("none")
            ),
        );
    }
    let (added, removed) = set_diff(&old.enum_values, &new.enum_values);
    if !added.is_empty() {
        push(Additive, format!("enum values added: {}", quoted(&added)));
    }
    if !removed.is_empty() {
        push(
            Breaking,
            format!("enum values removed: {}", quoted(&removed)),
        );
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

/// The changelog from `old` to `new`, in markdown, in a stable order: the verdict first,
/// then every change marked `[breaking]`, `[additive]` or `[docs]`.
pub fn changelog(old: &Value, new: &Value, old_label: &str, new_label: &str) -> String {
    let (body, verdict) = analyse(old, new);
    format!(
        "# Spec changes: {old_label} → {new_label}\n\n{}\n\n{body}",
        verdict.line()
    )
}

/// The verdict on the update from `old` to `new`.
pub fn verdict(old: &Value, new: &Value) -> Verdict {
    analyse(old, new).1
}

/// The changelog's body and the verdict.
fn analyse(old: &Value, new: &Value) -> (String, Verdict) {
    use Impact::*;
    let old_ops: BTreeMap<String, Operation> = meta::operations(old)
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let new_ops: BTreeMap<String, Operation> = meta::operations(new)
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let mut verdict = Verdict::default();
    let mut out = String::new();
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
    let changed: Vec<(String, Vec<Change>)> = new_ops
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
        verdict.count(Additive);
        let _ = writeln!(
            out,
            "- {} `{}` `{} {}` ({}; {}): {}",
            Additive.mark(),
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
        verdict.count(Breaking);
        let _ = writeln!(
            out,
            "- {} `{}` `{} {}`",
            Breaking.mark(),
            op.id,
            op.method,
            op.path
        );
    }
    none_if_empty(&mut out, removed.len());
    let _ = writeln!(out, "\n### Changed ({})\n", changed.len());
    for (id, changes) in &changed {
        let _ = writeln!(out, "- `{id}`");
        for (impact, change) in changes {
            verdict.count(*impact);
            let _ = writeln!(out, "  - {} {change}", impact.mark());
        }
    }

    none_if_empty(&mut out, changed.len());
    let old_names = schema_names(old);
    let new_names = schema_names(new);
    let (added, removed) = set_diff(&old_names, &new_names);
    let _ = writeln!(out, "\n## Schemas\n");
    let _ = writeln!(out, "### Added ({})\n", added.len());
    for name in &added {
        verdict.count(Additive);
        let s = shape(new, &new["components"]["schemas"][name]);
        let _ = writeln!(out, "- {} `{name}` ({})", Additive.mark(), describe(&s));
    }
    none_if_empty(&mut out, added.len());
    let _ = writeln!(out, "\n### Removed ({})\n", removed.len());
    for name in &removed {
        verdict.count(Breaking);
        let _ = writeln!(out, "- {} `{name}`", Breaking.mark());
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
        for (impact, change) in changes {
            verdict.count(*impact);
            let _ = writeln!(out, "  - {} {change}", impact.mark());
        }
    }
    none_if_empty(&mut out, changed_schemas.len());
    (out, verdict)
}

/// The version of the client crate after an update with `verdict` from `current`
/// (`0.1.0+spec.2026-03-16`): 0.x crates take a minor step for a breaking update and a patch
/// step otherwise (1.x and later: major and minor); the build metadata becomes
/// `+spec.{label}`.
pub fn bumped_version(current: &str, verdict: &Verdict, label: &str) -> anyhow::Result<String> {
    let core = current.split('+').next().unwrap_or_default();
    let parts: Vec<u64> = core
        .split('.')
        .map(|p| p.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow::anyhow!("`{current}` is not a semver version"))?;
    let [major, minor, patch] = parts[..] else {
        anyhow::bail!("`{current}` is not MAJOR.MINOR.PATCH");
    };
    let breaking = verdict.impact() == Some(Impact::Breaking);
    let next = match (major, breaking) {
        (0, true) => format!("0.{}.0", minor + 1),
        (0, false) => format!("0.{minor}.{}", patch + 1),
        (_, true) => format!("{}.0.0", major + 1),
        (_, false) if verdict.impact() == Some(Impact::Additive) => {
            format!("{major}.{}.0", minor + 1)
        }
        (_, false) => format!("{major}.{minor}.{}", patch + 1),
    };
    Ok(format!("{next}+spec.{label}"))
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
            "### Added (1)\n\n- [additive] `postB` `POST /b`",
            "- [breaking] `gone` `DELETE /gone`",
            "[additive] parameter added: `after` (query, string)",
            "[breaking] parameter removed: `limit` (query)",
            "[breaking] scope added: `s.extra`",
            "[additive] now accepts SSWS API tokens",
            "[breaking] field added: `b` (integer, required)",
            "[breaking] field removed: `a`",
            "- [additive] `y` (enum: `A`)",
        ] {
            assert!(log.contains(needle), "missing {needle:?} in\n{log}");
        }
        let verdict = verdict(&old, &new);
        assert_eq!(verdict.impact(), Some(Impact::Breaking));
        assert!(
            log.starts_with(
                "# Spec changes: old → new\n\nVerdict: **breaking** (5 breaking change(s)"
            ),
            "{log}"
        );
    }

    #[test]
    fn additive_and_docs_only_updates_say_so() {
        let spec = |enum_values: serde_json::Value, lifecycle: &str| {
            json!({"openapi": "3.0.3", "paths": {
                "/a": {"get": {"operationId": "getA", "summary": "A", "tags": ["T"],
                    "x-okta-lifecycle": {"lifecycle": lifecycle},
                    "responses": {"200": {"description": "ok"}}}}},
                "components": {"schemas": {"e": {"type": "string", "enum": enum_values}}}})
        };
        let old = spec(json!(["A"]), "BETA");
        let more = spec(json!(["A", "B"]), "BETA");
        assert_eq!(verdict(&old, &more).impact(), Some(Impact::Additive));
        assert!(changelog(&old, &more, "o", "n").contains("Verdict: **additive**"));
        assert_eq!(verdict(&more, &old).impact(), Some(Impact::Breaking));
        assert_eq!(verdict(&old, &old).impact(), None);
        assert!(changelog(&old, &old, "o", "n").contains("Verdict: **no API change**"));
    }

    #[test]
    fn versions_step_by_the_verdict() {
        let breaking = Verdict {
            breaking: 1,
            additive: 2,
            docs: 0,
        };
        let additive = Verdict {
            breaking: 0,
            additive: 2,
            docs: 1,
        };
        let docs = Verdict {
            breaking: 0,
            additive: 0,
            docs: 1,
        };
        let bump = |v: &str, verdict| bumped_version(v, verdict, "2026-06-01").unwrap();
        assert_eq!(
            bump("0.1.0+spec.2026-03-16", &breaking),
            "0.2.0+spec.2026-06-01"
        );
        assert_eq!(
            bump("0.1.0+spec.2026-03-16", &additive),
            "0.1.1+spec.2026-06-01"
        );
        assert_eq!(bump("0.1.3", &docs), "0.1.4+spec.2026-06-01");
        assert_eq!(bump("1.4.2+spec.x", &breaking), "2.0.0+spec.2026-06-01");
        assert_eq!(bump("1.4.2+spec.x", &additive), "1.5.0+spec.2026-06-01");
        assert!(bumped_version("one", &docs, "x").is_err());
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
