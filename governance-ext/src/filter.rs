//! Typed builders for the SCIM-style `filter` expressions of the label and review endpoints.
//!
//! Each endpoint gets only the operators it supports; values are quoted and escaped here, and
//! percent-encoding is left to the HTTP layer. `and` and `or` build a tree, rendered with the
//! parentheses SCIM's precedence (`and` binds tighter than `or`) needs, so the filter sent means
//! what the Rust expression means: `a.and(b.or(c))` is `a and (b or c)`.
//!
//! ```
//! use okta_governance::filter::{LabelFilter, ResourceLabelFilter, SecurityAccessReviewFilter};
//! assert_eq!(LabelFilter::name_starts_with("SOD").to_string(), r#"values.name sw "SOD""#);
//! assert_eq!(ResourceLabelFilter::label_value_id("lbl12h191hy4H2f711d7").to_string(), r#"labelValueId eq "lbl12h191hy4H2f711d7""#);
//! let since = chrono::DateTime::parse_from_rfc3339("2025-08-01T00:00:00Z").unwrap().to_utc();
//! assert_eq!(SecurityAccessReviewFilter::created_after(since).and(SecurityAccessReviewFilter::status(okta_governance::client::types::SecurityAccessReviewStatus::Active)).to_string(),
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

/// A filter expression: a term (`status eq "ACTIVE"`) or two expressions joined.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Term(String),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Term(term) => f.write_str(term),
            // `and` binds tighter: an `or` inside an `and` needs parentheses.
            Expr::And(a, b) => {
                let side = |e: &Expr| match e {
                    Expr::Or(..) => format!("({e})"),
                    _ => e.to_string(),
                };
                write!(f, "{} and {}", side(a), side(b))
            }
            Expr::Or(a, b) => write!(f, "{a} or {b}"),
        }
    }
}

