//! The ten inspectors of oslo.utils 10.2's `format_inspector` (what Glance
//! 33 runs over every upload of a `bare` image), ported region by region:
//! each keeps the same capture regions, decides `format_match` and
//! `complete` the same way and runs the same safety checks.

use super::regions::Region;

/// A format oslo's inspector recognises (`ALL_FORMATS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Detected {
    /// Nothing specific matched.
    Raw,
    /// QEMU copy-on-write v2/v3 (magic `QFI\xfb`).
    Qcow2,
    /// Connectix/Microsoft VHD (`conectix`).
    Vhd,
    /// Microsoft VHDX (`vhdxfile`).
    Vhdx,
    /// VMware VMDK: a sparse extent (`KDMV`) or a text descriptor.
    Vmdk,
    /// VirtualBox VDI (0xbeda107f at 0x40).
    Vdi,
    /// QEMU enhanced disk (`QED\0`): recognised and always refused.
    Qed,
    /// ISO 9660 / UDF (`CD001`, `NSR02`, `NSR03` at 32 KiB + 1).
    Iso,
    /// An MBR or GPT partition table (0xaa55 at 510, not a FAT boot sector).
    Gpt,
    /// LUKS v1 (`LUKS\xba\xbe`).
    Luks,
}

impl Detected {
    /// Every format, in oslo's `ALL_FORMATS` order.
    pub const ALL: [Detected; 10] = [
        Detected::Raw,
        Detected::Qcow2,
        Detected::Vhd,
        Detected::Vhdx,
        Detected::Vmdk,
        Detected::Vdi,
        Detected::Qed,
        Detected::Iso,
        Detected::Gpt,
        Detected::Luks,
    ];

    /// oslo's name for it (`NAME`), as Glance's messages print it.
    pub const fn name(self) -> &'static str {
        match self {
            Detected::Raw => "raw",
            Detected::Qcow2 => "qcow2",
            Detected::Vhd => "vhd",
            Detected::Vhdx => "vhdx",
            Detected::Vmdk => "vmdk",
            Detected::Vdi => "vdi",
            Detected::Qed => "qed",
            Detected::Iso => "iso",
            Detected::Gpt => "gpt",
            Detected::Luks => "luks",
        }
    }

    /// The format called `name` in `ALL_FORMATS`.
    pub fn from_name(name: &str) -> Option<Detected> {
        Detected::ALL.into_iter().find(|d| d.name() == name)
    }
}

impl std::fmt::Display for Detected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A Python exception an inspector property can raise, as Glance's
/// `except` clauses tell them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Raised {
    /// `ImageFormatError(message)`.
    Format(String),
    /// `SafetyCheckFailed`: the names of the failed checks.
    Safety(Vec<&'static str>),
    /// `AttributeError` (VMDK's `vmdktype` never set): Glance's
    /// `except AttributeError: pass` lets the upload through.
    Attribute,
    /// Any other exception (a missing region's `KeyError`).
    Other,
    /// An `ImageFormatError` Glance's own code raises (a mismatch) or the
    /// wrapper's "Multiple formats detected".
    Refused(super::FormatRefusal),
}

const QCOW2_MAGIC: &[u8] = b"QFI\xfb";
const VMDK_DESC_OFFSET: u64 = 0x200;
const VMDK_DESC_MAX: usize = (1 << 20) - 1;
const VMDK_GD_AT_END: u64 = u64::MAX;
const VHDX_METAREGION: &str = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
const VHDX_VIRTUAL_DISK_SIZE: &str = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
const VHDX_TABLE_MAX: usize = 32 * 2048;

