//! A security access review's whole life against the simulated org: sub-accesses and
//! anomalies, acting on one entitlement of an app, restoring, history, principal and stats,
//! and a reviewer who signs in with authorization code + PKCE.

use std::time::Duration;

use futures_util::TryStreamExt;
use okta_governance::auth::user::UserSignIn;
use okta_governance::auth::Credentials;
use okta_governance::client::prelude::*;
use okta_governance::client::types;
use okta_governance::security_access_reviews::{AccessAction, SecurityAccessReviewHandle};
use okta_governance::{AuthError, Config, Error, Governance, OrgUrl, Scopes};
use okta_governance_simulator::{Simulator, DEFAULT_REDIRECT_URI};

use types::SecurityAccessReviewAccessItemRemediationStatus as Status;
use types::SecurityAccessReviewSubAccessItemType as SubType;

async fn org() -> Simulator {
    Simulator::builder()
        .review_activation(Duration::from_millis(50))
        .remediation(Duration::from_millis(100))
        .start()
        .await
        .unwrap()
}

/// Launches a review of the first user with the second as reviewer, and waits until it is
/// active.
async fn launched(org: &Simulator, okta: &Governance) -> String {
    let users = &org.directory().users;
    let review = okta
        .security_access_reviews()
        .launch(&users[0].id, "Quarterly review")
        .reviewer(&users[1].id)
        .send()
        .await
        .unwrap();
    okta.security_access_review(review.id.as_str())
        .wait_until_active(Duration::from_secs(10))
        .await
        .unwrap();
    review.id.to_string()
}

async fn accesses(
    review: &SecurityAccessReviewHandle,
) -> Vec<types::SecurityAccessReviewAccessItem> {
    review
        .accesses()
        .page_size(200)
        .stream()
        .try_collect()
        .await
        .unwrap()
}

async fn subs(
    review: &SecurityAccessReviewHandle,
    access: &str,
) -> Vec<types::SecurityAccessReviewSubAccessItem> {
    review
        .sub_accesses(access)
        .page_size(200)
        .stream()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn accesses_bring_groups_and_entitlements_as_sub_accesses_with_anomalies() {
    let org = org().await;
    let okta = org.governance().unwrap();
    let id = launched(&org, &okta).await;
    let review = okta.security_access_review(&id);
    let accesses = accesses(&review).await;
    assert_eq!(accesses.len(), 3);

    // Every kind of sub-access Okta lists, each with its supported actions, by priority.
    let mut kinds = Vec::new();
    for access in &accesses {
        let subs = subs(&review, access.id.as_str()).await;
        let mut listed: Vec<SubType> = subs.iter().map(|s| s.type_.clone()).collect();
        listed.sort_by_key(ToString::to_string);
        let mut declared = access.sub_access_types.clone();
        declared.sort_by_key(ToString::to_string);
        assert_eq!(
            listed, declared,
            "subAccessTypes names what sub-accesses lists"
        );
        assert!(subs.iter().all(|s| !s.supported_actions.is_empty()));
        kinds.extend(listed);
    }
    kinds.sort_by_key(ToString::to_string);
    assert_eq!(
        kinds,
        [
            SubType::EntitlementBundle,
            SubType::EntitlementValue,
            SubType::Group
        ]
    );

    // Anomalies: the risky accesses have some, the quiet one none.
    let mut counts = Vec::new();
    for access in &accesses {
        counts.push(
            review
                .anomalies(access.id.as_str())
                .await
                .unwrap()
                .data
                .len(),
        );
    }
    counts.sort_unstable();
    assert_eq!(counts, [0, 1, 2]);

    // The sub-access filter the spec documents.
    let app = accesses
        .iter()
        .find(|a| a.sub_access_types.contains(&SubType::Group))
        .unwrap();
    let groups: Vec<types::SecurityAccessReviewSubAccessItem> = okta
        .list_security_access_review_sub_accesses()
        .security_access_review_id(id.as_str())
        .security_access_review_access_id(app.id.as_str())
        .filter(r#"resourceType eq "GROUP""#)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(groups.len(), 1);
    assert!(groups[0].group_info.is_some());
    // An unknown access is Okta's 404, typed.
    let error = review.anomalies("aimNoSuchAccess00000").await.unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 404),
        "{error:?}"
    );
}

