//! Keystone v3: password or token authentication with a project scope,
//! the token in `X-Subject-Token`, its expiry, and the service catalog.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::{json, Value};

use super::catalog::Catalog;
use super::evidence::{Exchange, Redactor};
use super::retry::{RetryPolicy, Timeouts};
use super::transport::{self, Outgoing};
use crate::{Error, Result};

/// A domain, by name or by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainRef {
    /// `user_domain_name`, `project_domain_name`, `domain_name`.
    Name(String),
    /// `user_domain_id`, `project_domain_id`, `domain_id`.
    Id(String),
}

impl DomainRef {
    fn to_json(&self) -> Value {
        match self {
            DomainRef::Name(n) => json!({ "name": n }),
            DomainRef::Id(i) => json!({ "id": i }),
        }
    }
}

/// The user of a password authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    /// `user_id`: unique on its own.
    Id(String),
    /// `username` within a domain.
    Name {
        /// The user name.
        name: String,
        /// Its domain.
        domain: DomainRef,
    },
}

/// The project a token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectScope {
    /// `project_id`: unique on its own.
    Id(String),
    /// `project_name` within a domain.
    Name {
        /// The project name.
        name: String,
        /// Its domain.
        domain: DomainRef,
    },
}

/// What proves who we are.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// The `password` method.
    Password {
        /// Who.
        user: UserRef,
        /// The password (never printed).
        password: String,
    },
    /// The `token` method: an existing token (`OS_TOKEN`) exchanged for a
    /// project-scoped one.
    Token(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Password { user, .. } => f
                .debug_struct("Password")
                .field("user", user)
                .field("password", &"<redacted>")
                .finish(),
            Credential::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// Everything needed to get a token from Keystone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeystoneAuth {
    /// `auth_url`, with or without `/v3`.
    pub auth_url: String,
    /// Password or token.
    pub credential: Credential,
    /// The project scope (an unscoped token has no catalog worth using).
    pub project: Option<ProjectScope>,
}

impl KeystoneAuth {
    /// The token endpoint: `<auth_url without /v3>/v3/auth/tokens`.
    pub fn tokens_url(&self) -> String {
        let base = self.auth_url.trim_end_matches('/');
        let base = base.strip_suffix("/v3").unwrap_or(base);
        format!("{base}/v3/auth/tokens")
    }

    /// The request body.
    pub fn request_body(&self) -> Value {
        let identity = match &self.credential {
            Credential::Password { user, password } => {
                let user = match user {
                    UserRef::Id(id) => json!({ "id": id, "password": password }),
                    UserRef::Name { name, domain } => {
                        json!({ "name": name, "domain": domain.to_json(), "password": password })
                    }
                };
                json!({ "methods": ["password"], "password": { "user": user } })
            }
            Credential::Token(token) => {
                json!({ "methods": ["token"], "token": { "id": token } })
            }
        };
        let mut auth = json!({ "identity": identity });
        if let Some(project) = &self.project {
            let project = match project {
                ProjectScope::Id(id) => json!({ "id": id }),
                ProjectScope::Name { name, domain } => {
                    json!({ "name": name, "domain": domain.to_json() })
                }
            };
            auth["scope"] = json!({ "project": project });
        }
        json!({ "auth": auth })
    }

    /// The secrets this authentication involves (for redaction).
    pub(crate) fn secrets(&self) -> Vec<String> {
        match &self.credential {
            Credential::Password { password, .. } => vec![password.clone()],
            Credential::Token(t) => vec![t.clone()],
        }
    }

    /// "user \"admin\" in project \"admin\"", for messages.
    pub(crate) fn who(&self) -> String {
        let user = match &self.credential {
            Credential::Password {
                user: UserRef::Name { name, .. },
                ..
            } => format!("user {name:?}"),
            Credential::Password {
                user: UserRef::Id(id),
                ..
            } => format!("user id {id}"),
            Credential::Token(_) => "the token (OS_TOKEN / auth.token)".to_owned(),
        };
        match &self.project {
            Some(ProjectScope::Name { name, .. }) => format!("{user} in project {name:?}"),
            Some(ProjectScope::Id(id)) => format!("{user} in project id {id}"),
            None => user,
        }
    }

    fn hint(&self) -> &'static str {
        match &self.credential {
            Credential::Password { .. } => {
                "check OS_USERNAME and OS_PASSWORD (auth.username/auth.password in clouds.yaml \
                 or secure.yaml), the project and the user and project domains"
            }
            Credential::Token(_) => {
                "the token may have expired or be for another project: get a new one with \
                 `openstack token issue`, or use password authentication"
            }
        }
    }
}

