//! Users, projects and tokens: what Keystone issues and every service checks.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::config::{MockConfig, ProjectConfig, UserConfig};
use crate::faults::Faults;
use crate::http::{hex_id, now_micros};

/// An issued token and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token string (`X-Subject-Token`).
    pub id: String,
    /// The user.
    pub user: UserConfig,
    /// What the token is scoped to.
    pub scope: TokenScope,
    /// Auth methods used (`password`, `token`).
    pub methods: Vec<String>,
    /// Audit id (22 characters, as Keystone's urlsafe base64).
    pub audit_id: String,
    /// Issue time, µs since the epoch.
    pub issued_at: u64,
    /// Expiry, µs since the epoch.
    pub expires_at: u64,
}

/// What a token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenScope {
    /// Nothing: the token only proves who the user is.
    Unscoped,
    /// A project, on which the user holds roles.
    Project(ProjectConfig),
    /// The whole deployment (`"system": {"all": true}`).
    System,
}

impl Token {
    /// The project the token is scoped to, if it is.
    pub fn project(&self) -> Option<&ProjectConfig> {
        match &self.scope {
            TokenScope::Project(project) => Some(project),
            TokenScope::Unscoped | TokenScope::System => None,
        }
    }

    /// The roles the token carries: the user's on its scope (an unscoped
    /// token carries none).
    pub fn roles(&self) -> &[String] {
        match self.scope {
            TokenScope::Project(_) => &self.user.roles,
            TokenScope::System => &self.user.system_roles,
            TokenScope::Unscoped => &[],
        }
    }

    /// Whether the token carries `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles().iter().any(|r| r == role)
    }
}

/// Why a token cannot be issued (Keystone answers 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// The user holds no role on the requested project or the system.
    NoRoleOnScope,
}

/// What a token string stands for, as Keystone's token validation tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Issued, not expired, not revoked.
    Valid(Box<Token>),
    /// Issued, but expired or revoked since (Keystone: "Failed to validate
    /// token").
    Invalid,
    /// Never issued here (Keystone: "Could not recognize Fernet token").
    Unknown,
}

/// An issued token and whether it was revoked.
#[derive(Debug)]
struct Issued {
    token: Token,
    revoked: bool,
}

/// Users, projects and the issued tokens.
#[derive(Debug)]
pub struct Identity {
    config: MockConfig,
    tokens: Mutex<HashMap<String, Issued>>,
    faults: Faults,
}

impl Identity {
    /// From a normalised configuration.
    pub fn new(config: MockConfig, faults: Faults) -> Identity {
        Identity {
            config,
            tokens: Mutex::new(HashMap::new()),
            faults,
        }
    }

    /// The configuration the identity was built from.
    pub fn config(&self) -> &MockConfig {
        &self.config
    }

    /// The user called `name`.
    pub fn user_by_name(&self, name: &str) -> Option<&UserConfig> {
        self.config.users.iter().find(|u| u.name == name)
    }

    /// The user with id `id`.
    pub fn user_by_id(&self, id: &str) -> Option<&UserConfig> {
        self.config.users.iter().find(|u| u.id == id)
    }

    /// The project called `name` or with id `id`.
    pub fn project(&self, name: Option<&str>, id: Option<&str>) -> Option<&ProjectConfig> {
        self.config
            .projects
            .iter()
            .find(|p| Some(p.name.as_str()) == name || Some(p.id.as_str()) == id)
    }

    /// Issue a token for `user` with `scope`, if the user holds roles
    /// there.
    pub fn issue(
        &self,
        user: &UserConfig,
        scope: TokenScope,
        methods: Vec<String>,
    ) -> Result<Token, AuthFailure> {
        let allowed = match &scope {
            TokenScope::Unscoped => true,
            TokenScope::Project(p) => user.projects.contains(&p.name),
            TokenScope::System => !user.system_roles.is_empty(),
        };
        if !allowed {
            return Err(AuthFailure::NoRoleOnScope);
        }
        let issued_at = now_micros();
        let ttl = u64::try_from(self.config.token_ttl().as_micros()).unwrap_or(u64::MAX);
        let audit = hex_id();
        let token = Token {
            id: format!("gAAAAA{}{}", hex_id(), hex_id()),
            user: user.clone(),
            scope,
            methods,
            audit_id: audit[..22].to_owned(),
            issued_at,
            expires_at: issued_at.saturating_add(ttl),
        };
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        // Forget expired tokens so a long run does not grow without bound.
        tokens.retain(|_, t| t.token.expires_at > issued_at);
        tokens.insert(
            token.id.clone(),
            Issued {
                token: token.clone(),
                revoked: false,
            },
        );
        Ok(token)
    }

    /// What the token `id` stands for.
    pub fn lookup(&self, id: &str) -> Lookup {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let Some(issued) = tokens.get(id) else {
            return Lookup::Unknown;
        };
        let token = &issued.token;
        let live = now_micros() < token.expires_at
            && token.issued_at >= self.faults.tokens_revoked_before()
            && !issued.revoked;
        if live {
            Lookup::Valid(Box::new(token.clone()))
        } else {
            Lookup::Invalid
        }
    }

    /// The token `id`, if it was issued and is neither expired nor revoked.
    pub fn validate(&self, id: &str) -> Option<Token> {
        match self.lookup(id) {
            Lookup::Valid(token) => Some(*token),
            Lookup::Invalid | Lookup::Unknown => None,
        }
    }

    /// Forget every issued token.
    pub fn forget_tokens(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Revoke a token (`DELETE /v3/auth/tokens`); it stays known as
    /// revoked until it would have expired.
    pub fn revoke(&self, id: &str) {
        if let Some(issued) = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(id)
        {
            issued.revoked = true;
        }
    }
}
