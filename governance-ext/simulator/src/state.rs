//! What the simulated org holds: labels, assignments, reviews, issued tokens, counters.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::Jwk;
use serde_json::{json, Value};

use crate::wire::{new_id, random_chars};
use crate::Directory;
use okta_governance::orn::Orn;
use okta_governance::Scopes;
use okta_governance::Secret;
use okta_governance::{AuthError, Error};

/// The registered service app.
pub(crate) struct ClientApp {
    pub id: String,
    pub jwks: Vec<Jwk>,
    pub scopes: Scopes,
}

/// The registered OIDC app users sign in to (authorization code + PKCE, a public client).
pub(crate) struct UserApp {
    pub id: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Scopes,
}

/// An authorization code: single use, short-lived, bound to what the authorize request said.
pub(crate) struct CodeRec {
    pub user: String,
    pub scopes: Scopes,
    pub redirect_uri: String,
    pub challenge: String,
    pub expires: Instant,
}

/// A refresh token: rotated on every use.
pub(crate) struct RefreshRec {
    pub user: String,
    pub scopes: Scopes,
    pub jkt: Option<String>,
    /// Unused for this long, it expires (Okta's default idle lifetime is 7 days).
    pub expires: Instant,
}

/// How long an unused refresh token of the simulated org lives.
pub(crate) const REFRESH_IDLE: Duration = Duration::from_secs(7 * 24 * 3600);

/// `now + after`, or a year from now when that is not representable: never an overflow.
pub(crate) fn later(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

impl AuthState {
    /// Records a used `jti`, remembered until `forget_at`; `false` if it was used before.
    /// Forgets the `jti`s whose time has passed.
    pub fn use_jti(&mut self, jti: String, forget_at: Instant) -> bool {
        let now = Instant::now();
        self.used_jti.retain(|_, at| *at > now);
        match self.used_jti.entry(jti) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(forget_at);
                true
            }
        }
    }

    /// Adds an access token; forgets the expired ones.
    pub fn add_token(&mut self, token: String, record: TokenRec) {
        let now = Instant::now();
        self.tokens.retain(|_, t| t.expires > now);
        self.tokens.insert(token, record);
    }

    /// Adds a refresh token; forgets the expired ones.
    pub fn add_refresh_token(&mut self, token: String, record: RefreshRec) {
        let now = Instant::now();
        self.refresh_tokens.retain(|_, r| r.expires > now);
        self.refresh_tokens.insert(token, record);
    }
}

/// Fixed at start.
pub(crate) struct Settings {
    pub base_url: String,
    pub admin_base: String,
    pub limit: u32,
    pub window: Duration,
    pub review_activation: Duration,
    pub remediation: Duration,
    pub require_dpop: bool,
    pub token_lifetime: Duration,
    pub directory: Directory,
    pub api_token: Secret,
    pub client: ClientApp,
    pub user_app: UserApp,
}

#[derive(Clone)]
pub(crate) struct ValueRec {
    pub id: String,
    pub name: String,
    pub color: Option<String>,
}

#[derive(Clone)]
pub(crate) struct LabelRec {
    pub id: String,
    pub name: String,
    pub values: Vec<ValueRec>,
    pub predefined: bool,
}

pub(crate) struct ReviewRec {
    pub id: String,
    pub name: String,
    pub principal: String,
    pub reviewers: Vec<String>,
    pub end_time: DateTime<Utc>,
    pub created: DateTime<Utc>,
    pub created_at: Instant,
    pub created_by: String,
    pub closed_at: Option<DateTime<Utc>>,
    /// The principal's accesses under review, sorted by id.
    pub accesses: Vec<AccessRec>,
    pub comments: Vec<String>,
    /// What happened, oldest first.
    pub history: Vec<HistoryRec>,
}

/// One entry of a review's history.
pub(crate) struct HistoryRec {
    pub id: String,
    pub at: DateTime<Utc>,
    /// The user who acted; `None` for the system.
    pub actor: Option<String>,
    pub message: String,
}