#[tokio::test]
async fn one_entitlement_is_revoked_and_the_app_stays_then_everything_is_restored() {
    let org = org().await;
    let okta = org.governance().unwrap();
    let id = launched(&org, &okta).await;
    let review = okta.security_access_review(&id);
    let accesses = accesses(&review).await;
    let app = accesses
        .iter()
        .find(|a| a.sub_access_types.contains(&SubType::EntitlementValue))
        .unwrap();
    let entitlement = subs(&review, app.id.as_str())
        .await
        .into_iter()
        .find(|s| s.type_ == SubType::EntitlementValue)
        .unwrap();

    // Acting on a sub-access: the same call, the same refusal before sending.
    let before = org.stats().requests;
    let error = review
        .act(&entitlement, AccessAction::FlagForManualRestoration)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains(entitlement.id.as_str()),
        "{error}"
    );
    assert_eq!(org.stats().requests, before, "refused before sending");
    review
        .act(&entitlement, AccessAction::RevokeAccess)
        .await
        .unwrap();
    let report = review
        .wait_for_remediation(&[entitlement.id.to_string()], Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(report.finished, [entitlement.id.to_string()]);
    assert!(report.missing.is_empty());
    let now = accesses_by_id(&review, app.id.as_str()).await;
    assert_eq!(now.remediation_status, Some(Status::None), "the app stays");

    // Revoke the app too, then restore everything: back through IN_PROGRESS to NONE.
    review.act(app, AccessAction::RevokeAccess).await.unwrap();
    review
        .wait_for_remediation(&[app.id.to_string()], Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        accesses_by_id(&review, app.id.as_str())
            .await
            .remediation_status,
        Some(Status::Remediated)
    );
    review.restore_all_access().await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        accesses_by_id(&review, app.id.as_str())
            .await
            .remediation_status,
        Some(Status::None)
    );
    let restored = subs(&review, app.id.as_str()).await;
    assert!(restored
        .iter()
        .all(|s| s.remediation_status == Some(Status::None)));

    // SecurityAccessReviewHandle-level actions follow the status; the history tells the story in order.
    let actions = review.actions().await.unwrap();
    assert!(actions.contains(&types::SecurityAccessReviewActionType::CloseReview));
    review.close().await.unwrap();
    assert_eq!(
        review.actions().await.unwrap(),
        [types::SecurityAccessReviewActionType::RestoreAllAccess]
    );
    let history: Vec<types::SecurityAccessReviewHistoryItem> = review
        .history()
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let messages: Vec<String> = history.iter().map(|h| h.message.to_string()).collect();
    assert_eq!(messages.len(), 5, "{messages:?}");
    assert!(messages[0].starts_with("Launched"), "{messages:?}");
    assert!(
        messages[1].contains(entitlement.name.as_str()),
        "{messages:?}"
    );
    assert_eq!(messages[4], "Closed the review");

    let principal = review.principal().await.unwrap();
    assert_eq!(principal.id.as_str(), org.directory().users[0].id);
    let stats = okta.security_access_reviews().stats().await.unwrap();
    assert_eq!((stats.closed_count, stats.active_count), (1, 0));
}

async fn accesses_by_id(
    review: &SecurityAccessReviewHandle,
    id: &str,
) -> types::SecurityAccessReviewAccessItem {
    accesses(review)
        .await
        .into_iter()
        .find(|a| a.id.as_str() == id)
        .unwrap()
}

/// Plays the browser: follows the authorize URL to the redirect and returns its query.
async fn authorize(url: url::Url) -> Vec<(String, String)> {
    let browser = okta_governance::Governance::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let location = url::Url::parse(
        response
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap(),
    )
    .unwrap();
    assert!(location.as_str().starts_with(DEFAULT_REDIRECT_URI));
    location.query_pairs().into_owned().collect()
}

fn reviewer_scopes() -> Scopes {
    Scopes::new([
        "okta.governance.securityAccessReviews.endUser.read",
        "okta.governance.securityAccessReviews.endUser.manage",
        "offline_access",
    ])
}

