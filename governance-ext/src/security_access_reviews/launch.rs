//! Launching a security access review, validated before anything is sent.

use chrono::{DateTime, Months, Utc};
use okta_governance_client::prelude::*;
use okta_governance_client::types;

use super::SecurityAccessReviews;
use crate::error::{built, typed, Error};
use crate::filter::SecurityAccessReviewFilter;
use crate::governance::Governance;
use crate::paginate::List;

/// Field names as the API spells them, for errors.
const PRINCIPAL: &str = "principalId";
const NAME: &str = "name";
const REVIEWERS: &str = "reviewerSettings.userSettings.includedUserIds";
const END_TIME: &str = "endTime";
/// The most reviewers a review may have.
pub const MAX_REVIEWERS: usize = 10;

impl SecurityAccessReviews {
    /// A review of `principal_id`'s access, called `name`, to set up and send.
    pub fn launch(&self, principal_id: impl Into<String>, name: impl Into<String>) -> Launch {
        Launch {
            okta: self.okta.clone(),
            principal_id: principal_id.into(),
            name: name.into(),
            reviewers: Vec::new(),
            end_time: None,
        }
    }

    /// The org's security access reviews (those the list's filter matches).
    pub fn list(&self) -> List<types::SecurityAccessReviewSparse, SecurityAccessReviewFilter> {
        crate::paginate::operation_list!(
            self.okta,
            None,
            |okta| okta.list_security_access_reviews(),
            |filter| filter
        )
    }
}

/// A security access review to launch, validated before anything is sent (the builder of
/// [`SecurityAccessReviews::launch`]).
#[derive(Debug, Clone)]
#[must_use = "nothing happens until `send` is awaited"]
pub struct Launch {
    okta: Governance,
    principal_id: String,
    name: String,
    reviewers: Vec<String>,
    end_time: Option<DateTime<Utc>>,
}

fn is_user_id(id: &str) -> bool {
    id.len() == 20 && id.chars().all(|c| c.is_ascii_alphanumeric())
}

fn invalid(field: &'static str, value: impl Into<String>, limit: &'static str) -> Error {
    crate::error::invalid(field, Some(value.into()), limit)
}

impl Launch {
    /// Adds a reviewer (an Okta user id).
    pub fn reviewer(mut self, user_id: impl Into<String>) -> Self {
        self.reviewers.push(user_id.into());
        self
    }

