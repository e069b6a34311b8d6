//! Labels and resource labels, with Okta's limits and its error bodies.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::{lock, LabelRec, Org, Shared, ValueRec, COLORS};
use crate::wire::{body, filter, invalid, json_response, limit, not_found, page, query, Reply};
use okta_governance::orn::Orn;

/// Label values one resource may carry.
pub(crate) const MAX_VALUES_PER_RESOURCE: usize = 10;
/// Custom label keys per org (predefined ones not counted).
const MAX_CUSTOM_LABELS: usize = 10;
/// Values per label key.
const MAX_VALUES: usize = 10;
/// ORNs, value ids or PATCH operations per request.
const MAX_BATCH: usize = 10;

#[derive(Deserialize)]
struct ColorIn {
    #[serde(rename = "backgroundColor")]
    background_color: Option<String>,
}

#[derive(Deserialize)]
struct MetadataIn {
    #[serde(rename = "additionalProperties")]
    additional: Option<ColorIn>,
}

#[derive(Deserialize)]
struct ValueIn {
    name: Option<String>,
    metadata: Option<MetadataIn>,
}

#[derive(Deserialize)]
struct LabelIn {
    name: String,
    #[serde(default)]
    values: Vec<ValueIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignIn {
    resource_orns: Vec<String>,
    label_value_ids: Vec<String>,
}

fn check_name(field: &str, name: &str) -> Result<(), Response> {
    let length = name.chars().count();
    if (1..=50).contains(&length) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{field}: `{name}` has {length} characters; names have 1-50"
        )))
    }
}

fn color(field: &str, metadata: &Option<MetadataIn>) -> Result<Option<String>, Response> {
    let Some(color) = metadata
        .as_ref()
        .and_then(|m| m.additional.as_ref())
        .and_then(|a| a.background_color.clone())
    else {
        return Ok(None);
    };
    if COLORS.contains(&color.as_str()) {
        Ok(Some(color))
    } else {
        Err(invalid(format!(
            "{field}.metadata.additionalProperties.backgroundColor: `{color}` is not one of {}",
            COLORS.join(", ")
        )))
    }
}

/// Key names and value names are unique across the org, whatever their case; `candidate`
/// replaces the label with its id (or is new).
fn check_unique(org: &Org, candidate: &LabelRec) -> Result<(), Response> {
    let others = org.labels.iter().filter(|l| l.id != candidate.id);
    let mut seen_values: Vec<String> = Vec::new();
    for other in others.clone() {
        if other.name.eq_ignore_ascii_case(&candidate.name) {
            return Err(invalid(format!(
                "name: a label named `{}` already exists (names are unique regardless of case)",
                other.name
            )));
        }
        seen_values.extend(other.values.iter().map(|v| v.name.to_lowercase()));
    }
    for value in &candidate.values {
        let lower = value.name.to_lowercase();
        if seen_values.contains(&lower) {
            return Err(invalid(format!(
                "values.name: a label value named `{}` already exists (names are unique regardless of case)",
                value.name
            )));
        }
        seen_values.push(lower);
    }
    if candidate.values.len() > MAX_VALUES {
        return Err(invalid(format!(
            "values: {} values; a label has at most {MAX_VALUES}",
            candidate.values.len()
        )));
    }
    Ok(())
}

/// `GET /labels` (filter `values.name sw|co "…"`).
pub(crate) async fn list(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Reply {
    let params = query(raw.as_deref());
    let terms = match params.get("filter") {
        Some(text) => filter(text, &[("values.name", &["sw", "co"])])?,
        None => Vec::new(),
    };
    let org = lock(&shared.org);
    let data: Vec<Value> = org
        .labels
        .iter()
        .filter(|l| {
            terms
                .iter()
                .all(|t| l.values.iter().any(|v| t.matches(&v.name)))
        })
        .map(|l| l.json(&shared))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"data": data, "_links": {"self": shared.admin_link("/governance/api/v1/labels")}}),
    ))
}

