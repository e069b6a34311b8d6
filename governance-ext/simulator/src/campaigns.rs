//! Access-certification campaigns and their reviews: create, list, get, launch (one review per
//! user in the principal scope and target resource, assigned to the `USER` reviewer, or to the
//! fallback reviewer for the reviewer's own access), `LAUNCHING` then `ACTIVE`,
//! reassign, end (revoked reviews remediated), delete before launch. Reviewers' decisions come
//! from the tests ([`Simulator::decide`](crate::Simulator::decide)): the public API has none.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::state::{lock, Shared};
use crate::wire::{
    body, filter, invalid, json_response, limit, new_id, not_found, page, query, Reply,
};

/// The campaigns path.
pub(crate) const CAMPAIGNS: &str = "/governance/api/v1/campaigns";
/// The reviews path.
pub(crate) const REVIEWS: &str = "/governance/api/v1/reviews";

/// One campaign: its stored body and lifecycle.
pub(crate) struct CampaignRec {
    pub body: Value,
    pub status: &'static str,
    pub launched: Option<Instant>,
    pub created: DateTime<Utc>,
}

/// One review of a campaign.
pub(crate) struct CReviewRec {
    pub id: String,
    pub campaign: String,
    pub principal: String,
    pub resource: String,
    pub reviewer: String,
    pub decision: &'static str,
    pub decided: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub remediation: &'static str,
    pub level: Option<String>,
}

/// The campaigns and reviews of the org.
#[derive(Default)]
pub(crate) struct CampaignState {
    pub campaigns: BTreeMap<String, CampaignRec>,
    pub reviews: BTreeMap<String, CReviewRec>,
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl CampaignRec {
    /// The status now: `LAUNCHING` turns `ACTIVE` after the review activation delay.
    fn status(&self, shared: &Shared) -> &'static str {
        match (self.status, self.launched) {
            ("LAUNCHING", Some(at)) if at.elapsed() >= shared.settings.review_activation => {
                "ACTIVE"
            }
            (status, _) => status,
        }
    }

    fn full(&self, shared: &Shared) -> Value {
        let mut body = self.body.clone();
        let id = body["id"].as_str().unwrap_or_default().to_string();
        body["status"] = json!(self.status(shared));
        let base = format!("{CAMPAIGNS}/{id}");
        body["_links"] = json!({
            "self": shared.admin_link(&base),
            "launchCampaign": shared.admin_link(&format!("{base}/launch")),
            "endCampaign": shared.admin_link(&format!("{base}/end")),
            "reviews": shared.admin_link(&format!("{REVIEWS}?filter=campaignId%20eq%20%22{id}%22")),
        });
        body
    }

    fn sparse(&self, shared: &Shared) -> Value {
        let full = self.full(shared);
        let schedule = &full["scheduleSettings"];
        let start: DateTime<Utc> = schedule["startDate"]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.to_utc())
            .unwrap_or(self.created);
        let days = schedule["durationInDays"]
            .as_f64()
            .unwrap_or(1.0)
            .clamp(1.0, 3650.0);
        let end = start + chrono::Duration::seconds((days * 86_400.0) as i64);
        let mut sparse = json!({
            "id": full["id"], "status": full["status"], "name": full["name"],
            "description": full["description"],
            "created": full["created"], "createdBy": full["createdBy"],
            "lastUpdated": full["lastUpdated"], "lastUpdatedBy": full["lastUpdatedBy"],
            "startDate": stamp(start), "endDate": stamp(end),
            "scheduleType": schedule["type"], "reviewerType": full["reviewerSettings"]["type"],
            "_links": full["_links"],
        });
        // Absent optional fields are left out, not sent as null.
        if let Some(object) = sparse.as_object_mut() {
            object.retain(|_, v| !v.is_null());
        }
        sparse
    }
}

impl CReviewRec {
    fn sparse(&self, shared: &Shared) -> Value {
        let profile = |id: &str| {
            let user = shared.settings.directory.users.iter().find(|u| u.id == id);
            match user {
                Some(user) => {
                    let login = user.login();
                    let (first, last) = user.name.split_once(' ').unwrap_or((&user.name, ""));
                    json!({"id": id, "login": login, "email": login, "firstName": first, "lastName": last, "status": "ACTIVE", "type": "USER"})
                }
                None => json!({"id": id, "status": "ACTIVE", "type": "USER"}),
            }
        };
        let mut review = json!({
            "id": self.id, "campaignId": self.campaign, "resourceId": self.resource,
            "principalProfile": profile(&self.principal),
            "reviewerProfile": profile(&self.reviewer),
            "reviewerType": "USER",
            "decision": self.decision, "remediationStatus": self.remediation,
            "created": "2026-01-01T00:00:00Z", "createdBy": "system",
            "lastUpdated": "2026-01-01T00:00:00Z", "lastUpdatedBy": "system",
            "_links": {
                "self": shared.admin_link(&format!("{REVIEWS}/{}", self.id)),
                "reassignReview": shared.admin_link(&format!("{CAMPAIGNS}/{}/reviews/reassign", self.campaign)),
            },
        });
        if let Some(decided) = self.decided {
            review["decided"] = json!(stamp(decided));
        }
        if let Some(level) = &self.level {
            review["currentReviewerLevel"] = json!(level);
        }
        review
    }

