//! The normalisation rules, in the order they run.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToPascalCase;
use serde_json::{json, Map, Value};

use super::walk::{effective_properties, effective_required, for_each_schema, is_object_schema};
use super::{Change, Rule};
use crate::meta::{self, resolve};

/// Every rule, in the order it must run.
pub fn all_rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(OperationDocs),
        Box::new(CompositeDefaults),
        Box::new(MinLengthZero),
        Box::new(OpenObjects),
        Box::new(DeclareUndeclaredRequired),
        Box::new(ExampleEvidencedOptional),
        Box::new(ExampleEvidencedProperties),
        Box::new(ScalarUnions),
        Box::new(RichestVariantFirst),
        Box::new(InlineNameCollision),
    ]
}

/// First sentence of a text (up to the first ". " or line break), without trailing dot.
fn first_sentence(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or_default();
    let end = line.find(". ").map(|i| i + 1).unwrap_or(line.len());
    line[..end].trim().trim_end_matches(['.', ':']).to_string()
}

/// `operation-docs`: operation descriptions become a short block of facts.
struct OperationDocs;

impl Rule for OperationDocs {
    fn name(&self) -> &'static str {
        "operation-docs"
    }
    fn why(&self) -> &'static str {
        "Replaces each operation's long prose description with facts read from the spec \
         (required OAuth 2.0 scopes, whether SSWS tokens are accepted, lifecycle, paging, \
         a link to Okta's API reference) and shortens parameter descriptions to their first \
         sentence, so the generated docs are short, accurate and ours."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let operations = meta::operations(doc);
        let mut changes = Vec::new();
        for op in operations {
            let pointer = format!(
                "/paths/{}/{}",
                op.path.replace('~', "~0").replace('/', "~1"),
                op.method.to_lowercase()
            );
            let Some(node) = doc.pointer_mut(&pointer) else {
                continue;
            };
            let mut text = String::new();
            if op.scopes.is_empty() {
                text.push_str("No OAuth 2.0 scope listed.");
            } else {
                let scopes: Vec<String> = op.scopes.iter().map(|s| format!("`{s}`")).collect();
                text.push_str(&format!("OAuth 2.0 scopes: {}.", scopes.join(", ")));
            }
            if op.ssws {
                text.push_str(" Also accepts an SSWS API token.");
            } else {
                text.push_str(" OAuth 2.0 only: SSWS API tokens are not accepted.");
            }
            text.push_str(&format!("\n\nLifecycle: {}.", op.lifecycle));
            if op.paginated {
                text.push_str(" Paginated with the `after` cursor and `limit`.");
            }
            text.push_str(&format!(
                "\n\n[API reference]({})",
                meta::reference_url(&op.tag, &op.id)
            ));
            node["description"] = Value::String(text);
            changes.push(Change {
                location: pointer.clone(),
                detail: "description replaced by facts".into(),
            });
            if let Some(Value::Array(params)) = node.get_mut("parameters") {
                for param in params.iter_mut() {
                    if let Some(Value::String(description)) = param.get_mut("description") {
                        *description = first_sentence(description);
                    }
                }
            }
        }
        if let Some(Value::Object(params)) = doc.pointer_mut("/components/parameters") {
            for (name, param) in params.iter_mut() {
                if let Some(Value::String(description)) = param.get_mut("description") {
                    let short = first_sentence(description);
                    if short != *description {
                        *description = short;
                        changes.push(Change {
                            location: format!("/components/parameters/{name}"),
                            detail: "description shortened to its first sentence".into(),
                        });
                    }
                }
            }
        }
        changes
    }
}

/// `composite-defaults`: drop object/array defaults on oneOf/anyOf schemas.
struct CompositeDefaults;

impl Rule for CompositeDefaults {
    fn name(&self) -> &'static str {
        "composite-defaults"
    }
    fn why(&self) -> &'static str {
        "Removes object and array `default`s from oneOf/anyOf schemas: typify cannot turn them \
         into Rust values and stops generation. The server applies its own defaults."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let mut changes = Vec::new();
        for_each_schema(doc, &mut |ptr, schema| {
            let composite = schema.contains_key("oneOf") || schema.contains_key("anyOf");
            let structured = matches!(
                schema.get("default"),
                Some(Value::Object(_) | Value::Array(_))
            );
            if composite && structured {
                let default = schema.remove("default").unwrap_or_default();
                changes.push(Change {
                    location: ptr.to_string(),
                    detail: format!("removed default {default}"),
                });
            }
        });
        changes
    }
}

