//! Governance labels: list (with the predefined ones recognisable), ensure, and assign to any
//! number of resources.
//!
//! Needs `okta.governance.labels.read` / `.manage`; assigning also needs read access to the
//! labelled resources (`okta.apps.read`, `okta.groups.read`, …) and an admin role that may manage
//! labels. Limits, checked before anything is sent: key and value names 1-50 characters, at
//! most 10 values per key and 10 custom keys per org, colours from [`Color`], at most 10 labels
//! and 10 resources per assign call (batched here).
//!
//! ```no_run
//! use okta_governance::labels::{self, Color};
//! use okta_governance::orn::Orn;
//! # async fn run(okta: okta_governance::Governance) -> Result<(), okta_governance::Error> {
//! let label = labels::ensure(&okta, "Sensitivity", &[("High", Some(Color::Red)), ("Low", None)]).await?;
//! let high = label.values.iter().find(|v| v.name.as_str() == "High").unwrap();
//! let app: Orn = "orn:okta:idp:00o11edPwGqbUrsDm0g4:apps:oidc:0oafxqCAJWWGELFTYASJ".parse().unwrap();
//! let report = labels::assign(&okta, &[app], &[high.label_value_id.to_string()]).await;
//! assert!(report.failed().is_empty());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt};
use okta_governance_client::prelude::*;
use okta_governance_client::types;
use serde_json::json;

use crate::error::{request_body, Error};
use crate::governance::Governance;
use crate::orn::Orn;

/// The keys Okta creates in every OIG org (each with one value of the same name).
pub const PREDEFINED: [&str; 2] = ["Crown Jewel", "Privileged"];
/// Custom label keys per org.
pub const MAX_CUSTOM_KEYS: usize = 10;
/// Values per key.
pub const MAX_VALUES: usize = 10;
/// Resources and label values per assign or unassign call.
pub const MAX_BATCH: usize = 10;
/// Assign calls in flight at once (under the client's throttle).
const CONCURRENCY: usize = 4;

/// The background colours a label value may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Color {
    Red,
    Orange,
    Yellow,
    Green,
    Blue,
    Purple,
    Teal,
    Beige,
    Gray,
}

impl Color {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Color::Red => "red",
            Color::Orange => "orange",
            Color::Yellow => "yellow",
            Color::Green => "green",
            Color::Blue => "blue",
            Color::Purple => "purple",
            Color::Teal => "teal",
            Color::Beige => "beige",
            Color::Gray => "gray",
        }
    }
}

fn check_name(field: &'static str, name: &str) -> Result<(), Error> {
    let length = name.chars().count();
    if (1..=50).contains(&length) {
        Ok(())
    } else {
        Err(Error::Validation {
            field,
            value: name.to_string(),
            limit: "must be 1 to 50 characters",
        })
    }
}

fn value_json(name: &str, color: Option<Color>) -> serde_json::Value {
    match color {
        Some(color) => {
            json!({"name": name, "metadata": {"additionalProperties": {"backgroundColor": color.as_str()}}})
        }
        None => json!({"name": name}),
    }
}

/// Whether a label is one of the two Okta creates in every org (they cannot be changed).
pub fn is_predefined(label: &types::Label) -> bool {
    PREDEFINED.contains(&label.name.as_str())
}

/// Every label of the org (the endpoint does not page).
pub async fn list(okta: &Governance) -> Result<Vec<types::Label>, Error> {
    Ok(okta.list_labels().send().await?.into_inner().data)
}

/// The label whose key is `name`, compared case-insensitively as the server does.
pub fn find<'a>(labels: &'a [types::Label], name: &str) -> Option<&'a types::Label> {
    labels
        .iter()
        .find(|label| label.name.as_str().eq_ignore_ascii_case(name))
}

/// Validates a new label (key, values, their count) before anything is sent.
pub fn validate_new(
    key: &str,
    values: &[(&str, Option<Color>)],
) -> Result<types::LabelCreate, Error> {
    check_name("name", key)?;
    if values.is_empty() || values.len() > MAX_VALUES {
        return Err(Error::Validation {
            field: "values",
            value: values.len().to_string(),
            limit: "must hold 1 to 10 values",
        });
    }
    for (name, _) in values {
        check_name("values[].name", name)?;
    }
    let values: Vec<serde_json::Value> = values
        .iter()
        .map(|(name, color)| value_json(name, *color))
        .collect();
    request_body(json!({"name": key, "values": values}))
}

