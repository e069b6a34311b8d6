//! Security access reviews: created `PENDING` (202), `ACTIVE` once "generated", closable.
//!
//! Every operation on one review serves both sides: the admin's
//! (`/security-access-reviews/…`) and the reviewer's (`/my/security-access-reviews/…`, answered
//! only to the review's reviewers). The matched route tells which.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Extension, MatchedPath, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Months, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::{lock, AccessRec, HistoryRec, Org, ReviewRec, Shared, SubAccessRec, Target};
use crate::wire::{
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
    let accesses = accesses_of(&shared);
    let created_by = caller.subject;
    let history = vec![HistoryRec {
        id: history_id(0),
        at: now,
        actor: Some(created_by.clone()),
        message: format!("Launched the review of {}", input.principal_id),
    }];
    let review = ReviewRec {
        id: new_id("sar"),
        name: input.name,
        principal: input.principal_id,
        reviewers: input
            .reviewer_settings
            .user_settings
            .map(|s| s.included_user_ids)
            .unwrap_or_default(),
        end_time,
        created: now,
        created_at: Instant::now(),
        created_by,
        closed_at: None,
        accesses,
        comments: Vec::new(),
        history,
    };
    let json = review.json(&shared);
    lock(&shared.org).reviews.insert(review.id.clone(), review);
    Ok(json_response(StatusCode::ACCEPTED, json))
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
    Ok(page(&shared, ADMIN, &params, &keys, limit, |id| {
        org.reviews[id].sparse_json(&shared)
    }))
}

/// The principal's accesses: one per app of the directory, each with the supported actions,
/// sub-accesses and anomalies of a realistic review.
///
/// - The first app may be revoked or flagged; it brings an entitlement value and an entitlement
///   bundle, and is unused and unusually assigned (two high anomalies).
/// - The second can only be flagged (it is assigned through an app group Okta does not
///   provision), and past reviews revoked it once (a medium anomaly).
/// - The third may be revoked, and nothing about it is unusual; it brings a group.
fn accesses_of(shared: &Shared) -> Vec<AccessRec> {
    let directory = &shared.settings.directory;
    let group = |n: usize| directory.groups.get(n);
    let target = |name: &str,
                  resource: &str,
                  severity,
                  supported: &[&'static str],
                  manual: &[&'static str]| Target {
        id: String::new(),
        name: name.to_string(),
        resource_id: resource.to_string(),
        severity,
        supported: supported.to_vec(),
        manual: manual.to_vec(),
        remediation: None,
    };
    let sub = |kind: &'static str,
               name: &str,
               resource: &str,
               severity,
               supported: &[&'static str],
               description: &str| SubAccessRec {
        target: target(name, resource, severity, supported, &[]),
        kind,
        description: description.to_string(),
    };
    let anomaly = |kind: &str, severity: &str, message: &str, args: Value| {
        let subtext = json!({
            "message": message,
            "args": args,
            "messageCode": format!("sar.anomaly.{}", kind.to_ascii_lowercase()),
        });
        json!({"type": kind, "severity": severity, "subtext": subtext})
    };
    let mut accesses = Vec::new();
    for (n, app) in directory.apps.iter().enumerate() {
        let access = match n {
            0 => AccessRec {
                target: target(
                    &app.name,
                    &app.id,
                    "HIGH",
                    &["REVOKE_ACCESS", "FLAG_FOR_MANUAL_REMEDIATION"],
                    &[],
                ),
                sub: vec![
                    sub(
                        "ENTITLEMENT_VALUE",
                        "Profile: System Administrator",
                        &crate::sim_id("esp", 1),
                        "HIGH",
                        &["REVOKE_ACCESS"],
                        "Full administrative access",
                    ),
                    sub(
                        "ENTITLEMENT_BUNDLE",
                        "Sales Operations",
                        &crate::sim_id("enb", 1),
                        "LOW",
                        &["REVOKE_ACCESS"],
                        "Reports and dashboards",
                    ),
                ],
                anomalies: vec![
                    anomaly(
                        "USAGE_HISTORY",
                        "HIGH",
                        "The user has not used the app in the last {0} days",
                        json!([{"value": "90", "type": "NUMBER"}]),
                    ),
                    anomaly(
                        "ASSIGNMENT_METHOD",
                        "HIGH",
                        "The user was assigned directly, unlike {0}% of the app's users",
                        json!([{"value": "92", "type": "NUMBER"}]),
                    ),
                ],
            },
            1 => AccessRec {
                target: target(
                    &app.name,
                    &app.id,
                    "HIGH",
                    &["FLAG_FOR_MANUAL_REMEDIATION"],
                    &["APP_GROUP"],
                ),
                sub: Vec::new(),
                anomalies: vec![anomaly(
                    "PAST_GOVERNANCE_DECISIONS",
                    "MEDIUM",
                    "Reviewers revoked this access {0} time before",
                    json!([{"value": "1", "type": "NUMBER"}]),
                )],
            },
            _ => AccessRec {
                target: target(&app.name, &app.id, "LOW", &["REVOKE_ACCESS"], &[]),
                sub: group(2)
                    .map(|g| {
                        sub(
                            "GROUP",
                            &g.name,
                            &g.id,
                            "MEDIUM",
                            &["REVOKE_ACCESS", "FLAG_FOR_MANUAL_REMEDIATION"],
                            "Assigns the app",
                        )
                    })
                    .into_iter()
                    .collect(),
                anomalies: Vec::new(),
            },
        };
        accesses.push(access);
    }
    for access in &mut accesses {
        access.target.id = new_id("aim");
        // Sub-access ids sort by priority (severity, highest first), the order Okta lists them.
        for sub in &mut access.sub {
            let rank = match sub.target.severity {
                "HIGH" => 1,
                "MEDIUM" => 2,
                _ => 3,
            };
            sub.target.id = format!("sai{rank}{}", crate::wire::unique_chars(16));
        }
        access.sub.sort_by(|a, b| a.target.id.cmp(&b.target.id));
    }
    accesses.sort_by(|a, b| a.target.id.cmp(&b.target.id));
    accesses
}

/// The id of a review's `n`th history entry (sorts in order, so it pages).
fn history_id(n: usize) -> String {
    format!("sah{n:0>17}")
}

/// The admin's side of the reviews.
pub(crate) const ADMIN: &str = "/governance/api/v2/security-access-reviews";
/// The reviewer's side.
pub(crate) const MY: &str = "/governance/api/v2/my/security-access-reviews";

/// Which side a request came in on: the base path of its route.
fn base(matched: &MatchedPath) -> &'static str {
    if matched.as_str().starts_with(MY) {
        MY
    } else {
        ADMIN
    }
}

/// The review `id` as the caller may see it: 404 when there is none; on the reviewer's side,
/// 403 E0000006 unless the caller is one of its reviewers.
fn review_for<'o>(
    org: &'o mut Org,
    id: &str,
    matched: &MatchedPath,
    caller: &Caller,
) -> Result<&'o mut ReviewRec, Response> {
    let Some(review) = org.reviews.get_mut(id) else {
        return Err(not_found(&format!("{id} (SecurityAccessReview)")));
    };
    if base(matched) == MY && !review.reviewers.contains(&caller.subject) {
        return Err(okta_error(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
            &[],
        ));
    }
    Ok(review)
}

