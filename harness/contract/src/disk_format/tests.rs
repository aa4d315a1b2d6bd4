use proptest::prelude::*;

use super::*;

fn qcow2(version: u32, backing: u64) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..4].copy_from_slice(b"QFI\xfb");
    h[4..8].copy_from_slice(&version.to_be_bytes());
    h[8..16].copy_from_slice(&backing.to_be_bytes());
    h
}

#[test]
fn the_user_guides_text_file_is_no_qcow2() {
    let refusal = check("qcow2", b"This is a dodgy image\n").unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "Image disk_format qcow2 does not match stream data raw"
    );
    assert!(check("raw", b"This is a dodgy image\n").is_ok());
    assert!(check("ami", b"This is a dodgy image\n").is_ok());
}

#[test]
fn a_qcow2_header_is_qcow2_and_its_backing_file_is_refused() {
    assert!(check("qcow2", &qcow2(3, 0)).is_ok());
    assert!(check("raw", &qcow2(3, 0)).is_ok());
    assert_eq!(
        check("vmdk", &qcow2(3, 0)).unwrap_err().to_string(),
        "Image disk_format vmdk does not match stream data qcow2"
    );
    assert_eq!(
        check("raw", &qcow2(3, 512)),
        Err(FormatRefusal::SafetyChecks)
    );
    assert_eq!(
        check("qcow2", &qcow2(1, 0)),
        Err(FormatRefusal::SafetyChecks)
    );
}

#[test]
fn other_containers_are_not_inspected() {
    let i = Inspection::of(b"text");
    assert_eq!(i.verdict("qcow2", "ovf"), Ok(()));
}

proptest! {
    #[test]
    fn the_verdict_does_not_depend_on_how_the_stream_is_cut(
        cuts in proptest::collection::vec(1usize..700, 0..8),
        kind in 0usize..3,
        len in 0usize..2048,
    ) {
        let mut data = match kind {
            0 => qcow2(3, 0),
            1 => b"# Disk DescriptorFile\ncreateType=\"monolithicSparse\"\nRW 1 SPARSE \"a\"\n".to_vec(),
            _ => vec![0x55; 600],
        };
        data.resize(data.len().max(len), 0);
        let whole = Inspection::of(&data).verdict("raw", "bare");
        let mut pieces = Inspection::new();
        let mut rest = &data[..];
        for cut in cuts {
            let n = cut.min(rest.len());
            pieces.update(&rest[..n]);
            rest = &rest[n..];
        }
        pieces.update(rest);
        prop_assert_eq!(pieces.verdict("raw", "bare"), whole);
    }
}
