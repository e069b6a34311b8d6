//! The simulated org against this SDK: the seed guide's flow end to end with `private_key_jwt`,
//! DPoP, scopes, rate limits, Okta's limits and error bodies, paging through `-admin` links.
//! Every typed call here also proves the simulator's answers decode into the generated types.

use std::time::Duration;

use futures_util::TryStreamExt;
use okta_governance::client::prelude::*;
use okta_governance::client::types;
use okta_governance::labels::{self, Color, LabelError};
use okta_governance::orn::{Orn, Partition};
use okta_governance::{AuthError, DpopMode, Error, Scopes};
use okta_governance_simulator::Simulator;
use serde_json::json;

fn orns(org: &Simulator) -> (Orn, Orn) {
    let directory = org.directory();
    (
        directory.apps[0].orn.clone().unwrap(),
        directory.groups[0].orn.clone().unwrap(),
    )
}

/// `count` group ORNs of the org with ids `{prefix}` + a 13-digit number.
fn groups(org: &Simulator, prefix: &str, count: usize) -> Vec<Orn> {
    (0..count)
        .map(|i| {
            Orn::group(
                Partition::Okta,
                &org.directory().org_id,
                &format!("{prefix}{i:013}"),
            )
            .unwrap()
        })
        .collect()
}

fn api_error(error: Error) -> okta_governance::ApiError {
    match error {
        Error::Api(api) => *api,
        other => panic!("expected an Okta error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_seed_guide_flow_runs_end_to_end_with_private_key_jwt() {
    let org = Simulator::builder()
        .review_activation(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let okta = org.governance().unwrap();

    let all = okta.labels().list().collect().await.unwrap();
    let predefined: Vec<&str> = all
        .iter()
        .filter(|l| labels::is_predefined(l))
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(predefined, ["Crown Jewel", "Privileged"]);

    let label = okta
        .labels()
        .ensure("Sensitivity")
        .value("High", Color::Red)
        .value("Low", Color::Green)
        .send()
        .await
        .unwrap();
    let again = okta
        .labels()
        .ensure("sensitivity")
        .value("high", None)
        .send()
        .await
        .unwrap();
    assert_eq!(again.label_id, label.label_id, "ensure is idempotent");
    let high = label.values[0].label_value_id.clone();

    let (app, group) = orns(&org);
    let report = okta
        .labels()
        .assign(&[app, group], std::slice::from_ref(&high))
        .send()
        .await
        .unwrap();
    assert!(report.is_success(), "{:?}", report.failed);

    let holders: Vec<types::ResourceLabel> = okta
        .labels()
        .resources_with_value(&high)
        .page_size(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut names: Vec<&str> = holders
        .iter()
        .filter_map(|r| {
            r.profile
                .as_ref()
                .and_then(|p| p.name.as_ref())
                .map(|n| n.as_str())
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["Finance", "Salesforce"],
        "two pages of one item each"
    );

    let users = &org.directory().users;
    let review = okta
        .security_access_reviews()
        .launch(&users[0].id, "Access review for Avery Quinn")
        .reviewers([&users[1].id, &users[2].id])
        .send()
        .await
        .unwrap();
    assert_eq!(review.status, types::SecurityAccessReviewStatus::Pending);
    let active = okta
        .security_access_review(review.id.as_str())
        .wait_until_active(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(active.status, types::SecurityAccessReviewStatus::Active);
    okta.security_access_review(review.id.as_str())
        .close()
        .await
        .unwrap();
    let closed = okta
        .security_access_review(review.id.as_str())
        .details()
        .await
        .unwrap();
    assert_eq!(closed.status, types::SecurityAccessReviewStatus::Closed);

    assert_eq!(okta.token_requests(), 1, "one token served every call");
    let stats = org.stats();
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.rate_limited, 0);
}

#[tokio::test]
async fn dpop_is_discovered_and_bound_tokens_need_proofs() {
    let org = Simulator::builder()
        .require_dpop(true)
        .start()
        .await
        .unwrap();
    let okta = org.governance().unwrap();
    assert_eq!(okta.labels().list().collect().await.unwrap().len(), 2);
    // Auto mode: one exchange refused for want of a proof, then one with DPoP (the nonce
    // challenge is answered inside it).
    assert_eq!(okta.token_requests(), 2);
    assert_eq!(org.stats().tokens_issued, 1);

    let off = org
        .config()
        .dpop(DpopMode::Never)
        .build()
        .map(okta_governance::Governance::new)
        .unwrap()
        .unwrap();
    let error = off.labels().list().collect().await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(AuthError::TokenEndpoint { error, .. }) if error == "invalid_dpop_proof"),
        "{error}"
    );
}

#[tokio::test]
async fn scopes_are_checked_at_the_token_endpoint_and_per_operation() {
    let org = Simulator::builder()
        .client_scopes(Scopes::new(["okta.governance.labels.read"]))
        .start()
        .await
        .unwrap();
    let greedy = org.governance().unwrap();
    let error = greedy.labels().list().collect().await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(AuthError::TokenEndpoint { error, description, .. })
            if error == "invalid_scope" && description.as_deref().unwrap_or_default().contains("okta.governance.labels.manage")),
        "{error}"
    );

    let reader = okta_governance::Governance::new(
        org.config()
            .scopes(Scopes::new(["okta.governance.labels.read"]))
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(reader.labels().list().collect().await.unwrap().len(), 2);
    let error = reader
        .labels()
        .ensure("Tier")
        .value("Gold", None)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Auth(AuthError::MissingScope { operation: "createLabel", scopes }) if scopes == &["okta.governance.labels.manage"]),
        "{error}"
    );
}