    fn full(&self, shared: &Shared) -> Value {
        let mut review = self.sparse(shared);
        if let Some(note) = &self.note {
            review["note"] = json!({"id": format!("nte{}", &self.id[3..]), "note": note});
        }
        review
    }
}

/// `POST /campaigns`: the body is kept as sent, with the read-only fields added.
pub(crate) async fn create(State(shared): State<Arc<Shared>>, raw: Bytes) -> Reply {
    let mut campaign: Value = body(&raw)?;
    for field in [
        "name",
        "scheduleSettings",
        "resourceSettings",
        "reviewerSettings",
        "remediationSettings",
    ] {
        if campaign.get(field).is_none_or(Value::is_null) {
            return Err(invalid(format!("{field}: a value is required")));
        }
    }
    let name_len = campaign["name"]
        .as_str()
        .map(|n| n.chars().count())
        .unwrap_or(0);
    if !(1..=255).contains(&name_len) {
        return Err(invalid("name: must be 1 to 255 characters"));
    }
    // The reviewer types the simulated org assigns: a USER, or the fallback reviewer for a
    // RESOURCE_OWNER or REVIEWER_EXPRESSION campaign (its resources have no owners and it
    // evaluates no expression, which is when Okta assigns the fallback reviewer). GROUP and
    // MULTI_LEVEL are refused by name rather than launched with nobody to review.
    let reviewer = &campaign["reviewerSettings"];
    let needs = |field: &str, kind: &str| -> Result<(), Response> {
        match reviewer[field].as_str() {
            Some(_) => Ok(()),
            None => Err(invalid(format!(
                "reviewerSettings.{field}: required for a {kind} reviewer"
            ))),
        }
    };
    match reviewer["type"].as_str() {
        Some("USER") => needs("reviewerId", "USER")?,
        Some("RESOURCE_OWNER") => needs("fallBackReviewerId", "RESOURCE_OWNER")?,
        Some("REVIEWER_EXPRESSION") => {
            needs("reviewerScopeExpression", "REVIEWER_EXPRESSION")?;
            needs("fallBackReviewerId", "REVIEWER_EXPRESSION")?
        }
        Some(kind @ ("GROUP" | "MULTI_LEVEL")) => {
            return Err(invalid(format!(
                "reviewerSettings.type: {kind} reviewers are not simulated (USER, \
                 RESOURCE_OWNER and REVIEWER_EXPRESSION are)"
            )))
        }
        _ => {
            return Err(invalid(
                "reviewerSettings.type: must be USER, GROUP, REVIEWER_EXPRESSION, \
                 RESOURCE_OWNER or MULTI_LEVEL",
            ))
        }
    }
    let id = new_id("ici");
    let now = Utc::now();
    campaign["id"] = json!(id);
    campaign["created"] = json!(stamp(now));
    campaign["lastUpdated"] = json!(stamp(now));
    campaign["createdBy"] = json!("00usimadmin000000000");
    campaign["lastUpdatedBy"] = json!("00usimadmin000000000");
    let record = CampaignRec {
        body: campaign,
        status: "SCHEDULED",
        launched: None,
        created: now,
    };
    let answer = record.full(&shared);
    lock(&shared.campaigns).campaigns.insert(id, record);
    Ok(json_response(StatusCode::CREATED, answer))
}

