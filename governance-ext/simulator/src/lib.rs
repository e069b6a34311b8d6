//! A simulated Okta Identity Governance org on `127.0.0.1`, speaking the real wire protocol:
//! for the `okta-governance` SDK's quickstart and examples, for its tests, and for yours. Use it
//! as a dev-dependency:
//!
//! ```toml
//! [dev-dependencies]
//! okta-governance-simulator = "0.1"
//! ```
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), okta_governance::Error> {
//! use okta_governance_simulator::Simulator;
//! let org = Simulator::start().await?;          // random port, predefined labels present
//! let okta = org.governance()?;                  // private_key_jwt, like a service app
//! let all = okta.labels().list().collect().await?;
//! assert!(all.iter().any(|l| l.name.as_str() == "Crown Jewel"));
//! # Ok(()) }
//! ```
//!
//! What it does the way Okta does it:
//!
//! | area | behaviour |
//! |---|---|
//! | token endpoint | `POST /oauth2/v1/token`: `client_credentials` for the service app with a `private_key_jwt` assertion verified against its JWKS (`aud`, `iss` = `sub`, `exp` ≤ 1 h after `iat`, single-use `jti`, `kid`), requested scopes must be granted; `authorization_code` (PKCE S256 verifier checked, code single-use, 60 s, bound to its redirect URI) and rotating `refresh_token` (with `offline_access`) for the OIDC app; DPoP optional, with the `use_dpop_nonce` challenge, checked before a code is spent |
//! | authorize endpoint | `GET /oauth2/v1/authorize` for the OIDC app ([`Simulator::user_app_id`]): `response_type=code`, `state` and an S256 `code_challenge` required, registered redirect URIs only (others refused without a redirect), scopes from [`USER_APP_SCOPES`]; no sign-in page: `login_hint` names the user (id or login), errors go back to the app as `error=` with the `state` |
//! | API credentials | `SSWS` API token (not for OAuth-only operations), `Bearer`, or `DPoP` + proof (`htm`, `htu`, `ath`, bound key) |
//! | scopes | each operation's scopes from the generated metadata; 403 `insufficient_scope` otherwise |
//! | rate limits | `X-Rate-Limit-Limit/Remaining/Reset` on every response, per operation, real 429s (E0000047) |
//! | labels | predefined `Crown Jewel` and `Privileged`; ≤ 10 custom keys, ≤ 10 values per key, names 1-50 characters, unique case-insensitively; PATCH operations; delete only when unassigned |
//! | resource labels | assign / unassign (1-10 ORNs × 1-10 values, ≤ 10 values per resource), list with `orn` / `labelValueId` / `resourceType eq` filters and `after` paging |
//! | security access reviews | create answers 202 `PENDING`, `ACTIVE` after a configurable delay; get, list, stats, principal, history (paged, each action and comment with who did it), review actions listed and taken (`CLOSE_REVIEW`, `RESTORE_ALL_ACCESS`, which brings revoked accesses back through `IN_PROGRESS`); per principal one access per app, each with `supportedActions`, `manualRemediationTypes`, `subAccessTypes`, sub-accesses (a group, an entitlement value, an entitlement bundle; paged by priority, `name` / `resourceType` filters) and anomalies (usage history, assignment method, past decisions); actions on accesses and sub-accesses answered 202, revokes and restores `IN_PROGRESS` until done after a configurable delay, flags `PENDING_MANUAL_*` at once; comments |
//! | campaigns | create (the body kept as sent), list (`name eq`, `status eq`), get, delete (only `SCHEDULED`; else 409); launch answers 202 with `Location` and creates one review per user and target resource, assigned to the `USER` reviewer (the fallback reviewer for the reviewer's own) or, for `RESOURCE_OWNER` and `REVIEWER_EXPRESSION` campaigns, to the fallback reviewer (no simulated resource has an owner and no expression is evaluated, which is when Okta assigns it); `GROUP` and `MULTI_LEVEL` reviewers are refused at create with a 400 naming `reviewerSettings.type`; `LAUNCHING` then `ACTIVE` after the review activation delay; end answers 202, `COMPLETED`, and remediates revoked (and, with `noResponse: DENY`, unanswered) reviews unless `skipRemediation` |
//! | campaign reviews | list (`campaignId`, `reviewerId`, `principalId`, `resourceId`, `decision`, `reviewerLevel` with `eq`, joined by `and`), get (with the reviewer's note), reassign (1-50 reviews of an active campaign, a note of 1-300 characters); decisions come from [`Simulator::decide`], as the public API has no operation for them |
//! | reviewer's side | the same operations under `/my/security-access-reviews`, answered only to the review's reviewers (a user token whose subject is one of them), everyone else Okta's 403 E0000006 |
//! | everywhere | `X-Okta-Request-Id`, Okta error bodies, `Link` and `_links.next` pointing at the `-admin` host |
//!
//! Responses are written to the pinned spec; the workspace tests decode every one of them with
//! the generated types and pass them through Prism's validating proxy.

// Handlers stop early with the error response they send; it is large, and it is the cold path.
#![allow(clippy::result_large_err)]
#![deny(missing_docs)]

mod campaigns;
mod labels;
mod oauth;
mod reviews;
mod state;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use sha2::Digest as _;

use okta_governance::orn::{Orn, Partition};
use okta_governance::ConfigBuilder;
use okta_governance::Error;
use okta_governance::Scopes;
use okta_governance::Secret;
use okta_governance::SigningKey;
use okta_governance::{Config, Governance};

pub use state::Stats;

/// A reviewer's decision, for [`Simulator::decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Keep the access.
    Approve,
    /// Remove it (remediated when the campaign ends).
    Revoke,
}