/// `min-length-zero`: drop `minLength: 0`.
struct MinLengthZero;

impl Rule for MinLengthZero {
    fn name(&self) -> &'static str {
        "min-length-zero"
    }
    fn why(&self) -> &'static str {
        "Removes `minLength: 0`, a check that cannot fail and makes the generated code warn."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let mut changes = Vec::new();
        for_each_schema(doc, &mut |ptr, schema| {
            if schema.get("minLength").and_then(Value::as_u64) == Some(0) {
                schema.remove("minLength");
                changes.push(Change {
                    location: ptr.to_string(),
                    detail: "removed minLength: 0".into(),
                });
            }
        });
        changes
    }
}

/// `open-objects`: responses may carry fields the spec does not list.
struct OpenObjects;

impl Rule for OpenObjects {
    fn name(&self) -> &'static str {
        "open-objects"
    }
    fn why(&self) -> &'static str {
        "Removes `additionalProperties: false`: the live API sends fields the spec does not \
         declare (e.g. `hints` inside links) and decoding must not fail on them."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let mut changes = Vec::new();
        for_each_schema(doc, &mut |ptr, schema| {
            if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                schema.remove("additionalProperties");
                changes.push(Change {
                    location: ptr.to_string(),
                    detail: "removed additionalProperties: false".into(),
                });
            }
        });
        changes
    }
}

/// `declare-undeclared-required`: required names that no property declares.
struct DeclareUndeclaredRequired;

impl Rule for DeclareUndeclaredRequired {
    fn name(&self) -> &'static str {
        "declare-undeclared-required"
    }
    fn why(&self) -> &'static str {
        "A name listed in `required` but declared by no property (nor allOf member nor variant) \
         is declared as an optional property of any JSON value, so its data is kept and its \
         absence does not fail decoding."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let snapshot = doc.clone();
        let mut changes = Vec::new();
        for_each_schema(doc, &mut |ptr, schema| {
            let Some(Value::Array(required)) = schema.get("required") else {
                return;
            };
            let as_value = Value::Object(schema.clone());
            let mut declared = effective_properties(&snapshot, &as_value);
            for key in ["oneOf", "anyOf"] {
                for variant in as_value[key].as_array().into_iter().flatten() {
                    declared.extend(effective_properties(&snapshot, variant));
                }
            }
            let missing: Vec<String> = required
                .iter()
                .filter_map(Value::as_str)
                .filter(|name| !declared.contains_key(*name))
                .map(str::to_string)
                .collect();
            if missing.is_empty() {
                return;
            }
            if let Some(Value::Array(required)) = schema.get_mut("required") {
                required.retain(|n| n.as_str().is_none_or(|n| !missing.iter().any(|m| m == n)));
                if required.is_empty() {
                    schema.remove("required");
                }
            }
            let props = schema
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(props) = props {
                for name in &missing {
                    props.insert(
                        name.clone(),
                        json!({"description": "Declared as required by the spec without a schema; kept as raw JSON."}),
                    );
                    changes.push(Change {
                        location: ptr.to_string(),
                        detail: format!("`{name}` declared as optional raw JSON"),
                    });
                }
            }
        });
        changes
    }
}

/// `example-evidenced-optional`: required fields the spec's own examples omit.
struct ExampleEvidencedOptional;

impl Rule for ExampleEvidencedOptional {
    fn name(&self) -> &'static str {
        "example-evidenced-optional"
    }
    fn why(&self) -> &'static str {
        "A property marked `required` that one of the spec's own request or 2xx response \
         examples omits or sets to null is made optional where it is declared (and nullable \
         when null was shown): the example is evidence that the server omits it (responses) or \
         accepts its absence (requests). Nothing else is relaxed."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let found = example_findings(doc);
        let mut changes = Vec::new();
        for ((pointer, field, finding), label) in found {
            if finding == Finding::Null {
                let escaped = field.replace('~', "~0").replace('/', "~1");
                if let Some(Value::Object(prop)) =
                    doc.pointer_mut(&format!("{pointer}/properties/{escaped}"))
                {
                    if !prop.contains_key("$ref")
                        && prop.get("nullable") != Some(&Value::Bool(true))
                    {
                        prop.insert("nullable".into(), Value::Bool(true));
                        changes.push(Change {
                            location: format!("{pointer}/properties/{escaped}"),
                            detail: format!("made nullable (null in example {label})"),
                        });
                    }
                }
            }
            if finding == Finding::Undeclared {
                continue;
            }
            if let Some(Value::Array(required)) = doc.pointer_mut(&format!("{pointer}/required")) {
                if !required.iter().any(|n| n.as_str() == Some(field.as_str())) {
                    continue;
                }
                required.retain(|n| n.as_str() != Some(field.as_str()));
                let empty = required.is_empty();
                if empty {
                    if let Some(Value::Object(schema)) = doc.pointer_mut(&pointer) {
                        schema.remove("required");
                    }
                }
                let why = if finding == Finding::Missing {
                    "omitted"
                } else {
                    "null"
                };
                changes.push(Change {
                    location: pointer,
                    detail: format!("`{field}` made optional ({why} in example {label})"),
                });
            }
        }
        changes
    }
}

