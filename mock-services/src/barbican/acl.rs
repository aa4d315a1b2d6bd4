//! A secret's read ACL (`/v1/secrets/{id}/acl`), as Barbican 23's
//! `api/controllers/acls.py` keeps it: `PUT` replaces it, `PATCH` changes
//! what it is given, `DELETE` removes it, `GET` shows it or the default
//! `{"read": {"project-access": true}}`. The users it names may read the
//! secret from any project ([`super::policy`]); with `project-access`
//! false only the creator and the project's admins read it.

use std::sync::{Arc, LazyLock};

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, MethodRouter};
use bytes::Bytes;
use serde_json::{json, Value};

use super::policy::Action;
use super::schema::{check, load_body};
use super::secrets::Secret;
use super::{accepted, lookup, permitted, secret_ref, Caller, Refusal};
use crate::http::{iso_micros_naive, json_response, media_type, now_micros, raw_json_response};
use crate::jsonschema::validate;
use crate::Cloud;

/// The longest user id Barbican's schema takes.
const MAX_USER_ID: usize = 255;

/// A secret's read ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadAcl {
    /// Whether the secret's project reads it (its members, under the
    /// policies); false makes it private to its creator and the project's
    /// admins.
    pub project_access: bool,
    /// Users who may read it whatever project they act in, in the order
    /// they were added, each once.
    pub users: Vec<String>,
    /// When the ACL was made, µs since the epoch.
    pub created: u64,
    /// When it last changed, µs since the epoch.
    pub updated: u64,
}

impl ReadAcl {
    /// `users` kept in place where the ACL already names them, the others
    /// added after them, each once (Barbican's `_create_or_replace_acl_users`).
    fn set_users(&mut self, users: Vec<String>) {
        self.users.retain(|u| users.contains(u));
        for user in users {
            if !self.users.contains(&user) {
                self.users.push(user);
            }
        }
    }
}

/// The routes of `/v1/secrets/{id}/acl`.
pub(super) fn routes() -> MethodRouter<Arc<Cloud>> {
    get(show)
        .put(change)
        .patch(change)
        .delete(remove)
        .fallback(other_method)
}

/// What a request asks of the `read` ACL: absent, or an empty object,
/// asks nothing.
#[derive(Debug, Default, PartialEq, Eq)]
struct Change {
    project_access: Option<bool>,
    users: Option<Vec<String>>,
}

async fn show(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let secret = permitted(&cloud, &caller, &id, Action::AclGet)?;
    Ok(json_response(StatusCode::OK, &acl_body(&secret)))
}

/// The ACL as `GET` shows it.
fn acl_body(secret: &Secret) -> Value {
    match &secret.acl {
        None => json!({"read": {"project-access": true}}),
        Some(acl) => json!({"read": {
            "project-access": acl.project_access,
            "users": acl.users,
            "created": iso_micros_naive(acl.created),
            "updated": iso_micros_naive(acl.updated),
        }}),
    }
}

/// `PUT` replaces the ACL, `PATCH` amends it.
async fn change(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let apply = if method == Method::PUT {
        replace
    } else {
        amend
    };
    update(&cloud, &caller, &id, &headers, &body, apply)
}

/// `PUT`: the ACL as asked (`project-access` true and no users unless
/// given); nothing asked for `read` removes it, and the default returns.
fn replace(secret: &mut Secret, change: Option<Change>, now: u64) {
    let Some(change) = change else {
        secret.acl = None;
        return;
    };
    let project_access = change.project_access.unwrap_or(true);
    let acl = secret
        .acl
        .get_or_insert_with(|| new_acl(project_access, now));
    acl.project_access = project_access;
    acl.set_users(change.users.unwrap_or_default());
    acl.updated = now;
    secret.updated = now;
}

/// `PATCH`: only what is given changes (a new ACL has project access).
fn amend(secret: &mut Secret, change: Option<Change>, now: u64) {
    let Some(change) = change else {
        return;
    };
    let acl = secret
        .acl
        .get_or_insert_with(|| new_acl(change.project_access.unwrap_or(true), now));
    if let Some(project_access) = change.project_access {
        acl.project_access = project_access;
    }
    if let Some(users) = change.users {
        acl.set_users(users);
    }
    acl.updated = now;
    secret.updated = now;
}