/// What a [`Simulator::decide`] rule sees of a review.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReviewSeen {
    /// The review's id.
    pub id: String,
    /// The user whose access is reviewed.
    pub principal: String,
    /// The app or group reviewed.
    pub resource: String,
    /// The reviewer it is assigned to.
    pub reviewer: String,
}

/// [`Error::InvalidInput`] for a simulator setting out of range.
fn invalid(field: impl Into<String>, value: Option<String>, limit: impl Into<String>) -> Error {
    Error::InvalidInput {
        field: field.into(),
        value: value
            .as_deref()
            .map(okta_governance::client::error::redacted),
        limit: limit.into(),
    }
}

/// [`Error::Transport`]: the org's socket could not be set up.
fn transport(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::Transport {
        source: source.into(),
    }
}

/// SHA-256 of `data` (PKCE challenges, DPoP `ath`).
fn sha256(data: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(data).to_vec()
}

/// Fills `buf` from the operating system's random source (tokens, codes, nonces).
fn random_bytes(buf: &mut [u8]) -> Result<(), okta_governance::AuthError> {
    getrandom::fill(buf).map_err(|_| okta_governance::AuthError::Signing {
        what: "random value",
        source: std::sync::Arc::from(Box::<dyn std::error::Error + Send + Sync>::from(
            "the system random source is unavailable",
        )),
    })
}

/// One entry of the simulated directory: an app, a group or a user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The Okta id (20 characters).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The ORN (apps and groups; `None` for users).
    pub orn: Option<Orn>,
}

impl Entry {
    /// A user's login: `first.last@example.com`.
    pub(crate) fn login(&self) -> String {
        let (first, last) = self.name.split_once(' ').unwrap_or((&self.name, ""));
        format!(
            "{}.{}@example.com",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase()
        )
    }
}

/// What the simulated org holds besides governance data: a few apps, groups and users to label
/// and review.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Directory {
    /// The org id used in ORNs.
    pub org_id: String,
    /// Apps.
    pub apps: Vec<Entry>,
    /// Groups.
    pub groups: Vec<Entry>,
    /// Users; the first is a good principal for a review, the others reviewers.
    pub users: Vec<Entry>,
}

impl Directory {
    fn seeded() -> Self {
        let org_id = sim_id("00o", 1);
        let app = |n: u32, app_type: &str, name: &str| {
            let id = sim_id("0oa", n);
            Entry {
                orn: Orn::app(Partition::Okta, &org_id, app_type, &id).ok(),
                id,
                name: name.into(),
            }
        };
        let group = |n: u32, name: &str| {
            let id = sim_id("00g", n);
            Entry {
                orn: Orn::group(Partition::Okta, &org_id, &id).ok(),
                id,
                name: name.into(),
            }
        };
        let user = |n: u32, name: &str| Entry {
            id: sim_id("00u", n),
            name: name.into(),
            orn: None,
        };
        Self {
            apps: vec![
                app(1, "salesforce", "Salesforce"),
                app(2, "oidc", "GitHub Enterprise"),
                app(3, "saml_2_0", "Workday"),
            ],
            groups: vec![
                group(1, "Finance"),
                group(2, "Engineering"),
                group(3, "Contractors"),
            ],
            users: vec![
                user(1, "Avery Quinn"),
                user(2, "Riley Chen"),
                user(3, "Sam Patel"),
                user(4, "Jordan Lee"),
            ],
            org_id,
        }
    }

