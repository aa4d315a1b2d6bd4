//! Fault rules (`imgsig-mock --fault SERVICE:METHOD:PATH-GLOB=ANSWER[*N]`):
//! the parser, the glob, and what each service answers while a rule holds.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

use common::{admin_token, client, create_image, delete, get, start};
use imgsig_mock::{FaultRule, MockCloud, MockConfig, PathGlob};
use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

/// A reference matcher: plain recursion, fine for short inputs.
fn reference(pattern: &[char], path: &[char]) -> bool {
    match pattern {
        [] => path.is_empty(),
        ['*', '*', rest @ ..] => (0..=path.len()).any(|i| reference(rest, &path[i..])),
        ['*', rest @ ..] => (0..=path.len())
            .take_while(|i| path[..*i].iter().all(|c| *c != '/'))
            .any(|i| reference(rest, &path[i..])),
        ['?', rest @ ..] => path.first().is_some_and(|c| *c != '/') && reference(rest, &path[1..]),
        [c, rest @ ..] => path.first() == Some(c) && reference(rest, &path[1..]),
    }
}

fn rule_strategy() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("keystone"), Just("barbican"), Just("glance")],
        prop_oneof![
            Just("*"),
            Just("GET"),
            Just("DELETE"),
            Just("PUT"),
            Just("PATCH")
        ],
        "/[a-z0-9/*?._-]{0,20}",
        prop_oneof![
            (400u16..600).prop_map(|s| s.to_string()),
            Just("reset".to_owned()),
            (0u64..=600_000).prop_map(|ms| format!("delay-{ms}")),
        ],
        proptest::option::of(1u32..),
    )
        .prop_map(|(service, method, path, answer, times)| {
            let times = times.map(|n| format!("*{n}")).unwrap_or_default();
            format!("{service}:{method}:{path}={answer}{times}")
        })
}

proptest! {
    #[test]
    fn well_formed_rules_parse_and_print_back(rule in rule_strategy()) {
        let parsed = FaultRule::parse(&rule).unwrap();
        prop_assert_eq!(parsed.to_string(), rule.clone());
        prop_assert_eq!(FaultRule::parse(&parsed.to_string()).unwrap(), parsed);
    }

    #[test]
    fn any_text_is_a_rule_or_an_error_never_a_panic(rule in "\\PC{0,40}") {
        if let Ok(parsed) = FaultRule::parse(&rule) {
            prop_assert_eq!(FaultRule::parse(&parsed.to_string()).unwrap(), parsed);
        }
    }

    #[test]
    fn the_glob_matches_as_the_reference_does(
        pattern in "/[ab/*?]{0,8}",
        path in "/[ab/]{0,10}",
    ) {
        let glob = PathGlob::new(&pattern).unwrap();
        let p: Vec<char> = pattern.chars().collect();
        let q: Vec<char> = path.chars().collect();
        prop_assert_eq!(glob.matches(&path), reference(&p, &q));
    }
}

#[test]
fn globs_keep_to_segments_unless_doubled() {
    let one = PathGlob::new("/v2/images/*").unwrap();
    assert!(one.matches("/v2/images/0e2b"));
    assert!(!one.matches("/v2/images/0e2b/file"));
    assert!(!one.matches("/v2/images"));
    let any = PathGlob::new("/v2/**").unwrap();
    assert!(any.matches("/v2/images/0e2b/file"));
    assert!(any.matches("/v2/"));
    assert!(!any.matches("/v1/secrets"));
}

#[test]
fn malformed_rules_say_what_is_wrong() {
    let messages: Vec<String> = [
        "glance",
        "glance:DELETE=503",
        "nova:GET:/=500",
        "glance:DE LETE:/v2/images=500",
        "glance:DELETE:v2/images/*=503",
        "glance:DELETE:/v2/images /x=503",
        "glance:DELETE:/v2/images/*=200",
        "glance:DELETE:/v2/images/*=5o3",
        "glance:DELETE:/v2/images/*=delay-",
        "glance:DELETE:/v2/images/*=delay-600001",
        "glance:DELETE:/v2/images/*=503*0",
        "glance:DELETE:/v2/images/*=503*many",
        "glance:DELETE:/v2/images/*=",
    ]
    .iter()
    .map(|rule| FaultRule::parse(rule).unwrap_err().to_string())
    .collect();
    insta::assert_snapshot!("fault_rule_errors", messages.join("\n"));
}

#[test]
fn rules_come_from_the_configuration_file_as_strings() {
    let config: MockConfig = serde_json::from_value(json!({
        "faults": ["glance:DELETE:/v2/images/*=503*1", "keystone:*:/**=delay-10"]
    }))
    .unwrap();
    let printed: Vec<String> = config.faults.iter().map(ToString::to_string).collect();
    assert_eq!(
        printed,
        [
            "glance:DELETE:/v2/images/*=503*1",
            "keystone:*:/**=delay-10"
        ]
    );
    let bad = serde_json::from_value::<MockConfig>(json!({"faults": ["glance:x"]}));
    assert!(bad.unwrap_err().to_string().contains("invalid fault"));
}

#[tokio::test]
async fn a_counted_rule_fails_the_first_delete_of_each_image_only() {
    let cloud = MockCloud::start(MockConfig {
        faults: vec![FaultRule::parse("glance:DELETE:/v2/images/*=503*1").unwrap()],
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let token = admin_token(&cloud).await;
    let ids = [
        create_image(&cloud, &token, json!({})).await,
        create_image(&cloud, &token, json!({})).await,
    ];
    for id in &ids {
        let url = format!("{}/v2/images/{id}", cloud.urls().glance);
        let first = delete(&url, &token).await;
        assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
        // Rendered as Glance renders its errors (webob's page).
        let page = first.text().await.unwrap();
        assert!(page.contains("<h1>503 Service Unavailable</h1>"), "{page}");
        assert_eq!(delete(&url, &token).await.status(), StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn each_service_answers_a_fault_in_its_own_error_format() {
    let cloud = start().await;
    let token = admin_token(&cloud).await;
    let faults = cloud.faults();
    faults.add("keystone:GET:/v3/auth/tokens=500".parse().unwrap());
    faults.add("barbican:GET:/v1/secrets=429".parse().unwrap());
    let resp = client()
        .get(format!("{}/auth/tokens", cloud.auth_url()))
        .header("X-Auth-Token", &token)
        .header("X-Subject-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(resp.headers().contains_key("x-openstack-request-id"));
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], 500);
    let resp = get(format!("{}/v1/secrets", cloud.urls().barbican), &token).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], 429);
    // Other methods and paths are served.
    let resp = get(format!("{}/v1/secrets/", cloud.urls().barbican), &token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    faults.clear();
    assert!(faults.rules().is_empty());
    let resp = get(format!("{}/v1/secrets", cloud.urls().barbican), &token).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn reset_drops_the_connection_without_an_answer() {
    let cloud = start().await;
    cloud
        .faults()
        .add("glance:GET:/versions=reset".parse().unwrap());
    let host = cloud.urls().glance.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&host).unwrap();
        write!(
            stream,
            "GET /versions HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = Vec::new();
        // Closed (0 bytes) or reset: either way no status line.
        let _ = stream.read_to_end(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    // Everything else is served.
    let resp = client()
        .get(format!("{}/v2", cloud.urls().glance))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[test]
fn the_binary_takes_faults_and_refuses_malformed_ones() {
    let out = Command::new(env!("CARGO_BIN_EXE_imgsig-mock"))
        .args(["--fault", "glance:DELETE:/v2/images/*=503*0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    insta::assert_snapshot!("fault_flag_error", stderr);
}