#[tokio::test]
async fn a_foreign_key_is_refused_as_invalid_client() {
    let org = Simulator::start().await.unwrap();
    let stranger = okta_governance::Governance::new(
        okta_governance::Config::builder()
            .org_url(org.url())
            .private_key(
                okta_governance::PrivateKeyJwt::new(
                    org.client_id(),
                    okta_governance::SigningKey::generate_es256().unwrap(),
                )
                .with_key_id(org.key_id()),
            )
            .build()
            .unwrap(),
    )
    .unwrap();
    let error = stranger.labels().list().collect().await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(AuthError::TokenEndpoint { status: 401, error, .. }) if error == "invalid_client"),
        "{error}"
    );
}

#[tokio::test]
async fn api_tokens_work_except_for_oauth_only_operations() {
    let org = Simulator::start().await.unwrap();
    let ssws = okta_governance::Governance::new(
        okta_governance::Config::builder()
            .org_url(org.url())
            .ssws_token(org.api_token().clone())
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(ssws.labels().list().collect().await.unwrap().len(), 2);
    let error = ssws
        .list_security_access_reviews()
        .send()
        .await
        .map(drop)
        .unwrap_err();
    let api = api_error(error);
    assert_eq!(
        (api.status, api.error_code.as_deref()),
        (403, Some("E0000006"))
    );
    assert!(api.request_id.is_some());
}

#[tokio::test]
async fn okta_limits_come_back_as_typed_errors_naming_the_limit() {
    let org = Simulator::start().await.unwrap();
    let okta = org.governance().unwrap();

    // Straight through the generated client, past the ext crate's own checks.
    let create = |name: String| {
        let okta = okta.clone();
        async move {
            okta.create_label()
                .body(types::LabelCreate::builder().name(name.clone()).values(
                    vec![types::LabelValueCreate::try_from(
                            types::LabelValueCreate::builder().name(format!("{name} value")),
                        )
                        .unwrap()],
                ))
                .send()
                .await
                .map(|r| r.into_inner())
        }
    };
    for i in 0..10 {
        create(format!("Key {i}")).await.unwrap();
        if i == 3 {
            let api = api_error(create("key 3".into()).await.unwrap_err());
            assert!(api.error_causes[0].contains("already exists"), "{api}");
        }
    }
    let api = api_error(create("Key 10".into()).await.unwrap_err());
    assert_eq!(
        (api.status, api.error_code.as_deref()),
        (400, Some("E0000001"))
    );
    assert!(
        api.error_causes[0].contains("at most 10 custom labels"),
        "{:?}",
        api.error_causes
    );

    // Predefined labels cannot be deleted, even when the ext crate's check is bypassed.
    let crown = okta
        .labels()
        .list()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.name.as_str() == "Crown Jewel")
        .unwrap();
    let error = okta
        .delete_label()
        .label_id(crown.label_id.to_string())
        .send()
        .await
        .map(drop)
        .unwrap_err();
    assert!(api_error(error).error_causes[0].contains("predefined"));

    // A label in use cannot be deleted; unassigning first makes it deletable.
    let all = okta.labels().list().collect().await.unwrap();
    let label = labels::find_in(&all, "Key 0").unwrap().clone();
    let (app, _) = orns(&org);
    let value = label.values[0].label_value_id.clone();
    assert!(okta
        .labels()
        .assign(std::slice::from_ref(&app), std::slice::from_ref(&value))
        .send()
        .await
        .unwrap()
        .is_success());
    let error = okta.labels().delete(&label).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Api(_) | Error::Label(LabelError::InUse { .. })
        ),
        "{error}"
    );
    okta.labels()
        .delete_unassigning_first(&label)
        .await
        .unwrap();
    assert!(okta
        .labels()
        .list()
        .collect()
        .await
        .unwrap()
        .iter()
        .all(|l| l.label_id != label.label_id));
}

