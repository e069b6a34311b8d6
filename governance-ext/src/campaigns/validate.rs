//! A campaign checked against the limits the spec states that the generated types do not
//! enforce themselves (the lengths of names and ids they do: a value out of range cannot be
//! built). Each refusal names the field by its API path and the limit.

use okta_governance_client::types;
use serde_json::Value;

use crate::error::Error;

/// What a [`Limit`] bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitKind {
    /// A string's length in characters.
    Length,
    /// An array's number of items.
    Items,
    /// A number's value.
    Value,
}

/// One limit the spec states on a field of `campaign-mutable`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Limit {
    /// The field's API path; `[]` stands for every item of an array.
    pub path: &'static str,
    /// What is bounded.
    pub kind: LimitKind,
    /// The least allowed.
    pub min: f64,
    /// The most allowed (`f64::INFINITY` when the spec states none).
    pub max: f64,
}

const fn limit(path: &'static str, kind: LimitKind, min: f64, max: f64) -> Limit {
    Limit {
        path,
        kind,
        min,
        max,
    }
}

use LimitKind::{Items, Length, Value as Number};
const NONE: f64 = f64::INFINITY;

/// Every limit the pinned spec states inside `campaign-mutable`, where it states it (a
/// workspace test compares this table with the spec, so a spec update that changes one fails
/// until it is updated). Five `minItems` sit on the items (objects) of lists rather than on
/// the lists: as JSON Schema has it, they bound nothing, and nothing is checked for them.
pub const LIMITS: &[Limit] = &[
    limit("name", Length, 1.0, 255.0),
    limit("description", Length, 0.0, 1000.0),
    limit("scheduleSettings.durationInDays", Number, 1.0, NONE),
    limit("scheduleSettings.timeZone", Length, 1.0, 64.0),
    limit(
        "resourceSettings.targetResources[].resourceId",
        Length,
        1.0,
        36.0,
    ),
    limit(
        "resourceSettings.targetResources[].entitlementBundles[]",
        Items,
        1.0,
        NONE,
    ),
    limit(
        "resourceSettings.targetResources[].entitlementBundles[].id",
        Length,
        1.0,
        20.0,
    ),
    limit(
        "resourceSettings.targetResources[].entitlements[]",
        Items,
        1.0,
        NONE,
    ),
    limit(
        "resourceSettings.targetResources[].entitlements[].id",
        Length,
        1.0,
        20.0,
    ),
    limit(
        "resourceSettings.targetResources[].entitlements[].values",
        Items,
        1.0,
        NONE,
    ),
    limit(
        "resourceSettings.targetResources[].entitlements[].values[].id",
        Length,
        1.0,
        20.0,
    ),
    limit(
        "resourceSettings.targetResources[].entitlementValueScopeByGovernanceLabelValues[]",
        Items,
        1.0,
        NONE,
    ),
    limit(
        "resourceSettings.targetResources[].entitlementValueScopeByGovernanceLabelValues[].id",
        Length,
        1.0,
        20.0,
    ),
    limit(
        "resourceSettings.targetResources[].entitlementBundleScopeByGovernanceLabelValues[]",
        Items,
        1.0,
        NONE,
    ),
    limit(
        "resourceSettings.targetResources[].entitlementBundleScopeByGovernanceLabelValues[].id",
        Length,
        1.0,
        20.0,
    ),
    limit(
        "resourceSettings.targetResources[].appServiceAccounts[]",
        Items,
        1.0,
        NONE,
    ),
    limit(
        "resourceSettings.targetResources[].appServiceAccounts[].id",
        Length,
        1.0,
        36.0,
    ),
    limit(
        "resourceSettings.excludedResources[].resourceId",
        Length,
        1.0,
        20.0,
    ),
    limit(
        "principalScopeSettings.userScopeExpression",
        Length,
        1.0,
        7000.0,
    ),
    limit(
        "principalScopeSettings.excludedUserIds[]",
        Length,
        1.0,
        20.0,
    ),
    limit("principalScopeSettings.userIds[]", Length, 1.0, 20.0),
    limit("principalScopeSettings.groupIds[]", Length, 1.0, 20.0),
    limit(
        "principalScopeSettings.predefinedInactiveUsersScope.inactiveDays",
        Number,
        30.0,
        365.0,
    ),
    limit("reviewerSettings.reviewerId", Length, 1.0, 20.0),
    limit(
        "reviewerSettings.reviewerScopeExpression",
        Length,
        1.0,
        2000.0,
    ),
    limit("reviewerSettings.fallBackReviewerId", Length, 1.0, 20.0),
    limit("reviewerSettings.reviewerGroupId", Length, 1.0, 20.0),
    limit("reviewerSettings.reviewerLevels", Items, 2.0, 2.0),
    limit(
        "reviewerSettings.reviewerLevels[].reviewerId",
        Length,
        1.0,
        20.0,
    ),
    limit(
        "reviewerSettings.reviewerLevels[].reviewerScopeExpression",
        Length,
        1.0,
        2000.0,
    ),
    limit(
        "reviewerSettings.reviewerLevels[].fallBackReviewerId",
        Length,
        1.0,
        20.0,
    ),
    limit(
        "reviewerSettings.reviewerLevels[].reviewerGroupId",
        Length,
        1.0,
        20.0,
    ),
    limit(
        "notificationSettings.remindersReviewerBeforeCampaignCloseInSecs",
        Items,
        1.0,
        3.0,
    ),
    limit(
        "remediationSettings.autoRemediationSettings.includeOnly",
        Items,
        0.0,
        NONE,
    ),
    limit(
        "remediationSettings.autoRemediationSettings.includeOnly[].resourceId",
        Length,
        1.0,
        20.0,
    ),
];

