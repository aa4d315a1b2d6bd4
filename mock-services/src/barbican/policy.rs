//! Barbican 23's default policies with the new defaults enforced (as
//! oslo.policy enforces them by default): `barbican/common/policies/`
//! `base.py`, `secrets.py` and `acls.py`, checked against the live
//! Barbican 23 (`tests/secret_acls.rs`).

use axum::http::StatusCode;

use super::secrets::Secret;
use super::{Caller, Refusal};

/// What a caller asks to do; each has its own rule and its own words when
/// refused (the operation name of Barbican's `handle_exceptions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// `secrets:post`.
    Create,
    /// `secrets:get`.
    List,
    /// `secret:get`: the metadata.
    Get,
    /// `secret:get` turned `secret:decrypt` (the payload, also through
    /// the secret's own URL without a JSON `Accept`), refused in the words
    /// of the handler it came through.
    Decrypt(&'static str),
    /// `secret:delete`.
    Delete,
    /// `secret_acls:get`.
    AclGet,
    /// `secret_acls:put_patch`.
    AclUpdate,
    /// `secret_acls:delete`.
    AclDelete,
}

impl Action {
    /// The operation Barbican names when it refuses this one.
    fn operation(self) -> &'static str {
        match self {
            Action::Create => "Secret creation",
            Action::List => "Secret(s) retrieval",
            Action::Get => "Secret retrieval",
            Action::Decrypt(operation) => operation,
            Action::Delete => "Secret deletion",
            Action::AclGet => "SecretACL(s) retrieval",
            Action::AclUpdate => "SecretACL(s) Update",
            Action::AclDelete => "SecretACL(s) deletion",
        }
    }

    /// Barbican's 403 for this action.
    fn refused(self) -> Refusal {
        Refusal::new(
            StatusCode::FORBIDDEN,
            format!(
                "{} attempt not allowed - please review your user/project privileges",
                self.operation()
            ),
        )
    }
}

impl Caller {
    fn has(&self, role: &str) -> bool {
        self.token.has_role(role)
    }

    /// May the caller do `action` (`secret` for the actions on one)?
    fn may(&self, action: Action, secret: Option<&Secret>) -> bool {
        let Some(secret) = secret else {
            // secrets:post and secrets:get: `role:member`.
            return self.has("member");
        };
        let project_match = self.project_id == secret.project_id;
        let project_admin = project_match && self.has("admin");
        let project_member = project_match && self.has("member");
        let owner = self.token.user.id == secret.creator_id;
        // `read_project_access`: true without an ACL.
        let not_private = secret.acl.as_ref().is_none_or(|acl| acl.project_access);
        let acl_read = secret
            .acl
            .as_ref()
            .is_some_and(|acl| acl.users.contains(&self.token.user.id));
        // secret_project_admin or (secret_project_member and (secret_owner
        // or secret_is_not_private)): every rule on one secret has it.
        let project = project_admin || (project_member && (owner || not_private));
        match action {
            Action::Create | Action::List => self.has("member"),
            Action::Get => self.has("admin") || project || acl_read,
            Action::Decrypt(_) => project || acl_read,
            Action::Delete => self.has("admin") || project,
            Action::AclGet | Action::AclUpdate | Action::AclDelete => project,
        }
    }

    /// `Ok` if the caller may do `action`, else Barbican's 403.
    pub(super) fn enforce(&self, action: Action, secret: Option<&Secret>) -> Result<(), Refusal> {
        if self.may(action, secret) {
            Ok(())
        } else {
            Err(action.refused())
        }
    }
}
