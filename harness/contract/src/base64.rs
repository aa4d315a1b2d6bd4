//! Decoding of `img_signature` the way upstream does it.
//!
//! cursive decodes with `oslo_serialization.base64.decode_as_bytes`, i.e.
//! Python's `base64.b64decode` without `validate=True`: characters outside
//! the base64 alphabet (newlines, spaces, `-`, `_` …) are discarded, decoding
//! stops at the first complete padding sequence, and a dangling quantum is an
//! error. [`decode_lenient`] reproduces CPython's `binascii.a2b_base64`
//! non-strict mode exactly; [`decode_strict`] is the RFC 4648 decoder for
//! implementations that validate.

use crate::Error;
use base64::Engine as _;

const PAD: u8 = b'=';

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decode like Python's `base64.b64decode(s)` (non-validating).
pub fn decode_lenient(input: &str) -> Result<Vec<u8>, Error> {
    if !input.is_ascii() {
        return Err(Error::NonAsciiBase64);
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut quad_pos = 0u8;
    let mut left = 0u8;
    let mut pads = 0u8;
    for &c in input.as_bytes() {
        if c == PAD {
            // A pad only counts once at least two data characters of the
            // current quantum were seen; enough of them end the input.
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let Some(v) = sextet(c) else { continue };
        pads = 0;
        match quad_pos {
            0 => {
                left = v;
                quad_pos = 1;
            }
            1 => {
                out.push((left << 2) | (v >> 4));
                left = v & 0x0f;
                quad_pos = 2;
            }
            2 => {
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
                quad_pos = 3;
            }
            _ => {
                out.push((left << 6) | v);
                quad_pos = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(out),
        1 => Err(Error::DanglingBase64Character(out.len() / 3 * 4 + 1)),
        _ => Err(Error::IncorrectBase64Padding),
    }
}

/// Decode strictly (RFC 4648 standard alphabet, canonical padding, no
/// whitespace), as an implementation that validates its input would.
pub fn decode_strict(input: &str) -> Result<Vec<u8>, Error> {
    base64::engine::general_purpose::STANDARD
        .decode(input)
        .map_err(|e| Error::StrictBase64(e.to_string()))
}

/// Encode with the standard alphabet and padding, on one line (`base64 -w 0`).
pub fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_examples() {
        // Each expectation below is what CPython 3.11 answers.
        assert_eq!(decode_lenient("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_lenient("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(decode_lenient(" a G V s b G 8 = ").unwrap(), b"hello");
        assert_eq!(decode_lenient("aGVsbG8=trailing").unwrap(), b"hello");
        assert!(matches!(
            decode_lenient("aGVsbG8"),
            Err(Error::IncorrectBase64Padding)
        ));
        assert!(matches!(
            decode_lenient("aGVsb"),
            Err(Error::DanglingBase64Character(5))
        ));
        assert_eq!(decode_lenient("").unwrap(), b"");
        assert_eq!(decode_lenient("====").unwrap(), b"");
        assert_eq!(decode_lenient("!!!").unwrap(), b"");
        assert_eq!(decode_lenient("aG=Vs").unwrap(), b"hel"[..3].to_vec());
        assert!(matches!(decode_lenient("é"), Err(Error::NonAsciiBase64)));
    }

    #[test]
    fn strict_rejects_what_lenient_forgives() {
        assert!(decode_strict("aGVs\nbG8=").is_err());
        assert!(decode_strict("aGVsbG8").is_err());
        assert_eq!(decode_strict("aGVsbG8=").unwrap(), b"hello");
    }
}
