//! The four image properties and how upstream reads them.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::base64::{decode_lenient, decode_strict};
use super::{HashMethod, KeyType, Profile, Rejection};
use crate::{Error, Result};

/// `img_signature`: base64 of the raw signature bytes.
pub const SIGNATURE: &str = "img_signature";
/// `img_signature_hash_method`: one of [`HashMethod`].
pub const HASH_METHOD: &str = "img_signature_hash_method";
/// `img_signature_key_type`: one of [`KeyType`].
pub const KEY_TYPE: &str = "img_signature_key_type";
/// `img_signature_certificate_uuid`: the Barbican secret with the certificate.
pub const CERTIFICATE_UUID: &str = "img_signature_certificate_uuid";

/// The four property names, in the order cursive checks them.
pub const ALL: [&str; 4] = [SIGNATURE, HASH_METHOD, KEY_TYPE, CERTIFICATE_UUID];

/// Raw image properties as a target stores them.
pub type PropertyMap = BTreeMap<String, String>;

/// Anything image properties can be read from.
pub trait PropertySource {
    /// The value of property `name`, if it is set (to a string).
    fn property(&self, name: &str) -> Option<&str>;
}

impl PropertySource for BTreeMap<String, String> {
    fn property(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl PropertySource for HashMap<String, String> {
    fn property(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// How `img_signature` is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Base64Mode {
    /// As upstream: Python's non-validating `b64decode`.
    #[default]
    Lenient,
    /// RFC 4648, canonical, no whitespace.
    Strict,
}

impl Base64Mode {
    /// Decode `value` in this mode.
    pub fn decode(self, value: &str) -> Result<Vec<u8>> {
        match self {
            Base64Mode::Lenient => decode_lenient(value),
            Base64Mode::Strict => decode_strict(value),
        }
    }
}

/// The four properties, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureProperties {
    /// The decoded signature. It may be empty: upstream notices that only
    /// after fetching the certificate ([`Rejection::VerifierCreation`]).
    pub signature: Vec<u8>,
    /// The hash method.
    pub hash_method: HashMethod,
    /// The key type.
    pub key_type: KeyType,
    /// The key type exactly as written in the property.
    pub key_type_name: String,
    /// The certificate's secret id, as written.
    pub certificate_uuid: String,
}

/// What the properties of an image ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Not all four properties are present: upstream uploads the image
    /// without verifying it, and without an error.
    Unverified {
        /// The signature properties that are missing.
        missing: Vec<&'static str>,
    },
    /// All four are present and well formed: verify against the certificate.
    Verify(SignatureProperties),
}

impl SignatureProperties {
    /// Read the four properties the way cursive does under `profile`.
    ///
    /// Order of checks, as upstream: presence of all four (else
    /// [`Request::Unverified`]), base64 of the signature, hash method, key
    /// type. The certificate and the key family are checked later, by
    /// whoever can fetch the certificate.
    pub fn parse(
        source: &impl PropertySource,
        profile: Profile,
        mode: Base64Mode,
    ) -> Result<Request, Rejection> {
        let missing: Vec<&'static str> = ALL
            .into_iter()
            .filter(|name| source.property(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Ok(Request::Unverified { missing });
        }
        let get = |name| source.property(name).unwrap_or_default();
        let raw_signature = get(SIGNATURE);
        profile.check_signature_length(raw_signature)?;
        let signature = mode.decode(raw_signature).map_err(|e| match e {
            Error::NonAsciiBase64 => Rejection::NonAsciiSignature,
            _ => Rejection::BadBase64,
        })?;
        let hash_name = get(HASH_METHOD);
        let hash_method = hash_name
            .parse()
            .map_err(|_| Rejection::InvalidHashMethod(hash_name.to_owned()))?;
        let key_type_name = get(KEY_TYPE);
        let key_type = KeyType::parse(key_type_name, profile.key_type_spelling())
            .ok()
            .filter(|k| profile.supports(*k))
            .ok_or_else(|| Rejection::InvalidKeyType(key_type_name.to_owned()))?;
        Ok(Request::Verify(SignatureProperties {
            signature,
            hash_method,
            key_type,
            key_type_name: key_type_name.to_owned(),
            certificate_uuid: get(CERTIFICATE_UUID).to_owned(),
        }))
    }

    /// The property map for a signature made with `hash_method` and
    /// `key_type`, spelled as `profile` expects.
    pub fn to_map(
        signature: &[u8],
        hash_method: HashMethod,
        key_type: KeyType,
        certificate_uuid: &str,
        profile: Profile,
    ) -> PropertyMap {
        PropertyMap::from([
            (SIGNATURE.to_owned(), super::base64::encode(signature)),
            (HASH_METHOD.to_owned(), hash_method.as_str().to_owned()),
            (
                KEY_TYPE.to_owned(),
                key_type.spelled(profile.key_type_spelling()),
            ),
            (CERTIFICATE_UUID.to_owned(), certificate_uuid.to_owned()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Curve;

    fn good() -> PropertyMap {
        SignatureProperties::to_map(
            b"sig",
            HashMethod::Sha256,
            KeyType::RsaPss,
            "089219c4-e839-4de4-80b7-46770c906878",
            Profile::GlanceCurrent,
        )
    }

    fn parse(map: &PropertyMap, profile: Profile) -> Result<Request, Rejection> {
        SignatureProperties::parse(map, profile, Base64Mode::Lenient)
    }

    #[test]
    fn a_missing_property_means_no_verification() {
        for name in ALL {
            let mut map = good();
            map.remove(name);
            assert_eq!(
                parse(&map, Profile::GlanceCurrent).unwrap(),
                Request::Unverified {
                    missing: vec![name]
                }
            );
        }
    }

    #[test]
    fn checks_run_in_upstream_order() {
        let mut map = good();
        map.insert(SIGNATURE.into(), "abc".into());
        map.insert(HASH_METHOD.into(), "sha256".into());
        assert_eq!(
            parse(&map, Profile::GlanceCurrent),
            Err(Rejection::BadBase64)
        );
        map.insert(SIGNATURE.into(), "".into());
        assert_eq!(
            parse(&map, Profile::GlanceCurrent),
            Err(Rejection::InvalidHashMethod("sha256".into()))
        );
    }

    #[test]
    fn binary_curves_depend_on_the_profile() {
        let mut map = good();
        map.insert(KEY_TYPE.into(), "ECC_SECT571K1".into());
        assert_eq!(
            parse(&map, Profile::GlanceCurrent),
            Err(Rejection::InvalidKeyType("ECC_SECT571K1".into()))
        );
        let Ok(Request::Verify(p)) = parse(&map, Profile::GlanceLegacy) else {
            panic!("legacy accepts binary curves")
        };
        assert_eq!(p.key_type, KeyType::Ecc(Curve::Sect571k1));
    }

    #[test]
    fn documented_profile_takes_bare_names_and_the_length_limit() {
        let mut map = good();
        map.insert(KEY_TYPE.into(), "SECP384R1".into());
        assert!(matches!(
            parse(&map, Profile::Documented),
            Ok(Request::Verify(_))
        ));
        assert_eq!(
            parse(&map, Profile::GlanceCurrent),
            Err(Rejection::InvalidKeyType("SECP384R1".into()))
        );
        map.insert(SIGNATURE.into(), "A".repeat(344));
        assert_eq!(
            parse(&map, Profile::Documented),
            Err(Rejection::SignatureTooLong {
                length: 344,
                limit: 255
            })
        );
    }
}