fn new_acl(project_access: bool, now: u64) -> ReadAcl {
    ReadAcl {
        project_access,
        users: Vec::new(),
        created: now,
        updated: now,
    }
}

/// `PUT` and `PATCH`: the secret, the caller's right, the content type and
/// the body, in Barbican's order, then `apply` and the ACL's reference.
fn update(
    cloud: &Cloud,
    caller: &Caller,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
    apply: fn(&mut Secret, Option<Change>, u64),
) -> Result<Response, Refusal> {
    permitted(cloud, caller, id, Action::AclUpdate)?;
    if media_type(headers).as_deref() != Some("application/json") {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unexpected content type. Expected content types are: ['application/json']",
        ));
    }
    let change = read_body(body)?;
    let now = now_micros();
    cloud
        .secrets
        .update(id, |secret| apply(secret, change, now));
    Ok(json_response(
        StatusCode::OK,
        &json!({"acl_ref": format!("{}/acl", secret_ref(cloud, id))}),
    ))
}

async fn remove(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    permitted(&cloud, &caller, &id, Action::AclDelete)?;
    cloud.secrets.update(&id, |secret| secret.acl = None);
    // Barbican's handler returns nothing, which pecan renders as JSON.
    Ok(raw_json_response(StatusCode::OK, "null".to_owned()))
}

/// Another method on the ACL: pecan's default handler says 405, or 406
/// when the request asks for an answer it cannot render (Barbican 23
/// answered a `POST` 405 without `Accept` and 406 with `Accept:
/// application/json`).
async fn other_method(
    State(cloud): State<Arc<Cloud>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    lookup(&cloud, &id)?;
    let renderable = accepted(&headers)
        .is_none_or(|ranges| ranges.iter().any(|a| ["*/*", "text/html", ""].contains(a)));
    let (status, description) = if renderable {
        (StatusCode::METHOD_NOT_ALLOWED, json!(""))
    } else {
        (StatusCode::NOT_ACCEPTABLE, Value::Null)
    };
    Ok(json_response(
        status,
        &json!({"code": status.as_u16(), "title": status.canonical_reason(),
                "description": description}),
    ))
}

/// `GET …/acl/{anything}`: Barbican's ACL handler gets an argument it does
/// not take and answers 500, once the caller may read the ACL.
pub(super) async fn beyond(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    Path((id, _rest)): Path<(String, String)>,
) -> Refusal {
    match permitted(&cloud, &caller, &id, Action::AclGet) {
        Ok(_) => Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SecretACL(s) retrieval failure seen - please contact site administrator.",
        ),
        Err(refused) => refused,
    }
}

/// The body as Barbican's `load_body` reads it, then the `ACL` schema.
fn read_body(body: &[u8]) -> Result<Option<Change>, Refusal> {
    let value = load_body(body)?;
    check_body(&value)?;
    let Some(read) = value.get("read").and_then(Value::as_object) else {
        return Ok(None);
    };
    if read.is_empty() {
        return Ok(None);
    }
    let users = read.get("users").and_then(Value::as_array).map(|users| {
        users
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()
    });
    Ok(Some(Change {
        project_access: read.get("project-access").and_then(Value::as_bool),
        users,
    }))
}

/// The `ACL` schema (`validators.ACLValidator`) as Barbican 23 writes
/// it, its `$ref` written out: an object with at most `read`, itself an
/// object with at most `users` and `project-access` (a boolean). Its
/// `items` is a list, draft 4's tuple, so it holds only the first user to
/// being a string of up to 255 characters; [`check_body`] holds the rest.
static ACL_SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "type": "object",
        "properties": {
            "read": {
                "type": "object",
                "properties": {
                    "users": {"type": "array", "items": [USER_SCHEMA.clone()]},
                    "project-access": {"type": "boolean"},
                },
                "additionalProperties": false,
            },
        },
        "additionalProperties": false,
    })
});

/// What the `ACL` schema asks of a user id.
static USER_SCHEMA: LazyLock<Value> =
    LazyLock::new(|| json!({"type": "string", "maxLength": MAX_USER_ID}));