/// Every value at `path` (`[]` steps into each item of an array), with its concrete path.
fn values_at<'v>(value: &'v Value, path: &str) -> Vec<(String, &'v Value)> {
    let mut found = vec![(String::new(), value)];
    for step in path.split('.') {
        let (key, each) = match step.strip_suffix("[]") {
            Some(key) => (key, true),
            None => (step, false),
        };
        let mut next = Vec::new();
        for (at, v) in found {
            let Some(child) = v.get(key).filter(|c| !c.is_null()) else {
                continue;
            };
            let here = if at.is_empty() {
                key.to_string()
            } else {
                format!("{at}.{key}")
            };
            if each {
                for (n, item) in child.as_array().into_iter().flatten().enumerate() {
                    next.push((format!("{here}[{n}]"), item));
                }
            } else {
                next.push((here, child));
            }
        }
        found = next;
    }
    found
}

fn check_limit(value: &Value, rule: &Limit) -> Result<(), Error> {
    for (at, found) in values_at(value, rule.path) {
        let (measure, unit) = match (rule.kind, found) {
            (LimitKind::Length, Value::String(text)) => (text.chars().count() as f64, "characters"),
            (LimitKind::Items, Value::Array(items)) => (items.len() as f64, "items"),
            (LimitKind::Value, Value::Number(n)) => (n.as_f64().unwrap_or(f64::NAN), ""),
            _ => continue,
        };
        if !(measure >= rule.min && measure <= rule.max) {
            let range = if rule.max.is_infinite() {
                format!("at least {}", rule.min)
            } else if rule.min == rule.max {
                format!("exactly {}", rule.min)
            } else {
                format!("{} to {}", rule.min, rule.max)
            };
            let limit = if unit.is_empty() {
                format!("must be {range} (the spec's limit)")
            } else {
                format!("must be {range} {unit} (the spec's limit)")
            };
            let shown = match found {
                Value::String(text) => Some(text.clone()),
                _ => Some(measure.to_string()),
            };
            return Err(crate::error::invalid(at, shown, limit));
        }
    }
    Ok(())
}

/// Whether a text is one of an enum's listed values.
type KnownValue = fn(&str) -> bool;

