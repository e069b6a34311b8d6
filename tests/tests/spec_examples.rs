//! Every request-body and 2xx-response example of the pinned spec, decoded into its generated
//! type and encoded again. The counts and every remaining failure are pinned in a snapshot.

use std::fmt::Write as _;

use oig_spec::examples::{examples, Side};
use oig_tests::{decoders, pinned_spec};
use okta_governance_client::operation::by_id;
use serde_json::Value;

/// How an encoded value compares with the original.
#[derive(Debug, PartialEq, Eq)]
enum Fidelity {
    /// Identical.
    Exact,
    /// Every original value kept; fields the type fills with a default were added.
    Defaulted,
    /// Some original value was dropped or changed (the first such JSON path).
    Lossy(String),
}

fn same_instant(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn compare(original: &Value, encoded: &Value, path: &str) -> Fidelity {
    match (original, encoded) {
        (Value::Object(a), Value::Object(b)) => {
            let mut result = Fidelity::Exact;
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => match compare(value, other, &format!("{path}.{key}")) {
                        Fidelity::Exact => {}
                        Fidelity::Defaulted => result = Fidelity::Defaulted,
                        lossy => return lossy,
                    },
                    // Absent, null and empty containers mean the same to the API.
                    None if is_empty(value) => {}
                    None => return Fidelity::Lossy(format!("{path}.{key}")),
                }
            }
            if b.iter().any(|(k, v)| !a.contains_key(k) && !v.is_null()) {
                result = Fidelity::Defaulted;
            }
            result
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Fidelity::Lossy(path.to_string());
            }
            let mut result = Fidelity::Exact;
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                match compare(x, y, &format!("{path}[{i}]")) {
                    Fidelity::Exact => {}
                    Fidelity::Defaulted => result = Fidelity::Defaulted,
                    lossy => return lossy,
                }
            }
            result
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Fidelity::Exact,
        (Value::String(a), Value::String(b)) if a == b || same_instant(a, b) => Fidelity::Exact,
        (a, b) if a == b => Fidelity::Exact,
        _ => Fidelity::Lossy(path.to_string()),
    }
}

#[test]
fn every_spec_example_decodes_into_its_generated_type() {
    let doc = pinned_spec();
    let mut exact = 0;
    let mut defaulted = 0;
    let mut lossy = Vec::new();
    let mut failed = Vec::new();
    let all = examples(&doc);
    for example in &all {
        let op = by_id(&example.operation_id).expect("every spec operation has metadata");
        let type_name = match example.side {
            Side::Request => op
                .body_type
                .expect("an operation with a request example has a body"),
            Side::Response(_) => op.success_type,
        };
        let outcome = decoders::roundtrip(type_name, &example.value)
            .unwrap_or_else(|| panic!("no decoder for {type_name} ({})", example.label()));
        match outcome {
            Ok(encoded) => match compare(&example.value, &encoded, "$") {
                Fidelity::Exact => exact += 1,
                Fidelity::Defaulted => defaulted += 1,
                Fidelity::Lossy(path) => {
                    lossy.push(format!("{} as {type_name}: {path}", example.label()))
                }
            },
            Err(error) => failed.push(format!("{} as {type_name}: {error}", example.label())),
        }
    }
    let mut report = String::new();
    let _ = writeln!(
        report,
        "examples: {}\nexact: {exact}\ndefaulted: {defaulted}\nlossy: {}\nfailed: {}\n",
        all.len(),
        lossy.len(),
        failed.len()
    );
    let _ = writeln!(report, "## lossy");
    for line in &lossy {
        let _ = writeln!(report, "- {line}");
    }
    let _ = writeln!(report, "\n## failed");
    for line in &failed {
        let _ = writeln!(report, "- {line}");
    }
    insta::assert_snapshot!(report);
}
