//! A security access review from launch to close, both sides of it:
//!
//! 1. the security team (a service app) launches the review and waits until it is generated;
//! 2. the reviewer signs in (authorization code + PKCE with the org's OIDC app), goes through
//!    every access the principal holds with its sub-accesses and anomalies, revokes the risky
//!    ones (an entitlement alone where the app itself is fine), flags for IT what Okta cannot
//!    revoke, and waits for the remediation to finish;
//! 3. the reviewer comments and closes the review; the security team reads its history.
//!
//! ```sh
//! cargo run -p okta-governance --example security_access_review_lifecycle
//! ```
//!
//! With no Okta configuration (`OKTA_CLIENT_*`, `okta.yaml`) it runs against the simulated org,
//! started in-process, whose authorize endpoint signs the reviewer in without a page. With one,
//! it runs against that org, and only with `--yes` and the people to use (`--principal USER_ID
//! --reviewer USER_ID`): it revokes real access. Add `--reviewer-app CLIENT_ID` (an OIDC app
//! with the `okta.governance.securityAccessReviews.endUser.*` scopes and the redirect URI
//! `http://localhost:8080/callback`) to sign the reviewer in with a browser; without it, the
//! service app does the reviewer's part through the admin operations: the same code.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use okta_governance::auth::user::{AuthorizeRequest, UserSignIn};
use okta_governance::auth::Credentials;
use okta_governance::client::types::SecurityAccessReviewAccessItemSeverity as Severity;
use okta_governance::prelude::*;
use okta_governance::security_access_reviews::{AccessAction, SecurityAccessReviewHandle};
use okta_governance::Scopes;
use okta_governance_simulator::{Simulator, DEFAULT_REDIRECT_URI};

#[path = "support/callback.rs"]
mod callback;
use callback::{Bounds, Callback};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let configured = !okta_governance::ConfigBuilder::from_sources()?
        .sources()
        .is_empty();
    let scopes = Scopes::new([
        "okta.governance.securityAccessReviews.endUser.read",
        "okta.governance.securityAccessReviews.endUser.manage",
        "offline_access",
    ]);

    // The security team's client, and who is reviewed by whom.
    let mut simulated = None;
    let (admin, principal, reviewer_id) = if configured {
        let (Some(principal), Some(reviewer), true) = (
            value("--principal"),
            value("--reviewer"),
            args.iter().any(|a| a == "--yes"),
        ) else {
            let okta = Governance::from_env()?;
            let stats = okta.security_access_reviews().stats().await?;
            println!("{}: {stats:?}", okta.org().as_str());
            println!("(read only: pass --yes --principal USER_ID --reviewer USER_ID to run the lifecycle; it revokes real access)");
            return Ok(());
        };
        (Governance::from_env()?, principal, reviewer)
    } else {
        let org = Simulator::builder()
            .review_activation(Duration::from_secs(1))
            .remediation(Duration::from_secs(2))
            .start()
            .await?;
        println!("simulated org at {}", org.url());
        let users = &org.directory().users;
        let (principal, reviewer) = (users[0].id.clone(), users[1].id.clone());
        let admin = org.governance()?;
        simulated = Some(org);
        (admin, principal, reviewer)
    };

    // 1. The security team launches the review and waits until Okta has generated it.
    let launched = admin
        .security_access_reviews()
        .launch(&principal, "Security access review (lifecycle example)")
        .reviewer(&reviewer_id)
        .send()
        .await?;
    let id = launched.id.to_string();
    admin
        .security_access_review(&id)
        .wait_until_active(Duration::from_secs(600))
        .await?;
    println!("review {id} is ACTIVE");

    // 2. The reviewer signs in with authorization code + PKCE.
    let reviewer = match (&simulated, value("--reviewer-app")) {
        (Some(org), _) => {
            let sign_in = UserSignIn::new(admin.org(), org.user_app_id(), DEFAULT_REDIRECT_URI)?;
            let mut request = sign_in.authorize_url(&scopes);
            // The simulated org has no sign-in page: `login_hint` says who signs in.
            let login = org.login_of(&reviewer_id).unwrap_or_default();
            request
                .url
                .query_pairs_mut()
                .append_pair("login_hint", &login);
            let (code, state) = follow_redirect(&request).await?;
            println!("{login} signed in (authorization code + PKCE)");
            Some(sign_in.exchange(&code, &state, request).await?)
        }
        (None, Some(app)) => {
            let sign_in = UserSignIn::new(admin.org(), app, DEFAULT_REDIRECT_URI)?;
            let request = sign_in.authorize_url(&scopes);
            // Listen before showing the URL: the browser cannot come back to nobody.
            let callback = Callback::bind(&url::Url::parse(DEFAULT_REDIRECT_URI)?).await?;
            let state = request
                .url
                .query_pairs()
                .find(|(name, _)| name == "state")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            println!("sign in as the reviewer: {}", request.url);
            println!(
                "waiting for the browser at {DEFAULT_REDIRECT_URI} (listening on {:?}) ...",
                callback.addrs()
            );
            let code = match callback.wait(&state, Bounds::default()).await {
                Ok(code) => code,
                Err(e) => {
                    println!("the reviewer did not sign in: {e}");
                    return Err(e.into());
                }
            };
            let tokens = sign_in.exchange(&code, &state, request).await?;
            println!("the reviewer signed in (authorization code + PKCE)");
            Some(tokens)
        }
        (None, None) => None,
    }
    .map(|tokens| {
        Governance::new(
            Config::builder()
                .org_url(admin.org().as_str())
                .credentials(Credentials::User(tokens))
                .build()?,
        )
    })
    .transpose()?;
    // One flow for both sides: the reviewer's handle when signed in, the admin's otherwise.
    let review = match &reviewer {
        Some(reviewer) => reviewer.my_security_access_review(&id),
        None => admin.security_access_review(&id),
    };
    review_and_close(&review).await?;

    // 3. The security team reads what happened.
    let history: Vec<types::SecurityAccessReviewHistoryItem> = admin
        .security_access_review(&id)
        .history()
        .page_size(50)
        .stream()
        .try_collect()
        .await?;
    println!("history:");
    for entry in history {
        let who = match &entry.principal_profile {
            Some(user) => user
                .login
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_default(),
            None if entry.system_generated => "Okta".into(),
            None => "the service app".into(),
        };
        println!("  {} {who}: {}", entry.timestamp, entry.message.as_str());
    }
    println!(
        "review {id} is {}",
        admin.security_access_review(&id).details().await?.status
    );
    Ok(())
}