/// Checks `campaign` against the spec's limits (list lengths, number ranges, the settings
/// each reviewer type and each schedule type needs) before anything is sent; a refusal is
/// [`Error::InvalidInput`] naming the field and the limit.
pub fn validate(campaign: &types::CampaignMutable) -> Result<(), Error> {
    let value = serde_json::to_value(campaign).map_err(|e| {
        crate::error::invalid("campaign", None, format!("cannot be written as JSON: {e}"))
    })?;
    for rule in LIMITS {
        check_limit(&value, rule)?;
    }
    // Enum values: the generated enums keep a value they do not know (so a newer server's
    // answers decode); in a request, such a value is a mistake.
    let enums: &[(&str, KnownValue)] = &[
        ("campaignType", |v| v.parse::<types::CampaignType>().is_ok()),
        ("campaignTier", |v| v.parse::<types::CampaignTier>().is_ok()),
        ("scheduleSettings.type", |v| {
            v.parse::<types::ScheduleType>().is_ok()
        }),
        ("resourceSettings.type", |v| {
            v.parse::<types::CampaignResourceType>().is_ok()
        }),
        ("reviewerSettings.type", |v| {
            v.parse::<types::CampaignReviewerType>().is_ok()
        }),
        ("principalScopeSettings.type", |v| {
            v.parse::<types::PrincipalScopeType>().is_ok()
        }),
        ("remediationSettings.accessApproved", |v| {
            v.parse::<types::ApprovedRemediationAction>().is_ok()
        }),
        ("remediationSettings.accessRevoked", |v| {
            v.parse::<types::RevokedRemediationAction>().is_ok()
        }),
        ("remediationSettings.noResponse", |v| {
            v.parse::<types::NoResponseRemediationAction>().is_ok()
        }),
    ];
    for (path, known) in enums {
        if let Some(text) = at(&value, path).and_then(Value::as_str) {
            if !known(text) {
                return Err(crate::error::invalid(
                    *path,
                    Some(text.to_string()),
                    "must be one of the values the spec lists",
                ));
            }
        }
    }
    // What the reviewer type needs.
    let reviewer = &value["reviewerSettings"];
    let needs = |field: &str, kind: &str| -> Result<(), Error> {
        if reviewer.get(field).is_none_or(Value::is_null) {
            return Err(crate::error::invalid(
                format!("reviewerSettings.{field}"),
                None,
                format!("is required when reviewerSettings.type is {kind}"),
            ));
        }
        Ok(())
    };
    match reviewer["type"].as_str().unwrap_or_default() {
        kind @ "USER" => needs("reviewerId", kind)?,
        kind @ "GROUP" => needs("reviewerGroupId", kind)?,
        // Both fall back to `fallBackReviewerId` when they find no reviewer (the spec requires it).
        kind @ "REVIEWER_EXPRESSION" => {
            needs("reviewerScopeExpression", kind)?;
            needs("fallBackReviewerId", kind)?
        }
        kind @ "RESOURCE_OWNER" => needs("fallBackReviewerId", kind)?,
        kind @ "MULTI_LEVEL" => needs("reviewerLevels", kind)?,
        _ => {}
    }
    // A recurring schedule says how it recurs.
    let schedule = &value["scheduleSettings"];
    if schedule["type"].as_str() == Some("RECURRING")
        && schedule.get("recurrence").is_none_or(Value::is_null)
    {
        return Err(crate::error::invalid(
            "scheduleSettings.recurrence",
            None,
            "is required when scheduleSettings.type is RECURRING",
        ));
    }
    Ok(())
}