/// The body under the `ACL` schema, and then every user after the first
/// under what the schema asks of the first: Barbican 23 stored `["a", 5]`
/// as `"a"` and `"5"`; the mock refuses the first user id that is not a
/// string of at most 255 characters, in the schema's words.
fn check_body(body: &Value) -> Result<(), Refusal> {
    check(&ACL_SCHEMA, body, "ACL")?;
    let users = body["read"]["users"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    match users
        .iter()
        .skip(1)
        .find(|u| !validate(&USER_SCHEMA, u).is_empty())
    {
        // Refused as the schema refuses a first user.
        Some(user) => check(&ACL_SCHEMA, &json!({"read": {"users": [user]}}), "ACL"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::{check_body, read_body, Change, ReadAcl};

    /// jsonschema's message in the refusal of `body`.
    fn fault(body: serde_json::Value) -> String {
        let refused = check_body(&body).unwrap_err().description;
        let message = refused.strip_prefix("Provided object does not match schema 'ACL': ");
        let message = message.and_then(|m| m.split_once(". Invalid property: "));
        message.unwrap().0.to_owned()
    }

    #[test]
    fn of_several_faults_the_nearest_the_top_is_named() {
        assert_eq!(
            fault(json!({"read": {"users": 5, "project-access": 1}})),
            "5 is not of type 'array'"
        );
        assert_eq!(
            fault(json!({"read": {"project-access": 1, "users": [7]}})),
            "1 is not of type 'boolean'"
        );
        assert_eq!(
            fault(json!({"read": {"users": ["a", 5, true]}})),
            "5 is not of type 'string'"
        );
    }

    #[test]
    fn every_user_is_held_to_the_schema() {
        assert_eq!(
            fault(json!({"read": {"users": ["a", "b".repeat(256)]}})),
            format!("'{}' is too long", "b".repeat(256))
        );
        assert!(check_body(&json!({"read": {"users": ["é".repeat(255)]}})).is_ok());
    }

    #[test]
    fn an_empty_read_asks_for_nothing() {
        assert_eq!(read_body(br#"{"read": {}}"#).unwrap(), None);
        assert_eq!(read_body(b"{}").unwrap(), None);
        assert_eq!(
            read_body(br#"{"read": {"users": [" u ", "u"]}}"#).unwrap(),
            Some(Change {
                project_access: None,
                users: Some(vec!["u".into(), "u".into()]),
            })
        );
    }

    fn json() -> impl Strategy<Value = Value> {
        let text = prop_oneof!["\\PC{0,6}", "[ \t]{0,2}u[a-z]{0,2}[ \t]{0,2}"];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            text.prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            let key = prop_oneof![
                Just("read".to_owned()),
                Just("users".to_owned()),
                Just("project-access".to_owned()),
                "[a-z]{1,4}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::vec((key, inner), 0..4)
                    .prop_map(|fields| Value::Object(fields.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_body_is_a_change_or_barbicans_refusal(body in json()) {
            let text = body.to_string();
            match read_body(text.as_bytes()) {
                Ok(Some(change)) => {
                    for user in change.users.unwrap_or_default() {
                        prop_assert_eq!(user.trim(), user.as_str());
                        prop_assert!(user.chars().count() <= 255);
                    }
                }
                Ok(None) => {}
                Err(refusal) => {
                    prop_assert_eq!(refusal.status, StatusCode::BAD_REQUEST);
                    prop_assert!(refusal
                        .description
                        .starts_with("Provided object does not match schema 'ACL': "));
                }
            }
        }

        #[test]
        fn an_acl_names_each_user_once(
            old in prop::collection::vec("[a-d]", 0..6),
            new in prop::collection::vec("[a-d]", 0..6),
        ) {
            let mut acl = ReadAcl { project_access: true, users: Vec::new(), created: 0, updated: 0 };
            acl.set_users(old);
            acl.set_users(new.clone());
            let mut named = acl.users.clone();
            named.sort();
            named.dedup();
            prop_assert_eq!(named.len(), acl.users.len());
            let mut wanted = new;
            wanted.sort();
            wanted.dedup();
            prop_assert_eq!(named, wanted);
        }
    }

    #[test]
    fn users_already_named_keep_their_place() {
        let mut acl = ReadAcl {
            project_access: true,
            users: vec!["a".into(), "b".into(), "c".into()],
            created: 0,
            updated: 0,
        };
        acl.set_users(vec!["d".into(), "c".into(), "a".into(), "d".into()]);
        assert_eq!(acl.users, ["a", "c", "d"]);
    }
}