/// The label `key` with at least `values`: created when missing, missing values added (case-
/// insensitive match, never duplicated). Safe to run again and against a concurrent creator.
pub async fn ensure(
    okta: &Governance,
    key: &str,
    values: &[(&str, Option<Color>)],
) -> Result<types::Label, Error> {
    let body = validate_new(key, values)?;
    let labels = list(okta).await?;
    let label = match find(&labels, key) {
        Some(label) => label.clone(),
        None => {
            let custom = labels.iter().filter(|l| !is_predefined(l)).count();
            if custom >= MAX_CUSTOM_KEYS {
                return Err(Error::Validation {
                    field: "name",
                    value: key.to_string(),
                    limit: "cannot be added: the org already has 10 custom label keys",
                });
            }
            match okta.create_label().body(body).send().await {
                Ok(created) => return Ok(created.into_inner()),
                Err(error) => {
                    // Another caller may have created it meanwhile: use theirs.
                    let error = Error::from(error);
                    let again = list(okta).await?;
                    match find(&again, key) {
                        Some(label) => label.clone(),
                        None => return Err(error),
                    }
                }
            }
        }
    };
    let missing: Vec<&(&str, Option<Color>)> = values
        .iter()
        .filter(|(name, _)| {
            !label
                .values
                .iter()
                .any(|v| v.name.as_str().eq_ignore_ascii_case(name))
        })
        .collect();
    if missing.is_empty() {
        return Ok(label);
    }
    if label.values.len() + missing.len() > MAX_VALUES {
        return Err(Error::Validation {
            field: "values",
            value: (label.values.len() + missing.len()).to_string(),
            limit: "must hold at most 10 values per key",
        });
    }
    let changes: Vec<Change> = missing
        .iter()
        .map(|(name, color)| Change::AddValue(name.to_string(), *color))
        .collect();
    update(okta, &label, &changes).await
}

/// One change of [`update`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Rename the key.
    RenameKey(String),
    /// Add a value.
    AddValue(String, Option<Color>),
    /// Rename a value (by id).
    RenameValue {
        /// The value's id.
        id: String,
        /// The new name.
        name: String,
    },
    /// Change a value's colour (by id).
    SetColor {
        /// The value's id.
        id: String,
        /// The new colour.
        color: Color,
    },
    /// Remove a value (by id).
    RemoveValue(String),
}

impl Change {
    fn validate(&self) -> Result<(), Error> {
        match self {
            Change::RenameKey(name) => check_name("name", name),
            Change::AddValue(name, _) | Change::RenameValue { name, .. } => {
                check_name("values[].name", name)
            }
            _ => Ok(()),
        }
    }

    fn operation(&self) -> serde_json::Value {
        match self {
            Change::RenameKey(name) => {
                json!({"op": "REPLACE", "path": "/name", "value": name, "refType": "LABEL-CATEGORY"})
            }
            Change::AddValue(name, color) => {
                json!({"op": "ADD", "path": "/values/-", "value": value_json(name, *color), "refType": "LABEL-VALUE"})
            }
            Change::RenameValue { id, name } => {
                json!({"op": "REPLACE", "path": format!("/values/{}/name", pointer_token(id)), "value": {"name": name}, "refType": "LABEL-VALUE"})
            }
            Change::SetColor { id, color } => json!({
                "op": "REPLACE",
                "path": format!("/values/{}/metadata/additionalProperties/backgroundColor", pointer_token(id)),
                "value": {"metadata": {"additionalProperties": {"backgroundColor": color.as_str()}}},
                "refType": "LABEL-VALUE"
            }),
            Change::RemoveValue(id) => {
                json!({"op": "REMOVE", "path": format!("/values/{}", pointer_token(id)), "refType": "LABEL-VALUE"})
            }
        }
    }
}