/// The value at a dotted path, if every step exists.
fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(value, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn campaign(patch: Value) -> types::CampaignMutable {
        let mut base = serde_json::json!({
            "name": "Q3 Salesforce access",
            "scheduleSettings": {"type": "ONE_OFF", "startDate": "2026-12-10T00:00:00Z", "durationInDays": 14, "timeZone": "Europe/Paris"},
            "resourceSettings": {"type": "APPLICATION", "targetResources": [{"resourceId": "0oa1salesforce000000", "resourceType": "APPLICATION"}]},
            "reviewerSettings": {"type": "USER", "reviewerId": "00u1reviewer00000000"},
            "remediationSettings": {"accessApproved": "NO_ACTION", "accessRevoked": "DENY", "noResponse": "NO_ACTION"}
        });
        merge(&mut base, patch);
        serde_json::from_value(base).unwrap()
    }

    fn merge(base: &mut Value, patch: Value) {
        match (base, patch) {
            (Value::Object(b), Value::Object(p)) => {
                for (k, v) in p {
                    merge(b.entry(k).or_insert(Value::Null), v);
                }
            }
            (b, p) => *b = p,
        }
    }

    #[test]
    fn a_complete_campaign_passes() {
        validate(&campaign(serde_json::json!({}))).unwrap();
    }

    #[test]
    fn each_limit_is_named() {
        for (patch, field) in [
            (
                serde_json::json!({"scheduleSettings": {"durationInDays": 0}}),
                "scheduleSettings.durationInDays",
            ),
            (
                serde_json::json!({"notificationSettings": {"remindersReviewerBeforeCampaignCloseInSecs": [1, 2, 3, 4]}}),
                "notificationSettings.remindersReviewerBeforeCampaignCloseInSecs",
            ),
            (
                serde_json::json!({"reviewerSettings": {"type": "GROUP", "reviewerId": null}}),
                "reviewerSettings.reviewerGroupId",
            ),
            (
                serde_json::json!({"reviewerSettings": {"type": "RESOURCE_OWNER", "reviewerId": null}}),
                "reviewerSettings.fallBackReviewerId",
            ),
            (
                serde_json::json!({"reviewerSettings": {"type": "REVIEWER_EXPRESSION", "reviewerId": null, "reviewerScopeExpression": "user.profile.managerId"}}),
                "reviewerSettings.fallBackReviewerId",
            ),
            (
                serde_json::json!({"reviewerSettings": {"type": "REVIEWER_EXPRESSION", "reviewerId": null, "fallBackReviewerId": "00u1fallback00000000"}}),
                "reviewerSettings.reviewerScopeExpression",
            ),
            (
                serde_json::json!({"scheduleSettings": {"type": "RECURRING"}}),
                "scheduleSettings.recurrence",
            ),
        ] {
            let error = validate(&campaign(patch.clone())).unwrap_err();
            assert_eq!(error.invalid_field(), Some(field), "{patch}: {error}");
        }
    }

    #[test]
    fn limits_inside_lists_name_the_item() {
        // A length the generated types enforce is refused when the value is read, naming the
        // item; the table checks it again for values built another way.
        // JSON, which is YAML too: the test holds with and without the `yaml` feature.
        let (field, _) = crate::campaigns::read_text(
            r#"{"principalScopeSettings": {"type": "USERS", "userIds": ["00u1", "00u12345678901234567890"]}}"#,
        )
        .unwrap_err();
        assert_eq!(field, "principalScopeSettings.userIds[1]");
        let value =
            serde_json::json!({"principalScopeSettings": {"userIds": ["00u1", "x".repeat(21)]}});
        let rule = LIMITS
            .iter()
            .find(|l| l.path == "principalScopeSettings.userIds[]")
            .unwrap();
        let error = check_limit(&value, rule).unwrap_err();
        assert_eq!(
            error.invalid_field(),
            Some("principalScopeSettings.userIds[1]"),
            "{error}"
        );
        let error = validate(&campaign(serde_json::json!({
            "principalScopeSettings": {"type": "USERS", "predefinedInactiveUsersScope": {"inactiveDays": 7}}
        })))
        .unwrap_err();
        assert_eq!(
            error.invalid_field(),
            Some("principalScopeSettings.predefinedInactiveUsersScope.inactiveDays"),
            "{error}"
        );
    }

    /// A path to an endless device is refused at the file limit, not read to the end.
    #[cfg(unix)]
    #[test]
    fn a_campaign_file_is_read_under_its_limit() {
        let err = crate::campaigns::read_file(std::path::Path::new("/dev/zero")).unwrap_err();
        assert_eq!(err.invalid_field(), Some("campaign file"));
        assert!(err.to_string().contains("at most 1048576 bytes"), "{err}");
    }

    #[test]
    fn files_name_the_field_that_does_not_fit() {
        let (field, reason) = crate::campaigns::read_text(
            r#"{"name": "x", "scheduleSettings": {"type": "ONE_OFF", "startDate": "yesterday"}}"#,
        )
        .unwrap_err();
        assert_eq!(field, "scheduleSettings.startDate", "{reason}");
        let (field, _) = crate::campaigns::read_text(r#"{"name": ""}"#).unwrap_err();
        assert_eq!(field, "name");
        assert!(crate::campaigns::read_text("[").is_err());
        // The same in YAML: read with the `yaml` feature, refused naming it without.
        let yaml = "name: x\nscheduleSettings:\n  type: ONE_OFF\n  startDate: yesterday\n";
        let (field, reason) = crate::campaigns::read_text(yaml).unwrap_err();
        if cfg!(feature = "yaml") {
            assert_eq!(field, "scheduleSettings.startDate", "{reason}");
        } else {
            assert_eq!(field, "", "{reason}");
            assert!(reason.contains("`yaml` feature"), "{reason}");
        }
    }
}
