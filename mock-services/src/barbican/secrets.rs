//! Barbican's secrets: the store, and storing, reading and deleting them
//! under [`super::policy`] (listing: [`super::listing`]).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::extract::{Extension, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use imgsig_contract::base64::decode_lenient;
use serde::Deserialize;
use serde_json::{json, Value};

use super::acl::ReadAcl;
use super::expiration::expiration;
use super::policy::Action;
use super::schema::{check, load_body};
use super::{accepted, permitted, secret_ref, Caller, Refusal};
use crate::http::{iso_micros_naive, iso_naive, json_response, media_type, now_micros};
use crate::python;
use crate::Cloud;

/// The secret types Barbican knows, in the order its schema lists them
/// (as the live Barbican 23 printed them refusing another).
const SECRET_TYPES: [&str; 6] = [
    "symmetric",
    "passphrase",
    "private",
    "public",
    "certificate",
    "opaque",
];

/// Barbican's supported payload content types, in its order
/// (`plugin/util/mime_types.py` `SUPPORTED`).
const SUPPORTED_CONTENT_TYPES: [&str; 5] = [
    "text/plain",
    "text/plain;charset=utf-8",
    "text/plain; charset=utf-8",
    "application/octet-stream",
    "application/pkcs8",
];

/// A payload content type Barbican takes, in its internal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContentType {
    /// `text/plain` (with or without `charset=utf-8`): no encoding.
    Text,
    /// `application/octet-stream`: base64.
    Binary,
    /// `application/pkcs8`: base64.
    Pkcs8,
}

impl ContentType {
    /// Barbican's `normalize_content_type` followed by `is_supported`: the
    /// media type (case-insensitive) and, if given, a `charset=utf-8`;
    /// `application/aes` is known but not supported.
    fn parse(content_type: &str) -> Option<ContentType> {
        let mut parts = content_type.split(';').map(str::trim);
        let mime = parts.next().unwrap_or_default().to_ascii_lowercase();
        if let Some(charset) = parts.next() {
            let charset = charset.to_ascii_lowercase();
            let value = charset.split('=').nth(1).map(str::trim);
            if value != Some("utf-8") {
                // Barbican keeps such a type as given, and no supported
                // spelling has another charset.
                return None;
            }
        }
        match mime.as_str() {
            "text/plain" => Some(ContentType::Text),
            "application/octet-stream" => Some(ContentType::Binary),
            "application/pkcs8" => Some(ContentType::Pkcs8),
            _ => None,
        }
    }

    /// The internal form, as secret metadata shows it.
    fn as_str(self) -> &'static str {
        match self {
            ContentType::Text => "text/plain",
            ContentType::Binary => "application/octet-stream",
            ContentType::Pkcs8 => "application/pkcs8",
        }
    }
}

/// A stored secret.
#[derive(Debug, Clone)]
pub struct Secret {
    /// The secret's uuid.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// The user who stored it.
    pub creator_id: String,
    /// Name, if any.
    pub name: Option<String>,
    /// `certificate`, `opaque`, …
    pub secret_type: String,
    /// The decoded payload, if one was stored.
    pub payload: Option<Bytes>,
    /// The payload's content type.
    pub payload_content_type: Option<String>,
    /// Optional metadata, echoed back.
    pub algorithm: Option<String>,
    /// Optional metadata, echoed back.
    pub bit_length: Option<u64>,
    /// Optional metadata, echoed back.
    pub mode: Option<String>,
    /// When it expires (µs since the epoch, UTC; always later than it was
    /// stored), after which no lookup or list finds it.
    pub expiration: Option<u64>,
    /// Creation time, µs since the epoch.
    pub created: u64,
    /// Last change, µs since the epoch: an ACL change moves it.
    pub updated: u64,
    /// The read ACL, if one was set (`None` is Barbican's default: the
    /// project reads it, nobody else).
    pub acl: Option<ReadAcl>,
}

impl Secret {
    /// Whether it has not expired at `now` (µs since the epoch):
    /// Barbican's queries keep `expiration IS NULL OR expiration > utcnow`.
    fn live_at(&self, now: u64) -> bool {
        self.expiration.is_none_or(|at| at > now)
    }
}

/// All secrets, by id.
#[derive(Debug, Default)]
pub struct Secrets(Mutex<HashMap<String, Secret>>);

impl Secrets {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forget every secret.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The secret `id`, whoever asks, unless it has expired.
    pub(super) fn find(&self, id: &str) -> Option<Secret> {
        let now = now_micros();
        self.lock().get(id).filter(|s| s.live_at(now)).cloned()
    }

    /// Change the secret `id` with `change`, if it is still there.
    pub(super) fn update(&self, id: &str, change: impl FnOnce(&mut Secret)) {
        if let Some(secret) = self.lock().get_mut(id) {
            change(secret);
        }
    }

    fn insert(&self, secret: Secret) {
        self.lock().insert(secret.id.clone(), secret);
    }

    fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// The secrets `keep` chooses, oldest first, but for expired ones.
    pub(super) fn select(&self, keep: impl Fn(&Secret) -> bool) -> Vec<Secret> {
        let now = now_micros();
        let mut chosen: Vec<Secret> = self
            .lock()
            .values()
            .filter(|s| s.live_at(now) && keep(s))
            .cloned()
            .collect();
        chosen.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        chosen
    }
}
pub(super) fn metadata(cloud: &Cloud, s: &Secret) -> Value {
    let mut obj = json!({
        "created": iso_micros_naive(s.created),
        "updated": iso_micros_naive(s.updated),
        "status": "ACTIVE",
        "name": s.name,
        "secret_type": s.secret_type,
        "expiration": s.expiration.map(iso_naive),
        "algorithm": s.algorithm,
        "bit_length": s.bit_length,
        "mode": s.mode,
        "creator_id": s.creator_id,
    });
    if s.payload.is_some() {
        obj["content_types"] = match &s.payload_content_type {
            Some(ct) => json!({"default": ct}),
            None => json!({}),
        };
    }
    obj["secret_ref"] = secret_ref(cloud, &s.id).into();
    obj
}

#[derive(Debug, Deserialize)]
struct NewSecret {
    name: Option<String>,
    secret_type: Option<String>,
    payload: Option<String>,
    payload_content_type: Option<String>,
    payload_content_encoding: Option<String>,
    algorithm: Option<String>,
    bit_length: Option<u64>,
    mode: Option<String>,
    expiration: Option<String>,
    /// `payload_content_type` is in the body, even as `null`.
    #[serde(skip)]
    content_type_given: bool,
}

/// A refusal of the `Secret` schema: Barbican's 400 naming the property.
fn schema_refusal(reason: &str, property: &str) -> Refusal {
    Refusal::new(
        StatusCode::BAD_REQUEST,
        format!(
            "Provided object does not match schema 'Secret': {reason}. Invalid property: \
             '{property}'"
        ),
    )
}

impl NewSecret {
    /// The request's body as a secret to store, refused as Barbican
    /// refuses it: 415 for a body that is not JSON, 400 "Malformed JSON",
    /// then the `Secret` schema ([`SECRET_SCHEMA`]).
    fn read(headers: &HeaderMap, body: &[u8]) -> Result<NewSecret, Refusal> {
        if media_type(headers).as_deref() != Some("application/json") {
            return Err(Refusal::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported Media Type. Content-Type must be application/json.",
            ));
        }
        let mut value = load_body(body)?;
        check(&SECRET_SCHEMA, &value, "Secret")?;
        // jsonschema's integers include 1.0; the column holds 1.
        if let Some(bits) = value.get_mut("bit_length") {
            if let Some(n) = bits.as_f64().filter(|_| !bits.is_i64()) {
                *bits = Value::from(n as i64);
            }
        }
        let content_type_given = value.get("payload_content_type").is_some();
        let mut new: NewSecret = serde_json::from_value(value).map_err(|e| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                format!("Provided object does not match schema 'Secret': {e}"),
            )
        })?;
        new.content_type_given = content_type_given;
        Ok(new)
    }

    /// The secret type: `opaque` unless given (the schema checked it).
    fn secret_type(&self) -> String {
        self.secret_type.clone().unwrap_or_else(|| "opaque".into())
    }

    /// The payload's content type, where there is a payload: the schema's
    /// pairing of payload, content type and encoding.
    fn content_type(&self) -> Result<Option<ContentType>, Refusal> {
        let (payload, given) = match (&self.payload, &self.payload_content_type) {
            (None, _) if !self.content_type_given => return Ok(None),
            // Given, even as `null`.
            (None, _) => {
                return Err(schema_refusal(
                    "payload must be provided when payload_content_type is specified",
                    "payload",
                ))
            }
            (Some(_), None) => {
                return Err(schema_refusal(
                    "If 'payload' is supplied, 'payload_content_type' must also be supplied.",
                    "payload_content_type",
                ))
            }
            (Some(payload), Some(given)) => (payload, given),
        };
        let parsed = ContentType::parse(given).ok_or_else(|| {
            schema_refusal(
                &format!(
                    "payload_content_type is not one of {}",
                    python::repr(&json!(SUPPORTED_CONTENT_TYPES))
                ),
                "payload_content_type",
            )
        })?;
        match (parsed, self.payload_content_encoding.is_some()) {
            (ContentType::Text, false) | (ContentType::Binary | ContentType::Pkcs8, true) => {}
            (ContentType::Text, true) => {
                return Err(schema_refusal(
                    "payload_content_encoding is not one of None",
                    "payload_content_encoding",
                ))
            }
            (ContentType::Binary | ContentType::Pkcs8, false) => {
                return Err(schema_refusal(
                    "payload_content_encoding is not one of ['base64', 'binary']",
                    "payload_content_encoding",
                ))
            }
        }
        if payload.is_empty() {
            return Err(schema_refusal(
                "If 'payload' specified, must be non empty",
                "payload",
            ));
        }
        Ok(Some(parsed))
    }

    /// The payload's bytes: as given, or decoded as Python's
    /// `base64.b64decode` decodes (the schema allows no other encoding).
    fn payload_bytes(&self) -> Result<Option<Bytes>, Refusal> {
        let Some(payload) = &self.payload else {
            return Ok(None);
        };
        match self.payload_content_encoding {
            None => Ok(Some(Bytes::from(payload.clone().into_bytes()))),
            Some(_) => decode_lenient(payload)
                .map(|bytes| Some(Bytes::from(bytes)))
                .map_err(|_| {
                    schema_refusal("Invalid payload for payload_content_encoding", "payload")
                }),
        }
    }
}

