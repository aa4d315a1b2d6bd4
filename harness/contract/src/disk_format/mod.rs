//! Glance 33's format inspection of uploads, as a rule: oslo.utils 10.2's
//! `format_inspector` (every inspector, its capture regions and safety
//! checks) and what `glance/location.py` (`ImageProxy.set_data`) does with
//! its answer under the default `[image_format]` options
//! (`require_image_format_match = True`, no non-fatal GPT checks).
//!
//! Glance inspects only images whose `container_format` is `bare`, after
//! the data is stored and the signature verified (a bad signature answers
//! its 400 first). Then:
//!
//! - the detected format is the one specific inspector that matched, or
//!   `raw` when none did (an ISO with a GPT in front counts as ISO);
//! - it must equal `disk_format`, except that `raw` takes any format and a
//!   `disk_format` oslo cannot inspect (`ami`, `ari`, `aki`, `ploop`) takes
//!   data detected as `raw`;
//! - the detected format's safety checks must pass (a qcow2 backing or
//!   data file, unknown qcow2 features or versions, a VMDK that is not
//!   `monolithicSparse`/`streamOptimized` or names paths, QED at all, an
//!   MBR without valid partitions; `aki`/`ari` excuse the MBR check).
//!
//! Any refusal is a 415 whose detail is [`FormatRefusal`]'s text.
//!
//! [`Inspection`] is fed the stream in the chunks Glance's file store reads
//! (64 KiB), whatever chunks it is given, so the VMDK text descriptor (read
//! from the first chunk only, as oslo does) is judged as on Glance.

mod inspectors;
mod regions;

use std::fmt;

pub use inspectors::Detected;
use inspectors::{Inspector, Raised};

/// The chunk size of Glance's file store (`WRITE_CHUNKSIZE`), in which the
/// inspector sees the stream.
pub const GLANCE_CHUNK: usize = 64 * 1024;

/// Glance 33's default `disk_formats` (the image schema's enum).
pub const DISK_FORMATS: [&str; 11] = [
    "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop",
];

/// Why Glance 33 refuses an upload's bytes (its 415 detail).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FormatRefusal {
    /// `disk_format` is not what the bytes are.
    Mismatch {
        /// The image's `disk_format`.
        disk_format: String,
        /// What the bytes are.
        detected: Detected,
    },
    /// More than one inspector matched (names in alphabetical order;
    /// Python's order is a set's).
    Multiple(Vec<Detected>),
    /// The detected format is not complete or does not match
    /// (`ImageFormatError` from `safety_check`): oslo's message.
    Unsafe(String),
    /// A safety check failed ("Image failed safety checks").
    SafetyChecks,
    /// The inspector raised something else ("Image format inspection
    /// failed").
    InspectionFailed,
}

impl fmt::Display for FormatRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatRefusal::Mismatch {
                disk_format,
                detected,
            } => write!(
                f,
                "Image disk_format {disk_format} does not match stream data {detected}"
            ),
            FormatRefusal::Multiple(formats) => {
                let names: Vec<&str> = formats.iter().map(|d| d.name()).collect();
                write!(f, "Multiple formats detected: {}", names.join(","))
            }
            FormatRefusal::Unsafe(message) => f.write_str(message),
            FormatRefusal::SafetyChecks => f.write_str("Image failed safety checks"),
            FormatRefusal::InspectionFailed => f.write_str("Image format inspection failed"),
        }
    }
}

impl FormatRefusal {
    /// The whole text of Glance's 415 message.
    pub fn glance_message(&self) -> String {
        media_type_message(&self.to_string())
    }
}

/// Glance's 415 text around `detail` (webob's `HTTPUnsupportedMediaType`
/// explanation for an octet stream, then the detail).
pub fn media_type_message(detail: &str) -> String {
    format!(
        "The request media type application/octet-stream is not supported by this server.\n\
         <br /><br />\n{detail}"
    )
}

/// oslo's `InspectWrapper` over a stream: every inspector at once.
#[derive(Debug, Clone)]
pub struct Inspection {
    inspectors: Vec<Inspector>,
    pending: Vec<u8>,
}

impl Default for Inspection {
    fn default() -> Inspection {
        Inspection::new()
    }
}

impl Inspection {
    /// Before any data.
    pub fn new() -> Inspection {
        Inspection {
            inspectors: Detected::ALL.into_iter().map(Inspector::new).collect(),
            pending: Vec::new(),
        }
    }