/// One inspector and its state.
#[derive(Debug, Clone)]
pub(super) struct Inspector {
    pub format: Detected,
    regions: Vec<(&'static str, u32, Region)>,
    next_id: u32,
    total: u64,
    /// A step raised: oslo's wrapper stops feeding it (`_errored_inspectors`).
    pub errored: bool,
    vmdk: VmdkState,
}

#[derive(Debug, Clone, Default)]
struct VmdkState {
    /// The lower-cased descriptor text, once parsed.
    desc_text: Option<String>,
    /// `createType` (`None`: never set, an `AttributeError` in Python).
    vmdktype: Option<String>,
    footer: bool,
}

fn u32_le(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn u64_le(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

fn u32_be(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_be_bytes)
}

fn u64_be(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_be_bytes)
}

/// Python's `str.isprintable() or str.isspace()` for one ASCII character.
fn printable_or_space(c: u8) -> bool {
    (0x20..0x7f).contains(&c) || (0x09..=0x0d).contains(&c) || (0x1c..=0x1f).contains(&c)
}

/// A Microsoft GUID as VHDX names them (`_guid`).
fn guid(b: &[u8]) -> String {
    let b = &b[..16.min(b.len())];
    if b.len() < 16 {
        return String::new();
    }
    format!(
        "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
        u32_le(b, 0),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    )
}

impl Inspector {
    /// The inspector of `format` before any data (`_initialize`).
    pub fn new(format: Detected) -> Inspector {
        let mut i = Inspector {
            format,
            regions: Vec::new(),
            next_id: 0,
            total: 0,
            errored: false,
            vmdk: VmdkState::default(),
        };
        match format {
            Detected::Raw => {}
            Detected::Qcow2 | Detected::Qed | Detected::Vhd | Detected::Vdi => {
                i.add("header", Region::new(0, 512));
            }
            Detected::Vhdx => {
                i.add("ident", Region::new(0, 32));
                i.add("header", Region::new(192 * 1024, 64 * 1024));
            }
            Detected::Vmdk => {
                i.add("header", Region::at_least(0, 512, 64));
                i.add("descriptor", Region::at_least(0, VMDK_DESC_MAX, 4));
            }
            Detected::Iso => {
                i.add("system_area", Region::new(0, 32 * 1024));
                i.add("header", Region::new(32 * 1024, 2 * 1024));
            }
            Detected::Gpt => i.add("mbr", Region::new(0, 512)),
            Detected::Luks => i.add("header", Region::new(0, 592)),
        }
        i
    }

    fn add(&mut self, name: &'static str, region: Region) {
        self.remove(name);
        self.regions.push((name, self.next_id, region));
        self.next_id += 1;
    }

    fn remove(&mut self, name: &str) {
        self.regions.retain(|(n, _, _)| *n != name);
    }