/// What the spec's examples show about a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Finding {
    /// A required property is absent.
    Missing,
    /// A property is `null` although its schema is not nullable.
    Null,
    /// A property is present that the schema does not declare.
    Undeclared,
}

/// `(schema pointer, property, finding)` -> the first example that showed it.
type Findings = BTreeMap<(String, String, Finding), String>;

/// Walks every request and 2xx response example against its schema.
fn example_findings(doc: &Value) -> Findings {
    let mut found = Findings::new();
    for example in crate::examples::examples(doc) {
        let mut evidence = Evidence {
            doc,
            found: &mut found,
            label: example.label(),
        };
        evidence.visit(&example.schema, "", &example.value, false, 0);
    }
    found
}

struct Evidence<'a> {
    doc: &'a Value,
    found: &'a mut Findings,
    label: String,
}

impl Evidence<'_> {
    fn visit(&mut self, schema: &Value, ptr: &str, instance: &Value, partial: bool, depth: usize) {
        if depth > 64 {
            return;
        }
        let (schema, ptr) = match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#') {
                Some(target) => (resolve(self.doc, schema), target.to_string()),
                None => return,
            },
            None => (schema, ptr.to_string()),
        };
        if ptr.is_empty() {
            // Inline media-type schemas: their `required` cannot be located; the published
            // specs use component schemas for every body.
            return;
        }
        for (i, part) in schema["allOf"].as_array().into_iter().flatten().enumerate() {
            self.visit(part, &format!("{ptr}/allOf/{i}"), instance, true, depth + 1);
        }
        if let Some(variant) = self.pick_variant(schema, instance) {
            let (key, i) = variant;
            let parent_declares =
                schema.get("properties").is_some() || schema.get("allOf").is_some();
            self.visit(
                &schema[key][i],
                &format!("{ptr}/{key}/{i}"),
                instance,
                partial || parent_declares,
                depth + 1,
            );
        }
        match instance {
            Value::Object(map) => {
                for name in schema["required"].as_array().into_iter().flatten() {
                    if let Some(name) = name.as_str() {
                        let finding = match map.get(name) {
                            None => Finding::Missing,
                            Some(Value::Null) => Finding::Null,
                            Some(_) => continue,
                        };
                        self.record(&ptr, name, finding);
                    }
                }
                let open = schema.get("oneOf").is_some()
                    || schema.get("anyOf").is_some()
                    || matches!(
                        schema.get("additionalProperties"),
                        Some(Value::Object(_) | Value::Bool(true))
                    );
                if !partial && !open && is_object_schema(self.doc, schema) {
                    let declared = effective_properties(self.doc, schema);
                    for name in map.keys().filter(|k| !declared.contains_key(*k)) {
                        self.record(&ptr, name, Finding::Undeclared);
                    }
                }
                if let Some(props) = schema["properties"].as_object() {
                    for (name, value) in map {
                        if let Some(prop) = props.get(name) {
                            let escaped = name.replace('~', "~0").replace('/', "~1");
                            if value.is_null() && prop.get("nullable") != Some(&Value::Bool(true)) {
                                self.record(&ptr, name, Finding::Null);
                            }
                            self.visit(
                                prop,
                                &format!("{ptr}/properties/{escaped}"),
                                value,
                                false,
                                depth + 1,
                            );
                        }
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for item in items {
                        self.visit(item_schema, &format!("{ptr}/items"), item, false, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    fn record(&mut self, ptr: &str, name: &str, finding: Finding) {
        self.found
            .entry((ptr.to_string(), name.to_string(), finding))
            .or_insert_with(|| self.label.clone());
    }

    /// The oneOf/anyOf variant an object instance most plausibly belongs to.
    fn pick_variant(&self, schema: &Value, instance: &Value) -> Option<(&'static str, usize)> {
        let key = ["oneOf", "anyOf"]
            .into_iter()
            .find(|k| schema.get(*k).is_some())?;
        let variants = schema[key].as_array()?;
        let map = instance.as_object()?;
        if let Some(property) = schema["discriminator"]["propertyName"].as_str() {
            let tag = map.get(property)?.as_str()?;
            let target = schema["discriminator"]["mapping"][tag].as_str()?;
            return variants
                .iter()
                .position(|v| v["$ref"].as_str() == Some(target))
                .map(|i| (key, i));
        }
        let mut best: Option<(i64, usize)> = None;
        for (i, variant) in variants.iter().enumerate() {
            if !is_object_schema(self.doc, variant) {
                continue;
            }
            let props = effective_properties(self.doc, variant);
            let known = map.keys().filter(|k| props.contains_key(*k)).count() as i64;
            let unknown = map.len() as i64 - known;
            let missing = effective_required(self.doc, variant)
                .iter()
                .filter(|r| !map.contains_key(*r))
                .count() as i64;
            let score = known * 2 - unknown * 2 - missing;
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, i));
            }
        }
        best.map(|(_, i)| (key, i))
    }
}

/// `example-evidenced-properties`: properties the spec's own examples carry but no schema declares.
struct ExampleEvidencedProperties;

impl Rule for ExampleEvidencedProperties {
    fn name(&self) -> &'static str {
        "example-evidenced-properties"
    }
    fn why(&self) -> &'static str {
        "A property that one of the spec's own examples carries but its object schema does not \
         declare (e.g. `hints` inside links) is declared as optional raw JSON, so decoding keeps \
         it instead of dropping it. Unknown fields never fail decoding either way."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let mut changes = Vec::new();
        for ((pointer, field, finding), label) in example_findings(doc) {
            if finding != Finding::Undeclared {
                continue;
            }
            let Some(Value::Object(schema)) = doc.pointer_mut(&pointer) else {
                continue;
            };
            let props = schema
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(props) = props {
                props.insert(
                    field.clone(),
                    json!({"description": "Sent by the server but not described by the spec; kept as raw JSON."}),
                );
                changes.push(Change {
                    location: pointer,
                    detail: format!("`{field}` declared as optional raw JSON (in example {label})"),
                });
            }
        }
        changes
    }
}

