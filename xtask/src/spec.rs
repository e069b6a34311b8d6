//! Fetching the pinned spec, moving the pin and the client version; reading and verifying
//! the pin is `oig_spec::spec`'s, re-exported here.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

pub use oig_spec::spec::*;

/// Reads a spec from a local path or an http(s) URL.
pub fn read_source(source: &str) -> Result<Vec<u8>> {
    if source.starts_with("https://") || source.starts_with("http://") {
        // reqwest's rustls without a provider of its own (the SDK's choice, shared by the
        // workspace): this process uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let response = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()?
            .get(source)
            .send()
            .with_context(|| format!("downloading {source}"))?;
        let status = response.status();
        if !status.is_success() {
            bail!("downloading {source}: HTTP {status}");
        }
        Ok(response.bytes()?.to_vec())
    } else {
        fs::read(source).with_context(|| format!("reading {source}"))
    }
}

/// `cargo xtask spec fetch`: obtain the pinned spec, verify it and store it in the cache.
pub fn fetch(from: Option<&str>) -> Result<PathBuf> {
    let pin = load_pin()?;
    let target = cache_path(&pin.sha256);
    let source = from.unwrap_or(&pin.url);
    let bytes = read_source(source)?;
    verify(&bytes, &pin, source)?;
    fs::create_dir_all(target.parent().expect("cache path has a parent"))?;
    fs::write(&target, &bytes)?;
    eprintln!(
        "spec {} verified (sha256 {}) and cached at {}",
        pin.label,
        pin.sha256,
        target.display()
    );
    Ok(target)
}

fn client_manifest() -> PathBuf {
    crate::workspace_root().join("governance-client/Cargo.toml")
}

/// `package.version` of governance-client/Cargo.toml.
pub fn client_version() -> Result<String> {
    manifest_version(&client_manifest())
}

/// Sets `package.version` of governance-client/Cargo.toml.
pub fn set_client_version(version: &str) -> Result<()> {
    set_manifest_version(&client_manifest(), version)
}

fn ext_manifest() -> PathBuf {
    crate::workspace_root().join("governance-ext/Cargo.toml")
}

/// `MAJOR.MINOR.PATCH` of a version, without pre-release or build metadata.
fn core_version(version: &str) -> &str {
    version.split(['+', '-']).next().unwrap_or(version)
}

/// The ext crate's requirement on the client crate (`"=0.1.0"`).
fn client_requirement(ext_manifest: &Path) -> Result<String> {
    let manifest: toml::Table = fs::read_to_string(ext_manifest)?.parse()?;
    manifest
        .get("dependencies")
        .and_then(|d| d.get("okta-governance-client"))
        .and_then(|d| d.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no version requirement on okta-governance-client in {}",
                ext_manifest.display()
            )
        })
}

/// The two published crates move in lockstep: the ext crate's version is the client's
/// (`MAJOR.MINOR.PATCH`; the client's carries the spec as build metadata) and it requires
/// exactly that client, so a client release can never meet an ext crate built against another.
pub fn check_lockstep() -> Result<()> {
    lockstep_of(&client_manifest(), &ext_manifest())?;
    simulator_lockstep(&ext_manifest(), &simulator_manifest())
}

fn simulator_manifest() -> PathBuf {
    crate::workspace_root().join("governance-ext/simulator/Cargo.toml")
}

/// The simulator (`okta-governance-simulator`) is released with the SDK: the same version,
/// and an exact requirement on it.
fn simulator_lockstep(ext: &Path, simulator: &Path) -> Result<()> {
    let core = core_version(&manifest_version(ext)?).to_string();
    let version = manifest_version(simulator)?;
    anyhow::ensure!(
        version == core,
        "okta-governance-simulator {version} and okta-governance {core} must have the same \
         version (`cargo xtask spec pin` moves both)"
    );
    let manifest: toml::Table = fs::read_to_string(simulator)?.parse()?;
    let requirement = manifest
        .get("dependencies")
        .and_then(|d| d.get("okta-governance"))
        .and_then(|d| d.get("version"))
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    anyhow::ensure!(
        requirement == format!("={core}"),
        "okta-governance-simulator must require exactly okta-governance `={core}`, not \
         `{requirement}`"
    );
    Ok(())
}