    /// The inspection of `data` as one stream.
    pub fn of(data: &[u8]) -> Inspection {
        let mut i = Inspection::new();
        i.update(data);
        i
    }

    /// More of the stream.
    pub fn update(&mut self, mut data: &[u8]) {
        if !self.pending.is_empty() {
            let take = (GLANCE_CHUNK - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() < GLANCE_CHUNK {
                return;
            }
            let chunk = std::mem::take(&mut self.pending);
            self.eat(&chunk);
        }
        while data.len() >= GLANCE_CHUNK {
            self.eat(&data[..GLANCE_CHUNK]);
            data = &data[GLANCE_CHUNK..];
        }
        self.pending.extend_from_slice(data);
    }

    fn eat(&mut self, chunk: &[u8]) {
        for inspector in self.inspectors.iter_mut().filter(|i| !i.errored) {
            if inspector.eat(chunk).is_err() {
                inspector.errored = true;
            }
        }
    }

    /// The end of the stream: what Glance decides for an image of these
    /// formats.
    pub fn verdict(
        mut self,
        disk_format: &str,
        container_format: &str,
    ) -> Result<(), FormatRefusal> {
        if container_format != "bare" {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.pending);
        if !chunk.is_empty() {
            self.eat(&chunk);
        }
        // The file store's last read returns nothing, and the inspectors
        // see that empty chunk too.
        self.eat(&[]);
        for inspector in &mut self.inspectors {
            inspector.finish();
        }
        match self.glance_rule(disk_format) {
            Ok(()) | Err(Raised::Attribute) => Ok(()),
            Err(Raised::Refused(refusal)) => Err(refusal),
            Err(Raised::Format(message)) => Err(FormatRefusal::Unsafe(message)),
            Err(Raised::Safety(_)) => Err(FormatRefusal::SafetyChecks),
            Err(Raised::Other) => Err(FormatRefusal::InspectionFailed),
        }
    }

    /// `InspectWrapper.formats` after the end: the specific inspectors that
    /// matched, sorted by name.
    fn matches(&self) -> Result<Vec<Detected>, Raised> {
        let mut matched = Vec::new();
        for inspector in self.inspectors.iter().filter(|i| i.format != Detected::Raw) {
            if inspector.format_match()? {
                matched.push(inspector.format);
            }
        }
        matched.sort_by_key(|d| d.name());
        Ok(matched)
    }

    /// `InspectWrapper.format`: one format, raw when nothing matched.
    fn format(&self) -> Result<Detected, Raised> {
        match self.matches()?[..] {
            [] => Ok(Detected::Raw),
            [one] => Ok(one),
            ref several => Err(Raised::Refused(FormatRefusal::Multiple(several.to_vec()))),
        }
    }

    fn inspector(&self, format: Detected) -> &Inspector {
        // Every format has its inspector (built from Detected::ALL).
        self.inspectors
            .iter()
            .find(|i| i.format == format)
            .unwrap_or(&self.inspectors[0])
    }

    /// `set_data` after the upload, with Python's exceptions as `Raised`.
    fn glance_rule(&self, disk_format: &str) -> Result<(), Raised> {
        let matched = self.matches()?;
        let detected = if matched == [Detected::Gpt, Detected::Iso] {
            Detected::Iso
        } else {
            self.format()?
        };
        let inspector = self.inspector(detected);
        let inspectable = Detected::from_name(disk_format).is_some();
        if detected.name() == disk_format {
            inspector.virtual_size()?;
        } else if detected == Detected::Raw && !inspectable {
            // ami, ari, aki, ploop: not inspectable, raw data is fine.
        } else if disk_format == "raw" {
            // Glance logs `data.format`, which raises on several matches.
            self.format()?;
        } else {
            return Err(Raised::Refused(FormatRefusal::Mismatch {
                disk_format: disk_format.to_owned(),
                detected,
            }));
        }
        match inspector.safety_check() {
            Err(Raised::Safety(mut failed)) => {
                if matches!(disk_format, "aki" | "ari") {
                    failed.retain(|f| *f != "mbr");
                }
                if detected == Detected::Gpt && failed.is_empty() {
                    Ok(())
                } else {
                    Err(Raised::Safety(failed))
                }
            }
            other => other,
        }
    }
}

/// Glance 33's decision on `data` uploaded as `disk_format` in a `bare`
/// container.
pub fn check(disk_format: &str, data: &[u8]) -> Result<(), FormatRefusal> {
    Inspection::of(data).verdict(disk_format, "bare")
}

#[cfg(test)]
mod tests;