/// The reviewer's part, written once for both sides.
async fn review_and_close(review: &SecurityAccessReviewHandle) -> Result<(), Error> {
    // Every access, with its sub-accesses and why it may be risky.
    let accesses: Vec<types::SecurityAccessReviewAccessItem> = review
        .accesses()
        .page_size(200)
        .stream()
        .try_collect()
        .await?;
    let mut risky = HashSet::new();
    let mut risky_subs = Vec::new();
    for access in &accesses {
        let anomalies = review.anomalies(access.id.as_str()).await?.data;
        println!(
            "  {:<18} {:<6} {} anomalies; supports {}",
            access.name.as_str(),
            access.severity.to_string(),
            anomalies.len(),
            join(&access.supported_actions)
        );
        for anomaly in &anomalies {
            println!("      ! {} {}", anomaly.severity, anomaly.type_);
        }
        // Okta rates the access high, or something about it is highly unusual: revoke it.
        if access.severity == Severity::High
            || anomalies.iter().any(|a| a.severity == Severity::High)
        {
            risky.insert(access.id.to_string());
            continue;
        }
        // Keep the app; revoke the groups and entitlements that come with it unless low.
        if !access.sub_access_types.is_empty() {
            let subs: Vec<types::SecurityAccessReviewSubAccessItem> = review
                .sub_accesses(access.id.as_str())
                .page_size(200)
                .stream()
                .try_collect()
                .await?;
            for sub in subs {
                println!(
                    "      - {} {} ({})",
                    sub.type_,
                    sub.name.as_str(),
                    sub.severity
                );
                if sub.severity != Severity::Low {
                    risky_subs.push(sub);
                }
            }
        }
    }

    // Revoke the risky accesses, a few at a time under the rate limit, with progress. Those
    // Okta cannot revoke are refused before sending and flagged for a person instead.
    let mut acted = Vec::new();
    let selected = risky.clone();
    let mut outcomes = review
        .act_on(AccessAction::RevokeAccess, move |a| {
            selected.contains(a.id.as_str())
        })
        .outcomes();
    while let Some(outcome) = outcomes.next().await {
        let outcome = outcome?;
        let id = outcome.items[0].to_string();
        match &outcome.result {
            Ok(()) => acted.push(id.clone()),
            Err(error) => println!("      {error}"),
        }
        let verdict = if outcome.result.is_ok() {
            "revoking"
        } else {
            "refused"
        };
        let name = accesses
            .iter()
            .find(|a| a.id.as_str() == id)
            .map_or(id.as_str(), |a| a.name.as_str());
        println!(
            "  [{}/{}] {name}: {verdict}",
            outcome.progress.done, outcome.progress.total
        );
    }
    for access in accesses.iter().filter(|a| risky.contains(a.id.as_str())) {
        let supports = |action| access.supported_actions.contains(&action);
        if !supports(AccessAction::RevokeAccess) && supports(AccessAction::FlagForManualRemediation)
        {
            review
                .act(access, AccessAction::FlagForManualRemediation)
                .await?;
            println!("  {}: flagged for IT", access.name.as_str());
            acted.push(access.id.to_string());
        }
    }
    for sub in &risky_subs {
        if sub.supported_actions.contains(&AccessAction::RevokeAccess) {
            review.act(sub, AccessAction::RevokeAccess).await?;
            println!("  {} {}: revoking", sub.type_, sub.name.as_str());
            acted.push(sub.id.to_string());
        }
    }

    // Remediation is asynchronous.
    let remediation = review
        .wait_for_remediation(&acted, Duration::from_secs(600))
        .await?;
    println!(
        "remediated: {}; waiting for IT: {}",
        remediation.finished.len(),
        remediation.manual.len()
    );
    review
        .comment("Risky accesses revoked; the rest flagged for IT")
        .await?;
    review.close().await
}

fn join(actions: &[AccessAction]) -> String {
    let names: Vec<String> = actions.iter().map(ToString::to_string).collect();
    names.join(", ")
}

/// Plays the browser against the simulated org: requests the authorize URL and reads the code
/// and state from the redirect, without following it.
async fn follow_redirect(
    request: &AuthorizeRequest,
) -> Result<(String, String), Box<dyn std::error::Error>> {
    let browser = okta_governance::Governance::http_client_builder()?
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = browser.get(request.url.clone()).send().await?;
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("the authorize endpoint did not redirect")?;
    code_and_state(&url::Url::parse(location)?)
}

fn code_and_state(url: &url::Url) -> Result<(String, String), Box<dyn std::error::Error>> {
    let get = |name: &str| {
        url.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = get("error") {
        return Err(format!(
            "sign-in refused: {error} {}",
            get("error_description").unwrap_or_default()
        )
        .into());
    }
    Ok((
        get("code").ok_or("no code in the callback")?,
        get("state").ok_or("no state in the callback")?,
    ))
}
