//! The same pipeline over every published spec version (`../shared/openapi/` next to the
//! workspace, or `OIG_SPEC_HISTORY`): each one normalises and generates with no per-version
//! code, and the changelog between consecutive versions is pinned as a snapshot.

use std::path::PathBuf;

use serde_json::Value;

const VERSIONS: [&str; 4] = ["2025-09-08", "2025-09-22", "2026-01-30", "2026-03-16"];

/// The folder with the four published versions. Outside CI a missing folder skips these
/// tests with a notice; in CI (`CI` set) it is an error.
fn history_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("OIG_SPEC_HISTORY")
        .map(PathBuf::from)
        .unwrap_or_else(|| xtask::workspace_root().join("../shared/openapi"));
    if dir
        .join(format!("okta-governance-{}.yaml", VERSIONS[0]))
        .exists()
    {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "spec history not found at {} (set OIG_SPEC_HISTORY)",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: spec history not found at {}; set OIG_SPEC_HISTORY",
        dir.display()
    );
    None
}

fn load(dir: &std::path::Path, version: &str) -> Value {
    xtask::spec::load_document(&dir.join(format!("okta-governance-{version}.yaml")))
        .unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn changelogs_between_published_versions() {
    let Some(dir) = history_dir() else { return };
    for pair in VERSIONS.windows(2) {
        let log =
            xtask::diff::changelog(&load(&dir, pair[0]), &load(&dir, pair[1]), pair[0], pair[1]);
        insta::assert_snapshot!(format!("changelog_{}_to_{}", pair[0], pair[1]), log);
    }
}

/// The sha256 of everything generation depends on: the four published specs, the generator's
/// sources, the locked tool versions (`Cargo.lock`) and this file.
fn generation_inputs_hash(dir: &std::path::Path) -> String {
    let root = xtask::workspace_root();
    let mut files: Vec<PathBuf> = VERSIONS
        .iter()
        .map(|v| dir.join(format!("okta-governance-{v}.yaml")))
        .collect();
    let mut stack = vec![root.join("xtask/src")];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files.push(root.join("Cargo.lock"));
    files.push(root.join("tests/surface/spec_history.rs"));
    let mut all = Vec::new();
    for file in &files {
        // Named relative to the workspace (the specs by file name): the same inputs give the
        // same hash wherever the folders are.
        let name = file
            .strip_prefix(&root)
            .ok()
            .or_else(|| file.file_name().map(std::path::Path::new))
            .unwrap_or(file);
        all.extend_from_slice(name.to_string_lossy().as_bytes());
        all.push(0);
        all.extend_from_slice(&std::fs::read(file).unwrap());
        all.push(0);
    }
    xtask::spec::sha256_hex(&all)
}

/// Where the result of a passed run is kept, by the hash of its inputs: generating the four
/// published versions takes about a minute, and the result depends on nothing else
/// (generation is deterministic). A fresh clone (CI) has no cache and runs it all.
fn cache_file(hash: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| xtask::workspace_root().join("target"));
    target
        .join("oig-test-cache")
        .join(format!("spec-history-{hash}.txt"))
}

#[test]
fn every_published_version_generates_with_the_same_rules() {
    let Some(dir) = history_dir() else { return };
    let cache = cache_file(&generation_inputs_hash(&dir));
    if let Ok(summary) = std::fs::read_to_string(&cache) {
        eprintln!(
            "generation inputs unchanged since a passed run: {}",
            cache.display()
        );
        insta::assert_snapshot!(summary);
        return;
    }
    let summary = generate_every_version(&dir);
    insta::assert_snapshot!(summary);
    // Only a run that passed (every check and the snapshot) is remembered.
    if let Some(parent) = cache.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(&cache, &summary);
}

