//! Glance 33's default policies (`glance/policies/`,
//! `glance/api/v2/policy.py`), as far as the mock's images and members
//! need them.

use axum::http::StatusCode;

use super::{project_of, viewer_of, Failure};
use crate::auth::Token;

/// A caller's token, checked against the default rules: `context_is_admin`
/// is the `admin` role on any project; a project member has the `member`
/// role and a token scoped to the image's project.
pub(super) struct Policy<'a>(pub(super) &'a Token);

impl Policy<'_> {
    pub(super) fn has(&self, role: &str) -> bool {
        self.0.has_role(role)
    }

    pub(super) fn is_admin(&self) -> bool {
        viewer_of(self.0).admin
    }

    /// `rule:context_is_admin or (role:member and project_id:%(project_id)s)`.
    pub(super) fn admin_or_member_of(&self, project: &str) -> bool {
        self.is_admin() || (self.has("member") && project_of(self.0) == project)
    }

    /// `action` on an image owned by `owner`, or Glance's 403.
    pub(super) fn enforce(&self, action: &str, owner: &str) -> Result<(), Failure> {
        if self.admin_or_member_of(owner) {
            Ok(())
        } else {
            Err(not_authorized(action))
        }
    }

    /// `_enforce_image_visibility`: `public` needs `publicize_image`
    /// (admin only), `community` needs `communitize_image`.
    pub(super) fn visibility(&self, visibility: &str, owner: &str) -> Result<(), Failure> {
        match visibility {
            "public" if !self.is_admin() => Err(not_authorized("publicize_image")),
            "community" => self.enforce("communitize_image", owner),
            _ => Ok(()),
        }
    }
}

/// Glance's policy refusal: 403 with [`refusal`].
pub(super) fn not_authorized(action: &str) -> Failure {
    Failure::new(StatusCode::FORBIDDEN, refusal(action))
}

/// What oslo.policy says when `action` is refused.
pub(super) fn refusal(action: &str) -> String {
    format!("You are not authorized to complete {action} action.")
}