#[tokio::test]
async fn a_resource_carries_at_most_ten_values() {
    let org = Simulator::start().await.unwrap();
    let okta = org.governance().unwrap();
    let ensure = (0..10).fold(okta.labels().ensure("Many"), |ensure, i| {
        ensure.value(format!("V{i}"), None)
    });
    let many = match ensure.send().await {
        Ok(label) => label,
        Err(Error::Api(api)) => panic!("{api}: {:?}", api.error_causes),
        Err(other) => panic!("{other}"),
    };
    let ids: Vec<types::LabelValueId> = many
        .values
        .iter()
        .map(|v| v.label_value_id.clone())
        .collect();
    let (app, _) = orns(&org);
    assert!(okta
        .labels()
        .assign(std::slice::from_ref(&app), &ids)
        .send()
        .await
        .unwrap()
        .is_success());
    let all = okta.labels().list().collect().await.unwrap();
    let eleventh = all[0].values[0].label_value_id.clone();
    let report = okta
        .labels()
        .assign(std::slice::from_ref(&app), &[eleventh])
        .send()
        .await
        .unwrap();
    let failed = &report.failed;
    assert_eq!(failed.len(), 1);
    let message = failed[0].1.to_string();
    assert!(message.contains("at most 10"), "{message}");
}

#[tokio::test]
async fn lists_page_through_admin_links_without_leaving_the_org() {
    let org = Simulator::start().await.unwrap();
    let okta = org.governance().unwrap();
    let label = okta
        .labels()
        .ensure("Bulk")
        .value("Seeded", None)
        .send()
        .await
        .unwrap();
    let value = label.values[0].label_value_id.clone();
    let seeded = groups(&org, "00gbulk", 45);
    org.label_resources(value.as_str(), &seeded).unwrap();
    let streamed: Vec<types::ResourceLabel> = okta
        .labels()
        .resources_with_value(&value)
        .page_size(20)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 45);

    // On the wire: Link and _links.next point at the -admin host, with the cursor.
    let token = org.issue_token(&Scopes::all_governance()).unwrap();
    let response = okta_governance::Governance::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .get(format!(
            "{}/governance/api/v1/resource-labels?limit=20&filter={}",
            org.url(),
            url::form_urlencoded::byte_serialize(
                format!("labelValueId eq \"{}\"", value.as_str()).as_bytes()
            )
            .collect::<String>()
        ))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    let link = response.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("https://simulated-admin.okta.com/governance/api/v1/resource-labels?"));
    assert!(
        link.contains("rel=\"next\"") && link.contains("after="),
        "{link}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["_links"]["next"]["href"]
        .as_str()
        .unwrap()
        .starts_with("https://simulated-admin.okta.com/"));
}