    /// Adds reviewers.
    pub fn reviewers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, user_ids: I) -> Self {
        self.reviewers.extend(user_ids.into_iter().map(Into::into));
        self
    }

    /// When the review ends (default: 7 days after creation, set by Okta).
    pub fn end_time(mut self, at: DateTime<Utc>) -> Self {
        self.end_time = Some(at);
        self
    }

    /// Checks every documented rule against `now` and builds the request body; nothing is
    /// sent.
    pub fn validate(
        &self,
        now: DateTime<Utc>,
    ) -> Result<types::SecurityAccessReviewRequest, Error> {
        if !is_user_id(&self.principal_id) {
            return Err(invalid(
                PRINCIPAL,
                &self.principal_id,
                "must be an Okta user id (20 letters and digits)",
            ));
        }
        let name_length = self.name.chars().count();
        if !(1..=255).contains(&name_length) {
            return Err(invalid(NAME, &self.name, "must be 1 to 255 characters"));
        }
        if self.reviewers.is_empty() || self.reviewers.len() > MAX_REVIEWERS {
            return Err(invalid(
                REVIEWERS,
                self.reviewers.len().to_string(),
                "must list 1 to 10 reviewers",
            ));
        }
        for reviewer in &self.reviewers {
            if !is_user_id(reviewer) {
                return Err(invalid(
                    REVIEWERS,
                    reviewer,
                    "must hold Okta user ids (20 letters and digits)",
                ));
            }
            if *reviewer == self.principal_id {
                return Err(invalid(
                    REVIEWERS,
                    reviewer,
                    "must not include the principal under review: a user cannot review their own access",
                ));
            }
        }
        if let Some(end) = self.end_time {
            let earliest = now
                .checked_add_signed(chrono::Duration::days(1))
                .unwrap_or(now);
            if end < earliest {
                return Err(invalid(
                    END_TIME,
                    end.to_rfc3339(),
                    "must be at least 1 day from now",
                ));
            }
            let limit = now.checked_add_months(Months::new(6)).unwrap_or(now);
            if end >= limit {
                return Err(invalid(
                    END_TIME,
                    end.to_rfc3339(),
                    "must be less than 6 months from now",
                ));
            }
        }
        let mut reviewers = self.reviewers.clone();
        crate::dedup::unique(&mut reviewers);
        let included_user_ids = reviewers
            .iter()
            .map(|id| typed(REVIEWERS, id))
            .collect::<Result<Vec<_>, Error>>()?;
        let user_settings: types::SecurityAccessReviewUserReviewerSettings = built(
            "reviewerSettings.userSettings",
            types::builder::SecurityAccessReviewUserReviewerSettings::default()
                .included_user_ids(included_user_ids),
        )?;
        let reviewer_settings: types::SecurityAccessReviewReviewerSettings = built(
            "reviewerSettings",
            types::builder::SecurityAccessReviewReviewerSettings::default()
                .type_(types::SecurityAccessReviewReviewerType::User)
                .user_settings(user_settings),
        )?;
        built(
            "body",
            types::builder::SecurityAccessReviewRequest::default()
                .principal_id(typed::<types::SecurityAccessReviewRequestPrincipalId>(
                    PRINCIPAL,
                    &self.principal_id,
                )?)
                .name(typed::<types::SecurityAccessReviewRequestName>(
                    NAME, &self.name,
                )?)
                .end_time(self.end_time)
                .reviewer_settings(reviewer_settings),
        )
    }

    /// Validates and sends `POST /governance/api/v2/security-access-reviews`; the review comes
    /// back `PENDING` (see [`SecurityAccessReviewHandle::wait_until_active`](super::SecurityAccessReviewHandle::wait_until_active)).
    pub async fn send(self) -> Result<types::SecurityAccessReview, Error> {
        let body = self.validate(Utc::now())?;
        Ok(self
            .okta
            .create_security_access_review()
            .body(body)
            .send()
            .await?
            .into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SecurityAccessReviewError;
    use crate::security_access_reviews::polling::poll_until_active;
    use std::time::Duration;

    const PRINCIPAL_ID: &str = "00ucpjbi6JMmDvdN40g4";
    const OTHER: &str = "00ucpjbi6JMmDvdN40g5";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn launch(principal: impl Into<String>, name: impl Into<String>) -> Launch {
        crate::governance::test_client()
            .security_access_reviews()
            .launch(principal, name)
    }

    fn field_of(
        result: Result<types::SecurityAccessReviewRequest, Error>,
    ) -> (String, Option<String>) {
        match result {
            Err(Error::InvalidInput { field, value, .. }) => (field, value),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_seed_guides_request_is_refused_because_the_principal_reviews_itself() {
        let seed = launch(PRINCIPAL_ID, "Security access review for Test user")
            .reviewers([PRINCIPAL_ID, OTHER]);
        let error = seed.validate(now()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(REVIEWERS)
                && message.contains(&okta_governance_client::error::redacted(PRINCIPAL_ID)),
            "{message}"
        );
        assert!(
            message.contains("cannot review their own access"),
            "{message}"
        );
    }

    #[test]
    fn a_valid_review_builds_the_documented_body() {
        let body = launch(PRINCIPAL_ID, "SecurityAccessReviewHandle")
            .reviewer(OTHER)
            .end_time(now() + chrono::Duration::days(7))
            .validate(now())
            .unwrap();
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            serde_json::json!({
                "principalId": PRINCIPAL_ID,
                "name": "SecurityAccessReviewHandle",
                "endTime": "2026-01-08T00:00:00Z",
                "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": [OTHER]}}
            })
        );
    }

    #[test]
    fn every_rule_names_its_field() {
        let base = || launch(PRINCIPAL_ID, "SecurityAccessReviewHandle").reviewer(OTHER);
        assert_eq!(
            field_of(launch("00u1", "n").reviewer(OTHER).validate(now())).0,
            PRINCIPAL
        );
        assert_eq!(
            field_of(launch(PRINCIPAL_ID, "").reviewer(OTHER).validate(now())).0,
            NAME
        );
        assert_eq!(
            field_of(
                launch(PRINCIPAL_ID, "x".repeat(256))
                    .reviewer(OTHER)
                    .validate(now())
            )
            .0,
            NAME
        );
        assert!(launch(PRINCIPAL_ID, "x".repeat(255))
            .reviewer(OTHER)
            .validate(now())
            .is_ok());
        assert_eq!(
            field_of(launch(PRINCIPAL_ID, "n").validate(now())).0,
            REVIEWERS
        );
        let eleven: Vec<String> = (0..11).map(|i| format!("00u{i:017}")).collect();
        assert_eq!(
            field_of(launch(PRINCIPAL_ID, "n").reviewers(eleven).validate(now())).0,
            REVIEWERS
        );
        assert_eq!(
            field_of(base().reviewer("bad id").validate(now())).0,
            REVIEWERS
        );
        let (field, _) = field_of(
            base()
                .end_time(now() + chrono::Duration::hours(23))
                .validate(now()),
        );
        assert_eq!(field, END_TIME);
        assert!(base()
            .end_time(now() + chrono::Duration::days(1))
            .validate(now())
            .is_ok());
        let six_months = now().checked_add_months(Months::new(6)).unwrap();
        assert_eq!(
            field_of(base().end_time(six_months).validate(now())).0,
            END_TIME
        );
        assert!(base()
            .end_time(six_months - chrono::Duration::minutes(1))
            .validate(now())
            .is_ok());
    }

    fn review(status: &str) -> types::SecurityAccessReview {
        serde_json::from_value(serde_json::json!({
            "id": "sar1", "name": "n", "status": status,
            "createdBy": "00u1", "lastUpdatedBy": "00u1",
            "created": "2026-01-01T00:00:00Z", "lastUpdated": "2026-01-01T00:00:00Z",
            "endTime": "2026-01-08T00:00:00Z",
            "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": [OTHER]}},
            "_links": {"securityAccessReviewDetails": {"href": "https://acme-admin.okta.com/x", "hints": {}}}
        }))
        .unwrap()
    }

    /// On paused time: the backoff (1, 2, 4, 8, 15, 15 s…) and the deadline, without waiting.
    #[tokio::test(start_paused = true)]
    async fn polling_backs_off_and_stops_at_the_deadline() {
        let started = tokio::time::Instant::now();
        let mut polls = Vec::new();
        let error = poll_until_active("sar1", Duration::from_secs(60), || {
            polls.push(started.elapsed().as_secs());
            async { Ok(review("PENDING")) }
        })
        .await
        .unwrap_err();
        assert_eq!(polls, [0, 1, 3, 7, 15, 30, 45, 60]);
        assert!(
            matches!(&error, Error::SecurityAccessReview(SecurityAccessReviewError::NotActiveYet { status, waited, .. })
                if *status == types::SecurityAccessReviewStatus::Pending && *waited == Duration::from_secs(60)),
            "{error:?}"
        );

        let mut answers = ["PENDING", "PENDING", "ACTIVE"].into_iter();
        let active = poll_until_active("sar1", Duration::from_secs(60), || {
            let status = answers.next().unwrap();
            async move { Ok(review(status)) }
        })
        .await
        .unwrap();
        assert_eq!(active.status, types::SecurityAccessReviewStatus::Active);
        assert_eq!(started.elapsed(), Duration::from_secs(60 + 3));
    }
}
