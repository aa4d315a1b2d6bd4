//! Keystone v3 password authentication and service catalog lookup.

use serde::Deserialize;
use serde_json::json;

use crate::{Error, Result};

/// Which endpoint of a service to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interface {
    /// `public` (the default, as `OS_INTERFACE`).
    #[default]
    Public,
    /// `internal`.
    Internal,
    /// `admin`.
    Admin,
}

impl Interface {
    /// Keystone's name for it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Interface::Public => "public",
            Interface::Internal => "internal",
            Interface::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Interface {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim_end_matches("URL") {
            "public" => Ok(Interface::Public),
            "internal" => Ok(Interface::Internal),
            "admin" => Ok(Interface::Admin),
            other => Err(Error::Config(format!(
                "unknown interface {other:?}: use public, internal or admin"
            ))),
        }
    }
}

/// Password credentials with a project scope (the `OS_*` variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `OS_AUTH_URL`, with or without `/v3`.
    pub auth_url: String,
    /// `OS_USERNAME`.
    pub username: String,
    /// `OS_PASSWORD`.
    pub password: String,
    /// `OS_PROJECT_NAME`.
    pub project_name: String,
    /// `OS_USER_DOMAIN_NAME`.
    pub user_domain_name: String,
    /// `OS_PROJECT_DOMAIN_NAME`.
    pub project_domain_name: String,
    /// `OS_REGION_NAME`, if the catalog has several regions.
    pub region_name: Option<String>,
    /// `OS_INTERFACE`.
    pub interface: Interface,
    /// `OS_TOKEN`: authenticate with this token instead of the password
    /// (rescoped to the project).
    pub token: Option<String>,
}

impl Credentials {
    /// The token endpoint.
    pub fn tokens_url(&self) -> String {
        let base = self.auth_url.trim_end_matches('/');
        let base = base.strip_suffix("/v3").unwrap_or(base);
        format!("{base}/v3/auth/tokens")
    }

    /// The request body of a password (or token) authentication scoped to
    /// the project.
    pub fn auth_body(&self) -> serde_json::Value {
        let identity = match &self.token {
            Some(token) => json!({"methods": ["token"], "token": {"id": token}}),
            None => json!({"methods": ["password"], "password": {"user": {
                "name": self.username,
                "domain": {"name": self.user_domain_name},
                "password": self.password,
            }}}),
        };
        json!({"auth": {
            "identity": identity,
            "scope": {"project": {
                "name": self.project_name,
                "domain": {"name": self.project_domain_name},
            }},
        }})
    }
}

#[derive(Debug, Deserialize)]
struct TokenBody {
    token: Token,
}

#[derive(Debug, Deserialize)]
struct Token {
    #[serde(default)]
    catalog: Vec<Service>,
}

#[derive(Debug, Deserialize)]
struct Service {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    endpoints: Vec<Endpoint>,
}

#[derive(Debug, Deserialize)]
struct Endpoint {
    interface: String,
    #[serde(default)]
    region_id: Option<String>,
    #[serde(default)]
    region: Option<String>,
    url: String,
}

/// Find the URL of service `kind` in a token body's catalog.
pub(super) fn endpoint(
    body: &str,
    kind: &str,
    interface: Interface,
    region: Option<&str>,
) -> Result<String> {
    let token: TokenBody = serde_json::from_str(body)
        .map_err(|e| Error::Config(format!("Keystone's token body is not a v3 token: {e}")))?;
    let service = token
        .token
        .catalog
        .iter()
        .find(|s| s.kind == kind)
        .ok_or_else(|| {
            Error::Config(format!(
                "the service catalog has no {kind:?} service; is it deployed and registered?"
            ))
        })?;
    let matches: Vec<&Endpoint> = service
        .endpoints
        .iter()
        .filter(|e| e.interface == interface.as_str())
        .filter(|e| {
            region
                .is_none_or(|r| e.region_id.as_deref() == Some(r) || e.region.as_deref() == Some(r))
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.url.trim_end_matches('/').to_owned()),
        [] => Err(Error::Config(format!(
            "no {} endpoint of the {kind:?} service{}",
            interface.as_str(),
            region.map_or_else(String::new, |r| format!(" in region {r}"))
        ))),
        [first, ..] if region.is_some() => Ok(first.url.trim_end_matches('/').to_owned()),
        _ => Err(Error::Config(format!(
            "the {kind:?} service has {} {} endpoints in several regions: set OS_REGION_NAME",
            matches.len(),
            interface.as_str()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"token": {"catalog": [
        {"type": "image", "endpoints": [
            {"interface": "public", "region_id": "RegionOne", "url": "http://127.0.0.1:29292"},
            {"interface": "internal", "region_id": "RegionOne", "url": "http://10.0.0.1:9292/"},
            {"interface": "public", "region_id": "RegionTwo", "url": "http://127.0.0.2:9292"}]},
        {"type": "key-manager", "endpoints": [
            {"interface": "public", "region_id": "RegionOne", "url": "http://127.0.0.1:29311"}]}]}}"#;

    #[test]
    fn catalog_lookup_by_interface_and_region() {
        assert_eq!(
            endpoint(BODY, "image", Interface::Internal, None).unwrap(),
            "http://10.0.0.1:9292"
        );
        assert_eq!(
            endpoint(BODY, "image", Interface::Public, Some("RegionTwo")).unwrap(),
            "http://127.0.0.2:9292"
        );
        let ambiguous = endpoint(BODY, "image", Interface::Public, None).unwrap_err();
        assert!(
            ambiguous.to_string().contains("OS_REGION_NAME"),
            "{ambiguous}"
        );
        let missing = endpoint(BODY, "compute", Interface::Public, None).unwrap_err();
        assert!(
            missing.to_string().contains("no \"compute\" service"),
            "{missing}"
        );
        assert_eq!(
            endpoint(BODY, "key-manager", Interface::Public, None).unwrap(),
            "http://127.0.0.1:29311"
        );
    }

    #[test]
    fn token_url_with_or_without_v3() {
        let mut c = Credentials {
            auth_url: "http://k:5000/v3/".into(),
            username: "u".into(),
            password: "p".into(),
            project_name: "p".into(),
            user_domain_name: "Default".into(),
            project_domain_name: "Default".into(),
            region_name: None,
            interface: Interface::Public,
            token: None,
        };
        assert_eq!(c.tokens_url(), "http://k:5000/v3/auth/tokens");
        c.auth_url = "http://k:5000".into();
        assert_eq!(c.tokens_url(), "http://k:5000/v3/auth/tokens");
    }
}