/// `POST /labels`.
pub(crate) async fn create(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Reply {
    let input: LabelIn = body(&bytes)?;
    check_name("name", &input.name)?;
    let mut values = Vec::new();
    for (i, value) in input.values.iter().enumerate() {
        let field = format!("values[{i}]");
        let name = value.name.clone().unwrap_or_default();
        check_name(&format!("{field}.name"), &name)?;
        values.push(ValueRec {
            id: Org::new_value_id(),
            name,
            color: color(&field, &value.metadata)?,
        });
    }
    let label = LabelRec {
        id: Org::new_label_id(),
        name: input.name,
        values,
        predefined: false,
    };
    let mut org = lock(&shared.org);
    let custom = org.labels.iter().filter(|l| !l.predefined).count();
    if custom >= MAX_CUSTOM_LABELS {
        return Err(invalid(format!(
            "labels: an org has at most {MAX_CUSTOM_LABELS} custom labels (predefined ones not counted); this one has {custom}"
        )));
    }
    check_unique(&org, &label)?;
    let json = label.json(&shared);
    org.labels.push(label);
    Ok(json_response(StatusCode::CREATED, json))
}

/// `GET /labels/{labelId}`.
pub(crate) async fn get_one(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let org = lock(&shared.org);
    match org.label(&id) {
        Some(label) => json_response(StatusCode::OK, label.json(&shared)),
        None => not_found(&format!("{id} (Label)")),
    }
}

/// Applies one PATCH operation to `label`.
fn apply(org: &Org, label: &mut LabelRec, i: usize, op: &Value) -> Result<(), Response> {
    let text = |name: &str| op.get(name).and_then(Value::as_str).unwrap_or_default();
    let field = format!("[{i}]");
    let path = text("path");
    match (text("refType"), text("op")) {
        ("LABEL-CATEGORY", "REPLACE") => {
            if path != "/name" {
                return Err(invalid(format!(
                    "{field}.path: `{path}` must be /name for LABEL-CATEGORY"
                )));
            }
            let name = text("value");
            check_name(&format!("{field}.value"), name)?;
            label.name = name.to_string();
        }
        ("LABEL-VALUE", "ADD") => {
            let value: ValueIn =
                serde_json::from_value(op.get("value").cloned().unwrap_or_default())
                    .map_err(|e| invalid(format!("{field}.value: {e}")))?;
            let name = value.name.clone().unwrap_or_default();
            check_name(&format!("{field}.value.name"), &name)?;
            label.values.push(ValueRec {
                id: Org::new_value_id(),
                name,
                color: color(&format!("{field}.value"), &value.metadata)?,
            });
        }
        ("LABEL-VALUE", kind @ ("REMOVE" | "REPLACE")) => {
            let id = path
                .strip_prefix("/values/")
                .map(|rest| rest.split('/').next().unwrap_or_default())
                .unwrap_or_default();
            let Some(index) = label.values.iter().position(|v| v.id == id) else {
                return Err(invalid(format!(
                    "{field}.path: `{path}` names no value of this label"
                )));
            };
            if kind == "REMOVE" {
                if org.is_assigned(id) {
                    return Err(invalid(format!(
                        "{field}.path: value `{id}` is assigned to resources; unassign it first"
                    )));
                }
                label.values.remove(index);
            } else {
                let value: ValueIn =
                    serde_json::from_value(op.get("value").cloned().unwrap_or_default())
                        .map_err(|e| invalid(format!("{field}.value: {e}")))?;
                if let Some(name) = &value.name {
                    check_name(&format!("{field}.value.name"), name)?;
                    label.values[index].name = name.clone();
                }
                if let Some(color) = color(&format!("{field}.value"), &value.metadata)? {
                    label.values[index].color = Some(color);
                }
            }
        }
        (ref_type, kind) => {
            return Err(invalid(format!(
                "{field}: `{kind}` with refType `{ref_type}` is not a label operation"
            )))
        }
    }
    Ok(())
}

/// `PATCH /labels/{labelId}`: 1-10 operations, applied all or none.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Reply {
    let ops: Vec<Value> = body(&bytes)?;
    if ops.is_empty() || ops.len() > MAX_BATCH {
        return Err(invalid(format!(
            "operations: {} given; send 1-{MAX_BATCH} per request",
            ops.len()
        )));
    }
    let mut org = lock(&shared.org);
    let Some(current) = org.label(&id).cloned() else {
        return Err(not_found(&format!("{id} (Label)")));
    };
    if current.predefined {
        return Err(invalid(format!(
            "labelId: `{}` is a predefined label, which cannot be changed",
            current.name
        )));
    }
    let mut label = current;
    for (i, op) in ops.iter().enumerate() {
        apply(&org, &mut label, i, op)?;
    }
    check_unique(&org, &label)?;
    let json = label.json(&shared);
    if let Some(slot) = org.labels.iter_mut().find(|l| l.id == id) {
        *slot = label;
    }
    Ok(json_response(StatusCode::OK, json))
}

