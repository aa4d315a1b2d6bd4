//! What the Barbican scenarios share: how a request is sent and which
//! part of Barbican's answer is compared.

use serde_json::{json, Value};

use super::scenario::{Ids, Line, Service};

/// Name Barbican's URL `{endpoint:barbican}` (secret and ACL references
/// carry it).
pub fn prepare(service: &mut Service) {
    service
        .session
        .ids
        .add("endpoint", "barbican", &service.base);
}

/// Send `line`, name a secret it creates `{secret:LABEL}`, fill in the
/// answer ([`answer`]) and give back the body as it came (`Null` if it
/// is not JSON).
pub async fn send(service: &mut Service, line: &mut Line) -> Value {
    let secret_id = |body: &Value| {
        let secret_ref = body["secret_ref"].as_str()?;
        secret_ref.rsplit('/').next().map(String::from)
    };
    let (content_type, text) = service
        .session
        .exchange(&service.base, line, "secret", secret_id)
        .await;
    line.answer = answer(&service.session.ids, content_type.as_deref(), &text);
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// `value` with the ids it names as placeholders, if it is a string.
fn unfill(ids: &Ids, value: &Value) -> Value {
    match value.as_str() {
        Some(text) => ids.unfill(text).into(),
        None => value.clone(),
    }
}

/// What is compared of an answer: its content type, and of the body
/// the labels of a list's secrets (those of the scenario, in order), a
/// secret's label, creator, content types and fields, an ACL's fields with its users sorted (Barbican
/// keeps them in a set), or the rest with ids as placeholders.
fn answer(ids: &Ids, content_type: Option<&str>, text: &str) -> Value {
    let body = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(body)) => Value::Object(body),
        _ if text.is_empty() => Value::Null,
        _ => json!({"text": ids.unfill(text)}),
    };
    let body = if let Some(secrets) = body["secrets"].as_array() {
        let labels: Vec<Value> = secrets
            .iter()
            .filter_map(|s| secret_label(ids, &s["secret_ref"]).map(Value::from))
            .collect();
        json!({"secrets": labels})
    } else if body["secret_ref"].is_string() && body["creator_id"].is_string() {
        json!({
            "secret": secret_label(ids, &body["secret_ref"]),
            "creator": unfill(ids, &body["creator_id"]),
            "content_types": body["content_types"],
            "fields": fields(&body),
        })
    } else if let Some(read) = body.get("read").filter(|r| r.is_object()) {
        let mut users: Vec<Value> = read["users"]
            .as_array()
            .map(|u| u.iter().map(|u| unfill(ids, u)).collect())
            .unwrap_or_default();
        users.sort_by_key(Value::to_string);
        json!({"read": {
            "project-access": read["project-access"],
            "users": users,
            "fields": fields(read),
        }})
    } else {
        match body {
            Value::Object(fields) => fields
                .iter()
                .map(|(k, v)| (k.clone(), unfill(ids, v)))
                .collect(),
            other => other,
        }
    };
    json!({"content_type": content_type, "body": body})
}

/// The label of the secret `secret_ref` names.
pub fn secret_label<'a>(ids: &'a Ids, secret_ref: &Value) -> Option<&'a str> {
    let id = secret_ref.as_str()?.rsplit('/').next()?;
    ids.label("secret", id)
}

/// The names of an object's fields, in order.
fn fields(object: &Value) -> Vec<String> {
    object
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}
