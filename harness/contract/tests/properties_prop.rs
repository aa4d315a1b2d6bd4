//! Property tests for the parsers of untrusted input: the four properties
//! and the lenient base64 decoder.

use imgsig_contract::base64::{decode_lenient, decode_strict, encode};
use imgsig_contract::{
    properties, Base64Mode, HashMethod, KeyType, KeyTypeSpelling, Profile, PropertyMap, Request,
    SignatureProperties,
};
use proptest::prelude::*;

fn hash_method() -> impl Strategy<Value = HashMethod> {
    prop::sample::select(HashMethod::ALL.to_vec())
}

fn key_type() -> impl Strategy<Value = KeyType> {
    prop::sample::select(KeyType::ALL.to_vec())
}

fn profile() -> impl Strategy<Value = Profile> {
    prop::sample::select(Profile::ALL.to_vec())
}

proptest! {
    #[test]
    fn well_formed_properties_round_trip(
        sig in prop::collection::vec(any::<u8>(), 1..200),
        hash in hash_method(),
        kt in key_type(),
        uuid in "[0-9a-f-]{1,40}",
        profile in profile(),
    ) {
        let map = SignatureProperties::to_map(&sig, hash, kt, &uuid, profile);
        let parsed = SignatureProperties::parse(&map, profile, Base64Mode::Strict);
        if profile.supports(kt) && profile.signature_char_limit().is_none_or(|l| map[properties::SIGNATURE].len() <= l) {
            let Ok(Request::Verify(p)) = parsed else { panic!("{parsed:?}") };
            prop_assert_eq!(p.signature, sig);
            prop_assert_eq!(p.hash_method, hash);
            prop_assert_eq!(p.key_type, kt);
            prop_assert_eq!(p.certificate_uuid, uuid);
        } else {
            prop_assert!(parsed.is_err());
        }
    }

    #[test]
    fn any_strings_parse_without_panicking(
        values in prop::collection::vec(prop::option::of(".{0,300}"), 4),
        profile in profile(),
        strict in any::<bool>(),
    ) {
        let map: PropertyMap = properties::ALL
            .iter()
            .zip(values)
            .filter_map(|(name, v)| v.map(|v| ((*name).to_owned(), v)))
            .collect();
        let mode = if strict { Base64Mode::Strict } else { Base64Mode::Lenient };
        let result = SignatureProperties::parse(&map, profile, mode);
        if map.len() < 4 {
            let is_unverified = matches!(result, Ok(Request::Unverified { .. }));
            prop_assert!(is_unverified);
        }
    }

    #[test]
    fn key_and_hash_names_are_exact(s in "[A-Za-z0-9_-]{0,20}") {
        let as_hash = s.parse::<HashMethod>();
        prop_assert_eq!(as_hash.is_ok(), HashMethod::ALL.iter().any(|h| h.as_str() == s));
        for spelling in [KeyTypeSpelling::Prefixed, KeyTypeSpelling::Bare] {
            let kt = KeyType::parse(&s, spelling);
            prop_assert_eq!(kt.is_ok(), KeyType::ALL.iter().any(|k| k.spelled(spelling) == s));
        }
    }

    #[test]
    fn lenient_base64_ignores_noise_between_characters(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        noise in prop::collection::vec((0usize..1000, prop::sample::select(vec!['\n', ' ', '\t', '-', '_', '!', '\r'])), 0..20),
    ) {
        let clean = encode(&bytes);
        prop_assert_eq!(decode_strict(&clean).ok(), Some(bytes.clone()));
        let mut noisy: Vec<char> = clean.chars().collect();
        for (pos, c) in noise {
            // Noise never goes after the padding, where it cannot matter.
            let data_end = noisy.iter().position(|&c| c == '=').unwrap_or(noisy.len());
            noisy.insert(pos % (data_end + 1), c);
        }
        let noisy: String = noisy.into_iter().collect();
        prop_assert_eq!(decode_lenient(&noisy).ok(), Some(bytes));
    }

    #[test]
    fn lenient_base64_never_panics(s in "\\PC{0,400}") {
        let _ = decode_lenient(&s);
        let _ = decode_strict(&s);
    }
}
