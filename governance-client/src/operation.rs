//! Types of the generated operation metadata (see [`crate::operations`]).

/// Lifecycle stage Okta gives an operation (or its tag) in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lifecycle {
    /// Generally available.
    Ga,
    /// Beta: may change; needs the feature enabled in the org.
    Beta,
    /// Early access: needs the feature enabled in the org.
    Ea,
    /// Limited general availability.
    LimitedGa,
    /// A stage this generator does not know.
    Other,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamLocation {
    /// A `{name}` segment of the path template.
    Path,
    /// A query-string parameter.
    Query,
    /// A request header.
    Header,
    /// Anything else.
    Other,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Param {
    /// Name in the spec (and on the wire).
    pub name: &'static str,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether the spec requires it.
    pub required: bool,
    /// Rust type of the builder field.
    pub rust_type: &'static str,
}

/// Facts about one operation of the spec, generated next to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Operation {
    /// `operationId` in the spec (`createLabel`).
    pub id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template (`/governance/api/v1/labels/{labelId}`).
    pub path: &'static str,
    /// First tag (`Labels`).
    pub tag: &'static str,
    /// The cargo feature that compiles the operation (its tag in kebab-case: `labels`).
    pub feature: &'static str,
    /// The spec's one-line summary.
    pub summary: &'static str,
    /// OAuth 2.0 scopes the operation requires.
    pub scopes: &'static [&'static str],
    /// Whether an SSWS API token is accepted.
    pub ssws: bool,
    /// Lifecycle stage.
    pub lifecycle: Lifecycle,
    /// Whether the operation pages with `after` and `limit`.
    pub paginated: bool,
    /// Name of the client method (`create_label`).
    pub rust_method: &'static str,
    /// Parameters with their Rust types.
    pub params: &'static [Param],
    /// Rust type of the JSON request body, if any.
    pub body_type: Option<&'static str>,
    /// Rust type of the success response.
    pub success_type: &'static str,
}

/// The operation with this `operationId`.
pub fn by_id(id: &str) -> Option<&'static Operation> {
    crate::operations::OPERATIONS
        .binary_search_by(|op| op.id.cmp(id))
        .ok()
        .map(|i| crate::operations::OPERATIONS[i])
}

/// The operation whose client method has this name (the id progenitor passes to the hooks).
pub fn by_rust_method(name: &str) -> Option<&'static Operation> {
    let index = crate::operations::BY_RUST_METHOD;
    index
        .binary_search_by(|op| op.rust_method.cmp(name))
        .ok()
        .map(|i| index[i])
}
