//! The request-body and 2xx-response examples of a spec, each with the schema it illustrates.

use serde_json::Value;

use crate::meta::{resolve, METHODS};

/// Which side of an operation an example illustrates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The JSON request body.
    Request,
    /// A 2xx response body with this status.
    Response(String),
}

/// One example payload.
#[derive(Debug, Clone)]
pub struct Example {
    pub operation_id: String,
    pub side: Side,
    /// The example's key in the media type's `examples` map (`example` for the single form).
    pub name: String,
    pub value: Value,
    /// The media type's schema, unresolved (a `$ref` or an inline schema).
    pub schema: Value,
}

impl Example {
    /// `createLabel request CreateLabel` / `listLabels 200 LabelList`.
    pub fn label(&self) -> String {
        match &self.side {
            Side::Request => format!("{} request {}", self.operation_id, self.name),
            Side::Response(status) => format!("{} {} {}", self.operation_id, status, self.name),
        }
    }
}

fn media_examples(
    doc: &Value,
    holder: &Value,
    operation_id: &str,
    side: Side,
    out: &mut Vec<Example>,
) {
    let holder = resolve(doc, holder);
    let Some(content) = holder.get("content").and_then(Value::as_object) else {
        return;
    };
    for (media_type, media) in content {
        if !media_type.contains("json") {
            continue;
        }
        let schema = media.get("schema").cloned().unwrap_or(Value::Null);
        if let Some(value) = media.get("example") {
            out.push(Example {
                operation_id: operation_id.to_string(),
                side: side.clone(),
                name: "example".to_string(),
                value: value.clone(),
                schema: schema.clone(),
            });
        }
        if let Some(examples) = media.get("examples").and_then(Value::as_object) {
            for (name, example) in examples {
                let example = resolve(doc, example);
                if let Some(value) = example.get("value") {
                    out.push(Example {
                        operation_id: operation_id.to_string(),
                        side: side.clone(),
                        name: name.clone(),
                        value: value.clone(),
                        schema: schema.clone(),
                    });
                }
            }
        }
    }
}

/// Every JSON request-body example and every 2xx JSON response example, in spec order.
pub fn examples(doc: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for item in paths.values() {
        let item = resolve(doc, item);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op["operationId"].as_str().unwrap_or_default();
            if let Some(body) = op.get("requestBody") {
                media_examples(doc, body, id, Side::Request, &mut out);
            }
            if let Some(responses) = op["responses"].as_object() {
                for (status, response) in responses {
                    if status.starts_with('2') {
                        media_examples(doc, response, id, Side::Response(status.clone()), &mut out);
                    }
                }
            }
        }
    }
    out
}