/// Signs `user` in through the org's OIDC app: a client over the user's tokens.
async fn sign_in(org: &Simulator, user: &str) -> Governance {
    let url = OrgUrl::parse(org.url()).unwrap();
    let sign_in = UserSignIn::new(&url, org.user_app_id(), DEFAULT_REDIRECT_URI).unwrap();
    let mut request = sign_in.authorize_url(&reviewer_scopes());
    request
        .url
        .query_pairs_mut()
        .append_pair("login_hint", &org.login_of(user).unwrap());
    let query = authorize(request.url.clone()).await;
    let get = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in {query:?}"))
    };
    let tokens = sign_in
        .exchange(&get("code"), &get("state"), request)
        .await
        .unwrap();
    assert!(
        tokens.refresh_token().is_some(),
        "offline_access brings one"
    );
    Governance::new(
        Config::builder()
            .org_url(org.url())
            .credentials(Credentials::User(tokens))
            .build()
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_reviewer_signs_in_with_pkce_and_reviews_and_a_stranger_gets_403() {
    let org = org().await;
    let admin = org.governance().unwrap();
    let id = launched(&org, &admin).await;
    let users = org.directory().users.clone();

    let reviewer = sign_in(&org, &users[1].id).await;
    let review = reviewer.my_security_access_review(&id);
    let accesses = accesses(&review).await;
    let app = accesses
        .iter()
        .find(|a| a.sub_access_types.contains(&SubType::EntitlementValue))
        .unwrap();
    let sub = &subs(&review, app.id.as_str()).await[0];
    review.act(sub, AccessAction::RevokeAccess).await.unwrap();
    let anomalies = review.anomalies(app.id.as_str()).await.unwrap().data;
    assert!(!anomalies.is_empty(), "the reviewer sees why it is risky");
    review.comment("Revoked the admin profile").await.unwrap();
    let history: Vec<types::SecurityAccessReviewHistoryItem> = review
        .history()
        .page_size(20)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        last.principal_profile.as_ref().map(|p| p.id.to_string()),
        Some(users[1].id.clone()),
        "the history names the reviewer who acted"
    );
    review.close().await.unwrap();

    let stranger = sign_in(&org, &users[2].id).await;
    let error = stranger
        .my_security_access_review(&id)
        .accesses()
        .page_size(20)
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 403 && api.error_code.as_deref() == Some("E0000006")),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_authorize_endpoint_and_code_grant_refuse_what_oauth_forbids() {
    let org = org().await;
    let url = OrgUrl::parse(org.url()).unwrap();
    let user = org.directory().users[1].id.clone();
    let sign_in = UserSignIn::new(&url, org.user_app_id(), DEFAULT_REDIRECT_URI).unwrap();

    // A redirect URI that is not registered: refused here, never redirected.
    let elsewhere =
        UserSignIn::new(&url, org.user_app_id(), "https://attacker.example/cb").unwrap();
    let mut request = elsewhere.authorize_url(&reviewer_scopes());
    request
        .url
        .query_pairs_mut()
        .append_pair("login_hint", &user);
    let response = okta_governance::Governance::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(request.url.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());

    // A scope the app may not have, and no user: errors sent back to the app, with the state.
    let request = sign_in.authorize_url(&Scopes::new(["okta.governance.labels.manage"]));
    let query = authorize(request.url.clone()).await;
    assert!(
        query.contains(&("error".into(), "invalid_scope".into())),
        "{query:?}"
    );
    let request = sign_in.authorize_url(&reviewer_scopes());
    let query = authorize(request.url.clone()).await;
    assert!(
        query.contains(&("error".into(), "login_required".into())),
        "{query:?}"
    );
    assert!(query.iter().any(|(n, _)| n == "state"));

    // An oversized login_hint: refused by name, never looked up.
    let mut request = sign_in.authorize_url(&reviewer_scopes());
    request
        .url
        .query_pairs_mut()
        .append_pair("login_hint", &"x".repeat(10_000));
    let query = authorize(request.url.clone()).await;
    assert!(
        query.contains(&("error".into(), "invalid_request".into())),
        "{query:?}"
    );
    assert!(
        query
            .iter()
            .any(|(n, v)| n == "error_description" && v.contains("512")),
        "{query:?}"
    );

    // A code is spent by its first exchange, and a forged state never reaches the server.
    let mut request = sign_in.authorize_url(&reviewer_scopes());
    request
        .url
        .query_pairs_mut()
        .append_pair("login_hint", &user);
    let query = authorize(request.url.clone()).await;
    let code = query.iter().find(|(n, _)| n == "code").unwrap().1.clone();
    let state = query.iter().find(|(n, _)| n == "state").unwrap().1.clone();
    let before = org.stats().requests;
    let forged = sign_in
        .exchange(&code, "forged", sign_in.authorize_url(&reviewer_scopes()))
        .await
        .unwrap_err();
    assert!(matches!(forged, AuthError::User(_)), "{forged:?}");
    assert_eq!(org.stats().requests, before);
    // The PKCE verifier of another request does not match this code's challenge.
    let other = sign_in.authorize_url(&reviewer_scopes());
    let other_state = other
        .url
        .query_pairs()
        .find(|(n, _)| n == "state")
        .unwrap()
        .1
        .to_string();
    let mismatch = sign_in
        .exchange(&code, &other_state, other)
        .await
        .unwrap_err();
    assert!(
        mismatch.to_string().contains("PKCE verification failed"),
        "{mismatch}"
    );
    // ... and that attempt spent the code, as a failed exchange must.
    let spent = sign_in.exchange(&code, &state, request).await.unwrap_err();
    assert!(
        spent.to_string().contains("invalid or has expired"),
        "{spent}"
    );
}
