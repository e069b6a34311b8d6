//! Security access reviews: created `PENDING` (202), `ACTIVE` once "generated", closable.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Months, Utc};
use serde::Deserialize;

use super::state::{lock, AccessRec, ReviewRec, Shared};
use super::wire::{
    body, filter, invalid, json_response, limit, new_id, not_found, okta_error, page, query,
    Caller, Reply,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserSettingsIn {
    #[serde(default)]
    included_user_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewerSettingsIn {
    #[serde(rename = "type")]
    kind: String,
    user_settings: Option<UserSettingsIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewIn {
    principal_id: String,
    name: String,
    end_time: Option<DateTime<Utc>>,
    reviewer_settings: ReviewerSettingsIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionIn {
    action_type: String,
}

/// Every rule of the create request, in the order Okta reports them.
fn check(shared: &Shared, input: &ReviewIn, now: DateTime<Utc>) -> Result<DateTime<Utc>, Response> {
    let directory = &shared.settings.directory;
    if input.principal_id.len() != 20 {
        return Err(invalid(format!(
            "principalId: `{}` must be a 20-character user id",
            input.principal_id
        )));
    }
    if directory.user(&input.principal_id).is_none() {
        return Err(invalid(format!(
            "principalId: there is no user `{}`",
            input.principal_id
        )));
    }
    let length = input.name.chars().count();
    if !(1..=255).contains(&length) {
        return Err(invalid(format!(
            "name: {length} characters; a review name has 1-255"
        )));
    }
    if input.reviewer_settings.kind != "USER" {
        return Err(invalid(format!(
            "reviewerSettings.type: `{}` is not USER",
            input.reviewer_settings.kind
        )));
    }
    let reviewers = input
        .reviewer_settings
        .user_settings
        .as_ref()
        .map(|s| s.included_user_ids.as_slice())
        .unwrap_or_default();
    if reviewers.is_empty() || reviewers.len() > 10 {
        return Err(invalid(format!(
            "reviewerSettings.userSettings.includedUserIds: {} given; a review has 1-10 reviewers",
            reviewers.len()
        )));
    }
    for (i, id) in reviewers.iter().enumerate() {
        if id == &input.principal_id {
            return Err(invalid(format!(
                "reviewerSettings.userSettings.includedUserIds[{i}]: the principal under review cannot review their own access"
            )));
        }
        if directory.user(id).is_none() {
            return Err(invalid(format!(
                "reviewerSettings.userSettings.includedUserIds[{i}]: there is no user `{id}`"
            )));
        }
    }
    let end = input
        .end_time
        .unwrap_or_else(|| now + chrono::Duration::days(7));
    let latest = now.checked_add_months(Months::new(6)).unwrap_or(now);
    if end < now + chrono::Duration::days(1) || end >= latest {
        return Err(invalid(format!(
            "endTime: `{}` must be at least 1 day and less than 6 months after creation",
            end.to_rfc3339()
        )));
    }
    Ok(end)
}

/// `POST /security-access-reviews`: 202 with the review `PENDING`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    bytes: Bytes,
) -> Reply {
    let input: ReviewIn = body(&bytes)?;
    let now = Utc::now();
    let end_time = check(&shared, &input, now)?;
    // The principal's accesses: one per app of the directory. The first may be revoked or
    // flagged, the second only flagged (its app is not provisioned by Okta), the third
    // revoked.
    let profiles: [(&str, &[&str]); 3] = [
        ("HIGH", &["REVOKE_ACCESS", "FLAG_FOR_MANUAL_REMEDIATION"]),
        ("HIGH", &["FLAG_FOR_MANUAL_REMEDIATION"]),
        ("LOW", &["REVOKE_ACCESS"]),
    ];
    let mut accesses: Vec<AccessRec> = shared
        .settings
        .directory
        .apps
        .iter()
        .zip(profiles)
        .map(|(app, (severity, supported))| AccessRec {
            id: new_id("aim"),
            name: app.name.clone(),
            resource_id: app.id.clone(),
            severity,
            supported: supported.to_vec(),
            remediation: None,
        })
        .collect();
    accesses.sort_by(|a, b| a.id.cmp(&b.id));
    let review = ReviewRec {
        id: new_id("sar"),
        name: input.name,
        reviewers: input
            .reviewer_settings
            .user_settings
            .map(|s| s.included_user_ids)
            .unwrap_or_default(),
        end_time,
        created: now,
        created_at: Instant::now(),
        created_by: caller.subject,
        closed_at: None,
        accesses,
        comments: Vec::new(),
    };
    let json = review.json(&shared);
    lock(&shared.org).reviews.insert(review.id.clone(), review);
    Ok(json_response(StatusCode::ACCEPTED, json))
}

/// `GET /security-access-reviews/{id}`.
pub(crate) async fn get_one(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let org = lock(&shared.org);
    match org.reviews.get(&id) {
        Some(review) => json_response(StatusCode::OK, review.json(&shared)),
        None => not_found(&format!("{id} (SecurityAccessReview)")),
    }
}

/// `GET /security-access-reviews` (filter `status eq`, `name sw|co`), paged.
pub(crate) async fn list(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Reply {
    let params = query(raw.as_deref());
    let terms = match params.get("filter") {
        Some(text) => filter(text, &[("status", &["eq"]), ("name", &["sw", "co", "eq"])])?,
        None => Vec::new(),
    };
    let limit = limit(&params)?;
    let activation = shared.settings.review_activation;
    let org = lock(&shared.org);
    let keys: Vec<&str> = org
        .reviews
        .values()
        .filter(|r| {
            terms.iter().all(|t| match t.attribute.as_str() {
                "status" => t.matches(r.status(activation)),
                _ => t.matches(&r.name),
            })
        })
        .map(|r| r.id.as_str())
        .collect();
    Ok(page(
        &shared,
        "/governance/api/v2/security-access-reviews",
        &params,
        &keys,
        limit,
        |id| org.reviews[id].sparse_json(&shared),
    ))
}

/// `POST /security-access-reviews/{id}/actions`: `CLOSE_REVIEW` or `RESTORE_ALL_ACCESS`.
pub(crate) async fn action(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Reply {
    let input: ActionIn = body(&bytes)?;
    let activation = shared.settings.review_activation;
    let mut org = lock(&shared.org);
    let Some(review) = org.reviews.get_mut(&id) else {
        return Err(not_found(&format!("{id} (SecurityAccessReview)")));
    };
    match (input.action_type.as_str(), review.status(activation)) {
        ("CLOSE_REVIEW", "ACTIVE") => review.closed_at = Some(Utc::now()),
        ("CLOSE_REVIEW", status) => {
            return Err(invalid(format!(
                "actionType: CLOSE_REVIEW needs an ACTIVE review; this one is {status}"
            )))
        }
        ("RESTORE_ALL_ACCESS", "ACTIVE" | "CLOSED") => {}
        ("RESTORE_ALL_ACCESS", status) => {
            return Err(invalid(format!(
            "actionType: RESTORE_ALL_ACCESS needs an ACTIVE or CLOSED review; this one is {status}"
        )))
        }
        (other, _) => {
            return Err(invalid(format!(
                "actionType: `{other}` is not CLOSE_REVIEW or RESTORE_ALL_ACCESS"
            )))
        }
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

#[derive(Deserialize)]
struct AccessActionIn {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct CommentIn {
    comment: String,
}

/// `GET /security-access-reviews/{id}/accesses`, paged.
pub(crate) async fn accesses(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    list_accesses(
        &shared,
        &id,
        raw,
        "/governance/api/v2/security-access-reviews",
    )
}

fn list_accesses(shared: &Shared, id: &str, raw: Option<String>, base: &str) -> Reply {
    let params = query(raw.as_deref());
    let limit = limit(&params)?;
    let activation = shared.settings.review_activation;
    let org = lock(&shared.org);
    let Some(review) = org.reviews.get(id) else {
        return Err(not_found(&format!("{id} (SecurityAccessReview)")));
    };
    // Okta lists accesses once the review is generated.
    let keys: Vec<&str> = if review.status(activation) == "PENDING" {
        Vec::new()
    } else {
        review.accesses.iter().map(|a| a.id.as_str()).collect()
    };
    Ok(page(
        shared,
        &format!("{base}/{id}/accesses"),
        &params,
        &keys,
        limit,
        |access| {
            review
                .accesses
                .iter()
                .find(|a| a.id == access)
                .map(|a| a.json(shared, id))
                .unwrap_or_default()
        },
    ))
}

/// `POST /security-access-reviews/{id}/accesses/{accessId}/actions`: 202; revokes and restores
/// go `IN_PROGRESS` and finish after the configured delay, flags are manual at once.
pub(crate) async fn access_action(
    State(shared): State<Arc<Shared>>,
    Path((id, access_id)): Path<(String, String)>,
    bytes: Bytes,
) -> Reply {
    let input: AccessActionIn = body(&bytes)?;
    let activation = shared.settings.review_activation;
    let mut org = lock(&shared.org);
    let Some(review) = org.reviews.get_mut(&id) else {
        return Err(not_found(&format!("{id} (SecurityAccessReview)")));
    };
    let status = review.status(activation);
    if status != "ACTIVE" {
        return Err(invalid(format!(
            "type: accesses can be acted on while the review is ACTIVE; this one is {status}"
        )));
    }
    let Some(access) = review.accesses.iter_mut().find(|a| a.id == access_id) else {
        return Err(not_found(&format!(
            "{access_id} (SecurityAccessReviewAccess)"
        )));
    };
    let Some(action) = access.supported.iter().find(|a| **a == input.kind).copied() else {
        return Err(invalid(format!(
            "type: `{}` is not supported by access {access_id}; it supports {}",
            input.kind,
            access.supported.join(", ")
        )));
    };
    let end = match action {
        "REVOKE_ACCESS" => "REMEDIATED",
        "RESTORE_ACCESS" => "NONE",
        "FLAG_FOR_MANUAL_REMEDIATION" => "PENDING_MANUAL_REMEDIATION",
        _ => "PENDING_MANUAL_RESTORATION",
    };
    access.remediation = Some((end, Instant::now()));
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `POST /security-access-reviews/{id}/comment`: 204.
pub(crate) async fn comment(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Reply {
    let input: CommentIn = body(&bytes)?;
    let length = input.comment.chars().count();
    if !(1..=1000).contains(&length) {
        return Err(invalid(format!(
            "comment: {length} characters; a comment has 1-1000"
        )));
    }
    let mut org = lock(&shared.org);
    let Some(review) = org.reviews.get_mut(&id) else {
        return Err(not_found(&format!("{id} (SecurityAccessReview)")));
    };
    review.comments.push(input.comment);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// 403 E0000006 unless the caller is one of the review's reviewers: the `/my/` operations
/// answer only them.
fn assigned(shared: &Shared, id: &str, caller: &Caller) -> Result<(), Response> {
    let org = lock(&shared.org);
    let Some(review) = org.reviews.get(id) else {
        return Err(not_found(&format!("{id} (SecurityAccessReview)")));
    };
    if review.reviewers.contains(&caller.subject) {
        Ok(())
    } else {
        Err(okta_error(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
            &[],
        ))
    }
}

const MY: &str = "/governance/api/v2/my/security-access-reviews";

/// `GET /my/security-access-reviews`: the caller's reviews, paged.
pub(crate) async fn my_list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let params = query(raw.as_deref());
    let limit = limit(&params)?;
    let org = lock(&shared.org);
    let keys: Vec<&str> = org
        .reviews
        .values()
        .filter(|r| r.reviewers.contains(&caller.subject))
        .map(|r| r.id.as_str())
        .collect();
    Ok(page(&shared, MY, &params, &keys, limit, |id| {
        org.reviews[id].sparse_json(&shared)
    }))
}

/// `GET /my/security-access-reviews/{id}`.
pub(crate) async fn my_get_one(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Reply {
    assigned(&shared, &id, &caller)?;
    Ok(get_one(State(shared), Path(id)).await)
}

/// `GET /my/security-access-reviews/{id}/accesses`.
pub(crate) async fn my_accesses(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    assigned(&shared, &id, &caller)?;
    list_accesses(&shared, &id, raw, MY)
}

/// `POST /my/security-access-reviews/{id}/accesses/{accessId}/actions`.
pub(crate) async fn my_access_action(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((id, access)): Path<(String, String)>,
    bytes: Bytes,
) -> Reply {
    assigned(&shared, &id, &caller)?;
    access_action(State(shared), Path((id, access)), bytes).await
}

/// `POST /my/security-access-reviews/{id}/comment`.
pub(crate) async fn my_comment(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Reply {
    assigned(&shared, &id, &caller)?;
    comment(State(shared), Path(id), bytes).await
}

/// `POST /my/security-access-reviews/{id}/actions` (`CLOSE_REVIEW`).
pub(crate) async fn my_action(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Reply {
    assigned(&shared, &id, &caller)?;
    action(State(shared), Path(id), bytes).await
}