/// Barbican 23's `NewSecretValidator` schema, as it writes it.
static SECRET_SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": ["string", "null"], "maxLength": 255},
            "algorithm": {"type": "string", "maxLength": 255},
            "mode": {"type": "string", "maxLength": 255},
            "bit_length": {"type": "integer", "minimum": 1, "maximum": 32767},
            "expiration": {"type": "string", "maxLength": 255},
            "payload": {"type": "string"},
            "secret_type": {"type": "string", "maxLength": 80, "enum": SECRET_TYPES},
            "payload_content_type": {"type": ["string", "null"], "maxLength": 255},
            "payload_content_encoding": {"type": "string", "maxLength": 255, "enum": ["base64"]},
            "transport_key_needed": {"type": "string", "enum": ["true", "false"]},
            "transport_key_id": {"type": "string"},
        },
    })
});

pub(super) async fn create(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    caller.enforce(Action::Create, None)?;
    let new = NewSecret::read(&headers, &body)?;
    let expiration = expiration(new.expiration.as_deref(), now_micros())?;
    let secret_type = new.secret_type();
    let content_type = new.content_type()?;
    let payload = new.payload_bytes()?;
    let created = now_micros();
    let secret = Secret {
        id: uuid::Uuid::new_v4().to_string(),
        project_id: caller.project_id,
        creator_id: caller.token.user.id,
        name: new.name,
        secret_type,
        payload,
        payload_content_type: content_type.map(|c| c.as_str().to_owned()),
        algorithm: new.algorithm,
        bit_length: new.bit_length,
        mode: new.mode,
        expiration,
        created,
        updated: created,
        acl: None,
    };
    let reference = secret_ref(&cloud, &secret.id);
    cloud.secrets.insert(secret);
    let mut resp = json_response(StatusCode::CREATED, &json!({"secret_ref": reference}));
    if let Ok(v) = HeaderValue::from_str(&reference) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// Whether `Accept` asks for JSON metadata (absent, `*/*` or JSON).
fn wants_metadata(headers: &HeaderMap) -> bool {
    accepted(headers).is_none_or(|ranges| {
        ranges
            .iter()
            .any(|a| ["application/json", "*/*", ""].contains(a))
    })
}

pub(super) async fn show(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    // Without a JSON `Accept` this is Barbican's older payload URL, under
    // `secret:decrypt`.
    let json = wants_metadata(&headers);
    let action = if json {
        Action::Get
    } else {
        Action::Decrypt("Secret retrieval")
    };
    let secret = permitted(&cloud, &caller, &id, action)?;
    if json {
        Ok(json_response(StatusCode::OK, &metadata(&cloud, &secret)))
    } else {
        payload_response(&secret, &headers)
    }
}

fn payload_response(secret: &Secret, headers: &HeaderMap) -> Result<Response, Refusal> {
    let (Some(payload), Some(content_type)) = (&secret.payload, &secret.payload_content_type)
    else {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "Not Found. Sorry but your secret has no payload.",
        ));
    };
    // An empty payload (base64 of nothing but skipped characters) is
    // pecan's empty answer.
    if payload.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    // Barbican hands a payload over as bytes or, when text is asked for and
    // the bytes are UTF-8, as text (`openstack secret get --payload` asks
    // for text/plain by default).
    let accepted = accepted(headers).unwrap_or_else(|| vec!["*/*"]);
    let as_stored = accepted.iter().any(|a| {
        *a == "*/*" || a.eq_ignore_ascii_case(content_type) || *a == "application/octet-stream"
    });
    let as_text = accepted.contains(&"text/plain") && std::str::from_utf8(payload).is_ok();
    let content_type = match (as_stored, as_text) {
        (true, _) if accepted.contains(&"application/octet-stream") => "application/octet-stream",
        (true, _) => content_type.as_str(),
        (false, true) => "text/plain; charset=utf-8",
        (false, false) => {
            return Err(Refusal::new(
                StatusCode::NOT_ACCEPTABLE,
                "Wrong payload content-type",
            ));
        }
    };
    let mut resp = (StatusCode::OK, payload.clone()).into_response();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    Ok(resp)
}

pub(super) async fn payload(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let secret = permitted(
        &cloud,
        &caller,
        &id,
        Action::Decrypt("Secret payload retrieval"),
    )?;
    payload_response(&secret, &headers)
}

pub(super) async fn remove(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    permitted(&cloud, &caller, &id, Action::Delete)?;
    cloud.secrets.remove(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