#[tokio::test]
async fn rate_limits_answer_429_with_headers_and_the_sdk_stays_under_them() {
    let org = Simulator::builder()
        .rate_limit(3, Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let token = org.issue_token(&Scopes::all_governance()).unwrap();
    let http = okta_governance::Governance::http_client_builder()
        .unwrap()
        .build()
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = http
            .get(format!("{}/governance/api/v1/labels", org.url()))
            .bearer_auth(token.expose())
            .send()
            .await
            .unwrap();
        for header in [
            "x-rate-limit-limit",
            "x-rate-limit-remaining",
            "x-rate-limit-reset",
            "x-okta-request-id",
            "date",
        ] {
            assert!(response.headers().contains_key(header), "{header}");
        }
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["errorCode"], "E0000047");
        }
    }
    // Windows are aligned to the clock: the 3 allowed may straddle two windows.
    assert!(statuses.contains(&429), "{statuses:?}");
    let refused_before = org.stats().rate_limited;

    let okta = org.governance().unwrap();
    for _ in 0..8 {
        okta.labels().list().collect().await.unwrap();
    }
    assert!(
        org.stats().rate_limited - refused_before <= 1,
        "{:?}",
        org.stats()
    );
}

#[tokio::test]
async fn an_undeclared_400_from_create_review_is_a_typed_okta_error() {
    let org = Simulator::start().await.unwrap();
    let okta = org.governance().unwrap();
    let principal = org.directory().users[0].id.clone();
    // The principal as their own reviewer: LaunchReview refuses it, so send it raw.
    let body: types::SecurityAccessReviewRequest = serde_json::from_value(json!({
        "principalId": principal,
        "name": "Self review",
        "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": [principal]}},
    }))
    .unwrap();
    let error = okta
        .create_security_access_review()
        .body(body)
        .send()
        .await
        .map(drop)
        .unwrap_err();
    let api = api_error(error);
    assert_eq!(
        (api.status, api.error_code.as_deref()),
        (400, Some("E0000001"))
    );
    assert!(api.error_causes[0].contains("cannot review their own access"));
    assert!(okta
        .security_access_reviews()
        .launch(&principal, "x")
        .reviewer(&principal)
        .validate(chrono::Utc::now())
        .is_err());
}

#[tokio::test]
async fn expired_tokens_are_refreshed_once() {
    let org = Simulator::builder()
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let okta = okta_governance::Governance::new(
        org.config().refresh_margin(Duration::ZERO).build().unwrap(),
    )
    .unwrap();
    okta.labels().list().collect().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    okta.labels().list().collect().await.unwrap();
    assert_eq!(org.stats().tokens_issued, 2);
}

