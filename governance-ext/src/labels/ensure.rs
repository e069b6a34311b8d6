//! Creating a label, or completing one, without duplicates.

use okta_governance_client::prelude::*;
use okta_governance_client::types;

use super::{find_in, is_predefined, typed, Color, LabelError, MAX_CUSTOM_KEYS, MAX_VALUES};
use crate::error::{built, Error};
use crate::governance::Governance;

/// The builder of [`Labels::ensure`](super::Labels::ensure).
#[derive(Debug, Clone)]
#[must_use = "nothing happens until `send` is awaited"]
pub struct Ensure {
    pub(super) okta: Governance,
    pub(super) key: String,
    pub(super) values: Vec<(String, Option<Color>)>,
}

impl Ensure {
    /// A value the label must have, with a colour (`Color::Red`) or none (`None`).
    pub fn value(mut self, name: impl Into<String>, color: impl Into<Option<Color>>) -> Self {
        self.values.push((name.into(), color.into()));
        self
    }

    /// Checks the key, the values and their count, and builds the create body; nothing is
    /// sent.
    pub fn validate(&self) -> Result<types::LabelCreate, Error> {
        if self.values.is_empty() || self.values.len() > MAX_VALUES {
            return Err(crate::error::invalid(
                "values",
                Some(self.values.len().to_string()),
                "must hold 1 to 10 values",
            ));
        }
        let name = typed("name", &self.key)?;
        let values = self
            .values
            .iter()
            .map(|(name, color)| {
                built(
                    "values[]",
                    types::builder::LabelValueCreate::default()
                        .name(typed::<types::LabelValueCreateName>("values[].name", name)?)
                        .metadata(color.map(Color::metadata).transpose()?),
                )
            })
            .collect::<Result<Vec<_>, Error>>()?;
        built(
            "body",
            types::builder::LabelCreate::default()
                .name::<types::LabelCreateName>(name)
                .values(values),
        )
    }

    /// Creates the label or adds the missing values.
    pub async fn send(self) -> Result<types::Label, Error> {
        let body = self.validate()?;
        let labels = self.okta.labels();
        let all = labels.list().collect().await?;
        let label = match find_in(&all, &self.key) {
            Some(label) => label.clone(),
            None => {
                let custom = all.iter().filter(|l| !is_predefined(l)).count();
                if custom >= MAX_CUSTOM_KEYS {
                    return Err(LabelError::TooManyKeys { name: self.key }.into());
                }
                match self.okta.create_label().body(body).send().await {
                    Ok(created) => return Ok(created.into_inner()),
                    Err(error) => {
                        // Another caller may have created it meanwhile: use theirs.

                        match find_in(&labels.list().collect().await?, &self.key) {
                            Some(label) => label.clone(),
                            None => return Err(error),
                        }
                    }
                }
            }
        };
        let missing: Vec<&(String, Option<Color>)> = self
            .values
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
        let total = label.values.len().saturating_add(missing.len());
        if total > MAX_VALUES {
            return Err(crate::error::invalid(
                "values",
                Some(total.to_string()),
                "must hold at most 10 values per key",
            ));
        }
        let mut update = labels.update(&label);
        for (name, color) in missing {
            update = update.add_value(name.clone(), *color);
        }
        update.send().await
    }
}
