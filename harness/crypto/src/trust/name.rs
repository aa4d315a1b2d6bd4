//! Distinguished names compared as pyca/cryptography compares them
//! (`x509.Name.__eq__`, which cursive's `is_issuer` uses): the sequence of
//! RDNs in order, each RDN a *set* of (attribute type, value), and a value
//! compared as the text it decodes to, whatever its string type, exactly
//! (case and spaces count). So `PrintableString "Root"` equals
//! `UTF8String "Root"` but not `"root"`; DER bytes would differ in the first
//! case, RFC 5280's caseIgnoreMatch would match the second.

use std::collections::BTreeSet;

use x509_cert::der::{Encode, Tag, Tagged};
use x509_cert::name::Name;

/// A name attribute value as cryptography decodes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    /// A string type, decoded.
    Text(String),
    /// A BIT STRING (`x500UniqueIdentifier`): bytes.
    Bytes(Vec<u8>),
    /// Content that does not decode (cryptography refuses such a name; here
    /// it compares by its encoding and so only equals itself).
    Undecodable(Vec<u8>),
}

/// A name reduced to what cryptography's equality looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameKey(Vec<BTreeSet<(String, Value)>>);

impl NameKey {
    /// The comparison key of `name`.
    pub(crate) fn of(name: &Name) -> NameKey {
        NameKey(
            name.0
                .iter()
                .map(|rdn| {
                    rdn.0
                        .iter()
                        .map(|atv| {
                            (
                                atv.oid.to_string(),
                                value(atv.value.tag(), atv.value.value()),
                            )
                        })
                        .collect()
                })
                .collect(),
        )
    }
}

fn value(tag: Tag, data: &[u8]) -> Value {
    let undecodable = || Value::Undecodable(data.to_vec());
    match tag {
        Tag::BmpString => {
            if data.len() % 2 != 0 {
                return undecodable();
            }
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).map_or_else(|_| undecodable(), Value::Text)
        }
        Tag::Ia5String
        | Tag::PrintableString
        | Tag::Utf8String
        | Tag::TeletexString
        | Tag::VisibleString
        | Tag::NumericString => {
            std::str::from_utf8(data).map_or_else(|_| undecodable(), |s| Value::Text(s.to_owned()))
        }
        Tag::BitString => Value::Bytes(data.to_vec()),
        _ if tag.octet() == 0x1c => {
            // UniversalString: UTF-32BE.
            if data.len() % 4 != 0 {
                return undecodable();
            }
            data.chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect::<Option<String>>()
                .map_or_else(undecodable, Value::Text)
        }
        _ => {
            std::str::from_utf8(data).map_or_else(|_| undecodable(), |s| Value::Text(s.to_owned()))
        }
    }
}

/// A name for people (RFC 4514 form, as OpenSSL and x509-cert print it),
/// falling back to hex of its encoding.
pub(crate) fn display(name: &Name) -> String {
    let text = name.to_string();
    if text.is_empty() {
        name.to_der().map_or_else(
            |_| "(empty name)".to_owned(),
            |d| format!("(empty name, DER {})", hex::encode(d)),
        )
    } else {
        text
    }
}