/// Generates every published version (in parallel: each takes about ten seconds), checks each
/// update's verdict against the generated API, and summarises both for the snapshot.
fn generate_every_version(dir: &std::path::Path) -> String {
    let results: Vec<(Value, String, std::collections::BTreeSet<String>)> =
        std::thread::scope(|scope| {
            let workers: Vec<_> = VERSIONS
                .iter()
                .map(|version| {
                    scope.spawn(move || {
                        let doc = load(dir, version);
                        let generated = xtask::generate::generate_from(&doc, version)
                            .unwrap_or_else(|e| panic!("{version}: {e:#}"));
                        syn_check(&generated.outputs[0].content, version);
                        let report = generated.report.summary();
                        (doc, report, generated.api)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
    let mut summary = String::new();
    for (i, (version, (doc, report, api))) in VERSIONS.iter().zip(&results).enumerate() {
        let operations = xtask::meta::operations(doc).len();
        summary.push_str(&format!("## {version}: {operations} operations\n{report}"));
        // The verdict of the update from the previous version agrees with the generated API.
        if let Some((old_doc, _, old_api)) = i.checked_sub(1).map(|p| &results[p]) {
            let verdict = xtask::diff::verdict(old_doc, doc);
            summary.push_str(&format!(
                "update to {version}: {}\n",
                verdict_agrees(&verdict, old_api, api)
            ));
        }
    }
    summary
}

/// Checks `verdict` against the generated API before and after: a breaking update removes or
/// changes some line of it, an additive one only adds lines, no API change leaves it equal.
/// Returns a one-line summary for the snapshot.
fn verdict_agrees(
    verdict: &xtask::diff::Verdict,
    old: &std::collections::BTreeSet<String>,
    new: &std::collections::BTreeSet<String>,
) -> String {
    use xtask::diff::Impact;
    let removed: Vec<&String> = old.difference(new).collect();
    let added = new.difference(old).count();
    match verdict.impact() {
        Some(Impact::Breaking) => assert!(
            !removed.is_empty(),
            "breaking verdict ({verdict:?}) but no line of the API was removed or changed"
        ),
        Some(_) => assert!(
            removed.is_empty(),
            "additive verdict ({verdict:?}) but lines of the API changed: {removed:#?}"
        ),
        None => assert!(
            removed.is_empty() && added == 0,
            "no-change verdict ({verdict:?}) but the API changed: {removed:#?}"
        ),
    }
    format!(
        "{} ({} API lines removed or changed, {added} added)",
        verdict.line(),
        removed.len()
    )
}

/// A small spec with one operation and one schema, changed by `edit`.
fn small_spec(edit: impl FnOnce(&mut Value)) -> Value {
    let mut doc = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/governance/api/v1/labels/{labelId}": {"get": {
            "operationId": "getLabel", "summary": "Get a label", "tags": ["Labels"],
            "security": [{"OAuth2": ["okta.governance.labels.read"]}],
            "parameters": [{"name": "labelId", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/label"}}}}}
        }}},
        "components": {"schemas": {
            "label": {"type": "object", "required": ["labelId"], "properties": {
                "labelId": {"type": "string"},
                "color": {"$ref": "#/components/schemas/color"}}},
            "color": {"type": "string", "enum": ["red", "blue", "gray"]}
        }}
    });
    edit(&mut doc);
    doc
}

#[test]
fn each_verdict_agrees_with_the_generated_api() {
    let api = |doc: &Value| {
        xtask::generate::generate_from(doc, "t")
            .unwrap_or_else(|e| panic!("{e:#}"))
            .api
    };
    let base = small_spec(|_| {});
    let cases: Vec<(&str, Value, Option<xtask::diff::Impact>)> = vec![
        (
            "an optional field and an enum value added",
            small_spec(|doc| {
                doc["components"]["schemas"]["label"]["properties"]["name"] =
                    serde_json::json!({"type": "string"});
                doc["components"]["schemas"]["color"]["enum"] =
                    serde_json::json!(["red", "blue", "gray", "green"]);
            }),
            Some(xtask::diff::Impact::Additive),
        ),
        (
            "only the summary and lifecycle changed",
            small_spec(|doc| {
                let op = &mut doc["paths"]["/governance/api/v1/labels/{labelId}"]["get"];
                op["summary"] = serde_json::json!("Retrieve a label");
                op["x-okta-lifecycle"] = serde_json::json!({"lifecycle": "BETA"});
            }),
            None,
        ),
        (
            "a field removed",
            small_spec(|doc| {
                doc["components"]["schemas"]["label"]["properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("color");
            }),
            Some(xtask::diff::Impact::Breaking),
        ),
        (
            "an enum value removed",
            small_spec(|doc| {
                doc["components"]["schemas"]["color"]["enum"] = serde_json::json!(["red", "blue"]);
            }),
            Some(xtask::diff::Impact::Breaking),
        ),
    ];
    let base_api = api(&base);
    for (what, doc, expected) in cases {
        let verdict = xtask::diff::verdict(&base, &doc);
        assert_eq!(verdict.impact(), expected, "{what}: {verdict:?}");
        verdict_agrees(&verdict, &base_api, &api(&doc));
    }
}

fn syn_check(source: &str, version: &str) {
    assert!(
        xtask::surface::public_types(source).is_ok_and(|listing| listing.lines().count() > 100),
        "{version}: generated client does not parse"
    );
}

/// Valid specs generate, whatever their operations answer: an operation that answers only
/// `204` with no error response has nothing to decode, and one that declares nothing but a
/// default error has no declared error status.
#[test]
fn operations_with_nothing_to_decode_generate() {
    let cases: Vec<(&str, Value)> = vec![
        (
            "a DELETE answering only 204, no error response",
            small_spec(|doc| {
                doc["paths"]["/governance/api/v1/labels/{labelId}"]["delete"] = serde_json::json!({
                    "operationId": "deleteLabel", "summary": "Delete a label", "tags": ["Labels"],
                    "parameters": [{"name": "labelId", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "deleted"}}
                });
            }),
        ),
        (
            "every operation answering only 204",
            small_spec(|doc| {
                doc["paths"]["/governance/api/v1/labels/{labelId}"]["get"]["responses"] =
                    serde_json::json!({"204": {"description": "nothing"}});
            }),
        ),
        (
            "a POST answering 202 with no body, and an error with a body",
            small_spec(|doc| {
                doc["paths"]["/governance/api/v1/labels"] = serde_json::json!({"post": {
                    "operationId": "touchLabels", "summary": "Touch", "tags": ["Labels"],
                    "responses": {
                        "202": {"description": "accepted"},
                        "400": {"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/label"}}}}
                    }
                }});
            }),
        ),
    ];
    for (what, doc) in cases {
        let generated =
            xtask::generate::generate_from(&doc, "t").unwrap_or_else(|e| panic!("{what}: {e:#}"));
        let client = &generated
            .outputs
            .iter()
            .find(|o| o.path.ends_with("generated.rs"))
            .expect("the client file")
            .content;
        assert!(
            client.contains("crate::hooks::exec(client, request, &info)"),
            "{what}"
        );
        assert!(!client.contains("progenitor_client::Error"), "{what}");
    }
}