/// Applies the changes with the PATCH operation, at most 10 per call. Predefined labels cannot
/// be changed; names are checked before anything is sent.
pub async fn update(
    okta: &Governance,
    label: &types::Label,
    changes: &[Change],
) -> Result<types::Label, Error> {
    if is_predefined(label) {
        return Err(Error::Validation {
            field: "labelId",
            value: label.label_id.to_string(),
            limit: "is a predefined label, which cannot be changed",
        });
    }
    for change in changes {
        change.validate()?;
    }
    let mut current = label.clone();
    for chunk in changes.chunks(MAX_BATCH) {
        let ops: Vec<serde_json::Value> = chunk.iter().map(Change::operation).collect();
        current = okta
            .update_label()
            .label_id(current.label_id.to_string())
            .body(request_body::<types::PatchLabels>(json!(ops))?)
            .send()
            .await?
            .into_inner();
    }
    Ok(current)
}

/// The resources carrying a label value, streamed page by page.
pub fn resources_with_value<'a>(
    okta: &'a Governance,
    value_id: &str,
    limit: u32,
) -> Result<crate::paginate::Items<'a, types::ResourceLabel>, Error> {
    resources(
        okta,
        crate::filter::ResourceLabelFilter::label_value_id(value_id),
        limit,
    )
}

/// The labels of one resource.
pub fn labels_of<'a>(
    okta: &'a Governance,
    orn: &Orn,
    limit: u32,
) -> Result<crate::paginate::Items<'a, types::ResourceLabel>, Error> {
    resources(okta, crate::filter::ResourceLabelFilter::orn(orn), limit)
}

/// The labelled resources of a type (`apps`, `groups`, …).
pub fn resources_of_type<'a>(
    okta: &'a Governance,
    resource_type: &str,
    limit: u32,
) -> Result<crate::paginate::Items<'a, types::ResourceLabel>, Error> {
    resources(
        okta,
        crate::filter::ResourceLabelFilter::resource_type(resource_type),
        limit,
    )
}

fn resources(
    okta: &Governance,
    filter: crate::filter::ResourceLabelFilter,
    limit: u32,
) -> Result<crate::paginate::Items<'_, types::ResourceLabel>, Error> {
    use crate::paginate::Paginate;
    let filter: types::ScimFilter = request_body(json!(String::from(filter)))?;
    okta.list_label_resources().filter(filter).items(limit)
}

/// Deletes a label. Refused (typed, before the DELETE) while any of its values is assigned;
/// [`delete_unassigning_first`] removes the assignments first when you mean it.
pub async fn delete(okta: &Governance, label: &types::Label) -> Result<(), Error> {
    use futures_util::TryStreamExt;
    for value in &label.values {
        if resources_with_value(okta, value.label_value_id.as_str(), 1)?
            .try_next()
            .await?
            .is_some()
        {
            return Err(Error::Validation {
                field: "labelId",
                value: label.label_id.to_string(),
                limit: "cannot be deleted while its values are assigned to resources (see delete_unassigning_first)",
            });
        }
    }
    okta.delete_label()
        .label_id(label.label_id.to_string())
        .send()
        .await?;
    Ok(())
}

/// Unassigns every value of the label from every resource, then deletes it.
pub async fn delete_unassigning_first(
    okta: &Governance,
    label: &types::Label,
) -> Result<AssignReport, Error> {
    use futures_util::TryStreamExt;
    let mut report = AssignReport::default();
    for value in &label.values {
        let id = value.label_value_id.to_string();
        let holders: Vec<types::ResourceLabel> =
            resources_with_value(okta, &id, 200)?.try_collect().await?;
        let orns: Vec<Orn> = holders
            .iter()
            .filter_map(|r| r.orn.as_ref().and_then(|orn| orn.as_str().parse().ok()))
            .collect();
        let part = unassign(okta, &orns, std::slice::from_ref(&id)).await;
        if let Some((_, error)) = part.failed().first() {
            return Err((*error).clone());
        }
        report.calls += part.calls;
        report.results.extend(part.results);
    }
    delete(okta, label).await?;
    Ok(report)
}

/// What happened to each resource of an assign or unassign.
#[derive(Debug, Default)]
pub struct AssignReport {
    /// Resource ORN -> `Ok(())` or the error of its batch.
    pub results: BTreeMap<String, Result<(), Error>>,
    /// Calls made.
    pub calls: usize,
}