/// What an action can be taken on: an access or a sub-access.
pub(crate) struct Target {
    pub id: String,
    pub name: String,
    pub resource_id: String,
    pub severity: &'static str,
    pub supported: Vec<&'static str>,
    /// `manualRemediationTypes`: why a person must remove it.
    pub manual: Vec<&'static str>,
    /// The last action's outcome: the status it ends in, and when it started (remediation
    /// takes `Settings::remediation` for revokes and restores).
    pub remediation: Option<(&'static str, Instant)>,
}

impl Target {
    pub fn status(&self, delay: Duration) -> &'static str {
        match self.remediation {
            None => "NONE",
            Some((end, started)) if matches!(end, "REMEDIATED" | "NONE") => {
                if started.elapsed() >= delay {
                    end
                } else {
                    "IN_PROGRESS"
                }
            }
            Some((end, _)) => end,
        }
    }

    /// The fields accesses and sub-accesses share.
    fn json(&self, shared: &Shared) -> serde_json::Map<String, Value> {
        let mut map = serde_json::Map::new();
        map.insert("id".into(), json!(self.id));
        map.insert("name".into(), json!(self.name));
        map.insert("resourceId".into(), json!(self.resource_id));
        map.insert("severity".into(), json!(self.severity));
        map.insert("supportedActions".into(), json!(self.supported));
        map.insert(
            "remediationStatus".into(),
            json!(self.status(shared.settings.remediation)),
        );
        if !self.manual.is_empty() {
            map.insert("manualRemediationTypes".into(), json!(self.manual));
        }
        map
    }
}

/// One access of a review: an app the principal is assigned, with the groups and entitlements
/// that come with it (its sub-accesses) and what looks unusual about it (its anomalies).
pub(crate) struct AccessRec {
    pub target: Target,
    pub sub: Vec<SubAccessRec>,
    pub anomalies: Vec<Value>,
}

/// A sub-access: a group (`GROUP`) or an entitlement (`ENTITLEMENT_VALUE`,
/// `ENTITLEMENT_BUNDLE`) that belongs to an access's app.
pub(crate) struct SubAccessRec {
    pub target: Target,
    pub kind: &'static str,
    pub description: String,
}

impl SubAccessRec {
    pub fn json(&self, shared: &Shared) -> Value {
        let mut map = self.target.json(shared);
        map.insert("type".into(), json!(self.kind));
        let info = if self.kind == "GROUP" {
            (
                "groupInfo",
                json!({"description": self.description, "assignmentType": "GROUP_RULE", "governanceLabels": []}),
            )
        } else {
            (
                "entitlementInfo",
                json!({"type": self.kind, "description": self.description, "assignmentType": "INDIVIDUAL", "collectionsAssigning": [], "entitlements": [], "governanceLabels": []}),
            )
        };
        map.insert(info.0.into(), info.1);
        Value::Object(map)
    }
}

impl AccessRec {
    pub fn json(&self, shared: &Shared, base: &str, review: &str) -> Value {
        let mut map = self.target.json(shared);
        map.insert("type".into(), json!("APPLICATION"));
        let mut kinds: Vec<&str> = self.sub.iter().map(|s| s.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        map.insert("subAccessTypes".into(), json!(kinds));
        map.insert(
            "_links".into(),
            json!({"self": shared.admin_link(&format!("{base}/{review}/accesses/{}", self.target.id))}),
        );
        Value::Object(map)
    }

    /// The access and its sub-accesses.
    pub fn targets_mut(&mut self) -> impl Iterator<Item = &mut Target> {
        std::iter::once(&mut self.target).chain(self.sub.iter_mut().map(|s| &mut s.target))
    }
}

/// Governance data.
#[derive(Default)]
pub(crate) struct Org {
    pub labels: Vec<LabelRec>,
    /// Resource ORN → label value ids.
    pub assignments: BTreeMap<String, BTreeSet<String>>,
    pub reviews: BTreeMap<String, ReviewRec>,
}

/// An issued access token.
pub(crate) struct TokenRec {
    pub scopes: Scopes,
    pub expires: Instant,
    /// JWK thumbprint of the DPoP key the token is bound to.
    pub jkt: Option<String>,
    pub subject: String,
}

/// What the simulated authorization server remembers; every map forgets what has expired
/// (pruned as entries are added), so a long test run keeps it flat.
#[derive(Default)]
pub(crate) struct AuthState {
    pub tokens: HashMap<String, TokenRec>,
    /// Used `jti`s, until the proof or assertion that carried them could no longer be
    /// accepted anyway.
    pub used_jti: HashMap<String, Instant>,
    pub nonce: String,
    pub codes: HashMap<String, CodeRec>,
    pub refresh_tokens: HashMap<String, RefreshRec>,
}

/// Request counts of a simulated org.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Requests received (token endpoint included).
    pub requests: u64,
    /// Requests answered 429.
    pub rate_limited: u64,
    /// Access tokens issued by the token endpoint.
    pub tokens_issued: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub rate_limited: AtomicU64,
    pub tokens_issued: AtomicU64,
}

