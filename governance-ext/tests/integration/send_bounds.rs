//! Auto traits are part of the contract: every public future and stream of the SDK is `Send`,
//! so a caller can `tokio::spawn` it or hold it across an `.await` in a `Send` task. This file
//! fails to compile, rather than to run, when one stops being `Send`.

use std::time::Duration;

use okta_governance::prelude::*;
use okta_governance::security_access_reviews::AccessAction;

fn send<T: Send>(value: T) -> T {
    value
}

/// Never called: it only has to compile.
#[allow(dead_code, unused_must_use, clippy::let_underscore_future)]
fn every_public_future_and_stream_is_send(
    okta: &Governance,
    label: &types::Label,
    access: &types::SecurityAccessReviewAccessItem,
    sign_in: &okta_governance::auth::user::UserSignIn,
    request: okta_governance::auth::user::AuthorizeRequest,
) {
    // The client and its raw calls.
    send(okta.clone());
    send(okta.authenticate());
    send(okta.list_labels().send());
    send(okta.get_label().label_id("x").send());
    send(okta.list_labels().send());
    send(
        okta.list_security_access_reviews()
            .pages(50)
            .expect("a valid limit"),
    );
    send(
        okta.list_security_access_reviews()
            .items(50)
            .expect("a valid limit"),
    );

    // Labels.
    let labels = okta.labels();
    send(labels.list());
    send(labels.find("Sensitivity"));
    send(labels.delete(label));
    send(labels.delete_unassigning_first(label));
    send(labels.ensure("Sensitivity").value("High", None).send());
    send(labels.update(label).rename("Tier").send());
    send(labels.assign(&[], &[]).outcomes());
    send(labels.assign(&[], &[]).send());

    // Security access reviews.
    send(
        okta.security_access_reviews()
            .launch("00u1", "Quarterly")
            .send(),
    );
    send(okta.security_access_reviews().stats());
    let review = okta.security_access_review("r1");
    send(review.details());
    send(review.wait_until_active(Duration::from_secs(1)));
    send(review.principal());
    send(review.anomalies("t1"));
    send(review.actions());
    send(review.close());
    send(review.restore_all_access());
    send(review.act(access, AccessAction::RevokeAccess));
    send(review.wait_for_remediation(&[] as &[String], Duration::from_secs(1)));
    send(review.comment("ok"));
    send(
        review
            .act_on(
                AccessAction::RevokeAccess,
                |_: &types::SecurityAccessReviewAccessItem| true,
            )
            .send(),
    );
    send(
        review
            .act_on(
                AccessAction::RevokeAccess,
                |_: &types::SecurityAccessReviewAccessItem| true,
            )
            .outcomes(),
    );

    // User sign-in.
    send(sign_in.exchange("code", "state", request));
}

fn owned<T: Send + 'static>(value: T) -> T {
    value
}

/// Handles, builders and streams own a clone of the client: `'static` and `Send`, so they can
/// be spawned, stored and returned. Never called: it only has to compile.
#[allow(dead_code, unused_must_use, clippy::let_underscore_future)]
fn handles_builders_and_streams_own_what_they_need(okta: &Governance) {
    owned(okta.labels());
    owned(okta.labels().ensure("Sensitivity"));
    owned(okta.labels().assign(&[], &[]));
    owned(okta.labels().assign(&[], &[]).outcomes());
    owned(okta.labels().assign(&[], &[]).send());
    owned(okta.security_access_reviews());
    owned(okta.security_access_reviews().launch("00u1", "Quarterly"));
    owned(
        okta.security_access_reviews()
            .launch("00u1", "Quarterly")
            .send(),
    );
    owned(okta.security_access_review("r1"));
    owned(okta.security_access_review("r1").accesses());
    owned(okta.security_access_review("r1").accesses().stream());
    owned(okta.security_access_review("r1").history().pages());
    owned(
        okta.security_access_review("r1")
            .sub_accesses("a1")
            .collect(),
    );
    owned(okta.labels().resources().stream());
    let act_on = okta
        .security_access_review("r1")
        .act_on(AccessAction::RevokeAccess, |a| {
            !a.supported_actions.is_empty()
        });
    owned(act_on.send());
}

/// A ten-minute wait for remediation, spawned on its own task.
#[allow(dead_code)]
fn a_spawned_wait_for_remediation(
    okta: &Governance,
    revoked: Vec<String>,
) -> tokio::task::JoinHandle<
    Result<okta_governance::security_access_reviews::RemediationReport, Error>,
> {
    let review = okta.security_access_review("r1");
    tokio::spawn(async move {
        review
            .wait_for_remediation(&revoked, Duration::from_secs(600))
            .await
    })
}

/// A stream returned from the function that built the client: the stream keeps the client.
#[allow(dead_code)]
fn a_stream_from_a_function_that_built_the_client(
) -> Result<okta_governance::paginate::Items<types::SecurityAccessReviewSparse>, Error> {
    let okta = Governance::from_env()?;
    Ok(okta.security_access_reviews().list().stream())
}

#[test]
fn the_send_assertions_compile() {
    // The assertions above are checked by the compiler; this test only makes the file part
    // of the run, so that a listing of the tests shows it.
    let _: fn(
        &Governance,
        &types::Label,
        &types::SecurityAccessReviewAccessItem,
        &okta_governance::auth::user::UserSignIn,
        okta_governance::auth::user::AuthorizeRequest,
    ) = every_public_future_and_stream_is_send;
}
