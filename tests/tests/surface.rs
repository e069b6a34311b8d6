//! Pins the generated operations in a small, readable snapshot, one line per operation
//! (regenerating from another spec shows every real change as a line), and checks them against
//! the pinned spec. The public types listing is `tests/surface`'s (it parses the source with
//! syn).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use okta_governance_client::operations::OPERATIONS;
use okta_governance_client::ParamLocation;

fn generated_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../governance-client/src/generated.rs");
    std::fs::read_to_string(path).expect("generated.rs is readable")
}

#[test]
fn operations_table() {
    let mut by_tag: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for op in OPERATIONS {
        let params: Vec<String> = op
            .params
            .iter()
            .map(|p| {
                let location = match p.location {
                    ParamLocation::Path => "path",
                    ParamLocation::Query => "query",
                    ParamLocation::Header => "header",
                    _ => "other",
                };
                format!("{}: {} ({location})", p.name, p.rust_type)
            })
            .collect();
        let mut line = format!(
            "{} {} {} -> {}",
            op.rust_method, op.method, op.path, op.success_type
        );
        if !params.is_empty() {
            let _ = write!(line, " | params: {}", params.join(", "));
        }
        if let Some(body) = op.body_type {
            let _ = write!(line, " | body: {body}");
        }
        let _ = write!(
            line,
            " | scopes: {}{}{}{}",
            op.scopes.join(" "),
            if op.ssws { " | SSWS" } else { "" },
            if op.paginated { " | paged" } else { "" },
            match op.lifecycle {
                okta_governance_client::Lifecycle::Ga => String::new(),
                other => format!(" | {other:?}"),
            }
        );
        by_tag.entry((op.tag, op.feature)).or_default().push(line);
    }
    let mut table = String::new();
    for ((tag, feature), mut lines) in by_tag {
        lines.sort();
        let _ = writeln!(table, "## {tag} (feature `{feature}`)");
        for line in lines {
            let _ = writeln!(table, "{line}");
        }
    }
    insta::assert_snapshot!(table);
}

#[test]
fn every_spec_operation_is_generated() {
    let doc = oig_tests::pinned_spec();
    let spec_ops = oig_spec::meta::operations(&doc);
    assert_eq!(spec_ops.len(), 147, "the pinned spec has 147 operations");
    assert_eq!(OPERATIONS.len(), spec_ops.len());
    for op in &spec_ops {
        let generated = okta_governance_client::operation::by_id(&op.id)
            .unwrap_or_else(|| panic!("{} is not generated", op.id));
        assert_eq!(generated.method, op.method);
        assert_eq!(generated.path, op.path);
        assert_eq!(generated.scopes, op.scopes.as_slice());
    }
    let source = generated_source();
    for op in OPERATIONS {
        assert!(
            source.contains(&format!("fn {}(", op.rust_method)),
            "client method {} missing",
            op.rust_method
        );
    }
}

/// Every operation the metadata marks as paginated can be streamed: its builder implements
/// `Paginated` in the generated `paginated.rs`. A spec change that gives a list a page shape
/// the generator does not know fails here, not silently in a user's code.
#[test]
fn every_paginated_operation_streams() {
    use heck::ToUpperCamelCase;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../governance-client/src/paginated.rs");
    let source = std::fs::read_to_string(path).expect("paginated.rs is readable");
    let missing: Vec<&str> = OPERATIONS
        .iter()
        .filter(|op| op.paginated)
        .filter(|op| {
            let builder = op.rust_method.to_upper_camel_case();
            !source.contains(&format!("Paginated<'a> for builder::{builder}<'a>"))
        })
        .map(|op| op.id)
        .collect();
    assert!(missing.is_empty(), "no Stream for: {missing:?}");
    assert!(OPERATIONS.iter().any(|op| op.paginated));
}