/// The accesses of a review once it is generated (Okta lists none while it is `PENDING`).
fn generated<'r>(review: &'r ReviewRec, shared: &Shared) -> &'r [AccessRec] {
    if review.status(shared.settings.review_activation) == "PENDING" {
        &[]
    } else {
        &review.accesses
    }
}

/// `GET …/{id}`.
pub(crate) async fn get_one(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
    Path(id): Path<String>,
) -> Reply {
    let mut org = lock(&shared.org);
    let review = review_for(&mut org, &id, &matched, &caller)?;
    Ok(json_response(StatusCode::OK, review.json(&shared)))
}

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

/// `GET …/stats`: how many reviews are in each state (on the reviewer's side, of the caller's).
pub(crate) async fn stats(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
) -> Reply {
    let activation = shared.settings.review_activation;
    let org = lock(&shared.org);
    let mine = base(&matched) == MY;
    let mut counts: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for review in org.reviews.values() {
        if !mine || review.reviewers.contains(&caller.subject) {
            *counts.entry(review.status(activation)).or_default() += 1;
        }
    }
    let count = |status: &str| counts.get(status).copied().unwrap_or_default();
    Ok(json_response(
        StatusCode::OK,
        json!({
            "activeCount": count("ACTIVE"),
            "pendingCount": count("PENDING"),
            "errorCount": count("ERROR"),
            "closedCount": count("CLOSED"),
        }),
    ))
}

/// The review-level actions a review in `status` offers.
fn review_actions(status: &str) -> &'static [&'static str] {
    match status {
        "ACTIVE" => &["CLOSE_REVIEW", "RESTORE_ALL_ACCESS"],
        "CLOSED" => &["RESTORE_ALL_ACCESS"],
        _ => &[],
    }
}

/// `GET …/{id}/actions`: the review-level actions available now.
pub(crate) async fn list_actions(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
    Path(id): Path<String>,
) -> Reply {
    let mut org = lock(&shared.org);
    let review = review_for(&mut org, &id, &matched, &caller)?;
    let actions: Vec<Value> = review_actions(review.status(shared.settings.review_activation))
        .iter()
        .map(|a| json!({"actionType": a}))
        .collect();
    Ok(json_response(StatusCode::OK, json!({"data": actions})))
}

