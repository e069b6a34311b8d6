//! Workspace-level tests: the generated surface, spec-example decoding, conformance.

#[rustfmt::skip]
pub mod decoders;

/// Decodes `value` as `T` and encodes it again.
pub fn roundtrip<T>(value: &serde_json::Value) -> Result<serde_json::Value, String>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let decoded: T = serde_path_to_error::deserialize(value.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&decoded).map_err(|e| e.to_string())
}

/// The pinned spec from the local cache, verified against the pin (`cargo xtask test` fetches
/// it first; `cargo xtask spec fetch` does so by hand).
pub fn pinned_spec() -> serde_json::Value {
    let path = oig_spec::spec::pinned_spec_path().unwrap_or_else(|e| panic!("{e:#}"));
    oig_spec::spec::load_document(&path).unwrap_or_else(|e| panic!("{e:#}"))
}
