//! Walking every schema of an OpenAPI document, with its JSON pointer.

use serde_json::{Map, Value};

/// Keys whose values are data, never schemas.
const DATA_KEYS: [&str; 4] = ["example", "examples", "default", "enum"];

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Calls `f` on every schema object in the document (component schemas and every inline
/// schema below parameters, request bodies and responses), parents before children.
pub fn for_each_schema(doc: &mut Value, f: &mut dyn FnMut(&str, &mut Map<String, Value>)) {
    walk_document(String::new(), doc, f);
}

fn walk_document(ptr: String, value: &mut Value, f: &mut dyn FnMut(&str, &mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if DATA_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let child_ptr = format!("{ptr}/{}", escape(key));
                if key == "schema" || ptr == "/components/schemas" {
                    walk_schema(child_ptr, child, f);
                } else {
                    walk_document(child_ptr, child, f);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk_document(format!("{ptr}/{i}"), child, f);
            }
        }
        _ => {}
    }
}

/// Calls `f` on `schema` and every schema nested in it.
pub fn walk_schema(
    ptr: String,
    schema: &mut Value,
    f: &mut dyn FnMut(&str, &mut Map<String, Value>),
) {
    let Value::Object(map) = schema else { return };
    f(&ptr, map);
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Value::Object(props) = child {
                    for (name, prop) in props.iter_mut() {
                        walk_schema(format!("{ptr}/properties/{}", escape(name)), prop, f);
                    }
                }
            }
            "items" | "additionalProperties" | "not" => {
                walk_schema(format!("{ptr}/{key}"), child, f);
            }
            "allOf" | "oneOf" | "anyOf" => {
                if let Value::Array(parts) = child {
                    for (i, part) in parts.iter_mut().enumerate() {
                        walk_schema(format!("{ptr}/{key}/{i}"), part, f);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Properties a schema declares itself or through its `allOf` members (resolved).
pub fn effective_properties(doc: &Value, schema: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    collect_properties(doc, schema, &mut out, 0);
    out
}

fn collect_properties(doc: &Value, schema: &Value, out: &mut Map<String, Value>, depth: usize) {
    if depth > 16 {
        return;
    }
    let schema = crate::meta::resolve(doc, schema);
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        for part in parts {
            collect_properties(doc, part, out, depth + 1);
        }
    }
    if let Some(Value::Object(props)) = schema.get("properties") {
        for (name, prop) in props {
            out.insert(name.clone(), prop.clone());
        }
    }
}

/// Required property names of a schema, including those of its `allOf` members.
pub fn effective_required(doc: &Value, schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_required(doc, schema, &mut out, 0);
    out
}

fn collect_required(doc: &Value, schema: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    let schema = crate::meta::resolve(doc, schema);
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        for part in parts {
            collect_required(doc, part, out, depth + 1);
        }
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        if let Some(name) = name.as_str() {
            if !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
        }
    }
}

/// Whether a schema (resolved) describes JSON objects.
pub fn is_object_schema(doc: &Value, schema: &Value) -> bool {
    let schema = crate::meta::resolve(doc, schema);
    schema["type"].as_str() == Some("object")
        || schema.get("properties").is_some()
        || schema
            .get("allOf")
            .and_then(Value::as_array)
            .is_some_and(|parts| parts.iter().any(|p| is_object_schema(doc, p)))
}
