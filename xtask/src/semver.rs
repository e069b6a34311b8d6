//! The published API, proven rather than promised.
//!
//! - `cargo xtask semver`: cargo-semver-checks on both published crates against the release
//!   baseline (`[workspace.metadata.release] semver-baseline` in the workspace's `Cargo.toml`:
//!   a git revision, the last release; until the first release, a commit named there). A change
//!   that breaks callers without the version step that allows it fails. The release type is
//!   the step between the baseline's version and the current one; an unchanged version is held
//!   to a patch release, so nothing breaking lands without a bump.
//! - `cargo xtask public-api [--bless]`: the ext crate's public API as the compiler sees it
//!   (cargo-public-api over rustdoc's JSON, auto-trait impls included), compared with the
//!   committed `governance-ext/public-api.txt`.
//! - `cargo xtask semver-verdict`: the spec-update verdict of `cargo xtask diff` checked
//!   against cargo-semver-checks: the client is regenerated from an additive and from a
//!   breaking mutation of the pinned spec, and both tools must agree on each.
//!
//! All of them read rustdoc's JSON, built with the stable toolchain (`RUSTC_BOOTSTRAP=1` for
//! the JSON output flag) in the workspace's target directory, so the dependencies compiled
//! for the docs and tests are reused. The tools are installed from the registry by `.ci/run`
//! when missing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::{spec, workspace_root};

/// The published crates: (package, library name).
pub const PUBLISHED: [(&str, &str); 3] = [
    ("okta-governance-client", "okta_governance_client"),
    ("okta-governance", "okta_governance"),
    ("okta-governance-simulator", "okta_governance_simulator"),
];

/// The workspace's target directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"))
}

fn work_dir() -> PathBuf {
    target_dir().join("semver")
}

/// Which source last wrote `target/doc/<lib>.json`: a build that cargo finds fresh does not
/// rewrite the file, which another source (the baseline's) may have overwritten since.
fn marker(lib: &str) -> PathBuf {
    work_dir().join(format!("{lib}.source"))
}

/// rustdoc's JSON of `package` (every feature) from the workspace at `root`, copied to
/// `out`. `source` names the tree (`current`, `baseline`, a mutation) for the freshness
/// marker.
fn rustdoc_json(root: &Path, package: &str, lib: &str, source: &str, out: &Path) -> Result<()> {
    let built = target_dir().join("doc").join(format!("{lib}.json"));
    let marker = marker(lib);
    let last = fs::read_to_string(&marker).unwrap_or_default();
    if last != source {
        // The file holds another tree's JSON: make cargo write this one's.
        fs::remove_file(&built).ok();
        let lib_rs = root.join(match package {
            "okta-governance-client" => "governance-client",
            "okta-governance-simulator" => "governance-ext/simulator",
            _ => "governance-ext",
        });
        let lib_rs = lib_rs.join("src/lib.rs");
        let text = fs::read(&lib_rs).with_context(|| format!("reading {}", lib_rs.display()))?;
        fs::write(&lib_rs, text)?;
    }
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", target_dir())
        .args([
            "rustdoc",
            "--quiet",
            "-p",
            package,
            "--lib",
            "--all-features",
            "--",
            "-Z",
            "unstable-options",
            "--output-format",
            "json",
        ])
        .status()
        .context("running cargo rustdoc")?;
    if !status.success() {
        bail!("cargo rustdoc -p {package} failed in {}", root.display());
    }
    fs::create_dir_all(work_dir())?;
    fs::write(&marker, source)?;
    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::copy(&built, out).with_context(|| format!("copying {}", built.display()))?;
    Ok(())
}

