//! The spec pin (`openapi/pin.toml`), hash verification, the local cache and parsing.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::workspace_root;

/// What `openapi/pin.toml` says about the spec the client is generated from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Pin {
    /// Release label (the date of the upstream commit).
    pub label: String,
    /// `info.version` of the document.
    pub api_version: String,
    /// Upstream commit the file was taken from.
    pub commit: String,
    /// Commit-pinned download URL.
    pub url: String,
    /// Lower-case hex sha256 of the file's bytes.
    pub sha256: String,
    /// Number of operations in the document.
    pub operations: usize,
}

const PIN_HEADER: &str = "\
# The pinned upstream Okta Identity Governance OpenAPI spec.
#
# The spec itself is not committed: `cargo xtask spec fetch` downloads it from `url`
# (or takes it from `--from PATH_OR_URL`), checks `sha256` and caches it under
# `openapi/.cache/`. Move the pin with `cargo xtask spec pin PATH --url URL`;
# see openapi/README.md.

";

pub fn pin_path() -> PathBuf {
    workspace_root().join("openapi/pin.toml")
}

pub fn load_pin() -> Result<Pin> {
    let path = pin_path();
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Writes the pin, with its explanatory header.
pub fn save_pin(pin: &Pin) -> Result<()> {
    let body = toml::to_string(pin)?;
    fs::write(pin_path(), format!("{PIN_HEADER}{body}"))?;
    Ok(())
}

/// Where the verified copy of a spec with this hash lives.
pub fn cache_path(sha256: &str) -> PathBuf {
    workspace_root()
        .join("openapi/.cache")
        .join(format!("{sha256}.yaml"))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks `bytes` against the pinned hash; the error names both hashes.
pub fn verify(bytes: &[u8], pin: &Pin, source: &str) -> Result<()> {
    let actual = sha256_hex(bytes);
    if actual != pin.sha256 {
        bail!(
            "sha256 mismatch for {source}:\n  expected {} (openapi/pin.toml, spec {})\n  actual   {actual}\n\
             The file is not the pinned spec. To move the pin deliberately, run `cargo xtask spec pin {source}`.",
            pin.sha256,
            pin.label,
        );
    }
    Ok(())
}

/// The cached pinned spec, verified again (the cache is a plain folder anyone can edit).
pub fn pinned_spec_path() -> Result<PathBuf> {
    let pin = load_pin()?;
    let path = cache_path(&pin.sha256);
    let bytes = fs::read(&path).with_context(|| {
        format!(
            "the pinned spec is not in the cache ({}); run `cargo xtask spec fetch [--from PATH_OR_URL]` first",
            path.display()
        )
    })?;
    verify(&bytes, &pin, &path.display().to_string())?;
    Ok(path)
}

/// Parses a YAML or JSON OpenAPI document into JSON values.
pub fn load_document(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_document(&text).with_context(|| format!("parsing {}", path.display()))
}

pub fn parse_document(text: &str) -> Result<Value> {
    let value: Value = serde_yaml_ng::from_str(text)?;
    if value.get("openapi").and_then(Value::as_str).is_none() {
        bail!("not an OpenAPI 3 document (no `openapi` field)");
    }
    Ok(value)
}

/// Number of operations (method entries under `paths`).
pub fn count_operations(doc: &Value) -> usize {
    crate::meta::operations(doc).len()
}
