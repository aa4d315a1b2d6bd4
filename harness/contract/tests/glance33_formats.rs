//! The contract's format rule against every upload recorded from the live
//! Glance 33: same refusal (415 and its message) or acceptance.

mod fixture;

use imgsig_contract::disk_format;

#[test]
fn the_rule_answers_every_recorded_upload_as_glance_33_did() {
    let fixture = fixture::load();
    let mut compared = 0;
    for u in fixture
        .uploads
        .iter()
        .filter(|u| u.signature != "bad" && u.accept == "json")
    {
        let data = &fixture.data[&u.data];
        let ours = disk_format::check(&u.disk_format, data);
        let theirs = match u.status {
            204 => None,
            415 => Some(fixture::json_message(&u.body)),
            other => panic!(
                "{}/{}: unexpected recorded status {other}",
                u.disk_format, u.data
            ),
        };
        assert_eq!(
            ours.as_ref()
                .err()
                .map(disk_format::FormatRefusal::glance_message),
            theirs,
            "{} over {}",
            u.disk_format,
            u.data
        );
        compared += 1;
    }
    assert!(compared > 250, "{compared} uploads compared");
}

#[test]
fn a_bad_signature_is_answered_before_the_format() {
    let fixture = fixture::load();
    for u in fixture.uploads.iter().filter(|u| u.signature == "bad") {
        assert_eq!(u.status, 400, "{}/{}", u.disk_format, u.data);
        assert!(!u.store_file_kept);
    }
}
