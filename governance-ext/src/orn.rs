//! Okta resource names (ORNs): how label and review endpoints name apps, groups, entitlement
//! bundles, collections and entitlement values.
//!
//! ```
//! use okta_governance::orn::{Orn, Partition};
//! let app: Orn = "orn:okta:idp:00o11edPwGqbUrsDm0g4:apps:oidc:0oafxqCAJWWGELFTYASJ".parse()?;
//! assert_eq!(app, Orn::app(Partition::Okta, "00o11edPwGqbUrsDm0g4", "oidc", "0oafxqCAJWWGELFTYASJ")?);
//! let group = Orn::group(Partition::OktaPreview, "00o11edPwGqbUrsDm0g4", "00g1emaKYZTWRYYRRTSK")?;
//! assert_eq!(group.to_string(), "orn:oktapreview:directory:00o11edPwGqbUrsDm0g4:groups:00g1emaKYZTWRYYRRTSK");
//! # Ok::<(), okta_governance::orn::OrnError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// `okta` (production orgs) or `oktapreview` (preview orgs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Partition {
    /// Production.
    Okta,
    /// Preview.
    OktaPreview,
}

impl Partition {
    fn as_str(self) -> &'static str {
        match self {
            Partition::Okta => "okta",
            Partition::OktaPreview => "oktapreview",
        }
    }
}

/// What an ORN names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Resource {
    /// An app (`idp:…:apps:{appType}:{id}`).
    App {
        /// App type (`oidc`, `saml_2_0`, …).
        app_type: String,
        /// App id.
        id: String,
    },
    /// A group (`directory:…:groups:{id}`).
    Group {
        /// Group id.
        id: String,
    },
    /// An entitlement bundle (`governance:…:entitlement-bundles:{id}`).
    EntitlementBundle {
        /// Bundle id.
        id: String,
    },
    /// A resource collection (`governance:…:collections:{id}`).
    Collection {
        /// Collection id.
        id: String,
    },
    /// An entitlement value (`governance:…:entitlement-values:{id}`).
    EntitlementValue {
        /// Value id.
        id: String,
    },
}

/// A parsed, validated ORN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Orn {
    partition: Partition,
    org: String,
    resource: Resource,
}

