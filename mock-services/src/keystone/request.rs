//! A token request (`POST /v3/auth/tokens`) read as Keystone 30 reads it
//! (keystone/auth/schema.py, keystone/auth/core.py): the request schema,
//! the presence checks after it, the methods' data, and what the scope
//! asks for.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::jsonschema::{validate, Step};

/// Why a token request is refused before anyone is authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refused {
    /// 400 with this message.
    Invalid(String),
    /// 401: the scope names what the cloud does not have or the user
    /// cannot take (a domain, a trust, a project that is not there), or
    /// the credentials are wrong.
    Unauthorized,
    /// 404 with this message: a token or credential that is not there.
    NotFound(String),
    /// 401 naming the methods Keystone has: a method it does not load.
    Unsupported,
    /// 401 with this message from a method's plugin.
    Plugin(&'static str),
}

/// What the scope asks for, once it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Asked<'a> {
    /// No scope, `"unscoped"` or `{"unscoped": …}`.
    Unscoped,
    /// A project by name or id.
    Project {
        name: Option<&'a str>,
        id: Option<&'a str>,
    },
    /// `{"system": …}` (any object: Keystone scopes to the whole system
    /// whatever `all` says).
    System,
    /// A domain or a trust: the mock has no role on any domain and no
    /// trusts, so these end in 401 once looked up.
    Unavailable,
}

/// `token_issue` as the running Keystone 30 holds it: `system.all` is
/// `parameter_types.boolean`, whose `enum` another schema extends with
/// `None` when Keystone loads (the live service's own error messages show
/// `[True, False, None]`).
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let named = json!({"type": "object", "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}}});
        json!({
            "type": "object",
            "properties": {
                "identity": {
                    "type": "object",
                    "properties": {
                        "methods": {"type": "array", "items": {"type": "string"}},
                        "password": {"type": "object", "properties": {
                            "user": {"type": "object", "properties": {
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                                "password": {"type": "string"},
                                "domain": named,
                            }},
                        }},
                        "token": {
                            "type": "object",
                            "properties": {"id": {"type": "string"}},
                            "required": ["id"],
                        },
                    },
                    "required": ["methods"],
                },
                "scope": {
                    "type": ["object", "string"],
                    "properties": {
                        "project": {"type": "object", "properties": {
                            "name": {"type": "string"},
                            "id": {"type": "string"},
                            "domain": named,
                        }},
                        "domain": named,
                        "OS-TRUST:trust": {"type": "object", "properties": {
                            "id": {"type": "string"}}},
                        "system": {"type": "object", "properties": {
                            "all": {"type": "boolean", "enum": [true, false, null]}}},
                    },
                },
            },
            "required": ["identity"],
        })
    })
}

/// Keystone's `ValidationError`: "Expecting to find ATTRIBUTE in TARGET."
pub(super) fn expecting(attribute: &str, target: &str) -> Refused {
    Refused::Invalid(format!(
        "Expecting to find {attribute} in {target}. The server could not comply with the \
         request since it is either malformed or otherwise incorrect. The client is assumed \
         to be in error."
    ))
}

/// "Invalid input for field FIELD: id or name must be present." unless
/// `object` (if there) has one of them.
fn named(object: Option<&Value>, field: &str) -> Result<(), Refused> {
    match object {
        Some(o) if o.get("id").is_none() && o.get("name").is_none() => Err(Refused::Invalid(
            format!("Invalid input for field {field}: id or name must be present."),
        )),
        _ => Ok(()),
    }
}

/// `validate_issue_token_auth`: the first schema fault (Keystone's
/// validator raises the first `iter_errors` gives), then the users',
/// projects' and domains' names or ids.
pub(super) fn check(auth: &Value) -> Result<(), Refused> {
    if let Some(fault) = validate(schema(), auth).into_iter().next() {
        let field: Vec<String> = fault
            .path
            .iter()
            .map(|step| match step {
                Step::Key(key) => key.clone(),
                Step::Index(i) => i.to_string(),
            })
            .collect();
        let report = fault.report();
        return Err(Refused::Invalid(if field.is_empty() {
            report
        } else {
            format!("Invalid input for field '{}': {report}", field.join("/"))
        }));
    }
    let user = auth.pointer("/identity/password/user");
    named(user, "identity/password/user")?;
    named(
        user.and_then(|u| u.get("domain")),
        "identity/password/user/domain",
    )?;
    if let Some(scope) = auth.get("scope").filter(|s| s.is_object()) {
        let project = scope.get("project");
        named(project, "scope/project")?;
        named(
            project.and_then(|p| p.get("domain")),
            "scope/project/domain",
        )?;
        named(scope.get("domain"), "scope/domain")?;
    }
    Ok(())
}