/// `[workspace.metadata.release] semver-baseline` of the workspace's `Cargo.toml`.
pub fn baseline_rev() -> Result<String> {
    let manifest: toml::Table = fs::read_to_string(workspace_root().join("Cargo.toml"))?.parse()?;
    manifest
        .get("workspace")
        .and_then(|w| w.get("metadata"))
        .and_then(|m| m.get("release"))
        .and_then(|r| r.get("semver-baseline"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .context("no [workspace.metadata.release] semver-baseline in Cargo.toml")
}

/// A detached git worktree of `rev`, removed when dropped.
struct Worktree(PathBuf);

impl Worktree {
    fn add(rev: &str) -> Result<Self> {
        let path = work_dir().join("baseline-src");
        let git = |args: &[&str]| {
            Command::new("git")
                .current_dir(workspace_root())
                .args(args)
                .status()
        };
        if path.exists() {
            git(&["worktree", "remove", "--force", &path.to_string_lossy()]).ok();
            fs::remove_dir_all(&path).ok();
        }
        git(&["worktree", "prune"]).ok();
        let status = git(&[
            "worktree",
            "add",
            "--quiet",
            "--detach",
            &path.to_string_lossy(),
            rev,
        ])
        .context("running git worktree add")?;
        if !status.success() {
            bail!("cannot check out the semver baseline `{rev}` (is the history there?)");
        }
        Ok(Self(path))
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        Command::new("git")
            .current_dir(workspace_root())
            .args(["worktree", "remove", "--force", &self.0.to_string_lossy()])
            .status()
            .ok();
    }
}

/// `crate_version` of a rustdoc JSON file.
fn json_version(path: &Path) -> Result<String> {
    // The version is near the start; reading the whole file (tens of MB) is fine here.
    let doc: Value = serde_json::from_slice(&fs::read(path)?)?;
    Ok(doc["crate_version"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// The semver step from `old` to `new` (`MAJOR.MINOR.PATCH`, metadata ignored): what
/// cargo-semver-checks is told the release is. An unchanged version is a patch release.
pub fn release_type(old: &str, new: &str) -> Result<&'static str> {
    let parse = |v: &str| -> Result<[u64; 3]> {
        let core = v.split(['+', '-']).next().unwrap_or_default();
        let parts: Vec<u64> = core
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .with_context(|| format!("`{v}` is not a semver version"))?;
        <[u64; 3]>::try_from(parts).map_err(|_| anyhow::anyhow!("`{v}` is not MAJOR.MINOR.PATCH"))
    };
    let (old, new) = (parse(old)?, parse(new)?);
    if new < old {
        bail!("the version went backwards ({old:?} -> {new:?})");
    }
    Ok(if new[0] > old[0] {
        "major"
    } else if new[1] > old[1] {
        "minor"
    } else {
        "patch"
    })
}

/// cargo-semver-checks between two rustdoc JSON files; `Ok(true)` when the release type
/// allows every change.
fn semver_checks(baseline: &Path, current: &Path, release_type: &str) -> Result<bool> {
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "semver-checks",
            "check-release",
            "--release-type",
            release_type,
        ])
        .arg("--baseline-rustdoc")
        .arg(baseline)
        .arg("--current-rustdoc")
        .arg(current)
        .status()
        .context(
            "running cargo semver-checks (install it: cargo install cargo-semver-checks --locked)",
        )?;
    Ok(status.success())
}

/// The current rustdoc JSON of a published crate (built when missing or stale).
fn current_json(package: &str, lib: &str) -> Result<PathBuf> {
    let out = work_dir().join("current").join(format!("{lib}.json"));
    rustdoc_json(&workspace_root(), package, lib, "current", &out)?;
    Ok(out)
}

/// `cargo xtask semver`.
pub fn run() -> Result<()> {
    let rev = baseline_rev()?;
    // The baseline first, so that the current JSON is the last built: `public-api`, which
    // runs next in CI, then finds it fresh.
    let worktree = Worktree::add(&rev)?;
    let mut baselines = Vec::new();
    for (package, lib) in PUBLISHED {
        let baseline = work_dir().join("baseline").join(format!("{lib}.json"));
        rustdoc_json(
            &worktree.0,
            package,
            lib,
            &format!("baseline {rev}"),
            &baseline,
        )?;
        baselines.push(baseline);
    }
    drop(worktree);
    let mut failed = Vec::new();
    for ((package, lib), baseline) in PUBLISHED.into_iter().zip(&baselines) {
        let current = current_json(package, lib)?;
        let release = release_type(&json_version(baseline)?, &json_version(&current)?)?;
        eprintln!("{package}: checking a {release} release against {rev}");
        if !semver_checks(baseline, &current, release)? {
            failed.push(format!("{package} ({release} release)"));
        }
    }
    if !failed.is_empty() {
        bail!(
            "semver check failed for {}: the API changed in a way its version step does not \
             allow. Bump the version (cargo xtask spec pin does, for spec updates) or keep the \
             change compatible.",
            failed.join(", ")
        );
    }
    eprintln!("semver: the published crates are compatible with {rev} at their versions");
    Ok(())
}

/// The committed public-API listing of the ext crate.
fn listing_path() -> PathBuf {
    workspace_root().join("governance-ext/public-api.txt")
}

/// `cargo xtask public-api [--bless]`.
pub fn public_api(bless: bool) -> Result<()> {
    let json = current_json("okta-governance", "okta_governance")?;
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["public-api", "--color", "never", "-s", "--rustdoc-json"])
        .arg(&json)
        .output()
        .context(
            "running cargo public-api (install it: cargo install cargo-public-api --locked)",
        )?;
    if !output.status.success() {
        bail!(
            "cargo public-api failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let listing = String::from_utf8(output.stdout)?;
    let header =
        "# The public API of okta-governance, as the compiler sees it (cargo public-api -s:\n\
                  # auto-trait impls included, blanket impls left out). Written by\n\
                  # `cargo xtask public-api --bless`; CI fails when it differs.\n";
    let listing = format!("{header}{listing}");
    let path = listing_path();
    if bless {
        fs::write(&path, &listing)?;
        eprintln!("wrote {}", path.display());
        return Ok(());
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    if committed != listing {
        eprintln!(
            "{}",
            crate::generate::unified_diff(&committed, &listing, "governance-ext/public-api.txt")
        );
        bail!(
            "the public API of okta-governance differs from governance-ext/public-api.txt; \
             review the diff and run `cargo xtask public-api --bless`"
        );
    }
    eprintln!("public API of okta-governance unchanged");
    Ok(())
}

/// A mutation of the pinned spec and what both tools must say of it.
struct Mutation {
    name: &'static str,
    edit: fn(&mut Value),
    breaking: bool,
}

fn schema<'a>(doc: &'a mut Value, name: &str) -> &'a mut Value {
    &mut doc["components"]["schemas"][name]
}

/// The mutations: Okta's usual additive update (optional fields, an enum value, an
/// operation) and a breaking one (a field removed, an enum value removed).
fn mutations() -> [Mutation; 2] {
    [
        Mutation {
            name: "additive",
            edit: |doc| {
                schema(doc, "label-create")["properties"]["description"] =
                    serde_json::json!({"type": "string", "maxLength": 255});
                schema(doc, "label-value")["properties"]["description"] =
                    serde_json::json!({"type": "string"});
                if let Some(values) =
                    schema(doc, "security-access-review-status")["enum"].as_array_mut()
                {
                    values.insert(2, serde_json::json!("QUEUED"));
                }
                let mut get = doc["paths"]["/governance/api/v1/labels"]["get"].clone();
                get["operationId"] = serde_json::json!("listLabelsAgain");
                doc["paths"]["/governance/api/v1/labels-again"] = serde_json::json!({"get": get});
            },
            breaking: false,
        },
        Mutation {
            name: "breaking",
            edit: |doc| {
                if let Some(properties) = schema(doc, "label-value")["properties"].as_object_mut() {
                    properties.remove("metadata");
                }
                if let Some(values) =
                    schema(doc, "security-access-review-status")["enum"].as_array_mut()
                {
                    values.retain(|v| v != "ERROR");
                }
            },
            breaking: true,
        },
    ]
}

/// A copy of the client crate with the code generated from `doc`, in a workspace of its own
/// (the root manifest with only the client as member, the same lockfile).
fn mutant_workspace(name: &str, doc: &Value) -> Result<PathBuf> {
    let root = workspace_root();
    let dir = work_dir().join("mutants").join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    let client = dir.join("governance-client");
    fs::create_dir_all(client.join("src"))?;
    for entry in fs::read_dir(root.join("governance-client/src"))? {
        let entry = entry?;
        fs::copy(entry.path(), client.join("src").join(entry.file_name()))?;
    }
    for file in ["Cargo.toml", "README.md"] {
        fs::copy(root.join("governance-client").join(file), client.join(file))?;
    }
    let manifest = fs::read_to_string(root.join("Cargo.toml"))?;
    let members = manifest
        .lines()
        .find(|l| l.starts_with("members = "))
        .context("no members line in Cargo.toml")?;
    fs::write(
        dir.join("Cargo.toml"),
        manifest.replace(members, "members = [\"governance-client\"]"),
    )?;
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    let generated = crate::generate::generate_from(doc, &format!("mutation {name}"))?;
    for output in &generated.outputs {
        if let Some(rest) = output.path.strip_prefix("governance-client/") {
            if rest == "Cargo.toml" {
                continue;
            }
            fs::write(client.join(rest), &output.content)?;
        }
    }
    Ok(dir)
}

/// `cargo xtask semver-verdict`.
pub fn verdict() -> Result<()> {
    let base_doc = spec::load_document(&spec::pinned_spec_path()?)?;
    let current = current_json("okta-governance-client", "okta_governance_client")?;
    let mut disagreements = Vec::new();
    for mutation in mutations() {
        let mut doc = base_doc.clone();
        (mutation.edit)(&mut doc);
        let verdict = crate::diff::verdict(&base_doc, &doc);
        let says_breaking = verdict.impact() == Some(crate::diff::Impact::Breaking);
        let dir = mutant_workspace(mutation.name, &doc)?;
        let json = work_dir()
            .join("mutants")
            .join(format!("{}.json", mutation.name));
        rustdoc_json(
            &dir,
            "okta-governance-client",
            "okta_governance_client",
            &format!("mutation {}", mutation.name),
            &json,
        )?;
        // The verdict's own version step: patch for anything but a breaking update (0.x).
        let compatible = semver_checks(&current, &json, "patch")?;
        eprintln!(
            "{} mutation: xtask diff says {}; cargo-semver-checks says {}",
            mutation.name,
            verdict.line(),
            if compatible { "compatible" } else { "breaking" }
        );
        if says_breaking != mutation.breaking || compatible == mutation.breaking {
            disagreements.push(mutation.name);
        }
    }
    if !disagreements.is_empty() {
        bail!(
            "the spec verdict and the semver check disagree on the {} mutation(s) (see above)",
            disagreements.join(", ")
        );
    }
    eprintln!("semver-verdict: xtask diff and cargo-semver-checks agree on every mutation");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_type_is_the_version_step() {
        assert_eq!(release_type("0.1.0", "0.1.0").unwrap(), "patch");
        assert_eq!(
            release_type("0.1.0+spec.2026-03-16", "0.1.1+spec.2026-06-01").unwrap(),
            "patch"
        );
        assert_eq!(release_type("0.1.3", "0.2.0").unwrap(), "minor");
        assert_eq!(release_type("0.9.0", "1.0.0").unwrap(), "major");
        assert!(release_type("0.2.0", "0.1.0").is_err());
        assert!(release_type("0.2", "0.3.0").is_err());
    }

    #[test]
    fn the_mutations_are_what_the_verdict_says() {
        let base: Value = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/governance/api/v1/labels": {"get": {
                "operationId": "listLabels", "tags": ["Labels"],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/label-value"}}}}}
            }}},
            "components": {"schemas": {
                "label-create": {"type": "object", "properties": {"name": {"type": "string"}}},
                "label-value": {"type": "object", "properties": {
                    "name": {"type": "string"},
                    "metadata": {"type": "string"},
                    "status": {"$ref": "#/components/schemas/security-access-review-status"}}},
                "security-access-review-status": {"type": "string", "enum": ["ACTIVE", "CLOSED", "PENDING", "ERROR"]}
            }}
        });
        for mutation in mutations() {
            let mut doc = base.clone();
            (mutation.edit)(&mut doc);
            let verdict = crate::diff::verdict(&base, &doc);
            assert_eq!(
                verdict.impact() == Some(crate::diff::Impact::Breaking),
                mutation.breaking,
                "{}: {verdict:?}",
                mutation.name
            );
        }
    }
}
