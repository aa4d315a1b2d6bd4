//! The authentication methods of a token request, run as Keystone 30 runs
//! them (keystone/api/_shared/authentication.py, keystone/auth/plugins/):
//! each method of the request in turn, all of them naming the same user.

use serde_json::Value;

use crate::auth::{Lookup, Token};
use crate::config::UserConfig;
use crate::Cloud;

use super::request::{expecting, Refused};

/// The methods Keystone 30 loads by default (`[auth] methods`), in the
/// order its 401 for any other method lists them.
pub(super) const LOADED: [&str; 7] = [
    "external",
    "password",
    "token",
    "oauth1",
    "mapped",
    "application_credential",
    "ec2credential",
];

/// Who the request's `methods` authenticate, and the methods the new
/// token names (the request's, then those of a token it was got by).
pub(super) fn authenticate(
    cloud: &Cloud,
    auth: &Value,
    methods: &[String],
) -> Result<(UserConfig, Vec<String>), Refused> {
    let identity = &auth["identity"];
    let mut named = methods.to_vec();
    let mut user: Option<UserConfig> = None;
    for method in methods {
        let data = &identity[method.as_str()];
        let found = match method.as_str() {
            "password" => password(cloud, data)?,
            "token" => {
                let old = token(cloud, data)?;
                for method in old.methods {
                    if !named.contains(&method) {
                        named.push(method);
                    }
                }
                old.user
            }
            other => return Err(unavailable(other, data, auth)),
        };
        // keystone.auth.core.AuthContext: "Unable to reconcile identity
        // attribute user_id", answered as a plain 401.
        if user.as_ref().is_some_and(|u| u.id != found.id) {
            return Err(Refused::Unauthorized);
        }
        user = Some(found);
    }
    // No method at all (`"methods": []`).
    let user = user.ok_or(Refused::Unauthorized)?;
    Ok((user, named))
}

/// A string Python would take for true (present and not empty).
fn truthy<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The password method (keystone/auth/plugins/core.py, `UserAuthInfo`):
/// a user by name needs its domain (by name, else by id), else the user
/// is found by id; then the password is checked. Unknown domains, users
/// and wrong or missing passwords are all a plain 401.
fn password(cloud: &Cloud, data: &Value) -> Result<UserConfig, Refused> {
    // The plugin's METHOD_NAME is set only after this check, hence None.
    let user = data.get("user").ok_or_else(|| expecting("user", "None"))?;
    let found = match (truthy(user, "name"), truthy(user, "id")) {
        (None, None) => return Err(expecting("id or name", "user")),
        (Some(name), _) => {
            let domain = user
                .get("domain")
                .ok_or_else(|| expecting("domain", "user"))?;
            let known = match (truthy(domain, "name"), truthy(domain, "id")) {
                (None, None) => return Err(expecting("id or name", "domain")),
                (Some(name), _) => name == "Default",
                (None, Some(id)) => id == "default",
            };
            // The mock's users all live in its one domain.
            known.then(|| cloud.identity.user_by_name(name)).flatten()
        }
        (None, Some(id)) => cloud.identity.user_by_id(id),
    };
    let given = user.get("password").and_then(Value::as_str);
    found
        .filter(|u| Some(u.password.as_str()) == given)
        .cloned()
        .ok_or(Refused::Unauthorized)
}

/// The token method: the token must be one Keystone issued and still
/// valid (404s, as when it is validated).
fn token(cloud: &Cloud, data: &Value) -> Result<Token, Refused> {
    let id = data.get("id").and_then(Value::as_str);
    valid_token(cloud, id).map_err(|message| Refused::NotFound(message.into()))
}

/// The token `id` if it is valid, else the 404's message Keystone 30
/// gives for it.
pub(super) fn valid_token(cloud: &Cloud, id: Option<&str>) -> Result<Token, &'static str> {
    match id.filter(|id| !id.is_empty()) {
        None => Err("No token in the request"),
        Some(id) => match cloud.identity.lookup(id) {
            Lookup::Valid(token) => Ok(*token),
            Lookup::Invalid => Err("Failed to validate token"),
            Lookup::Unknown => Err("Could not recognize Fernet token"),
        },
    }
}

/// A method the mock does not implement: the mock has no federation,
/// OAuth1, EC2 or application credentials and no `REMOTE_USER`. Answered
/// as Keystone 30 answered the recorded requests; any other is a plain
/// 401.
fn unavailable(method: &str, data: &Value, auth: &Value) -> Refused {
    match method {
        "mapped" if data.get("identity_provider").is_none() => {
            expecting("identity_provider", "mapped")
        }
        "application_credential" if auth.get("scope").is_some() => Refused::Plugin(
            "Error authenticating with application credential: Application credentials \
             cannot request a scope.",
        ),
        "application_credential" => match data.get("id").and_then(Value::as_str) {
            Some(id) => Refused::NotFound(format!("Could not find Application Credential: {id}.")),
            None => Refused::Unauthorized,
        },
        known if LOADED.contains(&known) => Refused::Unauthorized,
        _ => Refused::Unsupported,
    }
}