/// `scalar-unions`: anyOf of non-object schemas becomes oneOf.
struct ScalarUnions;

impl Rule for ScalarUnions {
    fn name(&self) -> &'static str {
        "scalar-unions"
    }
    fn why(&self) -> &'static str {
        "An anyOf whose variants are all non-objects (strings, arrays, numbers) becomes a oneOf: \
         typify models anyOf as a struct of optional parts, which cannot hold a plain string; a \
         oneOf becomes an enum with one variant per alternative."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let snapshot = doc.clone();
        let mut changes = Vec::new();
        for_each_schema(doc, &mut |ptr, schema| {
            let Some(Value::Array(variants)) = schema.get("anyOf") else {
                return;
            };
            if variants.is_empty() || variants.iter().any(|v| is_object_schema(&snapshot, v)) {
                return;
            }
            let variants = schema.remove("anyOf").unwrap_or_default();
            schema.insert("oneOf".into(), variants);
            changes.push(Change {
                location: ptr.to_string(),
                detail: "anyOf of non-object schemas turned into oneOf".into(),
            });
        });
        changes
    }
}

/// `richest-variant-first`: order undiscriminated object unions so no variant swallows a richer one.
struct RichestVariantFirst;

/// How much structure a schema declares: properties counted through refs, allOf, items and
/// nested objects (bounded depth, cycle-safe).
fn richness(doc: &Value, schema: &Value, depth: usize, seen: &mut BTreeSet<String>) -> usize {
    if depth > 6 {
        return 0;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if !seen.insert(reference.to_string()) {
            return 0;
        }
        let n = richness(doc, resolve(doc, schema), depth, seen);
        seen.remove(reference);
        return n;
    }
    let mut total = 0;
    for (_, prop) in effective_properties(doc, schema) {
        total += 1 + richness(doc, &prop, depth + 1, seen);
    }
    if let Some(items) = schema.get("items") {
        total += richness(doc, items, depth + 1, seen);
    }
    total
}

