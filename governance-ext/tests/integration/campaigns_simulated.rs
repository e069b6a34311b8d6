//! The whole campaign flow against the simulated org, under a rate limit of one request per
//! window per operation: apply a file twice, launch, wait, decide (as simulated reviewers),
//! reassign, end with remediation, report. No 429 reaches the caller.

use std::time::Duration;

use okta_governance::campaigns::{Applied, Reassign, Remediation};
use okta_governance::client::types;
use okta_governance_simulator::{Decision, Simulator};

#[tokio::test]
async fn a_quarterly_campaign_runs_end_to_end_under_a_tight_rate_limit() {
    let org = Simulator::builder()
        .rate_limit(1, Duration::from_secs(1))
        .review_activation(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let okta = org.governance().unwrap();
    let started = std::time::Instant::now();
    let directory = org.directory();
    let (app, reviewer, departed) = (
        directory.apps[0].id.clone(),
        directory.users[1].id.clone(),
        directory.users[2].id.clone(),
    );
    let text = include_str!("../../examples/campaigns/quarterly-salesforce.yaml")
        .replace("REVIEWED_APP", &app)
        .replace("FALLBACK_REVIEWER", &reviewer)
        .replace("REVIEWER", &departed);
    let dir = std::env::temp_dir().join(format!("oig-campaign-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("quarterly.yaml");
    std::fs::write(&file, text).unwrap();

    let first = okta.campaigns().apply_file(&file).await.unwrap();
    assert!(matches!(first, Applied::Created(_)));
    let second = okta.campaigns().apply_file(&file).await.unwrap();
    assert!(matches!(second, Applied::Existing(_)), "{second:?}");
    let id = first.campaign().id.to_string();
    assert_eq!(okta.campaigns().list().collect().await.unwrap().len(), 1);

    let campaign = okta.campaign(&id);
    campaign.launch().await.unwrap();
    let active = campaign
        .wait_until_active(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(active.status, types::CampaignStatus::Active);

    // One review per user of the directory; the reviewer's own goes to the fallback.
    let before = campaign.progress().await.unwrap();
    assert_eq!(before.total, directory.users.len());
    assert_eq!(before.unreviewed, before.total);

    // The departed reviewer's reviews move to the other one, in the bulk shape.
    let moved = campaign
        .reassign(
            Reassign::from_reviewer(&departed),
            &reviewer,
            "Reviewer left the company",
        )
        .send()
        .await
        .unwrap();
    assert!(
        moved.is_success() && !moved.succeeded.is_empty(),
        "{moved:?}"
    );

    // Simulated reviewers decide: revoke the first user's access, approve the rest.
    let revoked_user = directory.users[0].id.clone();
    let decided = org.decide(&id, |review| {
        Some(if review.principal == revoked_user {
            (Decision::Revoke, Some("No longer in sales".into()))
        } else {
            (Decision::Approve, None)
        })
    });
    assert_eq!(decided, before.total);
    let after = campaign.progress().await.unwrap();
    assert_eq!(
        (after.revoked, after.approved, after.unreviewed),
        (1, before.total - 1, 0)
    );

    campaign.end(Remediation::Run).await.unwrap();
    let settled = campaign
        .wait_for_remediation(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(settled.remediation_succeeded, 1);
    let rows = campaign.report().await.unwrap();
    assert_eq!(rows.len(), before.total);
    let revoked = rows
        .iter()
        .find(|r| r.decision == types::Decision::Revoke)
        .unwrap();
    assert_eq!(revoked.note.as_deref(), Some("No longer in sales"));
    assert!(rows.iter().all(|r| r.reviewer.is_some()));
    // A campaign whose principal scope excludes users reviews only the others.
    let mut scoped: types::CampaignMutable = okta_governance::campaigns::read_file(&file).unwrap();
    scoped.name = "Scoped review".try_into().unwrap();
    scoped.principal_scope_settings = Some(
        serde_json::from_value(serde_json::json!({
            "type": "USERS", "excludedUserIds": [directory.users[0].id]
        }))
        .unwrap(),
    );
    let scoped = okta.campaigns().create(scoped).await.unwrap();
    let scoped = okta.campaign(scoped.id.as_str());
    scoped.launch().await.unwrap();
    scoped
        .wait_until_active(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        scoped.progress().await.unwrap().total,
        directory.users.len() - 1
    );
    // A campaign that ran cannot be deleted.
    assert!(campaign.delete().await.is_err());
    // The limit was in force (the same operations ran many times, one per second each) and
    // the client paced under it: nothing surfaced, and the org rarely had to refuse.
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let stats = org.stats();
    assert!(stats.rate_limited <= 2, "{stats:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The reviewer types the simulated org assigns besides `USER`: a resource-owner campaign
/// (no simulated resource has an owner) and an expression campaign (no expression is
/// evaluated) go to the fallback reviewer, as Okta assigns them when neither finds anyone.
/// Group and multi-level reviewers are refused by name, never launched with nobody to review.
#[tokio::test]
async fn other_reviewer_types_go_to_the_fallback_reviewer_or_are_refused_by_name() {
    let org = Simulator::builder()
        .review_activation(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let okta = org.governance().unwrap();
    let directory = org.directory();
    let fallback = directory.users[1].id.clone();
    let campaign = |name: &str, reviewer: serde_json::Value| -> types::CampaignMutable {
        serde_json::from_value(serde_json::json!({
            "name": name,
            "scheduleSettings": {"type": "ONE_OFF", "startDate": "2030-01-01T00:00:00Z",
                                 "durationInDays": 14, "timeZone": "Europe/Paris"},
            "resourceSettings": {"type": "APPLICATION", "targetResources": [
                {"resourceId": directory.apps[0].id, "resourceType": "APPLICATION"}]},
            "reviewerSettings": reviewer,
            "remediationSettings": {"accessApproved": "NO_ACTION", "accessRevoked": "DENY",
                                    "noResponse": "NO_ACTION"}
        }))
        .unwrap()
    };
    for (name, reviewer) in [
        (
            "By owner",
            serde_json::json!({"type": "RESOURCE_OWNER", "fallBackReviewerId": fallback}),
        ),
        (
            "By manager",
            serde_json::json!({"type": "REVIEWER_EXPRESSION", "fallBackReviewerId": fallback,
                               "reviewerScopeExpression": "user.profile.managerId"}),
        ),
    ] {
        let created = okta
            .campaigns()
            .create(campaign(name, reviewer))
            .await
            .unwrap();
        let handle = okta.campaign(created.id.as_str());
        handle.launch().await.unwrap();
        handle
            .wait_until_active(Duration::from_secs(30))
            .await
            .unwrap();
        let reviews = handle.reviews().collect().await.unwrap();
        assert_eq!(reviews.len(), directory.users.len(), "{name}");
        for review in &reviews {
            let reviewer = review.reviewer_profile.as_ref().map(|p| p.id.to_string());
            assert_eq!(reviewer.as_deref(), Some(fallback.as_str()), "{name}");
        }
    }
    let refused = okta
        .campaigns()
        .create(campaign(
            "By group",
            serde_json::json!({"type": "GROUP", "reviewerGroupId": directory.groups[0].id}),
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400), "{refused}");
    assert!(
        format!("{refused:?}").contains("GROUP reviewers are not simulated"),
        "{refused:?}"
    );
}
