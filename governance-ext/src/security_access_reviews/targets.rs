//! What an access action is taken on, and which actions it takes.

use okta_governance_client::types;

use crate::error::{Error, SecurityAccessReviewError};

/// An action on one access of a review (the spec's `supportedActions`).
pub type AccessAction = types::SecurityAccessReviewAccessItemSupportedAction;

pub(super) fn check_supported<T: AccessTarget + ?Sized>(
    access: &T,
    action: &AccessAction,
) -> Result<(), Error> {
    let supported = access.supported_actions();
    if supported.contains(action) {
        return Ok(());
    }
    Err(SecurityAccessReviewError::ActionNotSupported {
        access_id: access.target_id().to_string(),
        access: access.target_name().to_string(),
        action: action.clone(),
        supported: supported.to_vec(),
    }
    .into())
}

/// What an access action can be taken on: an access of a review, or one of its sub-accesses.
/// Implemented for the two generated types; sealed.
pub trait AccessTarget: sealed::Sealed {
    /// The id the action is sent to (`securityAccessReviewTargetId`).
    fn target_id(&self) -> &str;
    /// Its name, for reports.
    fn target_name(&self) -> &str;
    /// The actions the server says it supports.
    fn supported_actions(&self) -> &[AccessAction];
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::types::SecurityAccessReviewAccessItem {}
    impl Sealed for super::types::SecurityAccessReviewSubAccessItem {}

    pub trait SealedId {}
    impl SealedId for super::types::SecurityAccessReviewAccessItemId {}
    impl SealedId for super::types::SecurityAccessReviewSubAccessItemId {}
    impl SealedId for String {}
    impl SealedId for str {}
    impl<T: SealedId + ?Sized> SealedId for &T {}
}

/// The id of an access or a sub-access, as
/// [`wait_for_remediation`](super::SecurityAccessReviewHandle::wait_for_remediation) takes
/// them: the generated ids (so a bulk [`Report`](crate::bulk::Report)'s `succeeded` goes in
/// as it is), `String` or `&str`. Sealed.
pub trait AccessIdLike: sealed::SealedId {
    /// The id's text.
    fn id_str(&self) -> &str;
}

impl AccessIdLike for types::SecurityAccessReviewAccessItemId {
    fn id_str(&self) -> &str {
        self.as_str()
    }
}

impl AccessIdLike for types::SecurityAccessReviewSubAccessItemId {
    fn id_str(&self) -> &str {
        self.as_str()
    }
}

impl AccessIdLike for String {
    fn id_str(&self) -> &str {
        self
    }
}

impl AccessIdLike for str {
    fn id_str(&self) -> &str {
        self
    }
}

impl<T: AccessIdLike + ?Sized> AccessIdLike for &T {
    fn id_str(&self) -> &str {
        (**self).id_str()
    }
}

impl AccessTarget for types::SecurityAccessReviewAccessItem {
    fn target_id(&self) -> &str {
        self.id.as_str()
    }
    fn target_name(&self) -> &str {
        self.name.as_str()
    }
    fn supported_actions(&self) -> &[AccessAction] {
        &self.supported_actions
    }
}

impl AccessTarget for types::SecurityAccessReviewSubAccessItem {
    fn target_id(&self) -> &str {
        self.id.as_str()
    }
    fn target_name(&self) -> &str {
        self.name.as_str()
    }
    fn supported_actions(&self) -> &[AccessAction] {
        &self.supported_actions
    }
}