/// One fixed window of one rate-limit bucket.
pub(crate) struct Window {
    pub index: u64,
    pub used: u32,
}

pub(crate) struct Shared {
    pub settings: Settings,
    pub org: Mutex<Org>,
    pub campaigns: Mutex<crate::campaigns::CampaignState>,
    pub auth: Mutex<AuthState>,
    pub windows: Mutex<HashMap<&'static str, Window>>,
    pub counters: Counters,
}

/// Colours Okta accepts for label values.
pub(crate) const COLORS: [&str; 9] = [
    "red", "orange", "yellow", "green", "blue", "purple", "teal", "beige", "gray",
];

/// Locks a mutex even when a handler panicked while holding it (the data stays usable for a
/// simulator, and the server must keep answering).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub fn new(settings: Settings) -> Result<Self, AuthError> {
        let predefined = |id: &str, value_id: &str, name: &str, color: &str| LabelRec {
            id: id.into(),
            name: name.into(),
            values: vec![ValueRec {
                id: value_id.into(),
                name: name.into(),
                color: Some(color.into()),
            }],
            predefined: true,
        };
        let org = Org {
            labels: vec![
                predefined(
                    &crate::sim_id("lbc", 1),
                    &crate::sim_id("lbl", 1),
                    "Crown Jewel",
                    "green",
                ),
                predefined(
                    &crate::sim_id("lbc", 2),
                    &crate::sim_id("lbl", 2),
                    "Privileged",
                    "red",
                ),
            ],
            ..Org::default()
        };
        Ok(Self {
            settings,
            org: Mutex::new(org),
            campaigns: Mutex::default(),
            auth: Mutex::new(AuthState {
                nonce: random_chars(22)?,
                ..AuthState::default()
            }),
            windows: Mutex::new(HashMap::new()),
            counters: Counters::default(),
        })
    }

    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            rate_limited: self.counters.rate_limited.load(Ordering::Relaxed),
            tokens_issued: self.counters.tokens_issued.load(Ordering::Relaxed),
        }
    }

    pub fn issue_token(
        &self,
        scopes: &Scopes,
        jkt: Option<String>,
        subject: &str,
    ) -> Result<Secret, AuthError> {
        let token = random_chars(48)?;
        lock(&self.auth).add_token(
            token.clone(),
            TokenRec {
                scopes: scopes.clone(),
                expires: later(self.settings.token_lifetime),
                jkt,
                subject: subject.into(),
            },
        );
        Ok(Secret::new(token))
    }

    pub fn seed_assignments<'a>(
        &self,
        value_id: &str,
        orns: impl IntoIterator<Item = &'a Orn>,
    ) -> Result<(), Error> {
        let mut org = lock(&self.org);
        if org.value(value_id).is_none() {
            return Err(crate::invalid(
                "value_id",
                Some(value_id.into()),
                "must be the id of an existing label value",
            ));
        }
        for orn in orns {
            let orn = orn.to_string();
            if org.carried_after(&orn, [value_id]) > crate::labels::MAX_VALUES_PER_RESOURCE {
                return Err(crate::invalid(
                    "resourceOrns",
                    Some(orn),
                    "a resource carries at most 10 label values",
                ));
            }
            org.assignments
                .entry(orn)
                .or_default()
                .insert(value_id.into());
        }
        Ok(())
    }

    /// `https://{org}-admin.okta.com{path}`: where Okta's links point.
    pub fn admin_link(&self, path_and_query: &str) -> Value {
        json!({"href": format!("{}{path_and_query}", self.settings.admin_base)})
    }
}

impl Org {
    /// How many label values `orn` would carry with `ids` added (Okta allows 10).
    pub fn carried_after<S: AsRef<str>>(
        &self,
        orn: &str,
        ids: impl IntoIterator<Item = S>,
    ) -> usize {
        let mut values = self.assignments.get(orn).cloned().unwrap_or_default();
        values.extend(ids.into_iter().map(|id| id.as_ref().to_string()));
        values.len()
    }

    pub fn label(&self, id: &str) -> Option<&LabelRec> {
        self.labels.iter().find(|l| l.id == id)
    }