/// Moves the simulator to the SDK's `core` version, with its requirement.
fn set_simulator_version(simulator: &Path, core: &str) -> Result<()> {
    let old = format!("version = \"={}\"", manifest_version(simulator)?);
    anyhow::ensure!(
        fs::read_to_string(simulator)?.matches(&old).count() == 1,
        "expected one `{old}` (the requirement on okta-governance) in {}",
        simulator.display()
    );
    set_manifest_version(simulator, core)?;
    let text = fs::read_to_string(simulator)?;
    fs::write(
        simulator,
        text.replace(&old, &format!("version = \"={core}\"")),
    )?;
    Ok(())
}

fn lockstep_of(client: &Path, ext: &Path) -> Result<()> {
    let client_version = manifest_version(client)?;
    let ext_version = manifest_version(ext)?;
    let core = core_version(&client_version);
    anyhow::ensure!(
        core_version(&ext_version) == core,
        "okta-governance {ext_version} and okta-governance-client {client_version} must have the \
         same version (they are released together; `cargo xtask spec pin` moves both)"
    );
    let requirement = client_requirement(ext)?;
    anyhow::ensure!(
        requirement == format!("={core}"),
        "okta-governance must require exactly okta-governance-client `={core}`, not \
         `{requirement}` (they are released together)"
    );
    Ok(())
}

/// Moves both crates to `next` (the client's version, with its spec metadata): the client's
/// and the ext crate's versions, and the ext crate's exact requirement on the client.
fn set_lockstep_version(client: &Path, ext: &Path, next: &str) -> Result<()> {
    let core = core_version(next);
    let current = format!("={}", core_version(&manifest_version(client)?));
    let old = format!("version = \"{current}\"");
    // Checked before anything is written: a refusal leaves both manifests as they were.
    anyhow::ensure!(
        fs::read_to_string(ext)?.matches(&old).count() == 1,
        "expected one `{old}` (the requirement on okta-governance-client) in {}",
        ext.display()
    );
    set_manifest_version(client, next)?;
    set_manifest_version(ext, core)?;
    let text = fs::read_to_string(ext)?;
    fs::write(ext, text.replace(&old, &format!("version = \"={core}\"")))?;
    lockstep_of(client, ext)
}

fn manifest_version(path: &Path) -> Result<String> {
    let manifest: toml::Table = fs::read_to_string(path)?.parse()?;
    manifest
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no package.version in {}", path.display()))
}

/// Rewrites the `version = "…"` line of the `[package]` table of the manifest at `path`,
/// keeping the rest of the file as written.
fn set_manifest_version(path: &Path, version: &str) -> Result<()> {
    let text = fs::read_to_string(path)?;
    let current = manifest_version(path)?;
    let old_line = format!("version = \"{current}\"");
    let package = text
        .find("[package]")
        .ok_or_else(|| anyhow::anyhow!("no [package] in {}", path.display()))?;
    let at = text[package..]
        .find(&old_line)
        .map(|i| package + i)
        .ok_or_else(|| anyhow::anyhow!("no `{old_line}` line in {}", path.display()))?;
    let updated = format!(
        "{}version = \"{version}\"{}",
        &text[..at],
        &text[at + old_line.len()..]
    );
    fs::write(path, updated)?;
    anyhow::ensure!(
        manifest_version(path)? == version,
        "could not set the version in {}",
        path.display()
    );
    Ok(())
}