impl AssignReport {
    /// The resources that failed, with why.
    pub fn failed(&self) -> Vec<(&str, &Error)> {
        self.results
            .iter()
            .filter_map(|(orn, result)| result.as_ref().err().map(|e| (orn.as_str(), e)))
            .collect()
    }
}

/// One reference token of a JSON Pointer (RFC 6901): `~` becomes `~0` and `/` becomes `~1`,
/// so an id can never address another member.
fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Drops repeated values wherever they are, keeping the first of each in order (`dedup` only
/// drops adjacent ones).
pub(crate) fn unique(values: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    values.retain(|value| seen.insert(value.clone()));
}

async fn batched(
    okta: &Governance,
    orns: &[Orn],
    value_ids: &[String],
    assign: bool,
) -> AssignReport {
    let mut batches = Vec::new();
    let mut resources: Vec<String> = orns.iter().map(Orn::to_string).collect();
    unique(&mut resources);
    let mut values = value_ids.to_vec();
    unique(&mut values);
    for resource_chunk in resources.chunks(MAX_BATCH) {
        for value_chunk in values.chunks(MAX_BATCH) {
            batches.push((resource_chunk.to_vec(), value_chunk.to_vec()));
        }
    }
    let calls = batches.len();
    let outcomes: Vec<(Vec<String>, Result<(), Error>)> = stream::iter(batches)
        .map(|(resources, values)| async move {
            let body = json!({"resourceOrns": resources, "labelValueIds": values});
            let result = match request_body::<types::AssignResourceLabels>(body) {
                Ok(body) if assign => okta
                    .assign_resource_labels()
                    .body(body)
                    .send()
                    .await
                    .map(drop)
                    .map_err(Error::from),
                Ok(body) => okta
                    .remove_resource_labels()
                    .body(body)
                    .send()
                    .await
                    .map(drop)
                    .map_err(Error::from),
                Err(e) => Err(e),
            };
            (resources, result)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut report = AssignReport {
        calls,
        ..AssignReport::default()
    };
    for (resources, result) in outcomes {
        for resource in resources {
            let entry = report.results.entry(resource).or_insert(Ok(()));
            if let Err(error) = &result {
                *entry = Err(error.clone());
            }
        }
    }
    report
}

/// Gives every resource every label value, in batches of at most 10 × 10, a few calls at a
/// time under the client's throttle. Assigning again is harmless.
pub async fn assign(okta: &Governance, orns: &[Orn], value_ids: &[String]) -> AssignReport {
    batched(okta, orns, value_ids, true).await
}

/// Removes the label values from the resources, batched like [`assign`].
pub async fn unassign(okta: &Governance, orns: &[Orn], value_ids: &[String]) -> AssignReport {
    batched(okta, orns, value_ids, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_tokens_and_unique_values() {
        assert_eq!(pointer_token("lbv1"), "lbv1");
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
        assert_eq!(
            Change::RemoveValue("x/../y".into()).operation()["path"],
            "/values/x~1..~1y"
        );
        let mut values: Vec<String> = ["a", "b", "a", "c", "b"].map(String::from).into();
        unique(&mut values);
        assert_eq!(values, ["a", "b", "c"]);
    }

    #[test]
    fn new_labels_are_checked_before_sending() {
        assert!(validate_new("Sensitivity", &[("High", Some(Color::Red))]).is_ok());
        let long = "x".repeat(51);
        for (key, values, field) in [
            (long.as_str(), vec![("v", None)], "name"),
            ("", vec![("v", None)], "name"),
            ("k", vec![], "values"),
            ("k", vec![(long.as_str(), None)], "values[].name"),
        ] {
            match validate_new(key, &values) {
                Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{key}: {other:?}"),
            }
        }
        let eleven: Vec<(&str, Option<Color>)> =
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
                .iter()
                .map(|n| (*n, None))
                .collect();
        assert!(matches!(
            validate_new("k", &eleven),
            Err(Error::Validation {
                field: "values",
                ..
            })
        ));
        assert!(validate_new(&"x".repeat(50), &[("y", Some(Color::Gray))]).is_ok());
    }
}
