//! The DER structure of DSA and ECDSA signatures: `SEQUENCE { r INTEGER,
//! s INTEGER }`. Used by `imgsig inspect` to say what is wrong with a
//! signature that does not verify; it reads untrusted bytes and never
//! panics.

use serde::Serialize;

/// A decoded `SEQUENCE { r, s }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DerSignature {
    /// r as a big-endian unsigned integer, leading zeros stripped.
    #[serde(with = "hex_bytes")]
    pub r: Vec<u8>,
    /// s as a big-endian unsigned integer, leading zeros stripped.
    #[serde(with = "hex_bytes")]
    pub s: Vec<u8>,
    /// Whether the encoding is the canonical DER one (minimal lengths and
    /// integers, positive values, nothing after the sequence).
    pub canonical: bool,
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }
}

impl DerSignature {
    /// Bits in r.
    pub fn r_bits(&self) -> usize {
        bit_len(&self.r)
    }

    /// Bits in s.
    pub fn s_bits(&self) -> usize {
        bit_len(&self.s)
    }
}

fn bit_len(n: &[u8]) -> usize {
    n.first()
        .map_or(0, |b| (n.len() - 1) * 8 + (8 - b.leading_zeros() as usize))
}

struct Reader<'a> {
    bytes: &'a [u8],
    canonical: bool,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn length(&mut self) -> Option<usize> {
        let first = self.byte()?;
        if first < 0x80 {
            return Some(first as usize);
        }
        let count = (first & 0x7f) as usize;
        if count == 0 || count > 4 {
            return None; // indefinite or absurd
        }
        let mut len = 0usize;
        for &b in self.take(count)? {
            len = (len << 8) | b as usize;
        }
        if len < 0x80 || (count > 1 && len >> ((count - 1) * 8) == 0) {
            self.canonical = false;
        }
        Some(len)
    }

    fn tlv(&mut self, tag: u8) -> Option<&'a [u8]> {
        if self.byte()? != tag {
            return None;
        }
        let len = self.length()?;
        self.take(len)
    }

    fn integer(&mut self) -> Option<Vec<u8>> {
        let content = self.tlv(0x02)?;
        match content {
            [] => {
                self.canonical = false;
                Some(Vec::new())
            }
            [first, ..] if first & 0x80 != 0 => {
                // Negative: not a valid r or s.
                self.canonical = false;
                Some(content.to_vec())
            }
            [0, second, ..] if second & 0x80 == 0 => {
                self.canonical = false;
                Some(strip(content))
            }
            _ => Some(strip(content)),
        }
    }
}

fn strip(n: &[u8]) -> Vec<u8> {
    let start = n.iter().position(|&b| b != 0).unwrap_or(n.len());
    n[start..].to_vec()
}

/// Decode a DER `SEQUENCE { r INTEGER, s INTEGER }`, or `None` when the
/// bytes are not one at all.
pub fn parse_der_signature(bytes: &[u8]) -> Option<DerSignature> {
    let mut outer = Reader {
        bytes,
        canonical: true,
    };
    let body = outer.tlv(0x30)?;
    let mut inner = Reader {
        bytes: body,
        canonical: outer.canonical,
    };
    let r = inner.integer()?;
    let s = inner.integer()?;
    let canonical = inner.canonical && inner.bytes.is_empty() && outer.bytes.is_empty();
    Some(DerSignature { r, s, canonical })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_canonical_and_flags_the_rest() {
        let sig = parse_der_signature(&[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07]).unwrap();
        assert_eq!((sig.r, sig.s, sig.canonical), (vec![5], vec![7], true));
        let padded = parse_der_signature(&[0x30, 0x07, 0x02, 0x02, 0x00, 0x05, 0x02, 0x01, 0x07]);
        assert!(!padded.unwrap().canonical);
        let trailing = parse_der_signature(&[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0]);
        assert!(!trailing.unwrap().canonical);
        assert!(parse_der_signature(&[0x30, 0x06, 0x02, 0x01]).is_none());
        assert!(parse_der_signature(&[0x30, 0x80]).is_none());
        assert!(parse_der_signature(&[]).is_none());
    }

    #[test]
    fn bit_lengths() {
        let sig = parse_der_signature(&[0x30, 0x07, 0x02, 0x02, 0x01, 0xff, 0x02, 0x01, 0x80]);
        // 0x80 as an INTEGER is negative: parsed, flagged.
        let sig = sig.unwrap();
        assert_eq!(sig.r_bits(), 9);
        assert!(!sig.canonical);
    }
}
