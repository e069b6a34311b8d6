//! Auto traits are part of the contract: every public future and stream of the SDK is `Send`,
//! so a caller can `tokio::spawn` it or hold it across an `.await` in a `Send` task. This file
//! fails to compile, rather than to run, when one stops being `Send`.

use std::time::Duration;

use okta_governance::prelude::*;
use okta_governance::reviews::AccessAction;

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
    send(labels.assign(&[], &[]).batches());
    send(labels.assign(&[], &[]).send());

    // Security access reviews.
    send(okta.reviews().launch("00u1", "Quarterly").send());
    send(okta.reviews().stats());
    let review = okta.review("r1");
    send(review.details());
    send(review.wait_until_active(Duration::from_secs(1)));
    send(review.principal());
    send(review.anomalies("t1"));
    send(review.actions());
    send(review.close());
    send(review.restore_all_access());
    send(review.act(access, AccessAction::RevokeAccess));
    send(review.wait_for_remediation(&[], Duration::from_secs(1)));
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
