//! Governance labels, reached through [`Governance::labels`]: list (with the predefined ones
//! recognisable), find, ensure, update, delete, assign to and unassign from any number of
//! resources, and stream the resources carrying a value.
//!
//! Needs `okta.governance.labels.read` / `.manage`; assigning also needs read access to the
//! labelled resources (`okta.apps.read`, `okta.groups.read`, …) and an admin role that may manage
//! labels. Limits, checked before anything is sent: key and value names 1-50 characters, at
//! most 10 values per key and 10 custom keys per org, colours from [`Color`], at most 10 labels
//! and 10 resources per assign call (batched here).
//!
//! ```no_run
//! use okta_governance::prelude::*;
//! use okta_governance::labels::Color;
//! use okta_governance::orn::Orn;
//! # async fn run(okta: Governance) -> Result<(), Error> {
//! let label = okta
//!     .labels()
//!     .ensure("Sensitivity")
//!     .value("High", Color::Red)
//!     .value("Low", None)
//!     .send()
//!     .await?;
//! let high = label.values.iter().find(|v| v.name.as_str() == "High").unwrap();
//! let app: Orn = "orn:okta:idp:00o11edPwGqbUrsDm0g4:apps:oidc:0oafxqCAJWWGELFTYASJ".parse().unwrap();
//! let report = okta.labels().assign(&[app], &[high.label_value_id.clone()]).send().await?;
//! assert!(report.is_success());
//! # Ok(()) }
//! ```
//!
//! The module's files, by concern: this one (the handle, listing, finding, deleting), `ensure`
//! (create or complete a label), `update` (PATCH changes in batches), `assign` (bulk assign and
//! unassign, in the shape of [`bulk`](crate::bulk)).

use futures_util::stream::TryStreamExt;
use okta_governance_client::prelude::*;
use okta_governance_client::types;

use crate::bulk::Report;
pub use crate::error::LabelError;
use crate::error::{built, Error};
use crate::filter::{LabelFilter, ResourceLabelFilter};
use crate::governance::Governance;
use crate::orn::Orn;
use crate::paginate::List;

mod assign;
mod ensure;
mod update;

pub use assign::Bulk;
use assign::{first_error, Direction};
pub use ensure::Ensure;
pub use update::Update;

/// The keys Okta creates in every OIG org (each with one value of the same name).
pub const PREDEFINED: &[&str] = &["Crown Jewel", "Privileged"];
/// Custom label keys per org.
pub const MAX_CUSTOM_KEYS: usize = 10;
/// Values per key.
pub const MAX_VALUES: usize = 10;
/// Resources and label values per assign or unassign call.
pub const MAX_BATCH: usize = 10;

/// The background colours a label value may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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

impl std::fmt::Display for Color {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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

    /// The colour the API spells `name` (`"red"`, any case), if it is one of these.
    pub fn from_api(name: &str) -> Option<Self> {
        [
            Color::Red,
            Color::Orange,
            Color::Yellow,
            Color::Green,
            Color::Blue,
            Color::Purple,
            Color::Teal,
            Color::Beige,
            Color::Gray,
        ]
        .into_iter()
        .find(|color| color.as_str().eq_ignore_ascii_case(name))
    }

    /// The background colour of a label value, as the org returned it: `None` when it has
    /// none, or one this version does not know (Okta may add colours).
    pub fn of(value: &types::LabelValue) -> Option<Self> {
        let name = value
            .metadata
            .as_ref()?
            .additional_properties
            .as_ref()?
            .background_color
            .as_ref()?
            .as_str()?;
        Self::from_api(name)
    }

    fn metadata(self) -> Result<types::LabelMetadata, Error> {
        let colour = types::builder::LabelMetadataAdditionalProperties::default()
            .background_color(serde_json::Value::from(self.as_str()));
        built(
            "metadata",
            types::builder::LabelMetadata::default().additional_properties(built::<
                types::LabelMetadataAdditionalProperties,
                _,
            >(
                "metadata.additionalProperties",
                colour,
            )?),
        )
    }
}