/// `POST …/{id}/actions`: `CLOSE_REVIEW` (an `ACTIVE` review) or `RESTORE_ALL_ACCESS` (an
/// `ACTIVE` or `CLOSED` one: every revoked access goes back, through `IN_PROGRESS`).
pub(crate) async fn action(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Reply {
    let input: ActionIn = body(&bytes)?;
    let activation = shared.settings.review_activation;
    let mut org = lock(&shared.org);
    let review = review_for(&mut org, &id, &matched, &caller)?;
    let status = review.status(activation);
    let kind = input.action_type.as_str();
    if !["CLOSE_REVIEW", "RESTORE_ALL_ACCESS"].contains(&kind) {
        return Err(invalid(format!(
            "actionType: `{kind}` is not CLOSE_REVIEW or RESTORE_ALL_ACCESS"
        )));
    }
    if !review_actions(status).contains(&kind) {
        return Err(invalid(format!(
            "actionType: {kind} is not available while the review is {status}"
        )));
    }
    let now = Utc::now();
    let message = if kind == "CLOSE_REVIEW" {
        review.closed_at = Some(now);
        "Closed the review".to_string()
    } else {
        let started = Instant::now();
        for access in &mut review.accesses {
            for target in access.targets_mut() {
                if matches!(target.remediation, Some(("REMEDIATED", _))) {
                    target.remediation = Some(("NONE", started));
                }
            }
        }
        "Restored all access the review revoked".to_string()
    };
    review.record(Some(caller.subject), message, now);
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

/// `GET …/{id}/accesses`, paged.
pub(crate) async fn accesses(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let params = query(raw.as_deref());
    let limit = limit(&params)?;
    let side = base(&matched);
    let mut org = lock(&shared.org);
    let review = review_for(&mut org, &id, &matched, &caller)?;
    let accesses = generated(review, &shared);
    let keys: Vec<&str> = accesses.iter().map(|a| a.target.id.as_str()).collect();
    Ok(page(
        &shared,
        &format!("{side}/{id}/accesses"),
        &params,
        &keys,
        limit,
        |key| {
            accesses
                .iter()
                .find(|a| a.target.id == key)
                .map(|a| a.json(&shared, side, &id))
                .unwrap_or_default()
        },
    ))
}

/// `GET …/{id}/accesses/{accessId}/sub-accesses`, paged, by priority (`orderBy=priority desc`,
/// the default and the only order served), filtered by `name` (`eq`, `sw`, `co`) or
/// `resourceType eq`.
pub(crate) async fn sub_accesses(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
    Path((id, access_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let params = query(raw.as_deref());
    let limit = limit(&params)?;
    if let Some(order) = params.get("orderBy") {
        if order != "priority desc" {
            return Err(invalid(format!(
                "orderBy: `{order}` is not supported; sub-accesses are ordered by `priority desc`"
            )));
        }
    }
    let terms = match params.get("filter") {
        Some(text) => filter(
            text,
            &[("name", &["eq", "sw", "co"]), ("resourceType", &["eq"])],
        )?,
        None => Vec::new(),
    };
    let side = base(&matched);
    let mut org = lock(&shared.org);
    let review = review_for(&mut org, &id, &matched, &caller)?;
    let Some(access) = generated(review, &shared)
        .iter()
        .find(|a| a.target.id == access_id)
    else {
        return Err(not_found(&format!(
            "{access_id} (SecurityAccessReviewAccess)"
        )));
    };
    let keys: Vec<&str> = access
        .sub
        .iter()
        .filter(|s| {
            terms.iter().all(|t| match t.attribute.as_str() {
                "name" => t.matches(&s.target.name),
                _ => t.matches(s.kind),
            })
        })
        .map(|s| s.target.id.as_str())
        .collect();
    Ok(page(
        &shared,
        &format!("{side}/{id}/accesses/{access_id}/sub-accesses"),
        &params,
        &keys,
        limit,
        |key| {
            access
                .sub
                .iter()
                .find(|s| s.target.id == key)
                .map(|s| s.json(&shared))
                .unwrap_or_default()
        },
    ))
}

/// `GET …/{id}/accesses/{targetId}/anomalies` (a sub-access has none of its own).
pub(crate) async fn anomalies(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
    Path((id, target_id)): Path<(String, String)>,
) -> Reply {
    let mut org = lock(&shared.org);
    let review = review_for(&mut org, &id, &matched, &caller)?;
    let accesses = generated(review, &shared);
    let anomalies = if let Some(access) = accesses.iter().find(|a| a.target.id == target_id) {
        access.anomalies.clone()
    } else if accesses
        .iter()
        .any(|a| a.sub.iter().any(|s| s.target.id == target_id))
    {
        Vec::new()
    } else {
        return Err(not_found(&format!(
            "{target_id} (SecurityAccessReviewAccess)"
        )));
    };
    Ok(json_response(StatusCode::OK, json!({"data": anomalies})))
}

/// `POST …/{id}/accesses/{targetId}/actions` on an access or a sub-access: 202; revokes and
/// restores go `IN_PROGRESS` and finish after the configured delay, flags are manual at once.
pub(crate) async fn access_action(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
    Path((id, target_id)): Path<(String, String)>,
    bytes: Bytes,
) -> Reply {
    let input: AccessActionIn = body(&bytes)?;
    let activation = shared.settings.review_activation;
    let mut org = lock(&shared.org);
    let review = review_for(&mut org, &id, &matched, &caller)?;
    let status = review.status(activation);
    if status != "ACTIVE" {
        return Err(invalid(format!(
            "type: accesses can be acted on while the review is ACTIVE; this one is {status}"
        )));
    }
    let Some(target) = review
        .accesses
        .iter_mut()
        .flat_map(AccessRec::targets_mut)
        .find(|t| t.id == target_id)
    else {
        return Err(not_found(&format!(
            "{target_id} (SecurityAccessReviewAccess)"
        )));
    };
    let Some(action) = target.supported.iter().find(|a| **a == input.kind).copied() else {
        return Err(invalid(format!(
            "type: `{}` is not supported by access {target_id}; it supports {}",
            input.kind,
            target.supported.join(", ")
        )));
    };
    let end = match action {
        "REVOKE_ACCESS" => "REMEDIATED",
        "RESTORE_ACCESS" => "NONE",
        "FLAG_FOR_MANUAL_REMEDIATION" => "PENDING_MANUAL_REMEDIATION",
        _ => "PENDING_MANUAL_RESTORATION",
    };
    target.remediation = Some((end, Instant::now()));
    let message = format!("{action} on {}", target.name);
    review.record(Some(caller.subject), message, Utc::now());
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `POST …/{id}/comment`: 204.
pub(crate) async fn comment(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
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
    let review = review_for(&mut org, &id, &matched, &caller)?;
    review.record(
        Some(caller.subject),
        format!("Commented: {}", input.comment),
        Utc::now(),
    );
    review.comments.push(input.comment);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET …/{id}/history`, paged, oldest first.
pub(crate) async fn history(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let params = query(raw.as_deref());
    let limit = limit(&params)?;
    let side = base(&matched);
    let mut org = lock(&shared.org);
    let review = review_for(&mut org, &id, &matched, &caller)?;
    let directory = &shared.settings.directory;
    let keys: Vec<&str> = review.history.iter().map(|h| h.id.as_str()).collect();
    Ok(page(
        &shared,
        &format!("{side}/{id}/history"),
        &params,
        &keys,
        limit,
        |key| {
            let Some(entry) = review.history.iter().find(|h| h.id == key) else {
                return Value::Null;
            };
            let mut item = json!({
                "id": entry.id,
                "systemGenerated": entry.actor.is_none(),
                "timestamp": entry.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "message": entry.message,
            });
            if let Some(user) = entry.actor.as_deref().and_then(|a| directory.user(a)) {
                item["principalProfile"] = profile(user);
            }
            item
        },
    ))
}

/// `GET …/{id}/principal`: who is under review.
pub(crate) async fn principal(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    matched: MatchedPath,
    Path(id): Path<String>,
) -> Reply {
    let mut org = lock(&shared.org);
    let review = review_for(&mut org, &id, &matched, &caller)?;
    let Some(user) = shared.settings.directory.user(&review.principal) else {
        return Err(not_found(&format!("{} (User)", review.principal)));
    };
    let mut body = profile(user);
    body["department"] = json!("Sales");
    body["role"] = json!("Account Executive");
    Ok(json_response(StatusCode::OK, body))
}

/// A directory user as `principal-profile-enriched`.
fn profile(user: &crate::Entry) -> Value {
    let (first, last) = user.name.split_once(' ').unwrap_or((&user.name, ""));
    let login = user.login();
    json!({
        "id": user.id,
        "firstName": first,
        "lastName": last,
        "login": login,
        "email": login,
        "status": "ACTIVE",
        "type": "USER",
    })
}

impl ReviewRec {
    /// Adds an entry to the history.
    fn record(&mut self, actor: Option<String>, message: String, at: DateTime<Utc>) {
        let id = history_id(self.history.len());
        // The spec's limit for a history message.
        let message = message.chars().take(1000).collect();
        self.history.push(HistoryRec {
            id,
            at,
            actor,
            message,
        });
    }
}