/// Why a string is not an ORN: names the segment and shows the bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ORN {input}: {segment} {reason}")]
#[non_exhaustive]
pub struct OrnError {
    /// The input, as [`redacted`](crate::client::error::redacted) shows it (whole when short,
    /// else its first bytes and length): an error reaches logs, and the input may be a secret
    /// passed by mistake.
    pub input: String,
    /// The segment at fault (`partition`, `org`, `resource type`, `id`, …).
    pub segment: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl From<OrnError> for crate::Error {
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for the field `orn`, naming the
    /// segment at fault.
    fn from(error: OrnError) -> Self {
        // `input` is shown redacted already.
        crate::Error::InvalidInput {
            field: "orn".into(),
            value: Some(error.input),
            limit: format!("{} {}", error.segment, error.reason),
        }
    }
}

fn valid_segment(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

impl Orn {
    fn checked(partition: Partition, org: &str, resource: Resource) -> Result<Self, OrnError> {
        let orn = Self {
            partition,
            org: org.to_string(),
            resource,
        };
        let text = orn.to_string();
        let fail = |segment, value: &str| OrnError {
            input: crate::client::error::redacted(&text),
            segment,
            reason: format!(
                "{} must be 1-100 letters, digits, `_`, `-` or `.`",
                crate::client::error::redacted(value)
            ),
        };
        if !valid_segment(&orn.org) {
            return Err(fail("org id", &orn.org));
        }
        match &orn.resource {
            Resource::App { app_type, id } => {
                if !valid_segment(app_type) {
                    return Err(fail("app type", app_type));
                }
                if !valid_segment(id) {
                    return Err(fail("id", id));
                }
            }
            Resource::Group { id }
            | Resource::EntitlementBundle { id }
            | Resource::Collection { id }
            | Resource::EntitlementValue { id } => {
                if !valid_segment(id) {
                    return Err(fail("id", id));
                }
            }
        }
        Ok(orn)
    }

    /// An app: `orn:{partition}:idp:{org}:apps:{appType}:{id}`.
    pub fn app(
        partition: Partition,
        org: &str,
        app_type: &str,
        id: &str,
    ) -> Result<Self, OrnError> {
        Self::checked(
            partition,
            org,
            Resource::App {
                app_type: app_type.into(),
                id: id.into(),
            },
        )
    }

    /// A group: `orn:{partition}:directory:{org}:groups:{id}`.
    pub fn group(partition: Partition, org: &str, id: &str) -> Result<Self, OrnError> {
        Self::checked(partition, org, Resource::Group { id: id.into() })
    }

    /// An entitlement bundle.
    pub fn entitlement_bundle(partition: Partition, org: &str, id: &str) -> Result<Self, OrnError> {
        Self::checked(
            partition,
            org,
            Resource::EntitlementBundle { id: id.into() },
        )
    }

    /// A resource collection.
    pub fn collection(partition: Partition, org: &str, id: &str) -> Result<Self, OrnError> {
        Self::checked(partition, org, Resource::Collection { id: id.into() })
    }

    /// An entitlement value.
    pub fn entitlement_value(partition: Partition, org: &str, id: &str) -> Result<Self, OrnError> {
        Self::checked(partition, org, Resource::EntitlementValue { id: id.into() })
    }

    /// The partition.
    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The org id.
    pub fn org(&self) -> &str {
        &self.org
    }

    /// What the ORN names.
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// The resource's own id (the last segment).
    pub fn id(&self) -> &str {
        match &self.resource {
            Resource::App { id, .. }
            | Resource::Group { id }
            | Resource::EntitlementBundle { id }
            | Resource::Collection { id }
            | Resource::EntitlementValue { id } => id,
        }
    }

    /// The `resourceType` filter value of the labels API (`apps`, `groups`, …).
    pub fn resource_type(&self) -> &'static str {
        match self.resource {
            Resource::App { .. } => "apps",
            Resource::Group { .. } => "groups",
            Resource::EntitlementBundle { .. } => "entitlement-bundles",
            Resource::Collection { .. } => "collections",
            Resource::EntitlementValue { .. } => "entitlement-values",
        }
    }
}

impl fmt::Display for Orn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.partition.as_str();
        let org = &self.org;
        match &self.resource {
            Resource::App { app_type, id } => write!(f, "orn:{p}:idp:{org}:apps:{app_type}:{id}"),
            Resource::Group { id } => write!(f, "orn:{p}:directory:{org}:groups:{id}"),
            Resource::EntitlementBundle { id } => {
                write!(f, "orn:{p}:governance:{org}:entitlement-bundles:{id}")
            }
            Resource::Collection { id } => write!(f, "orn:{p}:governance:{org}:collections:{id}"),
            Resource::EntitlementValue { id } => {
                write!(f, "orn:{p}:governance:{org}:entitlement-values:{id}")
            }
        }
    }
}

/// An ORN the org sent (a resource label's `orn`), parsed: the same checks as
/// [`str::parse`], and an [`OrnError`] naming the part that does not fit.
#[cfg(feature = "labels")]
impl TryFrom<&crate::client::types::ResourceOrn> for Orn {
    type Error = OrnError;

    fn try_from(orn: &crate::client::types::ResourceOrn) -> Result<Self, OrnError> {
        orn.as_str().parse()
    }
}

impl FromStr for Orn {
    type Err = OrnError;