/// `cargo xtask spec pin PATH`: move the pin to a new file, print what changed, apply the
/// version step the verdict implies to the client crate and write its CHANGELOG entry.
pub fn pin(path: &str, url: Option<&str>, label: Option<&str>, commit: Option<&str>) -> Result<()> {
    let old = load_pin()?;
    let bytes = read_source(path)?;
    let text = String::from_utf8(bytes.clone()).context("spec is not UTF-8")?;
    let new_doc = parse_document(&text)?;
    let label = match label {
        Some(label) => label.to_string(),
        None => date_label(path).with_context(|| {
            format!("cannot infer a release label from {path}; pass --label YYYY-MM-DD")
        })?,
    };
    let url = url.map(str::to_string).unwrap_or_else(|| {
        if path.starts_with("http") {
            path.to_string()
        } else {
            old.url.clone()
        }
    });
    let commit = commit
        .map(str::to_string)
        .or_else(|| commit_in_url(&url))
        .unwrap_or_default();
    let new = Pin {
        label,
        api_version: new_doc["info"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        commit,
        url,
        sha256: sha256_hex(&bytes),
        operations: count_operations(&new_doc),
    };
    match pinned_spec_path() {
        Ok(old_path) => {
            let old_doc = load_document(&old_path)?;
            let changes = crate::diff::changelog(&old_doc, &new_doc, &old.label, &new.label);
            println!("{changes}");
            // The version step the verdict implies, and the CHANGELOG entry under it.
            let verdict = crate::diff::verdict(&old_doc, &new_doc);
            let current = client_version()?;
            let next = crate::diff::bumped_version(&current, &verdict, &new.label)?;
            // Both crates move together: one version, both changelogs.
            set_lockstep_version(&client_manifest(), &ext_manifest(), &next)?;
            set_simulator_version(&simulator_manifest(), core_version(&next))?;
            check_lockstep()?;
            let root = crate::workspace_root();
            let changelog = root.join("governance-client/CHANGELOG.md");
            let text = fs::read_to_string(&changelog).unwrap_or_else(|_| "# Changelog\n".into());
            let entry = crate::diff::changelog_entry(&next, &changes);
            fs::write(&changelog, crate::diff::insert_entry(&text, &entry))?;
            let ext_changelog = root.join("governance-ext/CHANGELOG.md");
            let text =
                fs::read_to_string(&ext_changelog).unwrap_or_else(|_| "# Changelog\n".into());
            let entry = format!(
                "## {}\n\nReleased with `okta-governance-client` `{next}` (spec {}): {}. See that \
                 crate's CHANGELOG for the operations and types that changed.\n",
                core_version(&next),
                new.label,
                verdict.line()
            );
            fs::write(&ext_changelog, crate::diff::insert_entry(&text, &entry))?;
            eprintln!(
                "{}; okta-governance-client {current} -> {next}, okta-governance {} with it; \
                 CHANGELOG entries written",
                verdict.line(),
                core_version(&next)
            );
        }
        Err(_) => eprintln!(
            "(old pinned spec not cached: no change summary, version bump or CHANGELOG entry; \
             run `cargo xtask spec fetch` first)"
        ),
    }
    let target = cache_path(&new.sha256);
    fs::create_dir_all(target.parent().expect("cache path has a parent"))?;
    fs::write(&target, &bytes)?;
    save_pin(&new)?;
    eprintln!(
        "pin moved: {} ({}) -> {} ({}); now run `cargo xtask generate` and review the snapshots",
        old.label, old.sha256, new.label, new.sha256
    );
    Ok(())
}

fn date_label(path: &str) -> Option<String> {
    let name = path.rsplit('/').next()?;
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|i| {
        let candidate = name.get(i..i + 10)?;
        let ok = candidate.chars().enumerate().all(|(j, c)| match j {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
        ok.then(|| candidate.to_string())
    })
}

fn commit_in_url(url: &str) -> Option<String> {
    url.split('/')
        .find(|part| part.len() == 40 && part.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_crates_move_in_lockstep() {
        let dir = std::env::temp_dir().join(format!("xtask-lockstep-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let client = dir.join("client.toml");
        let ext = dir.join("ext.toml");
        fs::write(
            &client,
            "[package]\nname = \"okta-governance-client\"\nversion = \"0.1.0+spec.2026-03-16\"\n",
        )
        .unwrap();
        let ext_text = "[package]\nname = \"okta-governance\"\nversion = \"0.1.0\"\n\n[dependencies]\nokta-governance-client = { path = \"../c\", version = \"=0.1.0\", default-features = false }\nother = { version = \"=0.1.0\" }\n";
        fs::write(&ext, ext_text).unwrap();
        lockstep_of(&client, &ext).unwrap();
        // `other` has the same requirement text: only the client's may change, so nothing
        // changes.
        assert!(set_lockstep_version(&client, &ext, "0.2.0+spec.2026-06-01").is_err());
        assert_eq!(manifest_version(&client).unwrap(), "0.1.0+spec.2026-03-16");
        assert_eq!(fs::read_to_string(&ext).unwrap(), ext_text);
        fs::write(
            &ext,
            ext_text.replace("other = { version = \"=0.1.0\" }\n", ""),
        )
        .unwrap();
        set_lockstep_version(&client, &ext, "0.2.0+spec.2026-06-01").unwrap();
        assert_eq!(manifest_version(&ext).unwrap(), "0.2.0");
        assert_eq!(client_requirement(&ext).unwrap(), "=0.2.0");
        lockstep_of(&client, &ext).unwrap();
        // A client moved alone, or a loose requirement, is refused.
        set_manifest_version(&client, "0.2.1+spec.2026-07-01").unwrap();
        assert!(lockstep_of(&client, &ext)
            .unwrap_err()
            .to_string()
            .contains("same version"));
        set_manifest_version(&client, "0.2.0+spec.2026-06-01").unwrap();
        let loose = fs::read_to_string(&ext)
            .unwrap()
            .replace("\"=0.2.0\"", "\"0.2\"");
        fs::write(&ext, loose).unwrap();
        assert!(lockstep_of(&client, &ext)
            .unwrap_err()
            .to_string()
            .contains("exactly"));
        fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn the_simulator_moves_with_the_sdk() {
        let dir = std::env::temp_dir().join(format!("xtask-simulator-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let ext = dir.join("ext.toml");
        let simulator = dir.join("simulator.toml");
        fs::write(
            &ext,
            "[package]\nname = \"okta-governance\"\nversion = \"0.2.0\"\n",
        )
        .unwrap();
        fs::write(
            &simulator,
            "[package]\nname = \"okta-governance-simulator\"\nversion = \"0.1.0\"\n\n[dependencies]\nokta-governance = { path = \"..\", version = \"=0.1.0\" }\n",
        )
        .unwrap();
        assert!(simulator_lockstep(&ext, &simulator)
            .unwrap_err()
            .to_string()
            .contains("same version"));
        set_simulator_version(&simulator, "0.2.0").unwrap();
        simulator_lockstep(&ext, &simulator).unwrap();
        let loose = fs::read_to_string(&simulator)
            .unwrap()
            .replace("\"=0.2.0\"", "\"0.2\"");
        fs::write(&simulator, loose).unwrap();
        assert!(simulator_lockstep(&ext, &simulator)
            .unwrap_err()
            .to_string()
            .contains("exactly"));
        fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn the_client_version_line_is_rewritten_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("xtask-version-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("Cargo.toml");
        let text = "[package]\nname = \"c\"\nversion = \"0.1.0+spec.2026-03-16\"\n# keep me\n\n[dependencies]\nx = { version = \"0.1.0+spec.2026-03-16\" }\n";
        fs::write(&path, text).unwrap();
        set_manifest_version(&path, "0.2.0+spec.2026-06-01").unwrap();
        let after = fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            text.replacen("0.1.0+spec.2026-03-16", "0.2.0+spec.2026-06-01", 1)
        );
        assert_eq!(manifest_version(&path).unwrap(), "0.2.0+spec.2026-06-01");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn labels_and_commits_are_found() {
        assert_eq!(
            date_label("../shared/openapi/okta-governance-2026-03-16.yaml").as_deref(),
            Some("2026-03-16")
        );
        assert_eq!(date_label("spec.yaml"), None);
        assert_eq!(
            commit_in_url("https://x/o/r/39e0de688fcd72f5a2ea8f687a561653d7663234/a.yaml")
                .as_deref(),
            Some("39e0de688fcd72f5a2ea8f687a561653d7663234")
        );
    }

    #[test]
    fn wrong_hash_names_both() {
        let pin = Pin {
            label: "x".into(),
            api_version: "1".into(),
            commit: String::new(),
            url: String::new(),
            sha256: "00".repeat(32),
            operations: 0,
        };
        let err = verify(b"hello", &pin, "f.yaml").unwrap_err().to_string();
        assert!(err.contains(&"00".repeat(32)), "{err}");
        assert!(err.contains(&sha256_hex(b"hello")), "{err}");
    }
}