    /// The name of the app or group with this ORN.
    pub(crate) fn name_of(&self, orn: &str) -> Option<&Entry> {
        self.apps
            .iter()
            .chain(&self.groups)
            .find(|e| e.orn.as_ref().is_some_and(|o| o.to_string() == orn))
    }

    /// The user with this id.
    pub(crate) fn user(&self, id: &str) -> Option<&Entry> {
        self.users.iter().find(|u| u.id == id)
    }
}

/// A deterministic 20-character Okta-style id: `prefix` + `sim` + zero-padded `n`.
pub(crate) fn sim_id(prefix: &str, n: u32) -> String {
    format!("{prefix}sim{n:0>width$}", width = 20 - prefix.len() - 3)
}

/// The longest access-token lifetime the simulated org accepts (Okta's maximum: one day).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// The longest window, activation or remediation delay the simulated org accepts.
pub const MAX_DELAY: Duration = Duration::from_secs(3600);

/// Settings of a simulated org; [`SimulatorBuilder::start`] validates them and starts it.
#[derive(Debug, Clone)]
pub struct SimulatorBuilder {
    org_name: String,
    limit: u32,
    window: Duration,
    review_activation: Duration,
    remediation: Duration,
    require_dpop: bool,
    token_lifetime: Duration,
    client_scopes: Scopes,
    redirect_uris: Vec<String>,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        Self {
            org_name: "simulated".into(),
            limit: 50,
            window: Duration::from_secs(1),
            review_activation: Duration::from_secs(2),
            remediation: Duration::from_secs(1),
            require_dpop: false,
            token_lifetime: Duration::from_secs(3600),
            client_scopes: Scopes::all_governance(),
            redirect_uris: vec![DEFAULT_REDIRECT_URI.to_string()],
        }
    }
}

/// The redirect URI the OIDC app has registered by default.
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:8080/callback";

/// Scopes a user may grant the OIDC app: the reviewer's side of security access reviews, and
/// the OpenID Connect ones (`offline_access` brings a refresh token).
pub const USER_APP_SCOPES: &[&str] = &[
    "okta.governance.securityAccessReviews.endUser.read",
    "okta.governance.securityAccessReviews.endUser.manage",
    "openid",
    "profile",
    "email",
    "offline_access",
];

impl SimulatorBuilder {
    /// The org's name: links point at `https://{name}-admin.okta.com` (default `simulated`).
    pub fn org_name(mut self, name: impl Into<String>) -> Self {
        self.org_name = name.into();
        self
    }

