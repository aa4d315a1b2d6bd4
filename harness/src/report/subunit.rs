//! The report as a subunit v2 stream (`--subunit FILE`), the binary test
//! protocol of OpenStack's own tooling (stestr, Zuul's subunit processing,
//! `subunit2junitxml`, `subunit-stats`).
//!
//! Each packet: the signature `0xb3`, 16 bits of flags (version 2, which
//! fields follow, the test status), the packet's whole length as a subunit
//! number, then the timestamp (32-bit seconds and a number of
//! nanoseconds), the test id, the tags, the MIME type, the file content
//! (name, length, bytes), and last the CRC32 (zlib's) of everything before
//! it. Numbers take 1–4 bytes, the top two bits of the first giving the
//! count. Every case is an `inprogress` packet at the run's start and its
//! final status at start + its duration; failures, known failures and
//! implementation-defined cases carry a `reason` attachment (text).

use std::time::{Duration, SystemTime};

use crate::outcome::{CaseOutcome, RunReport, Verdict};

/// The packet signature.
const SIGNATURE: u8 = 0xb3;
/// Version 2, in the flags' top nibble.
const VERSION: u16 = 0x2000;
const FLAG_TEST_ID: u16 = 0x0800;
const FLAG_TIMESTAMP: u16 = 0x0200;
const FLAG_RUNNABLE: u16 = 0x0100;
const FLAG_TAGS: u16 = 0x0080;
const FLAG_MIME_TYPE: u16 = 0x0040;
const FLAG_EOF: u16 = 0x0020;
const FLAG_FILE_CONTENT: u16 = 0x0010;
/// The largest packet the format allows (a 3-byte length is as far as
/// writers go).
const MAX_PACKET: usize = 4_194_303;
/// Bytes of an attachment kept (far below [`MAX_PACKET`]).
const MAX_ATTACHMENT: usize = 64 * 1024;

/// A test status, the low three bits of the flags (0, none, is an
/// attachment's packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Started.
    InProgress = 2,
    /// Passed.
    Success = 3,
    /// Skipped.
    Skip = 5,
    /// Failed.
    Fail = 6,
    /// Failed as expected.
    ExpectedFailure = 7,
}

/// One packet's fields.
#[derive(Debug, Clone, Default)]
pub struct Packet<'a> {
    /// The test id.
    pub test_id: Option<&'a str>,
    /// The status (`None`: undefined).
    pub status: Option<Status>,
    /// Seconds and nanoseconds since the Unix epoch.
    pub timestamp: Option<(u32, u32)>,
    /// Tags.
    pub tags: &'a [&'a str],
    /// An attachment in one chunk: MIME type, file name and bytes.
    pub file: Option<(&'a str, &'a str, &'a [u8])>,
}

/// A subunit number: 1 byte below 2^6, 2 below 2^14, 3 below 2^22, 4 below
/// 2^30, the top two bits saying how many.
pub fn number(value: u32, out: &mut Vec<u8>) {
    match value {
        0..=0x3f => out.push(value as u8),
        0x40..=0x3fff => out.extend_from_slice(&((value as u16) | 0x4000).to_be_bytes()),
        0x4000..=0x3f_ffff => out.extend_from_slice(&(value | 0x80_0000).to_be_bytes()[1..]),
        _ => out.extend_from_slice(&(value.min(0x3fff_ffff) | 0xc000_0000).to_be_bytes()),
    }
}

fn utf8(s: &str, out: &mut Vec<u8>) {
    number(u32::try_from(s.len()).unwrap_or(u32::MAX), out);
    out.extend_from_slice(s.as_bytes());
}

/// CRC-32 (IEEE 802.3, reflected, as zlib's `crc32`).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

impl Packet<'_> {
    /// The packet's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut flags = VERSION | FLAG_RUNNABLE;
        let mut body = Vec::new();
        if let Some((secs, nanos)) = self.timestamp {
            flags |= FLAG_TIMESTAMP;
            body.extend_from_slice(&secs.to_be_bytes());
            number(nanos, &mut body);
        }
        if let Some(id) = self.test_id {
            flags |= FLAG_TEST_ID;
            utf8(id, &mut body);
        }
        if !self.tags.is_empty() {
            flags |= FLAG_TAGS;
            number(u32::try_from(self.tags.len()).unwrap_or(0), &mut body);
            for t in self.tags {
                utf8(t, &mut body);
            }
        }
        if let Some((mime, name, bytes)) = self.file {
            flags |= FLAG_MIME_TYPE | FLAG_FILE_CONTENT | FLAG_EOF;
            utf8(mime, &mut body);
            utf8(name, &mut body);
            number(u32::try_from(bytes.len()).unwrap_or(0), &mut body);
            body.extend_from_slice(bytes);
        }
        flags |= self.status.map_or(0, |s| s as u16);
        // signature, flags, length, body, CRC: the length counts them all.
        let base = 1 + 2 + body.len() + 4;
        let length_len = match base {
            0..=62 => 1,
            63..=16_381 => 2,
            _ => 3,
        };
        let total = (base + length_len).min(MAX_PACKET);
        let mut packet = Vec::with_capacity(total);
        packet.push(SIGNATURE);
        packet.extend_from_slice(&flags.to_be_bytes());
        number(u32::try_from(total).unwrap_or(0), &mut packet);
        packet.extend_from_slice(&body);
        let crc = crc32(&packet);
        packet.extend_from_slice(&crc.to_be_bytes());
        packet
    }
}

