//! Typed builders for the SCIM-style `filter` expressions of the label and review endpoints.
//!
//! Each endpoint gets only the operators it supports; values are quoted and escaped here, and
//! percent-encoding is left to the HTTP layer.
//!
//! ```
//! use governance_ext::filter::{LabelFilter, ResourceLabelFilter, ReviewFilter};
//! assert_eq!(LabelFilter::name_starts_with("SOD").to_string(), r#"values.name sw "SOD""#);
//! assert_eq!(ResourceLabelFilter::label_value_id("lbl12h191hy4H2f711d7").to_string(), r#"labelValueId eq "lbl12h191hy4H2f711d7""#);
//! let since = chrono::DateTime::parse_from_rfc3339("2025-08-01T00:00:00Z").unwrap().to_utc();
//! assert_eq!(ReviewFilter::created_after(since).and(ReviewFilter::status("ACTIVE")).to_string(),
//!            r#"created gt "2025-08-01T00:00:00.000Z" and status eq "ACTIVE""#);
//! ```

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::orn::Orn;

/// A quoted SCIM string literal: `"` and `\` escaped with a backslash, control characters
/// escaped as JSON does.
fn quote(value: &str) -> String {
    serde_json::to_string(value).expect("a string always serialises")
}

macro_rules! filter_type {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Both conditions (`a and b`).
            pub fn and(self, other: Self) -> Self {
                Self(format!("{} and {}", self.0, other.0))
            }

            /// Either condition (`a or b`).
            pub fn or(self, other: Self) -> Self {
                Self(format!("({}) or ({})", self.0, other.0))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(filter: $name) -> String {
                filter.0
            }
        }
    };
}

filter_type!(LabelFilter, "A filter for `listLabels`.");
filter_type!(
    ResourceLabelFilter,
    "A filter for `listLabelResources` (one is required)."
);
filter_type!(
    ReviewFilter,
    "A filter for the security-access-review lists."
);

impl LabelFilter {
    /// Labels with a value whose name starts with `prefix` (`values.name sw "…"`).
    pub fn name_starts_with(prefix: &str) -> Self {
        Self(format!("values.name sw {}", quote(prefix)))
    }
}

impl ResourceLabelFilter {
    /// The labels of one resource (`orn eq "…"`).
    pub fn orn(orn: &Orn) -> Self {
        Self(format!("orn eq {}", quote(&orn.to_string())))
    }

    /// The resources carrying one label value (`labelValueId eq "…"`).
    pub fn label_value_id(id: &str) -> Self {
        Self(format!("labelValueId eq {}", quote(id)))
    }

    /// The labelled resources of one type (`resourceType eq "apps"`, …).
    pub fn resource_type(resource_type: &str) -> Self {
        Self(format!("resourceType eq {}", quote(resource_type)))
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    quote(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

impl ReviewFilter {
    /// Reviews created after `at` (`created gt "…"`).
    pub fn created_after(at: DateTime<Utc>) -> Self {
        Self(format!("created gt {}", timestamp(at)))
    }

    /// Reviews created before `at` (`created lt "…"`).
    pub fn created_before(at: DateTime<Utc>) -> Self {
        Self(format!("created lt {}", timestamp(at)))
    }

    /// Reviews in a status (`status eq "ACTIVE"`).
    pub fn status(status: &str) -> Self {
        Self(format!("status eq {}", quote(status)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_and_escaped() {
        assert_eq!(
            LabelFilter::name_starts_with(r#"a"b\c"#).to_string(),
            r#"values.name sw "a\"b\\c""#
        );
        let orn: Orn = "orn:okta:directory:00o1:groups:00g1".parse().unwrap();
        assert_eq!(
            ResourceLabelFilter::orn(&orn)
                .or(ResourceLabelFilter::resource_type("apps"))
                .to_string(),
            r#"(orn eq "orn:okta:directory:00o1:groups:00g1") or (resourceType eq "apps")"#
        );
    }

    proptest::proptest! {
        #[test]
        fn any_value_stays_one_literal(value in ".{0,40}") {
            let filter = LabelFilter::name_starts_with(&value).to_string();
            let literal = filter.strip_prefix("values.name sw ").unwrap();
            let back: String = serde_json::from_str(literal).unwrap();
            proptest::prop_assert_eq!(back, value);
        }
    }
}
