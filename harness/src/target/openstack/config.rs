//! Cloud settings the way openstacksdk finds them: a `clouds.yaml` entry
//! (`OS_CLIENT_CONFIG_FILE`, `./clouds.yaml`, `~/.config/openstack/`,
//! `/etc/openstack/`) with `secure.yaml` merged over it, or the special
//! cloud `envvars` built from the `OS_*` variables.

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use super::client::Tls;
use super::keystone::{Credentials, Interface};
use crate::{Error, Result};

/// A cloud: how to authenticate and how to talk TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    /// Password credentials scoped to a project.
    pub credentials: Credentials,
    /// TLS settings.
    pub tls: Tls,
    /// Where the settings came from (for messages).
    pub source: String,
}

/// The directories openstacksdk searches, in order.
fn search_dirs(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".")];
    if let Some(home) = env("HOME") {
        dirs.push(Path::new(&home).join(".config/openstack"));
    }
    dirs.push(PathBuf::from("/etc/openstack"));
    dirs
}

fn first_existing(
    env: &dyn Fn(&str) -> Option<String>,
    explicit: Option<String>,
    file: &str,
) -> Option<PathBuf> {
    explicit
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .or_else(|| {
            search_dirs(env)
                .into_iter()
                .map(|d| d.join(file))
                .find(|p| p.exists())
        })
}

fn read_yaml(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    serde_yaml_ng::from_str(&text)
        .map_err(|e| Error::Config(format!("{}: not valid YAML: {e}", path.display())))
}

