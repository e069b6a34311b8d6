//! OAuth 2.0 scopes, derived from the generated per-operation metadata.

use std::collections::BTreeSet;
use std::fmt;

use okta_governance_client::operation::{by_id, Operation};
use okta_governance_client::operations::OPERATIONS;

use crate::error::ConfigError;

/// A set of OAuth 2.0 scopes (sorted, no duplicates).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<String>);

impl Scopes {
    /// Exactly these scopes.
    pub fn new<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(scopes.into_iter().map(Into::into).collect())
    }

    /// The scopes the given operations require: the least a service app must be granted.
    ///
    /// ```
    /// use okta_governance::Scopes;
    /// use okta_governance::client::operations::{CREATE_LABEL, LIST_LABELS};
    /// let scopes = Scopes::for_operations([&LIST_LABELS, &CREATE_LABEL]);
    /// assert_eq!(scopes.to_string(), "okta.governance.labels.manage okta.governance.labels.read");
    /// ```
    pub fn for_operations<'a>(operations: impl IntoIterator<Item = &'a Operation>) -> Self {
        Self(
            operations
                .into_iter()
                .flat_map(|op| op.scopes.iter().map(|s| s.to_string()))
                .collect(),
        )
    }

    /// Like [`Scopes::for_operations`], by operation id (`"createLabel"`); an unknown id is an error.
    pub fn for_operation_ids<'a>(
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, ConfigError> {
        let mut ops = Vec::new();
        for id in ids {
            ops.push(by_id(id).ok_or_else(|| ConfigError::Invalid {
                field: "operation id",
                reason: format!("`{id}` is not an operation of the pinned spec"),
            })?);
        }
        Ok(Self::for_operations(ops))
    }

    /// Every scope any OIG operation requires.
    pub fn all_governance() -> Self {
        Self::for_operations(OPERATIONS.iter().copied())
    }

    /// Parses a comma- or space-separated list.
    pub fn parse_list(list: &str) -> Self {
        Self::new(
            list.split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty()),
        )
    }

    /// Adds scopes (e.g. `okta.apps.read` for label assignment).
    pub fn with<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.0.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Whether the set holds `scope`.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scopes {
    /// Space separated, as the `scope` parameter of a token request wants it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<&str> = self.iter().collect();
        f.write_str(&list.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_from_the_metadata() {
        let scopes =
            Scopes::for_operation_ids(["createSecurityAccessReview", "listLabels"]).unwrap();
        assert_eq!(
            scopes.to_string(),
            "okta.governance.labels.read okta.governance.securityAccessReviews.admin.manage"
        );
        let err = Scopes::for_operation_ids(["nope"]).unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");
        assert!(Scopes::all_governance().contains("okta.governance.labels.manage"));
        assert_eq!(Scopes::parse_list("a, b c").to_string(), "a b c");
    }
}
