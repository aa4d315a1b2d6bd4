//! What the OpenStack client reads from a cloud (Keystone token bodies and
//! catalogs, Glance image, task, list and error bodies, Barbican answers),
//! from the user (clouds.yaml, secure.yaml) and from an adapter; and the
//! corpus loader.
//!
//! The JSON targets take byte 0 as a switch: odd, the rest builds a
//! document structurally ([`Json`]); even, the rest is the body's text.

use arbitrary::{Arbitrary, Unstructured};
use imgsig::cases::corpus::Corpus;
use imgsig::openstack::{
    base_url, error_message, next_page, parse_timestamp, secret_id, Catalog, CloudConfig, Image,
    Interface, SecretInfo, Task,
};
use imgsig::targets::adapter::AdapterVerdict;
use serde_json::Value;

use super::json::Json;

/// The body as a JSON value (see the module doc), if it is one.
fn document(data: &[u8]) -> Option<Value> {
    let (first, rest) = data.split_first()?;
    if first & 1 == 1 {
        Json::arbitrary_take_rest(Unstructured::new(rest))
            .ok()
            .map(|j| j.0)
    } else {
        serde_json::from_slice(rest).ok()
    }
}

/// The items of array `key`, if any.
fn items<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// A Keystone token body: the catalog and every endpoint lookup the client
/// makes, the expiry and project.
pub fn keystone_token(data: &[u8]) {
    let Some(body) = document(data) else {
        return;
    };
    let token = body.get("token").unwrap_or(&body);
    if let Some(expires) = token.get("expires_at").and_then(Value::as_str) {
        let _ = parse_timestamp(expires);
    }
    let catalog = Catalog::from_token(token);
    for service in ["image", "key-manager", "identity"] {
        for interface in [Interface::Public, Interface::Internal, Interface::Admin] {
            for region in [None, Some("RegionOne")] {
                if let Ok(url) = catalog.endpoint(service, interface, region) {
                    let _ = base_url(&url, "v2");
                }
            }
        }
    }
}

/// Glance answers: an image record, a list page and its `next` link, an
/// image's tasks, and an error body.
pub fn glance_answer(data: &[u8]) {
    if let Some(body) = document(data) {
        let _ = Image::from_json(&body);
        for image in items(&body, "images") {
            if let Some(image) = Image::from_json(image) {
                let _ = (image.failed_import(), image.property("img_signature"));
            }
        }
        let current = "http://glance.example/v2/images?limit=1";
        if let Ok(Some(next)) = next_page("http://glance.example", current, &body) {
            assert_ne!(next, current, "a next link back to the same page");
        }
        for task in items(&body, "tasks") {
            let _ = Task::from_json(task);
        }
    }
    let _ = error_message(&String::from_utf8_lossy(data));
}

/// Barbican answers: a secret's metadata, a list page, a `secret_ref`.
pub fn barbican_answer(data: &[u8]) {
    let Some(body) = document(data) else {
        return;
    };
    for secret in std::iter::once(&body).chain(items(&body, "secrets")) {
        if let Some(info) = SecretInfo::from_json(secret) {
            assert!(!info.id.is_empty() && !info.id.contains('/'), "{info:?}");
        }
    }
    if let Some(href) = body.get("secret_ref").and_then(Value::as_str) {
        let _ = secret_id(href);
    }
}

/// A clouds.yaml and, after a line `---secure---`, a secure.yaml: cloud
/// `fuzz` read from them.
pub fn clouds_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (clouds, secure) = match text.split_once("\n---secure---\n") {
        Some((c, s)) => (c, Some(s)),
        None => (&*text, None),
    };
    let _ = CloudConfig::from_yaml("fuzz", clouds, secure, "clouds.yaml", None);
}

/// An adapter's answer on its standard output.
pub fn adapter_answer(data: &[u8]) {
    if let Ok(verdict) = serde_json::from_slice::<AdapterVerdict>(data) {
        let again: AdapterVerdict = serde_json::to_vec(&verdict)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .expect("a verdict survives a round trip");
        assert_eq!(again, verdict);
        let _ = verdict.observed();
    }
}

/// The corpus loader: a corpus that loads re-serialises to a document that
/// loads to the same corpus and serialises the same again, and its cases
/// are read back.
pub fn corpus_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(corpus) = Corpus::parse(text) else {
        return;
    };
    let json = serde_json::to_string_pretty(&corpus).expect("a corpus serialises");
    let again = Corpus::parse(&json).expect("a serialised corpus loads");
    assert_eq!(again, corpus, "the corpus changed in a round trip");
    let twice = serde_json::to_string_pretty(&again).expect("a corpus serialises");
    assert_eq!(twice, json, "the serialisation is not stable");
    let _ = corpus.cases();
}
