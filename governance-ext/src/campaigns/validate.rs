//! A campaign checked against the limits the spec states that the generated types do not
//! enforce themselves (the lengths of names and ids they do: a value out of range cannot be
//! built). Each refusal names the field by its API path and the limit.

use okta_governance_client::types;
use serde_json::Value;

use crate::error::Error;

/// Limits on numbers and list lengths in `campaign-mutable`, by JSON path: (path, min, max).
const LIMITS: &[(&str, f64, f64)] = &[
    ("scheduleSettings.durationInDays", 1.0, f64::MAX),
    ("scheduleSettings.recurrence.interval", 0.0, f64::MAX),
    (
        "notificationSettings.remindersReviewerBeforeCampaignCloseInSecs",
        1.0,
        3.0,
    ),
    ("reviewerSettings.reviewerLevels", 2.0, 2.0),
];

/// Whether a text is one of an enum's listed values.
type KnownValue = fn(&str) -> bool;

/// Checks `campaign` against the spec's limits (list lengths, number ranges, the settings
/// each reviewer type and each schedule type needs) before anything is sent; a refusal is
/// [`Error::InvalidInput`] naming the field and the limit.
pub fn validate(campaign: &types::CampaignMutable) -> Result<(), Error> {
    let value = serde_json::to_value(campaign).map_err(|e| {
        crate::error::invalid("campaign", None, format!("cannot be written as JSON: {e}"))
    })?;
    for (path, min, max) in LIMITS {
        let Some(found) = at(&value, path) else {
            continue;
        };
        let (measure, what) = match found {
            Value::Array(items) => (items.len() as f64, "items"),
            Value::Number(n) => (n.as_f64().unwrap_or(f64::NAN), "as a value"),
            _ => continue,
        };
        if !(measure >= *min && measure <= *max) {
            let limit = if max == &f64::MAX {
                format!("must be at least {min} {what}")
            } else if min == max {
                format!("must have exactly {min} {what}")
            } else {
                format!("must be {min} to {max} {what}")
            };
            return Err(crate::error::invalid(
                *path,
                Some(measure.to_string()),
                limit,
            ));
        }
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
        kind @ "REVIEWER_EXPRESSION" => needs("reviewerScopeExpression", kind)?,
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
                serde_json::json!({"scheduleSettings": {"type": "RECURRING"}}),
                "scheduleSettings.recurrence",
            ),
        ] {
            let error = validate(&campaign(patch.clone())).unwrap_err();
            assert_eq!(error.invalid_field(), Some(field), "{patch}: {error}");
        }
    }

    #[test]
    fn files_name_the_field_that_does_not_fit() {
        let (field, reason) = crate::campaigns::read_text(
            "name: x\nscheduleSettings:\n  type: ONE_OFF\n  startDate: yesterday\n",
        )
        .unwrap_err();
        assert_eq!(field, "scheduleSettings.startDate", "{reason}");
        let (field, _) = crate::campaigns::read_text("name: \"\"\n").unwrap_err();
        assert_eq!(field, "name");
        assert!(crate::campaigns::read_text("[").is_err());
    }
}