/// Deep-merge `over` into `base` (mappings merge, everything else replaces).
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Find cloud `name`. `env` looks up environment variables (injected so
/// tests do not touch the process environment).
pub fn find_cloud(name: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Cloud> {
    if name == "envvars" {
        return from_env(env);
    }
    let clouds_path =
        first_existing(env, env("OS_CLIENT_CONFIG_FILE"), "clouds.yaml").ok_or_else(|| {
            Error::Config(format!(
                "cloud {name:?}: no clouds.yaml found (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, \
                 ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml)"
            ))
        })?;
    let mut all = read_yaml(&clouds_path)?;
    if let Some(secure) = first_existing(env, None, "secure.yaml") {
        merge(&mut all, read_yaml(&secure)?);
    }
    let cloud = all.get("clouds").and_then(|c| c.get(name)).ok_or_else(|| {
        Error::Config(format!(
            "{}: no cloud named {name:?}",
            clouds_path.display()
        ))
    })?;
    let auth = cloud.get("auth").cloned().unwrap_or(Value::Null);
    let need = |key: &str| {
        text(&auth, key).ok_or_else(|| {
            Error::Config(format!(
                "{}: cloud {name:?} has no auth.{key} (password authentication needs auth_url, \
                 username, password and project_name)",
                clouds_path.display()
            ))
        })
    };
    if let Some(kind) = text(cloud, "auth_type")
        .filter(|t| !["password", "v3password", "token", "v3token"].contains(&t.as_str()))
    {
        return Err(Error::Config(format!(
            "cloud {name:?}: auth_type {kind} is not supported; use password or token \
             authentication, or --glance-url/--barbican-url/--token"
        )));
    }
    let domain = text(&auth, "domain_name");
    let token = text(&auth, "token");
    let secret = |key: &str| {
        if token.is_some() {
            Ok(text(&auth, key).unwrap_or_default())
        } else {
            need(key)
        }
    };
    let credentials = Credentials {
        auth_url: need("auth_url")?,
        username: secret("username")?,
        password: secret("password")?,
        project_name: need("project_name")?,
        user_domain_name: text(&auth, "user_domain_name")
            .or_else(|| domain.clone())
            .unwrap_or_else(|| "Default".into()),
        project_domain_name: text(&auth, "project_domain_name")
            .or(domain)
            .unwrap_or_else(|| "Default".into()),
        region_name: text(cloud, "region_name"),
        interface: text(cloud, "interface").map_or(Ok(Interface::Public), |i| i.parse())?,
        token,
    };
    let tls = Tls {
        insecure: matches!(cloud.get("verify"), Some(Value::Bool(false))),
        cacert: text(cloud, "cacert").map(PathBuf::from),
    };
    Ok(Cloud {
        credentials,
        tls,
        source: format!("cloud {name} ({})", clouds_path.display()),
    })
}

fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Cloud> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let need = |name: &str| {
        get(name).ok_or_else(|| {
            Error::Config(format!("{name} is not set (needed with --cloud envvars)"))
        })
    };
    let token = get("OS_TOKEN");
    let secret = |name: &str| match &token {
        Some(_) => Ok(get(name).unwrap_or_default()),
        None => need(name),
    };
    Ok(Cloud {
        credentials: Credentials {
            auth_url: need("OS_AUTH_URL")?,
            username: secret("OS_USERNAME")?,
            password: secret("OS_PASSWORD")?,
            project_name: need("OS_PROJECT_NAME")?,
            user_domain_name: get("OS_USER_DOMAIN_NAME").unwrap_or_else(|| "Default".into()),
            project_domain_name: get("OS_PROJECT_DOMAIN_NAME").unwrap_or_else(|| "Default".into()),
            region_name: get("OS_REGION_NAME"),
            interface: get("OS_INTERFACE").map_or(Ok(Interface::Public), |i| i.parse())?,
            token,
        },
        tls: Tls {
            insecure: false,
            cacert: get("OS_CACERT").map(PathBuf::from),
        },
        source: "the OS_* variables".into(),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const CLOUDS: &str = "clouds:\n  lab:\n    auth:\n      auth_url: http://127.0.0.1:5000/v3\n      username: alice\n      project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionTwo\n    interface: internal\n    verify: false\n";
    const SECURE: &str = "clouds:\n  lab:\n    auth:\n      password: s3cret\n";

    #[test]
    fn clouds_yaml_with_secure_yaml_merged() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".config/openstack")).unwrap();
        std::fs::write(home.join(".config/openstack/clouds.yaml"), CLOUDS).unwrap();
        std::fs::write(home.join(".config/openstack/secure.yaml"), SECURE).unwrap();
        let env = env_of(&[("HOME", home.display().to_string())]);
        let cloud = find_cloud("lab", &env).unwrap();
        assert_eq!(cloud.credentials.password, "s3cret");
        assert_eq!(cloud.credentials.username, "alice");
        assert_eq!(cloud.credentials.region_name.as_deref(), Some("RegionTwo"));
        assert_eq!(cloud.credentials.interface, Interface::Internal);
        assert!(cloud.tls.insecure);
        let missing = find_cloud("nope", &env).unwrap_err().to_string();
        assert!(missing.contains("no cloud named \"nope\""), "{missing}");
    }

    #[test]
    fn an_explicit_file_and_missing_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.yaml");
        std::fs::write(&path, CLOUDS).unwrap();
        let env = env_of(&[("OS_CLIENT_CONFIG_FILE", path.display().to_string())]);
        let e = find_cloud("lab", &env).unwrap_err().to_string();
        assert!(e.contains("no auth.password"), "{e}");
    }

    #[test]
    fn envvars() {
        let env = env_of(&[
            ("OS_AUTH_URL", "http://k:5000/v3".into()),
            ("OS_USERNAME", "u".into()),
            ("OS_PASSWORD", "p".into()),
            ("OS_PROJECT_NAME", "demo".into()),
            ("OS_CACERT", "/tmp/ca.pem".into()),
        ]);
        let cloud = find_cloud("envvars", &env).unwrap();
        assert_eq!(cloud.credentials.user_domain_name, "Default");
        assert_eq!(cloud.tls.cacert, Some(PathBuf::from("/tmp/ca.pem")));
        let e = find_cloud("envvars", &env_of(&[])).unwrap_err().to_string();
        assert!(e.contains("OS_AUTH_URL is not set"), "{e}");
    }
}
