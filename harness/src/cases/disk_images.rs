//! Small disk images of each format Glance 33 inspects, made here byte by
//! byte from the formats' specifications: the least each format needs to
//! be recognised and pass oslo's safety checks (or, where named, to fail
//! one).

/// The disk images the catalogue uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskImage {
    /// A qcow2 v3 header of 1 MiB virtual size.
    Qcow2,
    /// The same with a backing file named (unsafe).
    Qcow2BackingFile,
    /// A VMDK monolithicSparse extent header and its descriptor.
    Vmdk,
    /// A VHD footer-at-the-front (`conectix`).
    Vhd,
    /// Only VHDX's file identifier: recognised, never complete.
    VhdxIdent,
    /// A VirtualBox VDI header.
    Vdi,
    /// An ISO 9660 primary volume descriptor after the 32 KiB system area.
    Iso,
    /// A QED header: recognised and always refused.
    Qed,
}

impl DiskImage {
    /// The images that are valid, complete images of their format (what
    /// Glance 33 accepts under that `disk_format`).
    pub const VALID: [DiskImage; 5] = [
        DiskImage::Qcow2,
        DiskImage::Vmdk,
        DiskImage::Vhd,
        DiskImage::Vdi,
        DiskImage::Iso,
    ];

    /// The id segment and format name (`qcow2`, `qcow2-backing-file` …).
    pub const fn slug(self) -> &'static str {
        match self {
            DiskImage::Qcow2 => "qcow2",
            DiskImage::Qcow2BackingFile => "qcow2-backing-file",
            DiskImage::Vmdk => "vmdk",
            DiskImage::Vhd => "vhd",
            DiskImage::VhdxIdent => "vhdx",
            DiskImage::Vdi => "vdi",
            DiskImage::Iso => "iso",
            DiskImage::Qed => "qed",
        }
    }

    /// The bytes.
    pub fn bytes(self) -> Vec<u8> {
        match self {
            DiskImage::Qcow2 => qcow2(0),
            DiskImage::Qcow2BackingFile => qcow2(512),
            DiskImage::Vmdk => vmdk(),
            DiskImage::Vhd => {
                let mut b = sector(b"conectix");
                b[40..48].copy_from_slice(&(1u64 << 20).to_be_bytes());
                b
            }
            DiskImage::VhdxIdent => sector(b"vhdxfile"),
            DiskImage::Vdi => {
                let mut b = sector(b"<<< Oracle VM VirtualBox Disk Image >>>\n");
                b[0x40..0x44].copy_from_slice(&0xbeda_107f_u32.to_le_bytes());
                b
            }
            DiskImage::Iso => {
                let mut b = vec![0u8; 32 * 1024 + 2048];
                b[32 * 1024..32 * 1024 + 7].copy_from_slice(b"\x01CD001\x01");
                b
            }
            DiskImage::Qed => sector(b"QED\0"),
        }
    }
}

/// A 512-byte sector starting with `head`.
fn sector(head: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    b[..head.len()].copy_from_slice(head);
    b
}

/// A qcow2 v3 header (magic, version, backing file offset, cluster bits
/// 16, 1 MiB) in one sector.
fn qcow2(backing_file_offset: u64) -> Vec<u8> {
    let mut b = sector(b"QFI\xfb");
    b[4..8].copy_from_slice(&3u32.to_be_bytes());
    b[8..16].copy_from_slice(&backing_file_offset.to_be_bytes());
    b[20..24].copy_from_slice(&16u32.to_be_bytes());
    b[24..32].copy_from_slice(&(1u64 << 20).to_be_bytes());
    b
}

/// A hosted sparse extent header (`KDMV`, version 1, descriptor in
/// sectors 1–2) and a monolithicSparse descriptor naming one extent.
fn vmdk() -> Vec<u8> {
    let mut b = sector(b"KDMV");
    let fields: [(usize, u64, usize); 8] = [
        (4, 1, 4),     // version
        (8, 3, 4),     // flags
        (12, 2048, 8), // capacity in sectors
        (20, 128, 8),  // grain size
        (28, 1, 8),    // descriptor offset (sectors)
        (36, 2, 8),    // descriptor size (sectors)
        (44, 512, 4),  // grain table entries
        (56, 0, 8),    // grain directory offset
    ];
    for (at, value, len) in fields {
        b[at..at + len].copy_from_slice(&value.to_le_bytes()[..len]);
    }
    let descriptor = "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n\
                      createType=\"monolithicSparse\"\nRW 2048 SPARSE \"disk.vmdk\"\n\
                      ddb.adapterType = \"ide\"\n";
    let mut d = descriptor.as_bytes().to_vec();
    d.resize(1024, 0);
    b.extend(d);
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::disk_format::check;

    #[test]
    fn each_image_is_what_glance_33_takes_it_for() {
        for image in DiskImage::VALID {
            assert_eq!(
                check(image.slug(), &image.bytes()),
                Ok(()),
                "{}",
                image.slug()
            );
            assert!(
                check("raw", &image.bytes()).is_ok(),
                "raw over {}",
                image.slug()
            );
            assert!(check("qcow2", b"text").is_err());
        }
        for unsafe_image in [
            DiskImage::Qcow2BackingFile,
            DiskImage::Qed,
            DiskImage::VhdxIdent,
        ] {
            assert!(
                check("raw", &unsafe_image.bytes()).is_err(),
                "{}",
                unsafe_image.slug()
            );
        }
    }
}