#[tokio::test]
async fn bad_settings_are_refused_by_name() {
    for (builder, field) in [
        (Simulator::builder().org_name("Not Valid"), "org_name"),
        (
            Simulator::builder().rate_limit(0, Duration::from_secs(1)),
            "rate_limit.requests",
        ),
        (
            Simulator::builder().rate_limit(5, Duration::from_millis(500)),
            "rate_limit.window",
        ),
    ] {
        match builder.start().await {
            Err(Error::InvalidInput { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn bulk_assigns_report_progress_batch_by_batch() {
    use futures_util::StreamExt;
    let org = Simulator::start().await.unwrap();
    let okta = org.governance().unwrap();
    let label = okta
        .labels()
        .ensure("Progress")
        .value("One", None)
        .send()
        .await
        .unwrap();
    let value = label.values[0].label_value_id.clone();
    let mut orns = groups(&org, "00gprog", 25);
    // Repeats are dropped, not counted twice.
    orns.push(orns[0].clone());
    let outcomes: Vec<_> = okta
        .labels()
        .assign(&orns, std::slice::from_ref(&value))
        .concurrency(2)
        .outcomes()
        .collect()
        .await;
    let outcomes: Vec<okta_governance::bulk::Outcome<_>> =
        outcomes.into_iter().map(Result::unwrap).collect();
    assert_eq!(outcomes.len(), 3, "25 resources in batches of 10");
    let done: Vec<(usize, usize)> = outcomes
        .iter()
        .map(|o| (o.progress.calls, o.progress.done))
        .collect();
    assert!(
        done.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
        "{done:?}"
    );
    let last = outcomes.last().unwrap().progress;
    assert_eq!((last.calls, last.calls_total), (3, 3));
    assert_eq!((last.done, last.total, last.succeeded), (25, 25, 25));
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    // A concurrency of 0 is refused naming the setting, as an out-of-range page size is.
    let refused = okta
        .labels()
        .unassign(&orns, std::slice::from_ref(&value))
        .concurrency(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.invalid_field(), Some("concurrency"));
    let report = okta
        .labels()
        .unassign(&orns, std::slice::from_ref(&value))
        .concurrency(1)
        .send()
        .await
        .unwrap();
    assert_eq!((report.calls, report.succeeded.len()), (3, 25));
    assert!(report.is_success());
}

#[tokio::test]
async fn a_review_from_launch_to_close_revokes_remediates_and_closes() {
    use okta_governance::client::types::SecurityAccessReviewAccessItemSeverity as Severity;
    use okta_governance::security_access_reviews::{AccessAction, SecurityAccessReviewError};
    // One access action per window: the bulk action must pace itself, and no 429 surfaces.
    let org = Simulator::builder()
        .review_activation(Duration::from_millis(50))
        .remediation(Duration::from_millis(300))
        .rate_limit(1, Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let okta = org.governance().unwrap();
    let users = &org.directory().users;
    let launched = okta
        .security_access_reviews()
        .launch(&users[0].id, "Quarterly review")
        .reviewer(&users[1].id)
        .send()
        .await
        .unwrap();
    let review = okta.security_access_review(launched.id.as_str());
    review
        .wait_until_active(Duration::from_secs(10))
        .await
        .unwrap();

    // Revoke every access, highest severity or not: two can be revoked, one only flagged.
    let mut outcomes = review
        .act_on(AccessAction::RevokeAccess, |_| true)
        .concurrency(3)
        .outcomes();
    let mut report = Vec::new();
    while let Some(outcome) = futures_util::StreamExt::next(&mut outcomes).await {
        let outcome = outcome.unwrap();
        report.push((
            outcome.progress.done,
            outcome.progress.total,
            outcome.items[0].to_string(),
            outcome.result,
        ));
    }
    assert_eq!(
        report.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        [(1, 3), (2, 3), (3, 3)]
    );
    let refused: Vec<&str> = report
        .iter()
        .filter(|r| {
            matches!(
                r.3.as_ref().map_err(|e| &**e),
                Err(Error::SecurityAccessReview(
                    SecurityAccessReviewError::ActionNotSupported { .. }
                ))
            )
        })
        .map(|r| r.2.as_str())
        .collect();
    assert_eq!(refused.len(), 1, "{report:?}");
    assert!(
        report
            .iter()
            .all(|r| r.3.is_ok() || refused.contains(&r.2.as_str())),
        "no other failure, no 429 surfaced: {report:?}"
    );

    // Remediation finishes after the delay; the manual one is flagged instead.
    let accesses: Vec<types::SecurityAccessReviewAccessItem> = review
        .accesses()
        .page_size(200)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let revoked: Vec<String> = accesses
        .iter()
        .filter(|a| a.supported_actions.contains(&AccessAction::RevokeAccess))
        .map(|a| a.id.to_string())
        .collect();
    let manual = accesses
        .iter()
        .find(|a| !a.supported_actions.contains(&AccessAction::RevokeAccess))
        .unwrap();
    assert_eq!(manual.severity, Severity::High);
    review
        .act(manual, AccessAction::FlagForManualRemediation)
        .await
        .unwrap();
    let mut all = revoked.clone();
    all.push(manual.id.to_string());
    let remediation = review
        .wait_for_remediation(&all, Duration::from_secs(20))
        .await
        .unwrap();
    let mut finished = remediation.finished.clone();
    finished.sort();
    let mut expected = revoked.clone();
    expected.sort();
    assert_eq!(finished, expected);
    assert_eq!(
        remediation.manual,
        [(
            manual.id.to_string(),
            "PENDING_MANUAL_REMEDIATION".to_string()
        )]
    );

    review
        .comment("Revoked both apps; Slack flagged for IT")
        .await
        .unwrap();
    review.close().await.unwrap();
    assert_eq!(
        review.details().await.unwrap().status,
        types::SecurityAccessReviewStatus::Closed
    );
    // A closed review takes no more actions: Okta's 400, typed.
    let error = review
        .act(&accesses[0], accesses[0].supported_actions[0].clone())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 400),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_reviewer_acts_through_the_my_operations_and_a_stranger_is_refused() {
    use okta_governance::security_access_reviews::AccessAction;
    let org = Simulator::builder()
        .review_activation(Duration::from_millis(50))
        .remediation(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let admin = org.governance().unwrap();
    let users = org.directory().users.clone();
    let launched = admin
        .security_access_reviews()
        .launch(&users[0].id, "Quarterly review")
        .reviewer(&users[1].id)
        .send()
        .await
        .unwrap();
    admin
        .security_access_review(launched.id.as_str())
        .wait_until_active(Duration::from_secs(10))
        .await
        .unwrap();
    let end_user = Scopes::new([
        "okta.governance.securityAccessReviews.endUser.read",
        "okta.governance.securityAccessReviews.endUser.manage",
    ]);
    let signed_in = |user: &str| {
        let token = org.issue_user_token(user, &end_user).unwrap();
        okta_governance::Governance::new(
            okta_governance::Config::builder()
                .org_url(org.url())
                .bearer_token(token)
                .build()
                .unwrap(),
        )
        .unwrap()
    };

    // The reviewer: the same handle calls, over /my/security-access-reviews.
    let reviewer = signed_in(&users[1].id);
    let mine: Vec<types::SecurityAccessReviewSparse> = reviewer
        .security_access_reviews()
        .mine()
        .page_size(20)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    let review = reviewer.my_security_access_review(launched.id.as_str());
    assert_eq!(
        review.details().await.unwrap().status,
        types::SecurityAccessReviewStatus::Active
    );
    let report = review
        .act_on(AccessAction::RevokeAccess, |a| {
            a.supported_actions.contains(&AccessAction::RevokeAccess)
        })
        .send()
        .await
        .unwrap();
    assert_eq!(report.succeeded.len(), 2, "{:?}", report.failed);
    // The report's ids go straight into the wait.
    let remediation = review
        .wait_for_remediation(&report.succeeded, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(remediation.finished.len(), 2);
    review.comment("Both revoked").await.unwrap();
    review.close().await.unwrap();

    // Someone who is not a reviewer of it: Okta's 403, typed.
    let stranger = signed_in(&users[2].id);
    let error = stranger
        .my_security_access_review(launched.id.as_str())
        .details()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 403 && api.error_code.as_deref() == Some("E0000006")),
        "{error:?}"
    );
    assert!(stranger
        .security_access_reviews()
        .mine()
        .page_size(20)
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn every_duration_setting_is_bounded_and_refused_with_its_name() {
    let cases = [
        (
            "token_lifetime",
            Simulator::builder().token_lifetime(Duration::MAX),
        ),
        (
            "review_activation",
            Simulator::builder().review_activation(Duration::MAX),
        ),
        (
            "remediation",
            Simulator::builder().remediation(Duration::MAX),
        ),
        (
            "rate_limit.window",
            Simulator::builder().rate_limit(1, Duration::from_secs(u64::MAX)),
        ),
    ];
    for (field, builder) in cases {
        let Err(error) = builder.start().await else {
            panic!("{field}: accepted")
        };
        assert_eq!(error.invalid_field(), Some(field), "{error}");
    }
    // The largest accepted lifetime works end to end: the token handler does its arithmetic
    // without overflow.
    let org = Simulator::builder()
        .token_lifetime(okta_governance_simulator::MAX_TOKEN_LIFETIME)
        .start()
        .await
        .unwrap();
    let okta = org.governance().unwrap();
    okta.authenticate().await.unwrap();
    okta.list_labels().send().await.unwrap();
}
