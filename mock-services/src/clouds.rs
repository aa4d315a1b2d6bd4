//! `clouds.yaml` documents (the openstacksdk client configuration) for
//! credentials, written through serde_yaml_ng so any name or password is
//! quoted and escaped as YAML needs.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Credentials;

/// One cloud's entry, in the keys openstacksdk and the harness read.
#[derive(Serialize)]
struct Cloud<'a> {
    auth: Auth<'a>,
    region_name: &'a str,
    interface: &'static str,
    identity_api_version: u8,
}

#[derive(Serialize)]
struct Auth<'a> {
    auth_url: &'a str,
    username: &'a str,
    password: &'a str,
    project_name: &'a str,
    user_domain_name: &'a str,
    project_domain_name: &'a str,
}

#[derive(Serialize)]
struct Document<'a> {
    clouds: BTreeMap<&'a str, Cloud<'a>>,
}

/// A `clouds.yaml` document with one cloud per `(name, credentials)`, each
/// on the public interface of Identity v3.
pub fn clouds_yaml(clouds: &[(&str, &Credentials)]) -> String {
    let clouds = clouds
        .iter()
        .map(|(name, c)| {
            let cloud = Cloud {
                auth: Auth {
                    auth_url: &c.auth_url,
                    username: &c.username,
                    password: &c.password,
                    project_name: &c.project_name,
                    user_domain_name: &c.domain_name,
                    project_domain_name: &c.domain_name,
                },
                region_name: &c.region_name,
                interface: "public",
                identity_api_version: 3,
            };
            (*name, cloud)
        })
        .collect();
    // Plain strings and numbers into YAML cannot fail.
    serde_yaml_ng::to_string(&Document { clouds }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(password: &str) -> Credentials {
        Credentials {
            auth_url: "http://127.0.0.1:5000/v3".into(),
            username: "admin".into(),
            password: password.into(),
            project_name: "admin".into(),
            domain_name: "Default".into(),
            region_name: "RegionOne".into(),
        }
    }

    #[test]
    fn layout_is_what_clients_read() {
        assert_eq!(
            clouds_yaml(&[("mock", &creds("pw"))]),
            "clouds:\n  mock:\n    auth:\n      auth_url: http://127.0.0.1:5000/v3\n      \
             username: admin\n      password: pw\n      project_name: admin\n      \
             user_domain_name: Default\n      project_domain_name: Default\n    \
             region_name: RegionOne\n    interface: public\n    identity_api_version: 3\n"
        );
    }

    #[test]
    fn awkward_values_round_trip() {
        for password in ["a: b", "#x", "'\"\n", "123", "yes", "- z", "{}", " lead"] {
            let text = clouds_yaml(&[("c: 1", &creds(password))]);
            let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("valid YAML");
            assert_eq!(
                doc["clouds"]["c: 1"]["auth"]["password"].as_str(),
                Some(password),
                "{text}"
            );
        }
    }
}