pub(super) fn check_name(field: &'static str, name: &str) -> Result<(), Error> {
    let length = name.chars().count();
    if (1..=50).contains(&length) {
        Ok(())
    } else {
        Err(crate::error::invalid(
            field,
            Some(name.to_string()),
            "must be 1 to 50 characters",
        ))
    }
}

/// A generated name newtype from a checked name; the generated checks agree with
/// [`check_name`], so the conversion fails only if the spec's limit changes.
pub(super) fn typed<T: TryFrom<String>>(field: &'static str, name: &str) -> Result<T, Error>
where
    T::Error: std::fmt::Display,
{
    check_name(field, name)?;
    crate::error::typed(field, name)
}

/// Whether a label is one of the two Okta creates in every org (they cannot be changed).
pub fn is_predefined(label: &types::Label) -> bool {
    PREDEFINED.contains(&label.name.as_str())
}

/// The label whose key is `name` among `labels`, compared case-insensitively as the server
/// does.
pub fn find_in<'l>(labels: &'l [types::Label], name: &str) -> Option<&'l types::Label> {
    labels
        .iter()
        .find(|label| label.name.as_str().eq_ignore_ascii_case(name))
}

/// The label calls of a client: `okta.labels()`.
///
/// It owns a clone of the client (cheap: the client is shared handles), as do its builders
/// and streams: each is `'static` and `Send`, so it can be returned, stored or spawned.
#[derive(Debug, Clone)]
pub struct Labels {
    okta: Governance,
}

impl Governance {
    /// The governance-label calls (see [`labels`](crate::labels)).
    pub fn labels(&self) -> Labels {
        Labels { okta: self.clone() }
    }
}

impl Labels {
    /// The org's labels (those `filter` matches, if given): the endpoint answers one page.
    pub fn list(&self) -> List<types::Label, LabelFilter> {
        let okta = self.okta.clone();
        List::new(None, move |filter, _cursor, _limit| {
            let okta = okta.clone();
            async move {
                let builder = okta.list_labels();
                let builder = match filter {
                    Some(filter) => builder.filter(types::ScimFilter(filter)),
                    None => builder,
                };
                let labels = builder.send().await?.into_inner().data;
                Ok(crate::paginate::single_page(labels))
            }
        })
    }

    /// The label whose key is `name` (case-insensitive, as the server compares), if any.
    pub async fn find(&self, name: &str) -> Result<Option<types::Label>, Error> {
        Ok(find_in(&self.list().collect().await?, name).cloned())
    }

    /// The label `key` with at least the values given to the builder: created when missing,
    /// missing values added (case-insensitive match, never duplicated). Safe to run again and
    /// against a concurrent creator.
    pub fn ensure(&self, key: impl Into<String>) -> Ensure {
        Ensure {
            okta: self.okta.clone(),
            key: key.into(),
            values: Vec::new(),
        }
    }

    /// Changes to `label`, applied with the PATCH operation (at most 10 per call) when sent.
    pub fn update(&self, label: &types::Label) -> Update {
        Update {
            okta: self.okta.clone(),
            label: label.clone(),
            changes: Vec::new(),
        }
    }

    /// Deletes a label. Refused ([`LabelError::InUse`], before the DELETE) while any of its
    /// values is assigned; [`delete_unassigning_first`](Self::delete_unassigning_first)
    /// removes the assignments first when you mean it.
    pub async fn delete(&self, label: &types::Label) -> Result<(), Error> {
        if is_predefined(label) {
            return Err(LabelError::Predefined {
                label_id: label.label_id.to_string(),
            }
            .into());
        }
        for value in &label.values {
            if self
                .resources_with_value(&value.label_value_id)
                .page_size(1)
                .stream()
                .try_next()
                .await?
                .is_some()
            {
                return Err(LabelError::InUse {
                    label_id: label.label_id.to_string(),
                }
                .into());
            }
        }
        self.okta
            .delete_label()
            .label_id(label.label_id.to_string())
            .send()
            .await?;
        Ok(())
    }

