//! Changes to a label, sent as PATCH operations in batches.

use okta_governance_client::prelude::*;
use okta_governance_client::types;

use super::{is_predefined, typed, Color, LabelError, MAX_BATCH};
use crate::error::{built, Error};
use crate::governance::Governance;

/// One change of an [`Update`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Change {
    RenameKey(String),
    AddValue(String, Option<Color>),
    RenameValue(types::LabelValueId, String),
    SetColor(types::LabelValueId, Color),
    RemoveValue(types::LabelValueId),
}

fn key_op(name: &str) -> Result<types::PatchLabelsItem, Error> {
    let operation: types::PatchLabelOperation = built(
        "body",
        types::builder::PatchLabelOperation::default()
            .op(types::LabelPatchOp::Replace)
            .path("/name".to_string())
            .ref_type(types::PatchLabelOperationRefType::LabelCategory)
            .value(typed::<types::PatchLabelOperationValue>("name", name)?),
    )?;
    Ok(operation.into())
}

fn value_op(
    op: types::LabelValuePatchOp,
    path: String,
    value: Option<types::LabelValueUpdate>,
) -> Result<types::PatchLabelsItem, Error> {
    let operation: types::PatchLabelValueOperation = built(
        "body",
        types::builder::PatchLabelValueOperation::default()
            .op(op)
            .path(path)
            .ref_type(types::PatchLabelValueOperationRefType::LabelValue)
            .value(value),
    )?;
    Ok(operation.into())
}

/// The update of one label value: its new name, its new colour, or both.
fn value_update(
    name: Option<&str>,
    color: Option<Color>,
) -> Result<types::LabelValueUpdate, Error> {
    let name = name
        .map(|name| typed::<types::LabelValueUpdateName>("values[].name", name))
        .transpose()?;
    built(
        "values[]",
        types::builder::LabelValueUpdate::default()
            .name(name)
            .metadata(color.map(Color::metadata).transpose()?),
    )
}

impl Change {
    /// The PATCH operation; names are checked here, before anything is sent.
    pub(super) fn operation(&self) -> Result<types::PatchLabelsItem, Error> {
        use types::LabelValuePatchOp as Op;
        Ok(match self {
            Change::RenameKey(name) => key_op(name)?,
            Change::AddValue(name, color) => value_op(
                Op::Add,
                "/values/-".into(),
                Some(value_update(Some(name), *color)?),
            )?,
            Change::RenameValue(id, name) => value_op(
                Op::Replace,
                format!("/values/{}/name", pointer_token(id)),
                Some(value_update(Some(name), None)?),
            )?,
            Change::SetColor(id, color) => value_op(
                Op::Replace,
                format!(
                    "/values/{}/metadata/additionalProperties/backgroundColor",
                    pointer_token(id)
                ),
                Some(value_update(None, Some(*color))?),
            )?,
            Change::RemoveValue(id) => {
                value_op(Op::Remove, format!("/values/{}", pointer_token(id)), None)?
            }
        })
    }
}

/// The builder of [`Labels::update`](super::Labels::update): the changes, applied in order when sent.
#[derive(Debug, Clone)]
#[must_use = "nothing happens until `send` is awaited"]
pub struct Update {
    pub(super) okta: Governance,
    pub(super) label: types::Label,
    pub(super) changes: Vec<Change>,
}

impl Update {
    /// Renames the key.
    pub fn rename(mut self, name: impl Into<String>) -> Self {
        self.changes.push(Change::RenameKey(name.into()));
        self
    }

    /// Adds a value, with a colour or none.
    pub fn add_value(mut self, name: impl Into<String>, color: impl Into<Option<Color>>) -> Self {
        self.changes
            .push(Change::AddValue(name.into(), color.into()));
        self
    }

    /// Renames the value `id`.
    pub fn rename_value(mut self, id: &types::LabelValueId, name: impl Into<String>) -> Self {
        self.changes
            .push(Change::RenameValue(id.clone(), name.into()));
        self
    }

    /// Sets the colour of the value `id`.
    pub fn set_color(mut self, id: &types::LabelValueId, color: Color) -> Self {
        self.changes.push(Change::SetColor(id.clone(), color));
        self
    }

    /// Removes the value `id`.
    pub fn remove_value(mut self, id: &types::LabelValueId) -> Self {
        self.changes.push(Change::RemoveValue(id.clone()));
        self
    }

    /// Checks every change and builds the PATCH bodies (at most 10 operations each); nothing
    /// is sent.
    pub fn validate(&self) -> Result<Vec<types::PatchLabels>, Error> {
        if is_predefined(&self.label) {
            return Err(LabelError::Predefined {
                label_id: self.label.label_id.to_string(),
            }
            .into());
        }
        let operations = self
            .changes
            .iter()
            .map(Change::operation)
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(operations
            .chunks(MAX_BATCH)
            .map(|chunk| types::PatchLabels(chunk.to_vec()))
            .collect())
    }

    /// Applies the changes; the label as the last call left it.
    pub async fn send(self) -> Result<types::Label, Error> {
        let bodies = self.validate()?;
        let mut current = self.label;
        for body in bodies {
            current = self
                .okta
                .update_label()
                .label_id(current.label_id.to_string())
                .body(body)
                .send()
                .await?
                .into_inner();
        }
        Ok(current)
    }
}

/// One reference token of a JSON Pointer (RFC 6901): `~` becomes `~0` and `/` becomes `~1`,
/// so an id can never address another member.
pub(super) fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