impl Rule for RichestVariantFirst {
    fn name(&self) -> &'static str {
        "richest-variant-first"
    }
    fn why(&self) -> &'static str {
        "Orders the object variants of a oneOf/anyOf without discriminator from the richest to \
         the poorest (properties counted through references). Serde tries untagged variants in \
         order and objects are open, so a poorer first variant would swallow every richer \
         payload and drop its extra fields."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let snapshot = doc.clone();
        let mut changes = Vec::new();
        for_each_schema(doc, &mut |ptr, schema| {
            if schema.contains_key("discriminator") {
                return;
            }
            for key in ["oneOf", "anyOf"] {
                let Some(Value::Array(variants)) = schema.get_mut(key) else {
                    continue;
                };
                if variants
                    .iter()
                    .filter(|v| is_object_schema(&snapshot, v))
                    .count()
                    < 2
                {
                    continue;
                }
                let before: Vec<String> = variants.iter().map(meta::schema_summary).collect();
                let mut keyed: Vec<(usize, Value)> = variants
                    .drain(..)
                    .map(|v| (richness(&snapshot, &v, 0, &mut BTreeSet::new()), v))
                    .collect();
                keyed.sort_by_key(|entry| std::cmp::Reverse(entry.0));
                variants.extend(keyed.into_iter().map(|(_, v)| v));
                let after: Vec<String> = variants.iter().map(meta::schema_summary).collect();
                if before != after {
                    changes.push(Change {
                        location: format!("{ptr}/{key}"),
                        detail: format!("[{}] -> [{}]", before.join(", "), after.join(", ")),
                    });
                }
            }
        });
        changes
    }
}

/// `inline-name-collision`: inline schemas whose derived type name is a component's name.
struct InlineNameCollision;

/// Whether typify gives this inline schema a named type of its own.
fn gets_named_type(schema: &Map<String, Value>) -> bool {
    if schema.contains_key("$ref") {
        return false;
    }
    let constrained_string = schema.get("type").and_then(Value::as_str) == Some("string")
        && ["minLength", "maxLength", "pattern"]
            .iter()
            .any(|k| schema.contains_key(*k));
    constrained_string
        || ["enum", "properties", "oneOf", "anyOf", "allOf"]
            .iter()
            .any(|k| schema.contains_key(*k))
}

impl Rule for InlineNameCollision {
    fn name(&self) -> &'static str {
        "inline-name-collision"
    }
    fn why(&self) -> &'static str {
        "Typify names an inline property schema after its parent and property \
         (`entitlement-value` + `id` = `EntitlementValueId`). Where that equals a component's \
         type name the output defines the type twice and does not compile; such inline schemas \
         get a `title` ending in `-field` so their type name is unique."
    }
    fn apply(&self, doc: &mut Value) -> Vec<Change> {
        let taken: BTreeSet<String> = doc["components"]["schemas"]
            .as_object()
            .map(|schemas| schemas.keys().map(|k| k.to_pascal_case()).collect())
            .unwrap_or_default();
        let mut changes = Vec::new();
        let names: Vec<String> = doc["components"]["schemas"]
            .as_object()
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default();
        for name in names {
            let pointer = format!(
                "/components/schemas/{}",
                name.replace('~', "~0").replace('/', "~1")
            );
            if let Some(schema) = doc.pointer_mut(&pointer) {
                rename_inline(schema, &name, &pointer, &taken, &mut changes);
            }
        }
        changes
    }
}