    /// Unassigns every value of the label from every resource, then deletes it. The first
    /// failed batch stops it (the label is not deleted).
    pub async fn delete_unassigning_first(
        &self,
        label: &types::Label,
    ) -> Result<Report<Orn>, Error> {
        if is_predefined(label) {
            return Err(LabelError::Predefined {
                label_id: label.label_id.to_string(),
            }
            .into());
        }
        let mut report = Report::default();
        for value in &label.values {
            let holders: Vec<types::ResourceLabel> = self
                .resources_with_value(&value.label_value_id)
                .collect()
                .await?;
            // An ORN the org sends that does not parse stops the flow, naming it: skipping it
            // would leave the value assigned and the delete refused later, unexplained.
            let mut orns: Vec<Orn> = Vec::new();
            for holder in &holders {
                if let Some(orn) = &holder.orn {
                    orns.push(Orn::try_from(orn)?);
                }
            }
            let part = self
                .unassign(&orns, std::slice::from_ref(&value.label_value_id))
                .send()
                .await?;
            if let Some(error) = first_error(&part) {
                return Err(error);
            }
            report.merge(part);
        }
        self.delete(label).await?;
        Ok(report)
    }

    /// Gives every resource every label value, in batches of at most 10 × 10, a few calls at a
    /// time under the client's throttle. Assigning again is harmless. Send it for a
    /// [`Report`], or stream its [`outcomes`](Bulk::outcomes) for progress.
    pub fn assign(&self, orns: &[Orn], value_ids: &[types::LabelValueId]) -> Bulk {
        Bulk::new(self.okta.clone(), orns, value_ids, Direction::Assign)
    }

    /// Removes the label values from the resources, batched like [`assign`](Self::assign).
    pub fn unassign(&self, orns: &[Orn], value_ids: &[types::LabelValueId]) -> Bulk {
        Bulk::new(self.okta.clone(), orns, value_ids, Direction::Unassign)
    }

    /// The resources carrying a label value.
    pub fn resources_with_value(
        &self,
        value_id: &types::LabelValueId,
    ) -> List<types::ResourceLabel> {
        self.resource_list(Some(ResourceLabelFilter::label_value_id(value_id.as_str())))
    }

    /// The labels of one resource.
    pub fn of_resource(&self, orn: &Orn) -> List<types::ResourceLabel> {
        self.resource_list(Some(ResourceLabelFilter::orn(orn)))
    }

    /// The labelled resources of a type (`apps`, `groups`, …).
    pub fn resources_of_type(&self, resource_type: &str) -> List<types::ResourceLabel> {
        self.resource_list(Some(ResourceLabelFilter::resource_type(resource_type)))
    }

    /// The labelled resources (those the list's filter matches).
    pub fn resources(&self) -> List<types::ResourceLabel, ResourceLabelFilter> {
        self.resource_list(None)
    }

