//! Facts about each operation, read from the spec: the input of the generated metadata, the doc
//! comments and the changelog.

use std::collections::BTreeSet;

use serde_json::Value;

pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the spec, as the generator and the changelog see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub id: String,
    pub method: String,
    pub path: String,
    pub tag: String,
    pub summary: String,
    /// OAuth 2.0 scopes of the `OAuth2` security requirement (any one requirement suffices;
    /// every published operation has exactly one).
    pub scopes: Vec<String>,
    /// Whether an `ApiKey` (SSWS) requirement is listed.
    pub ssws: bool,
    pub lifecycle: String,
    /// Has both `after` and `limit` query parameters.
    pub paginated: bool,
    /// `(location, name, required, schema summary)` of each parameter.
    pub parameters: Vec<(String, String, bool, String)>,
    /// Schema summary of the JSON request body, if any.
    pub request_body: Option<String>,
    /// `(status, schema summary)` of each response.
    pub responses: Vec<(String, String)>,
}

/// Follows a local `$ref` (one or more hops); returns the value itself otherwise.
pub fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#') {
                Some(pointer) => match doc.pointer(pointer) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            },
            None => return value,
        }
    }
    value
}

/// A short human description of a schema: the component name for a `$ref`, else its type.
pub fn schema_summary(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string();
    }
    if let Some(items) = schema.get("items") {
        return format!("[{}]", schema_summary(items));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(parts)) = schema.get(key) {
            let inner: Vec<String> = parts.iter().map(schema_summary).collect();
            return format!("{key}({})", inner.join(", "));
        }
    }
    let ty = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("any")
        .to_string();
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{ty}({format})"),
        None => ty,
    }
}

fn json_schema_of<'a>(doc: &'a Value, holder: &'a Value) -> Option<&'a Value> {
    let holder = resolve(doc, holder);
    let content = holder.get("content")?.as_object()?;
    let media = content
        .get("application/json")
        .or_else(|| content.values().next())?;
    media.get("schema")
}

pub fn tag_lifecycle(doc: &Value, tag: &str) -> Option<String> {
    doc["tags"].as_array()?.iter().find_map(|t| {
        (t["name"].as_str() == Some(tag))
            .then(|| {
                t["x-okta-lifecycle"]["lifecycle"]
                    .as_str()
                    .map(str::to_string)
            })
            .flatten()
    })
}

/// Every operation of the document, in path order then method order.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        let item = resolve(doc, item);
        let shared_params: Vec<Value> = item["parameters"].as_array().cloned().unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let tag = op["tags"][0].as_str().unwrap_or("Untagged").to_string();
            let security = op
                .get("security")
                .or_else(|| doc.get("security"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut scopes = BTreeSet::new();
            let mut ssws = false;
            for requirement in &security {
                if let Some(requirement) = requirement.as_object() {
                    for (scheme, values) in requirement {
                        if scheme == "OAuth2" {
                            for scope in values.as_array().into_iter().flatten() {
                                if let Some(scope) = scope.as_str() {
                                    scopes.insert(scope.to_string());
                                }
                            }
                        } else if scheme == "ApiKey" {
                            ssws = true;
                        }
                    }
                }
            }
            let lifecycle = op["x-okta-lifecycle"]["lifecycle"]
                .as_str()
                .map(str::to_string)
                .or_else(|| tag_lifecycle(doc, &tag))
                .unwrap_or_else(|| "GA".to_string());
            let mut parameters = Vec::new();
            for param in shared_params
                .iter()
                .chain(op["parameters"].as_array().into_iter().flatten())
            {
                let param = resolve(doc, param);
                let name = param["name"].as_str().unwrap_or_default().to_string();
                let location = param["in"].as_str().unwrap_or_default().to_string();
                let required = param["required"].as_bool().unwrap_or(false);
                let schema = param.get("schema").map(schema_summary).unwrap_or_default();
                parameters.retain(|(l, n, _, _): &(String, String, bool, String)| {
                    !(l == &location && n == &name)
                });
                parameters.push((location, name, required, schema));
            }
            let has_query = |name: &str| {
                parameters
                    .iter()
                    .any(|(location, n, _, _)| location == "query" && n == name)
            };
            let paginated = has_query("after") && has_query("limit");
            let request_body = op
                .get("requestBody")
                .and_then(|body| json_schema_of(doc, body))
                .map(schema_summary);
            let mut responses = Vec::new();
            if let Some(map) = op["responses"].as_object() {
                for (status, response) in map {
                    let summary = json_schema_of(doc, response)
                        .map(schema_summary)
                        .unwrap_or_else(|| "(no body)".to_string());
                    responses.push((status.clone(), summary));
                }
            }
            out.push(Operation {
                id: op["operationId"].as_str().unwrap_or_default().to_string(),
                method: method.to_uppercase(),
                path: path.clone(),
                tag,
                summary: op["summary"]
                    .as_str()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                scopes: scopes.into_iter().collect(),
                ssws,
                lifecycle,
                paginated,
                parameters,
                request_body,
                responses,
            });
        }
    }
    out
}

/// Link to the operation's page in Okta's API reference.
pub fn reference_url(tag: &str, operation_id: &str) -> String {
    let tag = tag.replace(' ', "-");
    format!(
        "https://developer.okta.com/docs/api/iga/openapi/governance.api/tag/{tag}/#tag/{tag}/operation/{operation_id}"
    )
}