/// The request's methods, each with its data in `identity` (Keystone
/// drops repeats, keeping the order).
pub(super) fn methods(auth: &Value) -> Result<Vec<String>, Refused> {
    let mut methods: Vec<String> = Vec::new();
    let listed = auth
        .pointer("/identity/methods")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    for method in listed {
        if !methods.iter().any(|m| m == method) {
            methods.push(method.to_owned());
        }
    }
    match methods
        .iter()
        .find(|m| auth["identity"].get(m.as_str()).is_none())
    {
        Some(missing) => Err(expecting(missing, "identity")),
        None => Ok(methods),
    }
}

/// The scope's kinds in Keystone's order.
const KINDS: [&str; 5] = ["project", "domain", "unscoped", "system", "OS-TRUST:trust"];

/// What `scope` asks for: exactly one kind, by key of an object or, as
/// Python's `in` reads a string, as a part of a string.
pub(super) fn asked(scope: Option<&Value>) -> Result<Asked<'_>, Refused> {
    let Some(scope) = scope else {
        return Ok(Asked::Unscoped);
    };
    let names = |kind: &str| match scope {
        Value::String(text) => text.contains(kind),
        other => other.get(kind).is_some(),
    };
    let named: Vec<&str> = KINDS.into_iter().filter(|kind| names(kind)).collect();
    let [kind] = named[..] else {
        return Err(expecting(
            "system, project, domain, OS-TRUST:trust or unscoped",
            "scope",
        ));
    };
    match (kind, scope.as_object()) {
        ("system", _) => Ok(Asked::System),
        ("unscoped", _) => Ok(Asked::Unscoped),
        // Keystone indexes the string as an object; the TypeError is a 400.
        (_, None) => Err(Refused::Invalid(
            "string indices must be integers, not 'str'".into(),
        )),
        ("project", Some(scope)) => Ok(Asked::Project {
            name: scope["project"].get("name").and_then(Value::as_str),
            id: scope["project"].get("id").and_then(Value::as_str),
        }),
        _ => Ok(Asked::Unavailable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_names_exactly_one_kind() {
        let [system, unscoped, the_system, projects, domain, empty, two, null] = [
            json!({"system": {}}),
            json!("unscoped"),
            // Python's `in` finds "system" inside the string.
            json!("the system"),
            json!("projects"),
            json!({"domain": {"id": "d"}}),
            json!({}),
            json!({"system": {}, "unscoped": {}}),
            Value::Null,
        ];
        assert_eq!(asked(Some(&system)), Ok(Asked::System));
        assert_eq!(asked(Some(&unscoped)), Ok(Asked::Unscoped));
        assert_eq!(asked(Some(&the_system)), Ok(Asked::System));
        assert_eq!(
            asked(Some(&projects)),
            Err(Refused::Invalid(
                "string indices must be integers, not 'str'".into()
            ))
        );
        assert_eq!(asked(Some(&domain)), Ok(Asked::Unavailable));
        for none_or_two in [&empty, &two, &null] {
            let Err(Refused::Invalid(message)) = asked(Some(none_or_two)) else {
                panic!("{none_or_two} names no kind or two");
            };
            assert!(
                message.starts_with("Expecting to find system, project"),
                "{message}"
            );
        }
        assert_eq!(asked(None), Ok(Asked::Unscoped));
    }

    #[test]
    fn a_method_without_its_data_is_expected_in_identity() {
        let auth = json!({"identity": {"methods": ["password", "token", "password"],
            "password": {}, "token": {"id": "t"}}});
        assert_eq!(methods(&auth), Ok(vec!["password".into(), "token".into()]));
        let auth = json!({"identity": {"methods": ["token"]}});
        let Err(Refused::Invalid(message)) = methods(&auth) else {
            panic!("a method without its data");
        };
        assert!(
            message.starts_with("Expecting to find token in identity."),
            "{message}"
        );
    }
}