    fn from_str(input: &str) -> Result<Self, OrnError> {
        let fail = |segment, reason: String| OrnError {
            input: crate::client::error::redacted(input),
            segment,
            reason,
        };
        let parts: Vec<&str> = input.split(':').collect();
        if parts.first() != Some(&"orn") {
            return Err(fail("prefix", "must be `orn`".into()));
        }
        let partition = match parts.get(1).copied() {
            Some("okta") => Partition::Okta,
            Some("oktapreview") => Partition::OktaPreview,
            other => {
                return Err(fail(
                    "partition",
                    format!(
                        "`{}` is not `okta` or `oktapreview`",
                        other.unwrap_or_default()
                    ),
                ))
            }
        };
        let service = parts.get(2).copied().unwrap_or_default();
        let org = parts.get(3).copied().unwrap_or_default();
        let kind = parts.get(4).copied().unwrap_or_default();
        let expected = |n: usize, shape: &str| -> Result<(), OrnError> {
            if parts.len() == n {
                Ok(())
            } else {
                Err(fail(
                    "shape",
                    format!("has {} segments; expected {shape}", parts.len()),
                ))
            }
        };
        let resource = match (service, kind) {
            ("idp", "apps") => {
                expected(7, "orn:{partition}:idp:{org}:apps:{appType}:{id}")?;
                Resource::App {
                    app_type: parts[5].into(),
                    id: parts[6].into(),
                }
            }
            ("directory", "groups") => {
                expected(6, "orn:{partition}:directory:{org}:groups:{id}")?;
                Resource::Group {
                    id: parts[5].into(),
                }
            }
            ("governance", "entitlement-bundles" | "collections" | "entitlement-values") => {
                expected(6, "orn:{partition}:governance:{org}:{kind}:{id}")?;
                let id = parts[5].to_string();
                match kind {
                    "entitlement-bundles" => Resource::EntitlementBundle { id },
                    "collections" => Resource::Collection { id },
                    _ => Resource::EntitlementValue { id },
                }
            }
            ("idp" | "directory" | "governance", other) => {
                return Err(fail(
                    "resource type",
                    format!(
                        "{} is not a resource type of the `{service}` service",
                        crate::client::error::redacted(other)
                    ),
                ))
            }
            (other, _) => {
                return Err(fail(
                    "service",
                    format!(
                        "{} is not `idp`, `directory` or `governance`",
                        crate::client::error::redacted(other)
                    ),
                ))
            }
        };
        Self::checked(partition, org, resource).map_err(|e| OrnError {
            input: crate::client::error::redacted(input),
            ..e
        })
    }
}

impl serde::Serialize for Orn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Orn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "labels")]
    #[test]
    fn an_orn_from_the_org_parses_or_names_its_fault() {
        use crate::client::types::ResourceOrn;
        let good = ResourceOrn("orn:okta:idp:00o1:apps:slack:0oa1".into());
        assert_eq!(Orn::try_from(&good).unwrap().to_string(), good.0);
        let bad = ResourceOrn("urn:okta:idp:00o1:apps:slack:0oa1".into());
        let error = Orn::try_from(&bad).unwrap_err();
        assert!(error.to_string().contains("prefix"), "{error}");
    }

    #[test]
    fn every_kind_round_trips_in_both_partitions() {
        for text in [
            "orn:okta:idp:00o11edPwGqbUrsDm0g4:apps:oidc:0oafxqCAJWWGELFTYASJ",
            "orn:oktapreview:idp:00o11edPwGqbUrsDm0g4:apps:saml_2_0:0oafxqCAJWWGELFTYASJ",
            "orn:okta:directory:00o11edPwGqbUrsDm0g4:groups:00g1emaKYZTWRYYRRTSK",
            "orn:okta:governance:00o11edPwGqbUrsDm0g4:entitlement-bundles:enb1",
            "orn:oktapreview:governance:00o11edPwGqbUrsDm0g4:collections:col1",
            "orn:okta:governance:00o11edPwGqbUrsDm0g4:entitlement-values:ent1",
        ] {
            let orn: Orn = text.parse().unwrap();
            assert_eq!(orn.to_string(), text);
            assert_eq!(serde_json::to_value(&orn).unwrap(), text);
        }
    }

    #[test]
    fn errors_name_the_bad_segment() {
        for (input, segment) in [
            ("urn:okta:idp:o:apps:oidc:1", "prefix"),
            ("orn:oktagov:idp:o:apps:oidc:1", "partition"),
            ("orn:okta:iam:o:apps:oidc:1", "service"),
            ("orn:okta:idp:o:users:1", "resource type"),
            ("orn:okta:idp:o:apps:1", "shape"),
            ("orn:okta:directory:o:groups:a:b", "shape"),
            ("orn:okta:directory::groups:1", "org id"),
            ("orn:okta:directory:o:groups:", "id"),
            ("orn:okta:idp:o:apps:oi dc:1", "app type"),
            ("", "prefix"),
        ] {
            let err = input.parse::<Orn>().unwrap_err();
            assert_eq!(err.segment, segment, "{input}: {err}");
            let shown = okta_governance_client::error::redacted(input);
            assert!(err.to_string().contains(&shown), "{err}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(input in ".{0,120}") {
            let _ = input.parse::<Orn>();
        }

        #[test]
        fn built_orns_parse_back(org in "[A-Za-z0-9]{1,20}", id in "[A-Za-z0-9_-]{1,20}", app in "[a-z_0-9]{1,12}") {
            let orn = Orn::app(Partition::Okta, &org, &app, &id).unwrap();
            proptest::prop_assert_eq!(orn.to_string().parse::<Orn>().unwrap(), orn);
        }
    }
}