    fn region(&self, name: &str) -> Option<&Region> {
        self.regions
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, r)| r)
    }

    fn data(&self, name: &str) -> &[u8] {
        self.region(name).map_or(&[], |r| &r.data)
    }

    fn region_complete(&self, name: &str) -> bool {
        self.region(name).is_some_and(Region::complete)
    }

    /// `complete`: every region has its data.
    pub fn complete(&self) -> bool {
        self.regions.iter().all(|(_, _, r)| r.complete())
    }

    fn capture(&mut self, chunk: &[u8], only: Option<&[u32]>) {
        let position = self.total;
        for (_, id, region) in &mut self.regions {
            if only.is_some_and(|ids| !ids.contains(id)) {
                continue;
            }
            if region.wants() {
                region.capture(chunk, position);
            }
        }
    }

    /// `eat_chunk`; an `Err` is an exception (the wrapper then stops
    /// feeding this inspector).
    pub fn eat(&mut self, chunk: &[u8]) -> Result<(), String> {
        let before: Vec<u32> = self.regions.iter().map(|(_, id, _)| *id).collect();
        let complete_before: Vec<u32> = self
            .regions
            .iter()
            .filter(|(_, _, r)| r.complete())
            .map(|(_, id, _)| *id)
            .collect();
        self.total += chunk.len() as u64;
        self.capture(chunk, None);
        self.post_process()?;
        let new: Vec<u32> = self
            .regions
            .iter()
            .map(|(_, id, _)| *id)
            .filter(|id| !before.contains(id))
            .collect();
        if !new.is_empty() {
            self.capture(chunk, Some(&new));
        }
        let newly: Vec<&'static str> = self
            .regions
            .iter()
            .filter(|(_, id, r)| r.complete() && !complete_before.contains(id))
            .map(|(n, _, _)| *n)
            .collect();
        for name in newly {
            if self.format == Detected::Vmdk && name == "descriptor" {
                self.parse_vmdk_descriptor();
            }
        }
        Ok(())
    }

    /// `finish`: the stream has ended.
    pub fn finish(&mut self) {
        for (_, _, r) in &mut self.regions {
            r.finish();
        }
    }

    fn post_process(&mut self) -> Result<(), String> {
        match self.format {
            Detected::Vmdk => self.vmdk_post_process(),
            Detected::Vhdx => self.vhdx_post_process(),
            _ => Ok(()),
        }
    }

    /// `format_match`.
    pub fn format_match(&self) -> Result<bool, Raised> {
        let header = self.data("header");
        Ok(match self.format {
            Detected::Raw => true,
            Detected::Qcow2 => self.region_complete("header") && header.starts_with(QCOW2_MAGIC),
            Detected::Qed => self.region_complete("header") && header.starts_with(b"QED\0"),
            Detected::Vhd => header.starts_with(b"conectix"),
            Detected::Vhdx => self.data("ident").starts_with(b"vhdxfile"),
            Detected::Vmdk => {
                if self.region("header").is_some() {
                    header.starts_with(b"KDMV")
                } else {
                    self.vmdk.vmdktype.as_deref().ok_or(Raised::Attribute)? != "formatnotfound"
                }
            }
            Detected::Vdi => self.region_complete("header") && u32_le(header, 0x40) == 0xbeda_107f,
            Detected::Iso => {
                self.complete() && matches!(header.get(1..6), Some(b"CD001" | b"NSR02" | b"NSR03"))
            }
            Detected::Gpt => {
                let mbr = self.data("mbr");
                let fat = mbr.get(0x10) == Some(&2) && mbr.get(0x15) == Some(&0xf8);
                self.region_complete("mbr") && mbr.get(510..512) == Some(&[0x55, 0xaa]) && !fat
            }
            Detected::Luks => header.get(..6) == Some(b"LUKS\xba\xbe"),
        })
    }

    /// What Glance's `inspector.virtual_size` does: only the text VMDK
    /// descriptor raises (its header region is gone, a `KeyError`).
    pub fn virtual_size(&self) -> Result<(), Raised> {
        let text_vmdk = self.format == Detected::Vmdk
            && self.region("header").is_none()
            && self
                .vmdk
                .desc_text
                .as_deref()
                .is_some_and(|t| !t.is_empty())
            && matches!(
                self.vmdk.vmdktype.as_deref(),
                Some("monolithicsparse" | "streamoptimized")
            );
        if text_vmdk {
            return Err(Raised::Other);
        }
        Ok(())
    }

    /// `safety_check`.
    pub fn safety_check(&self) -> Result<(), Raised> {
        if !self.complete() {
            return Err(Raised::Format(
                "Incomplete file cannot be safety checked".into(),
            ));
        }
        if !self.format_match()? {
            return Err(Raised::Format(format!(
                "Unable to safety check format {} because content does not match",
                self.format
            )));
        }
        let failures = self.failed_checks();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Raised::Safety(failures))
        }
    }

    fn failed_checks(&self) -> Vec<&'static str> {
        let header = self.data("header");
        let mut failed = Vec::new();
        match self.format {
            Detected::Raw | Detected::Vhd | Detected::Vhdx | Detected::Vdi | Detected::Iso => {}
            Detected::Qed => failed.push("banned"),
            Detected::Qcow2 => {
                if u64_be(header, 8) != 0 {
                    failed.push("backing_file");
                }
                let features = header.get(72..80).unwrap_or(&[0; 8]);
                if features[7] & 0x04 != 0 {
                    failed.push("data_file");
                }
                let unknown = match u32_be(header, 4) {
                    2 => false,
                    3 => features[..7].iter().any(|b| *b != 0) || features[7] & 0xf0 != 0,
                    _ => true,
                };
                if unknown {
                    failed.push("unknown_features");
                }
            }
            Detected::Vmdk => {
                if !self.vmdk_descriptor_safe() {
                    failed.push("descriptor");
                }
                if self.vmdk.footer && !self.vmdk_footer_safe() {
                    failed.push("footer");
                }
            }
            Detected::Gpt => {
                if !mbr_partitions_safe(self.data("mbr")) {
                    failed.push("mbr");
                }
            }
            Detected::Luks => {
                if header.get(6..8) != Some(&[0, 1]) {
                    failed.push("version");
                }
            }
        }
        failed
    }

    // VMDK

    fn sparse_header(data: &[u8], at: usize) -> (&[u8], u32, u64, u64, u64) {
        let h = data.get(at..at + 64).unwrap_or_default();
        (
            h.get(..4).unwrap_or_default(),
            u32_le(h, 4),
            u64_le(h, 28),
            u64_le(h, 36),
            u64_le(h, 56),
        )
    }

    fn vmdk_post_process(&mut self) -> Result<(), String> {
        if !self.region_complete("header") {
            return Ok(());
        }
        let header = self.data("header").to_vec();
        let (sig, version, desc_sec, desc_num, gd_offset) = Self::sparse_header(&header, 0);
        if sig != b"KDMV" {
            if header.iter().all(|c| printable_or_space(*c)) {
                self.remove("header");
                return Ok(());
            }
            return Err(format!("Signature KDMV not found: {sig:?}"));
        }
        if !(1..=3).contains(&version) {
            return Err("Unsupported format version".into());
        }
        if gd_offset == VMDK_GD_AT_END && self.region("footer").is_none() {
            self.add("footer", Region::end(1536));
            self.vmdk.footer = true;
        }
        let desc_offset = desc_sec.wrapping_mul(512);
        let desc_size = usize::try_from(desc_num.saturating_mul(512))
            .unwrap_or(usize::MAX)
            .min(VMDK_DESC_MAX);
        if desc_offset != VMDK_DESC_OFFSET {
            return Err("Wrong descriptor location".into());
        }
        if self.region("descriptor").is_some_and(|r| r.offset == 0) {
            self.add("descriptor", Region::new(desc_offset, desc_size));
        }
        Ok(())
    }

    fn parse_vmdk_descriptor(&mut self) {
        let mut data = self.data("descriptor");
        if let Some(nul) = data.iter().position(|b| *b == 0) {
            data = &data[..nul];
        }
        if !data.is_ascii() {
            return;
        }
        let text = String::from_utf8_lossy(data).to_ascii_lowercase();
        let key = "createtype=\"";
        let vmdktype = match text.find(key) {
            None => "formatnotfound".to_owned(),
            Some(at) => {
                let start = at + key.len();
                // Python's find() gives -1 without a closing quote, and
                // text[start:-1] is then the rest but the last character.
                let end = text[start..]
                    .find('"')
                    .map_or(text.len().saturating_sub(1), |e| start + e);
                if end < start + 64 {
                    text.get(start..end).unwrap_or_default().to_owned()
                } else {
                    "formatnotfound".to_owned()
                }
            }
        };
        self.vmdk.desc_text = Some(text);
        self.vmdk.vmdktype = Some(vmdktype);
    }

    fn vmdk_descriptor_safe(&self) -> bool {
        let Some(text) = self.vmdk.desc_text.as_deref().filter(|t| !t.is_empty()) else {
            return false;
        };
        if !matches!(
            self.vmdk.vmdktype.as_deref(),
            Some("monolithicsparse" | "streamoptimized")
        ) {
            return false;
        }
        let mut extents = Vec::new();
        for line in text.split('\n').map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.starts_with("ddb") {
                continue;
            }
            let header_field = line
                .split('=')
                .next()
                .is_some_and(|k| line.contains('=') && !k.contains(' '));
            if header_field {
                continue;
            }
            if matches!(line.split(' ').next(), Some("rw" | "rdonly" | "noaccess")) {
                extents.push(line);
            } else {
                return false;
            }
        }
        !extents.is_empty() && !extents.iter().any(|l| l.contains('/'))
    }

    fn vmdk_footer_safe(&self) -> bool {
        let header = self.data("header");
        let footer = self.data("footer");
        let (h_sig, h_ver, h_sec, h_num, _) = Self::sparse_header(header, 0);
        let (f_sig, f_ver, f_sec, f_num, f_goff) = Self::sparse_header(footer, 512);
        let marker = |at: usize| {
            let m = footer.get(at..at + 512).unwrap_or_default();
            (
                u64_le(m, 0),
                u32_le(m, 8),
                u32_le(m, 12),
                m.len() == 512 && m[16..].iter().all(|b| *b == 0),
            )
        };
        let (_, size, typ, zero) = marker(0);
        let footer_marker = size == 0 && typ == 3 && zero;
        let (val, size, typ, zero) = marker(footer.len().saturating_sub(512));
        let eos = val == 0 && size == 0 && typ == 0 && zero;
        h_sig == f_sig
            && h_ver == f_ver
            && (h_sec, h_num) == (f_sec, f_num)
            && f_goff != VMDK_GD_AT_END
            && footer_marker
            && eos
    }

    // VHDX

    fn vhdx_post_process(&mut self) -> Result<(), String> {
        if self.region_complete("header") && self.region("metadata").is_none() {
            let header = self.data("header");
            if u32_le(header, 0) != 0x6967_6572 {
                return Err("Region signature not found".into());
            }
            let count = u32_le(header, 8) as usize;
            if count >= 2048 {
                return Err("Region count over the limit".into());
            }
            let found = (0..count).find_map(|i| {
                let entry = header.get(16 + i * 32..16 + i * 32 + 32)?;
                (guid(entry) == VHDX_METAREGION).then(|| u64_le(entry, 16))
            });
            if let Some(offset) = found {
                self.add("metadata", Region::new(offset, 2048 * 32));
            }
        } else if self.region("metadata").is_some() && self.region("vds").is_none() {
            let meta = self.data("metadata");
            if meta.len() < 32 {
                return Ok(());
            }
            if meta.get(..8) != Some(b"metadata") {
                return Err("Invalid signature for metadata region".into());
            }
            let count = usize::from(u16::from_le_bytes([meta[10], meta[11]]));
            if meta.len() < 32 + count * 32 {
                return Ok(());
            }
            if count >= 2048 {
                return Err("Metadata item count over the limit".into());
            }
            let found = (0..count).find_map(|i| {
                let entry = meta.get(32 + i * 32..32 + i * 32 + 32)?;
                (guid(entry) == VHDX_VIRTUAL_DISK_SIZE)
                    .then(|| (u32_le(entry, 16), u32_le(entry, 20)))
            });
            if let Some((offset, length)) = found {
                let captured = meta.len();
                let base = self.region("metadata").map_or(0, |r| r.offset);
                if let Some((_, _, r)) = self.regions.iter_mut().find(|(n, _, _)| *n == "metadata")
                {
                    r.length = captured;
                }
                let length = (length as usize).min(VHDX_TABLE_MAX);
                self.add("vds", Region::new(base + u64::from(offset), length));
            }
        }
        Ok(())
    }
}

/// GPT's `check_mbr_partitions`.
fn mbr_partitions_safe(mbr: &[u8]) -> bool {
    let mut valid = Vec::new();
    let mut found_gpt = false;
    for i in 0..4 {
        let Some(pte) = mbr.get(446 + 16 * i..446 + 16 * i + 16) else {
            return false;
        };
        if pte[0] != 0x00 && pte[0] != 0x80 {
            return false;
        }
        let os_type = pte[4];
        if os_type != 0 {
            valid.push(i);
        }
        if os_type == 0xee {
            found_gpt = true;
            if pte[1..4] != [0x00, 0x02, 0x00] || u32_le(pte, 8) != 1 {
                return false;
            }
        }
    }
    let extra_partitions = found_gpt && valid != [0];
    !extra_partitions && !valid.is_empty()
}