    /// Requests allowed per operation in each window (default 50 per 1 s). The window is whole
    /// seconds, because `X-Rate-Limit-Reset` is, and at most [`MAX_DELAY`].
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.limit = requests;
        self.window = window;
        self
    }

    /// How long a new security access review stays `PENDING` (default 2 s; at most
    /// [`MAX_DELAY`]).
    pub fn review_activation(mut self, after: Duration) -> Self {
        self.review_activation = after;
        self
    }

    /// How long a revoke (or restore) of a review's access stays `IN_PROGRESS` before it is
    /// `REMEDIATED` (default 1 s; at most [`MAX_DELAY`]). Accesses that only support manual
    /// remediation move to `PENDING_MANUAL_REMEDIATION` at once when flagged.
    pub fn remediation(mut self, after: Duration) -> Self {
        self.remediation = after;
        self
    }

    /// Make the service app's tokens DPoP-bound, as Okta does for new service apps (default off).
    pub fn require_dpop(mut self, on: bool) -> Self {
        self.require_dpop = on;
        self
    }

    /// Lifetime of issued access tokens (default 1 h; from 1 s to [`MAX_TOKEN_LIFETIME`]).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Scopes granted to the service app (default: every OIG scope).
    pub fn client_scopes(mut self, scopes: Scopes) -> Self {
        self.client_scopes = scopes;
        self
    }

    /// Registers another redirect URI for the OIDC app (besides [`DEFAULT_REDIRECT_URI`]): an
    /// absolute `http` or `https` URL without a fragment.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    fn validate(&self) -> Result<(), Error> {
        let name_ok = !self.org_name.is_empty()
            && self.org_name.len() <= 63
            && self
                .org_name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            return Err(crate::invalid(
                "org_name",
                Some(self.org_name.clone()),
                "1-63 lower-case letters, digits or `-`",
            ));
        }
        if self.limit == 0 {
            return Err(crate::invalid(
                "rate_limit.requests",
                Some("0".into()),
                "at least 1 request per window",
            ));
        }
        if self.window.is_zero() || self.window.subsec_nanos() != 0 {
            return Err(crate::invalid(
                "rate_limit.window",
                Some(format!("{:?}", self.window)),
                "whole seconds, at least 1 (X-Rate-Limit-Reset has one-second resolution)",
            ));
        }
        for uri in &self.redirect_uris {
            let usable = url::Url::parse(uri).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https") && u.fragment().is_none() && u.has_host()
            });
            if !usable {
                return Err(crate::invalid(
                    "redirect_uri",
                    Some(uri.chars().take(200).collect()),
                    "an absolute http or https URL without a fragment",
                ));
            }
        }
        // Every duration is bounded, so no handler's clock arithmetic can overflow.
        let bounded = [
            (
                "token_lifetime",
                self.token_lifetime,
                Duration::from_secs(1),
                MAX_TOKEN_LIFETIME,
            ),
            (
                "rate_limit.window",
                self.window,
                Duration::from_secs(1),
                MAX_DELAY,
            ),
            (
                "review_activation",
                self.review_activation,
                Duration::ZERO,
                MAX_DELAY,
            ),
            ("remediation", self.remediation, Duration::ZERO, MAX_DELAY),
        ];
        for (field, value, min, max) in bounded {
            if value < min || value > max {
                return Err(crate::invalid(
                    field,
                    Some(format!("{value:?}")),
                    format!("from {min:?} to {max:?}"),
                ));
            }
        }
        Ok(())
    }

    /// Starts the org on `127.0.0.1` (random port) in the current Tokio runtime; it stops when
    /// the returned [`Simulator`] is dropped.
    pub async fn start(self) -> Result<Simulator, Error> {
        // The org verifies assertions and proofs with `jsonwebtoken`, through its process-wide
        // provider; a test tool may set it (the SDK itself never does).
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        self.validate()?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(crate::transport)?;
        let address = listener.local_addr().map_err(crate::transport)?;
        let url = format!("http://{address}");
        let key = SigningKey::generate_es256()?;
        let key_id = "sim-key-1".to_string();
        let jwk = key.public_jwk(Some(&key_id)).and_then(|text| {
            serde_json::from_str(&text).map_err(|e| okta_governance::ConfigError::Invalid {
                field: "simulator key",
                reason: e.to_string(),
            })
        })?;
        let client_id = sim_id("0oa", 900);
        let user_app_id = sim_id("0oa", 901);
        let api_token = Secret::new(format!("00{}", wire::random_chars(40)?));
        let shared = Arc::new(state::Shared::new(state::Settings {
            base_url: url.clone(),
            admin_base: format!("https://{}-admin.okta.com", self.org_name),
            limit: self.limit,
            window: self.window,
            review_activation: self.review_activation,
            remediation: self.remediation,
            require_dpop: self.require_dpop,
            token_lifetime: self.token_lifetime,
            directory: Directory::seeded(),
            api_token: api_token.clone(),
            client: state::ClientApp {
                id: client_id.clone(),
                jwks: vec![jwk],
                scopes: self.client_scopes.clone(),
            },
            user_app: state::UserApp {
                id: user_app_id.clone(),
                redirect_uris: self.redirect_uris.clone(),
                scopes: Scopes::new(USER_APP_SCOPES.iter().copied()),
            },
        })?);
        let router = wire::router(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::warn!(%error, "the simulated org stopped");
            }
        });
        tracing::info!(url = %url, "simulated OIG org listening");
        Ok(Simulator {
            url,
            shared,
            task,
            key,
            key_id,
            client_id,
            user_app_id,
            api_token,
        })
    }
}