fn status(v: Verdict) -> Status {
    match v {
        Verdict::Pass | Verdict::Acceptable => Status::Success,
        Verdict::Fail => Status::Fail,
        Verdict::KnownFailure => Status::ExpectedFailure,
        Verdict::Skipped => Status::Skip,
    }
}

fn stamp(t: SystemTime) -> (u32, u32) {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    (
        u32::try_from(d.as_secs()).unwrap_or(u32::MAX),
        d.subsec_nanos(),
    )
}

/// Why a case needs a note: reason, explanation, what the target did.
fn note(o: &CaseOutcome) -> Option<String> {
    if matches!(o.verdict, Verdict::Pass | Verdict::Skipped) {
        return None;
    }
    let mut text = format!(
        "{}\n{}\nthis target {}",
        o.reason,
        o.explanation,
        super::words::target_did(&o.observed)
    );
    for cmd in &o.reproduce {
        text.push_str("\n$ ");
        text.push_str(cmd);
    }
    let mut end = text.len().min(MAX_ATTACHMENT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    Some(text)
}

/// Render the subunit v2 stream.
pub fn subunit(report: &RunReport) -> Vec<u8> {
    let started = humantime::parse_rfc3339(&report.provenance.started)
        .unwrap_or(SystemTime::UNIX_EPOCH + Duration::ZERO);
    let mut out = Vec::new();
    for o in &report.outcomes {
        let id = Some(o.id.as_str());
        let tags = [o.family()];
        out.extend(
            Packet {
                test_id: id,
                status: Some(Status::InProgress),
                timestamp: Some(stamp(started)),
                tags: &tags,
                file: None,
            }
            .encode(),
        );
        let attachments = [
            ("chain", o.chain.map(|c| c.to_string())),
            ("reason", note(o)),
        ];
        for (name, text) in attachments {
            let Some(text) = text else { continue };
            out.extend(
                Packet {
                    test_id: id,
                    file: Some(("text/plain;charset=utf8", name, text.as_bytes())),
                    ..Packet::default()
                }
                .encode(),
            );
        }
        out.extend(
            Packet {
                test_id: id,
                status: Some(status(o.verdict)),
                timestamp: Some(stamp(started + o.duration)),
                tags: &tags,
                file: None,
            }
            .encode(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_take_one_to_four_bytes() {
        let enc = |v| {
            let mut out = Vec::new();
            number(v, &mut out);
            out
        };
        assert_eq!(enc(0), [0x00]);
        assert_eq!(enc(63), [0x3f]);
        assert_eq!(enc(64), [0x40, 0x40]);
        assert_eq!(enc(16_383), [0x7f, 0xff]);
        assert_eq!(enc(16_384), [0x80, 0x40, 0x00]);
        assert_eq!(enc(4_194_304), [0xc0, 0x40, 0x00, 0x00]);
    }

    /// The bytes python-subunit 1.4.6's `StreamResultToBytes.status` writes
    /// for the same fields (2026-12-01T12:00:00.5Z, tag `sig`).
    #[test]
    fn packets_are_python_subunits_bytes() {
        let ts = Some((0x6b0e_b6c0, 500_000_000));
        let tags = ["sig"];
        let started = Packet {
            test_id: Some("sig.a"),
            status: Some(Status::InProgress),
            timestamp: ts,
            tags: &tags,
            file: None,
        };
        assert_eq!(
            hex::encode(started.encode()),
            "b32b821b6b0eb6c0ddcd6500057369672e610103736967d0244e45"
        );
        let note = Packet {
            test_id: Some("sig.a"),
            file: Some(("text/plain;charset=utf8", "reason", b"why")),
            ..Packet::default()
        };
        assert_eq!(
            hex::encode(note.encode()),
            "b3297031057369672e6117746578742f706c61696e3b636861727365743d7574663806726561736f6e0377687991ff323a"
        );
        let failed = Packet {
            status: Some(Status::Fail),
            ..started
        };
        assert_eq!(
            hex::encode(failed.encode()),
            "b32b861b6b0eb6c0ddcd6500057369672e610103736967c2dd4afe"
        );
    }

    #[test]
    fn crc32_is_zlibs() {
        // zlib.crc32(b"123456789") == 0xcbf43926, the standard check value.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }
}