/// `GET /campaigns`, with `name eq` and `status eq` filters.
pub(crate) async fn list(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Reply {
    let params = query(raw.as_deref());
    let terms = match params.get("filter") {
        Some(text) => filter(text, &[("status", &["eq"]), ("name", &["eq"])])?,
        None => Vec::new(),
    };
    let limit = limit(&params)?;
    let state = lock(&shared.campaigns);
    let keys: Vec<&str> = state
        .campaigns
        .iter()
        .filter(|(_, c)| {
            terms.iter().all(|t| match t.attribute.as_str() {
                "status" => t.matches(c.status(&shared)),
                _ => t.matches(c.body["name"].as_str().unwrap_or_default()),
            })
        })
        .map(|(id, _)| id.as_str())
        .collect();
    Ok(page(&shared, CAMPAIGNS, &params, &keys, limit, |id| {
        state.campaigns[id].sparse(&shared)
    }))
}

fn campaign_not_found(id: &str) -> Response {
    not_found(&format!("campaign {id}"))
}

/// `GET /campaigns/{id}`.
pub(crate) async fn get_one(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Reply {
    let state = lock(&shared.campaigns);
    let campaign = state
        .campaigns
        .get(&id)
        .ok_or_else(|| campaign_not_found(&id))?;
    Ok(json_response(StatusCode::OK, campaign.full(&shared)))
}

fn conflict(reason: &str) -> Response {
    crate::wire::okta_error(StatusCode::CONFLICT, "E0000001", reason, &[])
}

/// `DELETE /campaigns/{id}`: only a campaign that never launched.
pub(crate) async fn delete(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Reply {
    let mut state = lock(&shared.campaigns);
    let status = state
        .campaigns
        .get(&id)
        .ok_or_else(|| campaign_not_found(&id))?
        .status(&shared);
    if status != "SCHEDULED" {
        return Err(conflict("Only a scheduled campaign can be deleted."));
    }
    state.campaigns.remove(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// 202 with `Location` pointing at the campaign, as Okta answers launch and end.
fn accepted(shared: &Shared, id: &str) -> Response {
    let mut response = StatusCode::ACCEPTED.into_response();
    let location = format!("{}{CAMPAIGNS}/{id}", shared.settings.admin_base);
    if let Ok(value) = axum::http::HeaderValue::from_str(&location) {
        response.headers_mut().insert("location", value);
    }
    response
}

/// `POST /campaigns/{id}/launch`: one review per user and target resource, assigned by the
/// reviewer settings (a `USER` reviewer, or the fallback reviewer; a principal never reviews
/// themself when self-review is disabled).
pub(crate) async fn launch(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Reply {
    let mut state = lock(&shared.campaigns);
    let campaign = state
        .campaigns
        .get_mut(&id)
        .ok_or_else(|| campaign_not_found(&id))?;
    if campaign.status != "SCHEDULED" {
        return Err(conflict("The campaign was launched already."));
    }
    campaign.status = "LAUNCHING";
    campaign.launched = Some(Instant::now());
    let settings = campaign.body["reviewerSettings"].clone();
    let resources: Vec<String> = campaign.body["resourceSettings"]["targetResources"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|r| r["resourceId"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let fallback = settings["fallBackReviewerId"].as_str().map(str::to_string);
    // A USER campaign's reviewer; for the other simulated types (checked when created), no
    // resource owner or expression names anyone here, so the fallback reviewer reviews.
    let reviewer = match settings["type"].as_str() {
        Some("USER") => settings["reviewerId"].as_str().map(str::to_string),
        _ => fallback.clone(),
    }
    .unwrap_or_default();
    // The principals: `principalScopeSettings.userIds` when given (else every user of the
    // directory), less `excludedUserIds`.
    let scope = &campaign.body["principalScopeSettings"];
    let listed = |key: &str| -> Option<Vec<String>> {
        scope[key].as_array().map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(str::to_string))
                .collect()
        })
    };
    let only = listed("userIds");
    let excluded = listed("excludedUserIds").unwrap_or_default();
    let users: Vec<String> = shared
        .settings
        .directory
        .users
        .iter()
        .map(|u| u.id.clone())
        .filter(|id| only.as_ref().is_none_or(|only| only.contains(id)))
        .filter(|id| !excluded.contains(id))
        .collect();
    for resource in &resources {
        for user in &users {
            let reviewer = if *user == reviewer {
                fallback.clone().unwrap_or_else(|| reviewer.clone())
            } else {
                reviewer.clone()
            };
            let review_id = new_id("icr");
            state.reviews.insert(
                review_id.clone(),
                CReviewRec {
                    id: review_id,
                    campaign: id.clone(),
                    principal: user.clone(),
                    resource: resource.clone(),
                    reviewer,
                    decision: "UNREVIEWED",
                    decided: None,
                    note: None,
                    remediation: "NONE",
                    level: None,
                },
            );
        }
    }
    Ok(accepted(&shared, &id))
}

/// `POST /campaigns/{id}/end`: `COMPLETED`; revoked (and, when the settings say `DENY`,
/// unanswered) reviews are remediated unless `skipRemediation`.
pub(crate) async fn end(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    raw: Bytes,
) -> Reply {
    let request: Value = if raw.is_empty() {
        json!({})
    } else {
        body(&raw)?
    };
    let skip = request["skipRemediation"].as_bool().unwrap_or(false);
    let mut state = lock(&shared.campaigns);
    let campaign = state
        .campaigns
        .get_mut(&id)
        .ok_or_else(|| campaign_not_found(&id))?;
    if campaign.status(&shared) != "ACTIVE" {
        return Err(conflict("Only an active campaign can be ended."));
    }
    campaign.status = "COMPLETED";
    let deny_unanswered = campaign.body["remediationSettings"]["noResponse"] == "DENY";
    for review in state.reviews.values_mut().filter(|r| r.campaign == id) {
        let remediate =
            review.decision == "REVOKE" || (review.decision == "UNREVIEWED" && deny_unanswered);
        if remediate && !skip {
            review.remediation = "SUCCESS";
        }
    }
    Ok(accepted(&shared, &id))
}

/// `GET /reviews`, filtered by campaign, reviewer, principal, resource, decision, level (terms
/// joined by `and`; parentheses around an `and` group are accepted).
pub(crate) async fn list_reviews(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let params = query(raw.as_deref());
    let terms = match params.get("filter") {
        Some(text) => {
            if text.to_ascii_lowercase().contains(" or ") {
                return Err(invalid("filter: `or` is not supported here"));
            }
            let flat = text.replace(['(', ')'], " ");
            filter(
                flat.trim(),
                &[
                    ("campaignId", &["eq"]),
                    ("reviewerId", &["eq"]),
                    ("principalId", &["eq"]),
                    ("resourceId", &["eq"]),
                    ("decision", &["eq"]),
                    ("reviewerLevel", &["eq"]),
                ],
            )?
        }
        None => Vec::new(),
    };
    let limit = limit(&params)?;
    let state = lock(&shared.campaigns);
    let keys: Vec<&str> = state
        .reviews
        .values()
        .filter(|r| {
            terms.iter().all(|t| match t.attribute.as_str() {
                "campaignId" => t.matches(&r.campaign),
                "reviewerId" => t.matches(&r.reviewer),
                "principalId" => t.matches(&r.principal),
                "resourceId" => t.matches(&r.resource),
                "decision" => t.matches(r.decision),
                _ => t.matches(r.level.as_deref().unwrap_or("FIRST")),
            })
        })
        .map(|r| r.id.as_str())
        .collect();
    Ok(page(&shared, REVIEWS, &params, &keys, limit, |id| {
        state.reviews[id].sparse(&shared)
    }))
}

/// `GET /reviews/{id}`.
pub(crate) async fn get_review(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Reply {
    let state = lock(&shared.campaigns);
    let review = state
        .reviews
        .get(&id)
        .ok_or_else(|| not_found(&format!("review {id}")))?;
    Ok(json_response(StatusCode::OK, review.full(&shared)))
}

/// `POST /campaigns/{id}/reviews/reassign`: 1-50 reviews of an active campaign, a reviewer and
/// a note of 1-300 characters.
pub(crate) async fn reassign(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    raw: Bytes,
) -> Reply {
    let request: Value = body(&raw)?;
    let ids: Vec<String> = request["reviewIds"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if !(1..=50).contains(&ids.len()) {
        return Err(invalid("reviewIds: must hold 1 to 50 review ids"));
    }
    let note_len = request["note"]
        .as_str()
        .map(|n| n.chars().count())
        .unwrap_or(0);
    if !(1..=300).contains(&note_len) {
        return Err(invalid("note: must be 1 to 300 characters"));
    }
    let reviewer = request["reviewerId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if reviewer.is_empty() {
        return Err(invalid("reviewerId: a value is required"));
    }
    let mut state = lock(&shared.campaigns);
    match state.campaigns.get(&id) {
        None => return Err(campaign_not_found(&id)),
        Some(c) if c.status(&shared) != "ACTIVE" => {
            return Err(conflict(
                "Reviews can be reassigned in an active campaign only.",
            ))
        }
        Some(_) => {}
    }
    if let Some(missing) = ids
        .iter()
        .find(|r| state.reviews.get(*r).is_none_or(|rec| rec.campaign != id))
    {
        return Err(invalid(format!(
            "reviewIds: {missing} is not a review of this campaign"
        )));
    }
    let level = request["reviewerLevel"].as_str().map(str::to_string);
    let mut data = Vec::new();
    for review_id in &ids {
        if let Some(review) = state.reviews.get_mut(review_id) {
            review.reviewer = reviewer.clone();
            if level.is_some() {
                review.level = level.clone();
            }
            data.push(review.sparse(&shared));
        }
    }
    Ok(json_response(
        StatusCode::OK,
        json!({
            "data": data,
            "_links": {
                "self": shared.admin_link(&format!("{CAMPAIGNS}/{id}/reviews/reassign")),
                "reviews": shared.admin_link(&format!("{REVIEWS}?filter=campaignId%20eq%20%22{id}%22")),
            }
        }),
    ))
}