/// A running simulated org. Dropping it stops the server.
pub struct Simulator {
    url: String,
    shared: Arc<state::Shared>,
    task: tokio::task::JoinHandle<()>,
    key: SigningKey,
    key_id: String,
    client_id: String,
    user_app_id: String,
    api_token: Secret,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Simulator {
    /// Settings to change before starting.
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// Starts an org with the default settings.
    pub async fn start() -> Result<Self, Error> {
        SimulatorBuilder::default().start().await
    }

    /// The org URL (`http://127.0.0.1:{port}`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The service app's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client id of the org's OIDC app, which users sign in to with authorization code +
    /// PKCE (a public client; redirect URI [`DEFAULT_REDIRECT_URI`] and those added with
    /// [`SimulatorBuilder::redirect_uri`]; scopes [`USER_APP_SCOPES`]). Its authorize endpoint
    /// has no sign-in page: pass the user as `login_hint` (an id or a login) and read the code
    /// from the redirect; see `examples/security_access_review_lifecycle.rs`.
    pub fn user_app_id(&self) -> &str {
        &self.user_app_id
    }

    /// The login of a directory user (`first.last@example.com`), for `login_hint`.
    pub fn login_of(&self, user_id: &str) -> Option<String> {
        self.directory().user(user_id).map(Entry::login)
    }

    /// The service app's private key (its public JWK is registered with the org).
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The `kid` of the service app's key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// An SSWS API token of a super admin.
    pub fn api_token(&self) -> &Secret {
        &self.api_token
    }

    /// Apps, groups and users of the org.
    pub fn directory(&self) -> &Directory {
        &self.shared.settings.directory
    }

    /// A configuration for the service app (private_key_jwt with the app's key and `kid`);
    /// change scopes, DPoP or retries before building.
    pub fn config(&self) -> ConfigBuilder {
        Config::builder().org_url(self.url.clone()).private_key(
            okta_governance::PrivateKeyJwt::new(self.client_id.clone(), self.key.clone())
                .with_key_id(self.key_id.clone()),
        )
    }

    /// A client for the service app with the default configuration.
    pub fn governance(&self) -> Result<Governance, Error> {
        Governance::new(self.config().build()?)
    }

    /// An access token with exactly `scopes`, issued without the token endpoint (for tests of
    /// scope handling, or for a client behind a proxy).
    ///
    /// Fails only when the system random source does (the token is random).
    pub fn issue_token(&self, scopes: &Scopes) -> Result<Secret, Error> {
        Ok(self.shared.issue_token(scopes, None, "test")?)
    }

    /// Decides reviews of a campaign as simulated reviewers would in Okta's UI (the public
    /// API has no operation for it): `rule` sees each undecided review and answers a decision
    /// and an optional note, or `None` to leave it. Returns how many were decided.
    pub fn decide(
        &self,
        campaign_id: &str,
        mut rule: impl FnMut(&ReviewSeen) -> Option<(Decision, Option<String>)>,
    ) -> usize {
        let mut state = state::lock(&self.shared.campaigns);
        let mut decided = 0;
        for review in state
            .reviews
            .values_mut()
            .filter(|r| r.campaign == campaign_id && r.decision == "UNREVIEWED")
        {
            let seen = ReviewSeen {
                id: review.id.clone(),
                principal: review.principal.clone(),
                resource: review.resource.clone(),
                reviewer: review.reviewer.clone(),
            };
            if let Some((decision, note)) = rule(&seen) {
                review.decision = match decision {
                    Decision::Approve => "APPROVE",
                    Decision::Revoke => "REVOKE",
                };
                review.decided = Some(chrono::Utc::now());
                review.note = note;
                decided += 1;
            }
        }
        decided
    }

    /// An access token for the user `user_id` of the directory (as if they had signed in to an
    /// OIDC app with authorization code + PKCE), with `scopes`: for the reviewer's side of
    /// security access reviews (`/my/security-access-reviews`, answered only to the review's
    /// reviewers).
    pub fn issue_user_token(&self, user_id: &str, scopes: &Scopes) -> Result<Secret, Error> {
        if self.directory().user(user_id).is_none() {
            return Err(crate::invalid(
                "user_id",
                Some(user_id.to_string()),
                "must be a user of the simulated directory",
            ));
        }
        Ok(self.shared.issue_token(scopes, None, user_id)?)
    }

    /// Gives every resource in `orns` the label value `value_id` directly (no requests, no
    /// rate limit; the per-resource limit of 10 values still holds): seeds data for tests.
    pub fn label_resources<'a>(
        &self,
        value_id: &str,
        orns: impl IntoIterator<Item = &'a Orn>,
    ) -> Result<(), Error> {
        self.shared.seed_assignments(value_id, orns)
    }

    /// Request counts so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }
}