fn rename_inline(
    schema: &mut Value,
    type_name: &str,
    ptr: &str,
    taken: &BTreeSet<String>,
    changes: &mut Vec<Change>,
) {
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return;
    };
    for (prop_name, prop) in props.iter_mut() {
        let Value::Object(prop_map) = prop else {
            continue;
        };
        if !gets_named_type(prop_map) {
            continue;
        }
        let derived = match prop_map.get("title").and_then(Value::as_str) {
            Some(title) => title.to_string(),
            None => format!("{type_name}_{prop_name}"),
        };
        let prop_ptr = format!("{ptr}/properties/{prop_name}");
        let name = if taken.contains(&derived.to_pascal_case()) {
            let mut candidate = format!("{derived}-field");
            while taken.contains(&candidate.to_pascal_case()) {
                candidate.push_str("-field");
            }
            prop_map.insert("title".into(), Value::String(candidate.clone()));
            changes.push(Change {
                location: prop_ptr.clone(),
                detail: format!(
                    "type name `{}` is a component's; titled `{candidate}`",
                    derived.to_pascal_case()
                ),
            });
            candidate
        } else {
            derived
        };
        rename_inline(prop, &name, &prop_ptr, taken, changes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rule: &dyn Rule, mut doc: Value) -> (Value, Vec<Change>) {
        let changes = rule.apply(&mut doc);
        (doc, changes)
    }

    #[test]
    fn composite_object_defaults_are_dropped_scalar_kept() {
        let doc = json!({"openapi": "3.0.3", "components": {"schemas": {
            "a": {"oneOf": [{"type": "string"}], "default": {"type": "TEXT"}},
            "b": {"type": "string", "default": "x"}
        }}});
        let (doc, changes) = run(&CompositeDefaults, doc);
        assert_eq!(changes.len(), 1);
        assert!(doc.pointer("/components/schemas/a/default").is_none());
        assert_eq!(
            doc.pointer("/components/schemas/b/default"),
            Some(&json!("x"))
        );
    }

    #[test]
    fn undeclared_required_becomes_optional_raw_json() {
        let doc = json!({"openapi": "3.0.3", "components": {"schemas": {
            "r": {"type": "object", "properties": {"data": {"type": "array"}}, "required": ["data", "_links"]},
            "base": {"type": "object", "properties": {"id": {"type": "string"}}},
            "child": {"allOf": [{"$ref": "#/components/schemas/base"}], "required": ["id"]}
        }}});
        let (doc, changes) = run(&DeclareUndeclaredRequired, doc);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            doc.pointer("/components/schemas/r/required"),
            Some(&json!(["data"]))
        );
        assert!(doc
            .pointer("/components/schemas/r/properties/_links")
            .is_some());
        assert_eq!(
            doc.pointer("/components/schemas/child/required"),
            Some(&json!(["id"]))
        );
    }

    #[test]
    fn evidence_relaxes_only_what_examples_omit() {
        let doc = json!({"openapi": "3.0.3",
          "paths": {"/x": {"post": {"operationId": "x",
            "requestBody": {"content": {"application/json": {
              "schema": {"$ref": "#/components/schemas/req"},
              "examples": {"e": {"value": {"name": "n"}}}}}},
            "responses": {}}}},
          "components": {"schemas": {
            "req": {"type": "object", "required": ["name", "endTime"],
                    "properties": {"name": {"type": "string"}, "endTime": {"type": "string"}}}
        }}});
        let (doc, changes) = run(&ExampleEvidencedOptional, doc);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            doc.pointer("/components/schemas/req/required"),
            Some(&json!(["name"]))
        );
    }

    #[test]
    fn richer_variant_goes_first() {
        let doc = json!({"openapi": "3.0.3", "components": {"schemas": {
            "small": {"type": "object", "properties": {"id": {"type": "string"}}},
            "big": {"type": "object", "properties": {"id": {"type": "string"}, "more": {"type": "string"}}},
            "u": {"oneOf": [{"$ref": "#/components/schemas/small"}, {"$ref": "#/components/schemas/big"}]}
        }}});
        let (doc, changes) = run(&RichestVariantFirst, doc);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            doc.pointer("/components/schemas/u/oneOf/0/$ref"),
            Some(&json!("#/components/schemas/big"))
        );
    }

    #[test]
    fn scalar_any_of_becomes_one_of() {
        let doc = json!({"openapi": "3.0.3", "components": {"schemas": {
            "s": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "o": {"anyOf": [{"type": "object", "properties": {"a": {}}}, {"type": "string"}]}
        }}});
        let (doc, changes) = run(&ScalarUnions, doc);
        assert_eq!(changes.len(), 1);
        assert!(doc.pointer("/components/schemas/s/oneOf").is_some());
        assert!(doc.pointer("/components/schemas/o/anyOf").is_some());
    }

    #[test]
    fn colliding_inline_names_get_titles() {
        let doc = json!({"openapi": "3.0.3", "components": {"schemas": {
            "entitlement-value": {"type": "object", "properties": {
                "id": {"type": "string", "maxLength": 20},
                "name": {"type": "string", "maxLength": 20}}},
            "entitlement-value-id": {"type": "string"}
        }}});
        let (doc, changes) = run(&InlineNameCollision, doc);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            doc.pointer("/components/schemas/entitlement-value/properties/id/title"),
            Some(&json!("entitlement-value_id-field"))
        );
        assert!(doc
            .pointer("/components/schemas/entitlement-value/properties/name/title")
            .is_none());
    }

    #[test]
    fn first_sentence_is_short() {
        assert_eq!(first_sentence("The id. More text here."), "The id");
        assert_eq!(first_sentence("Line one\nLine two"), "Line one");
    }
}
