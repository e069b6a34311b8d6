//! One compilation per dependency: finds the dependencies that `cargo xtask test`'s builds
//! compile in more than one variant.
//!
//! Cargo resolves features per command, so the generator's build (`cargo xtask`) and the SDK's
//! test build can ask for different features of the same crate, and a crate used both by a
//! proc macro and by normal code can end up with two feature sets. Each variant is a separate
//! compilation (and everything that depends on it compiles again). `xtask/workspace-hack`
//! gives every build the same features; this check says when it has fallen behind (a
//! dependency update, a new feature), naming each crate and the features of each variant.
//!
//! The evidence is cargo's own: the `compiler-artifact` messages of `--message-format=json`
//! builds, fresh or not, so the check works on a warm target folder too. Two artifacts of the
//! same library target with different file names (cargo puts a hash of the unit's settings in
//! them) are two compilations.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// One library compiled by a build (a `compiler-artifact` message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// `name version` of the package.
    pub package: String,
    /// Whether it comes from a registry (a dependency, not a workspace member).
    pub registry: bool,
    /// The target's name (a package can have several library-like targets).
    pub target: String,
    /// The features it was compiled with.
    pub features: Vec<String>,
    /// The files it produced; cargo names them by a hash of the unit's settings.
    pub files: BTreeSet<String>,
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    package_id: String,
    target: Option<Target>,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    filenames: Vec<String>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// The library artifacts in the stdout of a `cargo … --message-format=json…` run. Other lines
/// (other messages, anything that is not JSON) are skipped.
pub fn parse(stdout: &str) -> Vec<Artifact> {
    stdout
        .lines()
        .filter(|line| line.starts_with('{'))
        .filter_map(|line| serde_json::from_str::<Message>(line).ok())
        .filter(|m| m.reason == "compiler-artifact")
        .filter_map(|m| {
            let target = m.target?;
            let library = target
                .kind
                .iter()
                .any(|k| matches!(k.as_str(), "lib" | "rlib" | "proc-macro" | "dylib"));
            library.then(|| Artifact {
                package: package_name(&m.package_id),
                registry: m.package_id.starts_with("registry+")
                    || m.package_id.contains("(registry+"),
                target: target.name,
                features: m.features,
                files: m.filenames.into_iter().collect(),
            })
        })
        .collect()
}

/// `name version` from a package id, in either of cargo's formats:
/// `registry+https://…#serde@1.0.0` or `serde 1.0.0 (registry+https://…)`.
fn package_name(id: &str) -> String {
    if let Some((url, spec)) = id.rsplit_once('#') {
        // `#name@version`, or `#version` when the name is the URL's last segment.
        return match spec.split_once('@') {
            Some((name, version)) => format!("{name} {version}"),
            None => format!("{} {spec}", url.rsplit('/').next().unwrap_or(url)),
        };
    }
    id.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// A dependency compiled more than once: the features of each variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// `name version (target)`.
    pub package: String,
    /// The features of each variant, one entry per compilation (two variants can have the
    /// same features when one of their dependencies differs).
    pub variants: Vec<Vec<String>>,
}

/// The registry dependencies that `artifacts` (from any number of builds) show compiled in
/// more than one variant.
pub fn duplicates(artifacts: &[Artifact]) -> Vec<Duplicate> {
    let mut by_target: BTreeMap<String, BTreeMap<&BTreeSet<String>, &Vec<String>>> =
        BTreeMap::new();
    for artifact in artifacts.iter().filter(|a| a.registry) {
        let key = if artifact
            .package
            .starts_with(&format!("{} ", artifact.target))
        {
            artifact.package.clone()
        } else {
            format!("{} ({})", artifact.package, artifact.target)
        };
        by_target
            .entry(key)
            .or_default()
            .insert(&artifact.files, &artifact.features);
    }
    by_target
        .into_iter()
        .filter(|(_, variants)| variants.len() > 1)
        .map(|(package, variants)| {
            let mut variants: Vec<Vec<String>> = variants.into_values().cloned().collect();
            variants.sort();
            Duplicate { package, variants }
        })
        .collect()
}