/// A token and what came with it.
#[derive(Clone)]
pub(crate) struct Session {
    /// The `X-Subject-Token`.
    pub token: String,
    /// `expires_at`, seconds since the epoch, if Keystone said.
    pub expires_at: Option<u64>,
    /// The service catalog.
    pub catalog: Catalog,
    /// The scoped project's id.
    pub project_id: Option<String>,
    /// The user's id.
    pub user_id: Option<String>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("project_id", &self.project_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Whether the token expires within `margin` from now.
    pub fn expiring(&self, margin: Duration) -> bool {
        self.expires_at
            .is_some_and(|at| now_secs().saturating_add(margin.as_secs()) >= at)
    }
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Ask Keystone for a token.
pub(crate) async fn authenticate(
    http: &reqwest::Client,
    auth: &KeystoneAuth,
    timeouts: &Timeouts,
    retry: &RetryPolicy,
    redactor: &Redactor,
) -> Result<(Session, Exchange)> {
    let url = auth.tokens_url();
    let out = Outgoing::json(Method::POST, url.clone(), None, &auth.request_body())
        .timeout(timeouts.request);
    let reply = transport::send_and_read(http, "Keystone", out, retry, redactor).await?;
    let status = reply.status;
    if status == 401 || status == 403 {
        return Err(Error::KeystoneRefused(Box::new(
            super::failure::KeystoneRefusal {
                url,
                who: auth.who(),
                status,
                message: reply.exchange.message(),
                hint: auth.hint(),
            },
        )));
    }
    if !(200..300).contains(&status) {
        return Err(Error::Api(Box::new(super::failure::ApiFailure {
            service: "Keystone",
            exchange: reply.exchange,
        })));
    }
    let token = reply
        .headers
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::Config(format!(
                "Keystone at {url} answered {status} but sent no X-Subject-Token header: \
                 is auth_url a Keystone v3 endpoint?"
            ))
        })?;
    let body: Value = serde_json::from_str(&reply.body).map_err(|e| {
        Error::Config(format!(
            "Keystone at {url} answered {status} with a body that is not JSON ({e}): \
             is auth_url a Keystone v3 endpoint?"
        ))
    })?;
    let token_body = body.get("token").ok_or_else(|| {
        Error::Config(format!(
            "Keystone at {url} answered {status} without a \"token\" object: \
             is auth_url a Keystone v3 endpoint?"
        ))
    })?;
    let session = Session {
        token,
        expires_at: token_body
            .get("expires_at")
            .and_then(Value::as_str)
            .and_then(parse_timestamp),
        catalog: Catalog::from_token(token_body),
        project_id: token_body
            .get("project")
            .and_then(|p| p.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        user_id: token_body
            .get("user")
            .and_then(|u| u.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    Ok((session, reply.exchange))
}

/// Seconds since the epoch of an ISO 8601 / RFC 3339 UTC timestamp as
/// Keystone writes them (`2026-11-23T16:45:13.000000Z`; a `+HH:MM` offset
/// is honoured, none means UTC).
pub fn parse_timestamp(s: &str) -> Option<u64> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    let zoned = time::OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| time::OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339))
        .ok()?;
    u64::try_from(zoned.unix_timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password_auth() -> KeystoneAuth {
        KeystoneAuth {
            auth_url: "http://127.0.0.1:25000/v3/".into(),
            credential: Credential::Password {
                user: UserRef::Name {
                    name: "admin".into(),
                    domain: DomainRef::Name("Default".into()),
                },
                password: "s3cret".into(),
            },
            project: Some(ProjectScope::Name {
                name: "admin".into(),
                domain: DomainRef::Name("Default".into()),
            }),
        }
    }

    #[test]
    fn request_bodies_as_keystone_wants_them() {
        let auth = password_auth();
        assert_eq!(auth.tokens_url(), "http://127.0.0.1:25000/v3/auth/tokens");
        // The transcript's request, byte for byte in meaning.
        let expected: Value = serde_json::from_str(
            r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"s3cret"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}"#,
        )
        .expect("literal JSON");
        assert_eq!(auth.request_body(), expected);
        let token = KeystoneAuth {
            auth_url: "http://k:5000".into(),
            credential: Credential::Token("tok".into()),
            project: Some(ProjectScope::Id("p1".into())),
        };
        assert_eq!(token.tokens_url(), "http://k:5000/v3/auth/tokens");
        assert_eq!(
            token.request_body(),
            json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "tok"}},
                            "scope": {"project": {"id": "p1"}}}})
        );
        assert!(!format!("{auth:?}").contains("s3cret"));
        assert!(!format!("{token:?}").contains("tok\""));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp("2026-11-23T16:45:13.000000Z"),
            Some(1_795_452_313)
        );
        assert_eq!(
            parse_timestamp("2026-11-23T17:45:13+01:00"),
            Some(1_795_452_313)
        );
        assert_eq!(parse_timestamp("2000-02-29T00:00:00"), Some(951_782_400));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2026-13-01T00:00:00Z"), None);
    }
}