    fn resource_list<F>(
        &self,
        filter: Option<ResourceLabelFilter>,
    ) -> List<types::ResourceLabel, F> {
        crate::paginate::operation_list!(
            self.okta,
            filter.map(String::from),
            |okta| okta.list_label_resources(),
            |filter| types::ScimFilter(filter)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::update::{pointer_token, Change};
    use super::*;

    #[test]
    fn a_value_colour_reads_back_as_a_color() {
        for color in [Color::Red, Color::Teal, Color::Gray] {
            let value: types::LabelValue = serde_json::from_value(serde_json::json!({
                "labelValueId": "lbl0123456789abcdefg", "name": "High",
                "metadata": {"additionalProperties": {"backgroundColor": color.as_str().to_uppercase()}}
            }))
            .unwrap();
            assert_eq!(Color::of(&value), Some(color));
            assert_eq!(color.to_string(), color.as_str());
        }
        for metadata in [
            serde_json::json!(null),
            serde_json::json!({}),
            serde_json::json!({"additionalProperties": {"backgroundColor": "ultraviolet"}}),
            serde_json::json!({"additionalProperties": {"backgroundColor": 7}}),
        ] {
            let value: types::LabelValue = serde_json::from_value(serde_json::json!({
                "labelValueId": "lbl0123456789abcdefg", "name": "High", "metadata": metadata
            }))
            .unwrap();
            assert_eq!(Color::of(&value), None);
        }
    }
    use crate::dedup::unique;

    fn id(text: &str) -> types::LabelValueId {
        text.parse().unwrap()
    }

    fn labels() -> Labels {
        crate::governance::test_client().labels()
    }

    #[test]
    fn pointer_tokens_and_unique_values() {
        assert_eq!(pointer_token("lbv1"), "lbv1");
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
        let operation = Change::RemoveValue(id("x/../yyyyyyyyyyyyyyy"))
            .operation()
            .unwrap();
        assert_eq!(
            serde_json::to_value(operation).unwrap()["path"],
            "/values/x~1..~1yyyyyyyyyyyyyyy"
        );
        let mut values: Vec<String> = ["a", "b", "a", "c", "b"].map(String::from).into();
        unique(&mut values);
        assert_eq!(values, ["a", "b", "c"]);
    }

    #[test]
    fn new_labels_are_checked_before_sending() {
        let body = labels()
            .ensure("Sensitivity")
            .value("High", Color::Red)
            .value("Low", None)
            .validate()
            .unwrap();
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            serde_json::json!({"name": "Sensitivity", "values": [
                {"name": "High", "metadata": {"additionalProperties": {"backgroundColor": "red"}}},
                {"name": "Low"}
            ]})
        );
        let long = "x".repeat(51);
        for (ensure, field) in [
            (labels().ensure(long.as_str()).value("v", None), "name"),
            (labels().ensure("").value("v", None), "name"),
            (labels().ensure("k"), "values"),
            (
                labels().ensure("k").value(long.as_str(), None),
                "values[].name",
            ),
            (
                (0..11).fold(labels().ensure("k"), |e, i| e.value(i.to_string(), None)),
                "values",
            ),
        ] {
            match ensure.validate() {
                Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert!(labels()
            .ensure("x".repeat(50))
            .value("y", Color::Gray)
            .validate()
            .is_ok());
    }

    #[test]
    fn updates_build_typed_patch_bodies_in_batches_of_ten() {
        let label: types::Label = serde_json::from_value(serde_json::json!({
            "labelId": "lbc11keklyNa6KhMi1d7",
            "name": "Sensitivity",
            "values": [{"labelValueId": "lbl11keklyNa6KhMi1d8", "name": "High"}],
            "_links": {"self": {"href": "https://acme-admin.okta.com/governance/api/v1/labels/lbc11keklyNa6KhMi1d7"}}
        }))
        .unwrap();
        let high = id("lbl11keklyNa6KhMi1d8");
        let update = (0..9).fold(
            labels()
                .update(&label)
                .rename("Data sensitivity")
                .set_color(&high, Color::Purple),
            |u, i| u.add_value(format!("Tier {i}"), None),
        );
        let bodies = update.validate().unwrap();
        assert_eq!(bodies.iter().map(|b| b.len()).collect::<Vec<_>>(), [10, 1]);
        assert_eq!(
            serde_json::to_value(&bodies[0][1]).unwrap(),
            serde_json::json!({
                "op": "REPLACE",
                "path": "/values/lbl11keklyNa6KhMi1d8/metadata/additionalProperties/backgroundColor",
                "refType": "LABEL-VALUE",
                "value": {"metadata": {"additionalProperties": {"backgroundColor": "purple"}}}
            })
        );
        let too_long = labels().update(&label).rename("x".repeat(51)).validate();
        assert!(matches!(too_long, Err(Error::InvalidInput { field, .. }) if field == "name"));
        let mut crown = label.clone();
        crown.name = "Crown Jewel".parse().unwrap();
        assert!(matches!(
            labels().update(&crown).rename("x").validate(),
            Err(Error::Label(LabelError::Predefined { .. }))
        ));
    }
}