macro_rules! filter_type {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(Expr);

        impl $name {
            fn term(text: String) -> Self {
                Self(Expr::Term(text))
            }

            /// Both conditions (`a and b`).
            pub fn and(self, other: Self) -> Self {
                Self(Expr::And(Box::new(self.0), Box::new(other.0)))
            }

            /// Either condition (`a or b`).
            pub fn or(self, other: Self) -> Self {
                Self(Expr::Or(Box::new(self.0), Box::new(other.0)))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for String {
            fn from(filter: $name) -> String {
                filter.0.to_string()
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
    SecurityAccessReviewFilter,
    "A filter for the security-access-review lists."
);

filter_type!(CampaignFilter, "A filter for `listCampaigns`.");
filter_type!(
    ReviewFilter,
    "A filter for a campaign's reviews (`listReviews`; the campaign is added by the handle)."
);

impl CampaignFilter {
    /// Campaigns named `name` (`name eq "…"`).
    pub fn name(name: &str) -> Self {
        Self::term(format!("name eq {}", quote(name)))
    }

    /// Campaigns in a status (`status eq "ACTIVE"`).
    #[cfg(feature = "campaigns")]
    pub fn status(status: okta_governance_client::types::CampaignStatus) -> Self {
        Self::term(format!("status eq {}", quote(&status.to_string())))
    }
}

impl ReviewFilter {
    /// The reviews of one campaign (`campaignId eq "…"`).
    pub fn campaign(id: &str) -> Self {
        Self::term(format!("campaignId eq {}", quote(id)))
    }

    /// Reviews with a decision (`decision eq "UNREVIEWED"`, `"APPROVE"`, `"REVOKE"`).
    #[cfg(feature = "reviews")]
    pub fn decision(decision: okta_governance_client::types::Decision) -> Self {
        Self::term(format!("decision eq {}", quote(&decision.to_string())))
    }

    /// Reviews assigned to one reviewer (`reviewerId eq "…"`).
    pub fn reviewer(user_id: &str) -> Self {
        Self::term(format!("reviewerId eq {}", quote(user_id)))
    }

    /// Reviews of one principal (`principalId eq "…"`).
    pub fn principal(user_id: &str) -> Self {
        Self::term(format!("principalId eq {}", quote(user_id)))
    }

    /// Reviews at one reviewer level of a multi-level campaign (`reviewerLevel eq "FIRST"`).
    #[cfg(feature = "reviews")]
    pub fn reviewer_level(level: okta_governance_client::types::ReviewerLevelType) -> Self {
        Self::term(format!("reviewerLevel eq {}", quote(&level.to_string())))
    }

    /// Reviews of one resource (`resourceId eq "…"`).
    pub fn resource(resource_id: &str) -> Self {
        Self::term(format!("resourceId eq {}", quote(resource_id)))
    }
}

impl LabelFilter {
    /// Labels with a value whose name starts with `prefix` (`values.name sw "…"`).
    pub fn name_starts_with(prefix: &str) -> Self {
        Self::term(format!("values.name sw {}", quote(prefix)))
    }
}

impl ResourceLabelFilter {
    /// The labels of one resource (`orn eq "…"`).
    pub fn orn(orn: &Orn) -> Self {
        Self::term(format!("orn eq {}", quote(&orn.to_string())))
    }

    /// The resources carrying one label value (`labelValueId eq "…"`).
    pub fn label_value_id(id: &str) -> Self {
        Self::term(format!("labelValueId eq {}", quote(id)))
    }

    /// The labelled resources of one type (`resourceType eq "apps"`, …).
    pub fn resource_type(resource_type: &str) -> Self {
        Self::term(format!("resourceType eq {}", quote(resource_type)))
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    quote(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

impl SecurityAccessReviewFilter {
    /// SecurityAccessReviews created after `at` (`created gt "…"`).
    pub fn created_after(at: DateTime<Utc>) -> Self {
        Self::term(format!("created gt {}", timestamp(at)))
    }

    /// SecurityAccessReviews created before `at` (`created lt "…"`).
    pub fn created_before(at: DateTime<Utc>) -> Self {
        Self::term(format!("created lt {}", timestamp(at)))
    }

    /// Security access reviews in a status (`status eq "ACTIVE"`).
    #[cfg(any(
        feature = "security-access-reviews",
        feature = "my-security-access-reviews"
    ))]
    pub fn status(status: okta_governance_client::types::SecurityAccessReviewStatus) -> Self {
        Self::term(format!("status eq {}", quote(&status.to_string())))
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
            r#"orn eq "orn:okta:directory:00o1:groups:00g1" or resourceType eq "apps""#
        );
    }

    #[test]
    fn grouping_follows_the_rust_expression() {
        use okta_governance_client::types::SecurityAccessReviewStatus as Status;
        let t = chrono::DateTime::parse_from_rfc3339("2025-08-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let filter = SecurityAccessReviewFilter::created_after(t).and(
            SecurityAccessReviewFilter::status(Status::Active)
                .or(SecurityAccessReviewFilter::status(Status::Pending)),
        );
        assert_eq!(
            filter.to_string(),
            r#"created gt "2025-08-01T00:00:00.000Z" and (status eq "ACTIVE" or status eq "PENDING")"#
        );
    }

    /// A parsed filter, flattened: `and`/`or` nodes hold all their operands, so that equal
    /// meanings compare equal whatever the association.
    #[derive(Debug, PartialEq)]
    enum Flat {
        Term(String),
        And(Vec<Flat>),
        Or(Vec<Flat>),
    }

    fn flatten(e: &Expr) -> Flat {
        fn collect(e: &Expr, and: bool, out: &mut Vec<Flat>) {
            match (e, and) {
                (Expr::And(a, b), true) | (Expr::Or(a, b), false) => {
                    collect(a, and, out);
                    collect(b, and, out);
                }
                _ => out.push(flatten(e)),
            }
        }
        match e {
            Expr::Term(t) => Flat::Term(t.clone()),
            Expr::And(..) => {
                let mut out = Vec::new();
                collect(e, true, &mut out);
                Flat::And(out)
            }
            Expr::Or(..) => {
                let mut out = Vec::new();
                collect(e, false, &mut out);
                Flat::Or(out)
            }
        }
    }

    /// A small SCIM filter parser with SCIM's precedence: `or` < `and` < parentheses; a term
    /// is `attribute op "quoted value"`.
    fn parse(text: &str) -> Expr {
        struct P<'a> {
            s: &'a str,
        }
        impl P<'_> {
            fn ws(&mut self) {
                self.s = self.s.trim_start();
            }
            fn keyword(&mut self, k: &str) -> bool {
                self.ws();
                match self.s.strip_prefix(k) {
                    Some(rest) if rest.starts_with(' ') => {
                        self.s = rest;
                        true
                    }
                    _ => false,
                }
            }
            fn or(&mut self) -> Expr {
                let mut left = self.and();
                while self.keyword("or") {
                    left = Expr::Or(Box::new(left), Box::new(self.and()));
                }
                left
            }
            fn and(&mut self) -> Expr {
                let mut left = self.atom();
                while self.keyword("and") {
                    left = Expr::And(Box::new(left), Box::new(self.atom()));
                }
                left
            }
            fn atom(&mut self) -> Expr {
                self.ws();
                if let Some(rest) = self.s.strip_prefix('(') {
                    self.s = rest;
                    let inner = self.or();
                    self.ws();
                    self.s = self.s.strip_prefix(')').expect("closing parenthesis");
                    return inner;
                }
                // attribute op "value": the literal is JSON, read with serde_json.
                let (attribute, rest) = self.s.split_once(' ').expect("attribute");
                let (op, rest) = rest.split_once(' ').expect("operator");
                let mut values = serde_json::Deserializer::from_str(rest).into_iter::<String>();
                values.next().expect("a literal").expect("a JSON string");
                let used = values.byte_offset();
                self.s = &rest[used..];
                Expr::Term(format!("{attribute} {op} {}", &rest[..used]))
            }
        }
        let mut p = P { s: text };
        let e = p.or();
        assert!(p.s.trim().is_empty(), "left over: {:?}", p.s);
        e
    }

    fn tree() -> impl proptest::strategy::Strategy<Value = Expr> {
        use proptest::prelude::*;
        let leaf = (
            "[a-z]{1,6}",
            prop::sample::select(vec!["eq", "sw", "gt"]),
            ".{0,8}",
        )
            .prop_map(|(a, op, v)| Expr::Term(format!("{a} {op} {}", quote(&v))));
        leaf.prop_recursive(5, 32, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn rendered_filters_parse_back_to_the_same_tree(e in tree()) {
            let text = e.to_string();
            proptest::prop_assert_eq!(flatten(&parse(&text)), flatten(&e), "{}", text);
        }
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