/// `DELETE /labels/{labelId}`: only when none of its values is assigned.
pub(crate) async fn delete(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Reply {
    let mut org = lock(&shared.org);
    let Some(label) = org.label(&id) else {
        return Err(not_found(&format!("{id} (Label)")));
    };
    if label.predefined {
        return Err(invalid(format!(
            "labelId: `{}` is a predefined label, which cannot be deleted",
            label.name
        )));
    }
    if let Some(value) = label.values.iter().find(|v| org.is_assigned(&v.id)) {
        return Err(invalid(format!(
            "labelId: value `{}` of this label is assigned to resources; unassign it before deleting the label",
            value.name
        )));
    }
    org.labels.retain(|l| l.id != id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The resource-label item for `orn` carrying `values`.
fn resource_json(shared: &Shared, org: &Org, orn: &str, values: &BTreeSet<String>) -> Value {
    let labels: Vec<Value> = org
        .labels
        .iter()
        .filter(|l| l.values.iter().any(|v| values.contains(&v.id)))
        .map(|l| l.json_with(shared, |v| values.contains(&v.id)))
        .collect();
    let self_filter: String =
        url::form_urlencoded::byte_serialize(format!("orn eq \"{orn}\"").as_bytes()).collect();
    let mut item = json!({
        "orn": orn,
        "labels": labels,
        "_links": {"self": shared.admin_link(&format!("/governance/api/v1/resource-labels?filter={self_filter}"))},
    });
    let profile = match shared.settings.directory.name_of(orn) {
        Some(entry) => Some(json!({"id": entry.id, "name": entry.name})),
        None => orn
            .parse::<Orn>()
            .ok()
            .map(|o| o.id().to_string())
            .filter(|id| id.len() == 20)
            .map(|id| json!({"id": id, "name": id})),
    };
    if let Some(profile) = profile {
        item["profile"] = profile;
    }
    item
}

/// The checked body of assign / unassign.
fn batch(shared: &Shared, org: &Org, bytes: &[u8]) -> Result<AssignIn, Response> {
    let input: AssignIn = body(bytes)?;
    for (field, count) in [
        ("resourceOrns", input.resource_orns.len()),
        ("labelValueIds", input.label_value_ids.len()),
    ] {
        if count == 0 || count > MAX_BATCH {
            return Err(invalid(format!(
                "{field}: {count} given; send 1-{MAX_BATCH} per request"
            )));
        }
    }
    let org_id = &shared.settings.directory.org_id;
    for (i, text) in input.resource_orns.iter().enumerate() {
        let orn: Orn = text
            .parse()
            .map_err(|e| invalid(format!("resourceOrns[{i}]: {e}")))?;
        if orn.org() != org_id {
            return Err(invalid(format!(
                "resourceOrns[{i}]: `{text}` belongs to org `{}`, not this org ({org_id})",
                orn.org()
            )));
        }
    }
    for (i, id) in input.label_value_ids.iter().enumerate() {
        if org.value(id).is_none() {
            return Err(invalid(format!(
                "labelValueIds[{i}]: there is no label value `{id}`"
            )));
        }
    }
    Ok(input)
}

/// `POST /resource-labels/assign`: every listed resource gets every listed value.
pub(crate) async fn assign(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Reply {
    let mut org = lock(&shared.org);
    let input = batch(&shared, &org, &bytes)?;
    for (i, orn) in input.resource_orns.iter().enumerate() {
        let carried = org.carried_after(orn, &input.label_value_ids);
        if carried > MAX_VALUES_PER_RESOURCE {
            return Err(invalid(format!(
                "resourceOrns[{i}]: `{orn}` would carry {carried} label values; a resource carries at most {MAX_VALUES_PER_RESOURCE}"
            )));
        }
    }
    for orn in &input.resource_orns {
        org.assignments
            .entry(orn.clone())
            .or_default()
            .extend(input.label_value_ids.iter().cloned());
    }
    let data: Vec<Value> = input
        .resource_orns
        .iter()
        .map(|orn| resource_json(&shared, &org, orn, &org.assignments[orn]))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"data": data, "_links": {"self": shared.admin_link("/governance/api/v1/resource-labels/assign")}}),
    ))
}

/// `POST /resource-labels/unassign`.
pub(crate) async fn unassign(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Reply {
    let mut org = lock(&shared.org);
    let input = batch(&shared, &org, &bytes)?;
    for orn in &input.resource_orns {
        if let Some(values) = org.assignments.get_mut(orn) {
            for id in &input.label_value_ids {
                values.remove(id);
            }
            if values.is_empty() {
                org.assignments.remove(orn);
            }
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /resource-labels?filter=…` (required), paged with `after` and `limit`.
pub(crate) async fn list_resources(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let params = query(raw.as_deref());
    let Some(text) = params.get("filter") else {
        return Err(invalid(
            "filter: required (orn eq, labelValueId eq or resourceType eq, joined with AND)",
        ));
    };
    let terms = filter(
        text,
        &[
            ("orn", &["eq"]),
            ("labelValueId", &["eq"]),
            ("resourceType", &["eq"]),
        ],
    )?;
    let limit = limit(&params)?;
    let org = lock(&shared.org);
    let keys: Vec<&str> = org
        .assignments
        .iter()
        .filter(|(orn, values)| {
            terms.iter().all(|t| match t.attribute.as_str() {
                "orn" => t.matches(orn),
                "labelValueId" => values.contains(&t.value),
                _ => orn
                    .parse::<Orn>()
                    .is_ok_and(|o| t.matches(o.resource_type())),
            })
        })
        .map(|(orn, _)| orn.as_str())
        .collect();
    Ok(page(
        &shared,
        "/governance/api/v1/resource-labels",
        &params,
        &keys,
        limit,
        |orn| resource_json(&shared, &org, orn, &org.assignments[orn]),
    ))
}