    /// The label holding value `id`, and the value.
    pub fn value(&self, id: &str) -> Option<(&LabelRec, &ValueRec)> {
        self.labels
            .iter()
            .find_map(|l| l.values.iter().find(|v| v.id == id).map(|v| (l, v)))
    }

    pub fn is_assigned(&self, value_id: &str) -> bool {
        self.assignments.values().any(|v| v.contains(value_id))
    }

    pub fn new_label_id() -> String {
        new_id("lbc")
    }

    pub fn new_value_id() -> String {
        new_id("lbl")
    }
}

impl ValueRec {
    pub fn json(&self) -> Value {
        let mut value = json!({"labelValueId": self.id, "name": self.name});
        if let Some(color) = &self.color {
            value["metadata"] = json!({"additionalProperties": {"backgroundColor": color}});
        }
        value
    }
}

impl LabelRec {
    /// The label with the values `keep` lets through.
    pub fn json_with(&self, shared: &Shared, keep: impl Fn(&ValueRec) -> bool) -> Value {
        json!({
            "labelId": self.id,
            "name": self.name,
            "values": self.values.iter().filter(|v| keep(v)).map(ValueRec::json).collect::<Vec<_>>(),
            "_links": {"self": shared.admin_link(&format!("/governance/api/v1/labels/{}", self.id))},
        })
    }

    pub fn json(&self, shared: &Shared) -> Value {
        self.json_with(shared, |_| true)
    }
}

impl ReviewRec {
    pub fn status(&self, activation: Duration) -> &'static str {
        if self.closed_at.is_some() {
            "CLOSED"
        } else if self.created_at.elapsed() >= activation {
            "ACTIVE"
        } else {
            "PENDING"
        }
    }

    /// The review as lists show it (no `_links`).
    pub fn sparse_json(&self, shared: &Shared) -> Value {
        let mut sparse = self.json(shared);
        if let Some(map) = sparse.as_object_mut() {
            map.remove("_links");
        }
        sparse
    }

    pub fn json(&self, shared: &Shared) -> Value {
        let activation = shared.settings.review_activation;
        let last_updated = match (self.closed_at, self.status(activation)) {
            (Some(closed), _) => closed,
            (None, "ACTIVE") => {
                self.created + chrono::Duration::from_std(activation).unwrap_or_default()
            }
            _ => self.created,
        };
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        json!({
            "id": self.id,
            "createdBy": self.created_by,
            "created": time(self.created),
            "lastUpdated": time(last_updated),
            "lastUpdatedBy": self.created_by,
            "_links": {
                "securityAccessReviewDetails": shared.admin_link(&format!("/governance/api/v2/security-access-reviews/{}", self.id)),
            },
            "status": self.status(activation),
            "name": self.name,
            "endTime": time(self.end_time),
            "reviewerSettings": {
                "type": "USER",
                "userSettings": {"includedUserIds": self.reviewers},
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(expires: Instant) -> TokenRec {
        TokenRec {
            scopes: Scopes::new(["okta.governance.labels.read"]),
            expires,
            jkt: None,
            subject: "0oa".into(),
        }
    }

    #[test]
    fn what_has_expired_is_forgotten_so_a_long_run_stays_flat() {
        let mut auth = AuthState::default();
        for i in 0..10_000 {
            // Each expires at once: the map never holds more than the newest.
            assert!(auth.use_jti(format!("jti-{i}"), Instant::now()));
            auth.add_token(format!("at-{i}"), token(Instant::now()));
        }
        assert!(auth.used_jti.len() <= 1, "{}", auth.used_jti.len());
        assert!(auth.tokens.len() <= 1, "{}", auth.tokens.len());
        // A jti still within its window is refused the second time; a live token is kept.
        assert!(auth.use_jti("again".into(), later(Duration::from_secs(60))));
        assert!(!auth.use_jti("again".into(), later(Duration::from_secs(60))));
        auth.add_token("live".into(), token(later(Duration::from_secs(60))));
        auth.add_token("next".into(), token(later(Duration::from_secs(60))));
        assert!(auth.tokens.contains_key("live") && auth.tokens.contains_key("next"));
    }

    #[test]
    fn the_latest_instant_never_overflows() {
        let before = Instant::now();
        assert!(later(Duration::MAX) > before + Duration::from_secs(3600));
    }
}