/// The report for `duplicates`: one line per variant, and what to do.
pub fn describe(duplicates: &[Duplicate]) -> String {
    let mut out = format!(
        "{} dependencies are compiled more than once by the test builds; add the union of \
         their features to xtask/workspace-hack/Cargo.toml:\n",
        duplicates.len()
    );
    for duplicate in duplicates {
        out.push_str(&format!("  {}\n", duplicate.package));
        for features in &duplicate.variants {
            out.push_str(&format!("    features [{}]\n", features.join(", ")));
        }
    }
    out.push_str(
        "(two variants with the same features differ in a dependency: fix that one first)",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, kind: &str, features: &[&str], file: &str) -> String {
        serde_json::json!({
            "reason": "compiler-artifact",
            "package_id": id,
            "target": { "name": id.rsplit('#').next().unwrap().split('@').next().unwrap(), "kind": [kind] },
            "features": features,
            "filenames": [file],
            "fresh": true,
        })
        .to_string()
    }

    const SERDE_JSON: &str =
        "registry+https://github.com/rust-lang/crates.io-index#serde_json@1.0.1";

    #[test]
    fn a_dependency_in_two_feature_sets_is_reported_with_both() {
        let first = [
            message(
                SERDE_JSON,
                "lib",
                &["std"],
                "/t/deps/libserde_json-aaa.rlib",
            ),
            "   Compiling something".to_string(),
            r#"{"reason":"build-finished","success":true}"#.to_string(),
        ]
        .join("\n");
        let second = message(
            SERDE_JSON,
            "lib",
            &["raw_value", "std"],
            "/t/deps/libserde_json-bbb.rlib",
        );
        let mut artifacts = parse(&first);
        artifacts.extend(parse(&second));
        let found = duplicates(&artifacts);
        assert_eq!(
            found,
            vec![Duplicate {
                package: "serde_json 1.0.1".into(),
                variants: vec![vec!["raw_value".into(), "std".into()], vec!["std".into()]],
            }]
        );
        let report = describe(&found);
        assert!(report.contains("serde_json 1.0.1"), "{report}");
        assert!(report.contains("features [raw_value, std]"), "{report}");
        assert!(report.contains("workspace-hack"), "{report}");
    }

    #[test]
    fn the_same_unit_in_several_builds_is_one_compilation() {
        let line = message(
            SERDE_JSON,
            "lib",
            &["std"],
            "/t/deps/libserde_json-aaa.rlib",
        );
        let artifacts = parse(&format!("{line}\n{line}\n{line}"));
        assert_eq!(artifacts.len(), 3);
        assert!(duplicates(&artifacts).is_empty());
    }

    #[test]
    fn workspace_members_and_build_scripts_are_not_dependencies() {
        let member = "path+file:///work/main/xtask#0.0.0";
        let lines = [
            message(member, "lib", &[], "/t/deps/libxtask-aaa.rlib"),
            message(member, "lib", &[], "/t/deps/libxtask-bbb.rlib"),
            message(
                SERDE_JSON,
                "custom-build",
                &["std"],
                "/t/build/a/build-script",
            ),
            message(
                SERDE_JSON,
                "custom-build",
                &["raw_value"],
                "/t/build/b/build-script",
            ),
        ]
        .join("\n");
        let artifacts = parse(&lines);
        assert_eq!(artifacts.len(), 2, "{artifacts:?}");
        assert!(artifacts.iter().all(|a| !a.registry));
        assert!(duplicates(&artifacts).is_empty());
    }

    #[test]
    fn package_names_in_both_id_formats() {
        assert_eq!(package_name(SERDE_JSON), "serde_json 1.0.1");
        assert_eq!(
            package_name("serde 1.0.2 (registry+https://github.com/rust-lang/crates.io-index)"),
            "serde 1.0.2"
        );
        assert_eq!(
            package_name("path+file:///work/main/xtask#0.0.0"),
            "xtask 0.0.0"
        );
    }
}

#[cfg(test)]
mod manifest_tests {
    /// The feature union is for our own builds: a published crate that depended on it would
    /// hand its features to every user (and could not be published with a path dependency).
    #[test]
    fn only_unpublished_crates_depend_on_the_workspace_hack() {
        let output = std::process::Command::new(env!("CARGO"))
            .args([
                "metadata",
                "--no-deps",
                "--format-version",
                "1",
                "--offline",
            ])
            .current_dir(crate::workspace_root())
            .output()
            .expect("cargo metadata runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let packages = metadata["packages"].as_array().unwrap();
        let unpublished =
            |p: &serde_json::Value| p["publish"].as_array().is_some_and(|r| r.is_empty());
        let hack = packages
            .iter()
            .find(|p| p["name"] == "oig-workspace-hack")
            .expect("the workspace hack is a member");
        assert!(
            unpublished(hack),
            "the workspace hack must be publish = false"
        );
        let users: Vec<&str> = packages
            .iter()
            .filter(|p| {
                p["dependencies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["name"] == "oig-workspace-hack")
            })
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            users.contains(&"xtask") && users.contains(&"oig-tests"),
            "{users:?}"
        );
        for package in packages
            .iter()
            .filter(|p| users.contains(&p["name"].as_str().unwrap()))
        {
            assert!(
                unpublished(package),
                "{} is published and depends on oig-workspace-hack",
                package["name"]
            );
        }
    }
}
