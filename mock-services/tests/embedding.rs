//! The embedding API and the binary: loopback only, clean shutdown,
//! a blocking helper, the printed openrc.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use imgsig::spec::Profile;
use imgsig_mock::{MockCloud, MockConfig};

/// `GET path` over a plain socket; the status line.
fn get_status(base: &str, path: &str) -> std::io::Result<String> {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer.lines().next().unwrap_or_default().to_owned())
}

#[test]
fn the_blocking_helper_serves_and_shuts_down() {
    let cloud = MockCloud::start_blocking(MockConfig::default().with_admin_password("pw")).unwrap();
    for url in [
        &cloud.urls().keystone,
        &cloud.urls().barbican,
        &cloud.urls().glance,
    ] {
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    }
    let glance = cloud.urls().glance.clone();
    assert_eq!(
        get_status(&glance, "/").unwrap(),
        "HTTP/1.1 300 Multiple Choices"
    );
    assert_eq!(cloud.admin().password, "pw");
    assert!(cloud.openrc().contains(&format!(
        "export OS_AUTH_URL={}/v3\n",
        cloud.urls().keystone
    )));
    assert!(cloud.clouds_yaml("x").contains("      password: pw\n"));
    cloud.set_profile(Profile::GlanceLegacy);
    assert_eq!(cloud.profile(), Profile::GlanceLegacy);
    let dir = cloud.data_dir().to_path_buf();
    assert!(dir.is_dir());
    drop(cloud);
    assert!(
        get_status(&glance, "/").is_err(),
        "still serving after drop"
    );
    assert!(!dir.exists(), "the data directory outlived the cloud");
}

#[test]
fn a_bad_configuration_is_an_error_not_a_panic() {
    let mut config = MockConfig::default();
    config.users[0].projects.push("nowhere".into());
    assert!(MockCloud::start_blocking(config).is_err());
    let empty = MockConfig {
        users: Vec::new(),
        ..MockConfig::default()
    };
    assert!(MockCloud::start_blocking(empty).is_err());
    let mut homeless = MockConfig::default();
    homeless.users[0].projects.clear();
    assert!(MockCloud::start_blocking(homeless).is_err());
}

#[test]
fn the_binary_prints_an_openrc_and_serves_until_killed() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imgsig-mock"))
        .args(["--profile", "glance-legacy", "--admin-password", "secret"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("# Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    let auth_url = printed
        .iter()
        .find_map(|l| l.strip_prefix("export OS_AUTH_URL="))
        .unwrap()
        .to_owned();
    assert!(printed.contains(&"export OS_PASSWORD=secret".to_owned()));
    assert!(printed
        .iter()
        .any(|l| l.contains("(profile glance-legacy)")));
    assert!(printed.contains(&"clouds:".to_owned()));
    let data_dir = printed
        .iter()
        .find_map(|l| l.strip_prefix("# image data in "))
        .map(std::path::PathBuf::from)
        .unwrap();
    assert!(data_dir.is_dir());
    let keystone = auth_url.trim_end_matches("/v3");
    let status = get_status(keystone, "/");
    // SIGTERM, as a supervisor sends it: a clean stop that removes the data.
    let term = Command::new("kill").arg(child.id().to_string()).status();
    if !term.is_ok_and(|s| s.success()) {
        child.kill().unwrap();
    }
    let exit = child.wait().unwrap();
    assert_eq!(status.unwrap(), "HTTP/1.1 300 Multiple Choices");
    assert!(exit.success(), "{exit:?}");
    assert!(
        !data_dir.exists(),
        "the data directory outlived the process"
    );
}
