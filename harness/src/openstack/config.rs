//! Cloud settings the way openstacksdk finds them.
//!
//! - `clouds.yaml` (also `.yml`, `.json`): `OS_CLIENT_CONFIG_FILE` first,
//!   then `./`, `$XDG_CONFIG_HOME/openstack/` (default
//!   `~/.config/openstack/`), `/etc/openstack/`; the first file found wins.
//! - `secure.yaml` (`OS_CLIENT_SECURE_FILE`, then the same directories) is
//!   deep-merged over it, so passwords can live apart.
//! - The cloud is `--cloud NAME`, else `OS_CLOUD`; the special cloud
//!   `envvars` is built from the `OS_*` variables.
//! - Password or token auth (`auth_type` `password`/`v3password`,
//!   `token`/`v3token`; without `auth_type`, a token and no password means
//!   token auth). Users and projects by name (with a domain, `Default` when
//!   none is given) or by id; `domain_name`/`domain_id` stand in for both.
//! - `region_name` (or the first of `regions`), `interface`, `verify: false`
//!   (or the older `insecure: true`), `cacert`,
//!   `image_endpoint_override`, `key_manager_endpoint_override`.
//! - A named cloud without a password takes `OS_PASSWORD` (as the
//!   `openstack` client's `--os-password` default does).
//!
//! The environment and the working directory are injected ([`Lookup`]) so
//! tests never touch the process's own.
//!
//! YAML is read with `serde_yaml_ng`, already in the tree for the same
//! purpose: the maintained continuation of the deprecated `serde_yaml`, with
//! the same `Value` API; it also reads `clouds.json`.

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use super::catalog::Interface;
use super::keystone::{Credential, DomainRef, KeystoneAuth, ProjectScope, UserRef};
use crate::{Error, Result};

/// Where to look things up: environment variables and the working
/// directory.
pub struct Lookup<'a> {
    /// Environment variable lookup.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The directory `./clouds.yaml` is relative to.
    pub cwd: PathBuf,
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Lookup<'static> {
    /// The process's environment and working directory.
    pub fn process() -> Lookup<'static> {
        Lookup {
            env: &process_env,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }
}

impl Lookup<'_> {
    /// A non-empty variable.
    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.trim().is_empty())
    }

    /// The directories searched, in order.
    pub fn search_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.cwd.clone()];
        if let Some(xdg) = self.var("XDG_CONFIG_HOME") {
            dirs.push(Path::new(&xdg).join("openstack"));
        } else if let Some(home) = self.var("HOME") {
            dirs.push(Path::new(&home).join(".config/openstack"));
        }
        dirs.push(PathBuf::from("/etc/openstack"));
        dirs
    }

    /// The candidate files for `stem` (`clouds`, `secure`), in order.
    fn candidates(&self, explicit: Option<String>, stem: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = explicit.into_iter().map(PathBuf::from).collect();
        for dir in self.search_dirs() {
            for ext in ["yaml", "yml", "json"] {
                files.push(dir.join(format!("{stem}.{ext}")));
            }
        }
        files
    }
}

/// The cloud name to use: `--cloud` if given, else `OS_CLOUD`.
pub fn cloud_name(cli: Option<&str>, lookup: &Lookup<'_>) -> Option<String> {
    cli.map(str::to_owned)
        .filter(|c| !c.is_empty())
        .or_else(|| lookup.var("OS_CLOUD"))
}

/// TLS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    /// Verify server certificates (`verify`; false with `--insecure`).
    pub verify: bool,
    /// Also trust this PEM bundle (`cacert`, `OS_CACERT`, `--cacert`).
    pub cacert: Option<PathBuf>,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            verify: true,
            cacert: None,
        }
    }
}

/// A cloud: how to authenticate, which endpoints to pick, how to talk TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudConfig {
    /// The cloud's name (`envvars` for the `OS_*` variables).
    pub name: String,
    /// Where the settings came from, for messages.
    pub source: String,
    /// Keystone authentication.
    pub auth: KeystoneAuth,
    /// `region_name`.
    pub region_name: Option<String>,
    /// `interface`.
    pub interface: Interface,
    /// TLS settings.
    pub tls: Tls,
    /// `image_endpoint_override`: Glance's URL instead of the catalog's.
    pub image_endpoint: Option<String>,
    /// `key_manager_endpoint_override`: Barbican's URL instead of the
    /// catalog's.
    pub key_manager_endpoint: Option<String>,
}

/// The settings a cloud gives, before they are checked.
#[derive(Debug, Default)]
struct Raw {
    auth_type: Option<String>,
    auth_url: Option<String>,
    username: Option<String>,
    user_id: Option<String>,
    password: Option<String>,
    token: Option<String>,
    project_name: Option<String>,
    project_id: Option<String>,
    user_domain_name: Option<String>,
    user_domain_id: Option<String>,
    project_domain_name: Option<String>,
    project_domain_id: Option<String>,
    domain_name: Option<String>,
    domain_id: Option<String>,
    region_name: Option<String>,
    interface: Option<String>,
    insecure: bool,
    cacert: Option<String>,
    image_endpoint: Option<String>,
    key_manager_endpoint: Option<String>,
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn falsy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

impl CloudConfig {
    /// Load cloud `name` (`envvars` for the `OS_*` variables).
    pub fn load(name: &str, lookup: &Lookup<'_>) -> Result<CloudConfig> {
        if name == "envvars" {
            return Self::from_env(lookup);
        }
        let candidates = lookup.candidates(lookup.var("OS_CLIENT_CONFIG_FILE"), "clouds");
        let clouds_path = candidates.iter().find(|p| p.is_file()).ok_or_else(|| {
            Error::Config(format!(
                "cloud {name:?}: no clouds.yaml found (looked at OS_CLIENT_CONFIG_FILE and {}); \
                 create one, set OS_CLIENT_CONFIG_FILE, or use --cloud envvars with the OS_* \
                 variables",
                lookup
                    .search_dirs()
                    .iter()
                    .map(|d| d.join("clouds.yaml").display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let clouds = read_yaml(clouds_path)?;
        let secure = lookup
            .candidates(lookup.var("OS_CLIENT_SECURE_FILE"), "secure")
            .into_iter()
            .find(|p| p.is_file());
        let mut source = clouds_path.display().to_string();
        let secure = match &secure {
            Some(path) => {
                source = format!("{source} + {}", path.display());
                Some(read_yaml(path)?)
            }
            None => None,
        };
        let documents = Documents {
            clouds_file: &clouds_path.display().to_string(),
            source: &source,
        };
        Self::from_documents(name, clouds, secure, documents, lookup.var("OS_PASSWORD"))
    }

    /// Cloud `name` from the text of a clouds.yaml and, if given, a
    /// secure.yaml merged over it; `password` stands in for `OS_PASSWORD`
    /// when the files have none. Errors name the documents `source`.
    pub fn from_yaml(
        name: &str,
        clouds: &str,
        secure: Option<&str>,
        source: &str,
        password: Option<String>,
    ) -> Result<CloudConfig> {
        let parse = |text: &str| {
            serde_yaml_ng::from_str(text)
                .map_err(|e| Error::Config(format!("{source}: not valid YAML: {e}")))
        };
        let secure = secure.map(parse).transpose()?;
        let documents = Documents {
            clouds_file: source,
            source,
        };
        Self::from_documents(name, parse(clouds)?, secure, documents, password)
    }

    fn from_documents(
        name: &str,
        mut all: Value,
        secure: Option<Value>,
        documents: Documents<'_>,
        password: Option<String>,
    ) -> Result<CloudConfig> {
        if let Some(secure) = secure {
            merge(&mut all, secure);
        }
        let source = format!("cloud {name:?} in {}", documents.source);
        let clouds = all.get("clouds").and_then(Value::as_mapping);
        let cloud = clouds.and_then(|c| c.get(name)).ok_or_else(|| {
            let mut known: Vec<String> = clouds
                .map(|c| {
                    c.keys()
                        .filter_map(|k| k.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            known.sort();
            Error::Config(format!(
                "{}: no cloud named {name:?} (clouds there: {}); check --cloud or OS_CLOUD",
                documents.clouds_file,
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        let mut raw = raw_from_yaml(cloud);
        if raw.password.is_none() {
            raw.password = password;
        }
        build(name, source, raw)
    }

    /// The cloud of the given `OS_*` variables (an openrc file's content),
    /// read as `--cloud envvars` reads the process environment.
    pub fn from_vars(vars: &[(&str, String)]) -> Result<CloudConfig> {
        let env = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        CloudConfig::from_env(&Lookup {
            env: &env,
            cwd: PathBuf::from("."),
        })
    }

    /// The special cloud `envvars`, from the `OS_*` variables.
    pub fn from_env(lookup: &Lookup<'_>) -> Result<CloudConfig> {
        let v = |n: &str| lookup.var(n);
        let raw = Raw {
            auth_type: v("OS_AUTH_TYPE"),
            auth_url: v("OS_AUTH_URL"),
            username: v("OS_USERNAME"),
            user_id: v("OS_USER_ID"),
            password: v("OS_PASSWORD"),
            token: v("OS_TOKEN"),
            project_name: v("OS_PROJECT_NAME").or_else(|| v("OS_TENANT_NAME")),
            project_id: v("OS_PROJECT_ID").or_else(|| v("OS_TENANT_ID")),
            user_domain_name: v("OS_USER_DOMAIN_NAME"),
            user_domain_id: v("OS_USER_DOMAIN_ID"),
            project_domain_name: v("OS_PROJECT_DOMAIN_NAME"),
            project_domain_id: v("OS_PROJECT_DOMAIN_ID"),
            domain_name: v("OS_DOMAIN_NAME"),
            domain_id: v("OS_DOMAIN_ID"),
            region_name: v("OS_REGION_NAME"),
            interface: v("OS_INTERFACE").or_else(|| v("OS_ENDPOINT_TYPE")),
            insecure: v("OS_INSECURE").is_some_and(|s| truthy(&s))
                || v("OS_VERIFY").is_some_and(|s| falsy(&s)),
            cacert: v("OS_CACERT"),
            image_endpoint: v("OS_IMAGE_ENDPOINT_OVERRIDE"),
            key_manager_endpoint: v("OS_KEY_MANAGER_ENDPOINT_OVERRIDE"),
        };
        build("envvars", "the OS_* variables (cloud envvars)".into(), raw)
    }
}

/// What the YAML documents of a cloud are called in messages.
#[derive(Clone, Copy)]
struct Documents<'a> {
    /// The clouds.yaml.
    clouds_file: &'a str,
    /// clouds.yaml and secure.yaml, if any.
    source: &'a str,
}

fn read_yaml(path: &Path) -> Result<Value> {
    let text = crate::files::read_small_text(path)?;
    serde_yaml_ng::from_str(&text)
        .map_err(|e| Error::Config(format!("{}: not valid YAML: {e}", path.display())))
}

/// Deep-merge `over` into `base`: mappings merge key by key, anything else
/// replaces.
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

fn scalar(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn raw_from_yaml(cloud: &Value) -> Raw {
    let auth = cloud.get("auth").cloned().unwrap_or(Value::Null);
    let a = |k: &str| scalar(&auth, k).or_else(|| scalar(cloud, k));
    let first_region = cloud
        .get("regions")
        .and_then(Value::as_sequence)
        .and_then(|r| r.first())
        .and_then(|r| match r {
            Value::String(s) => Some(s.clone()),
            other => scalar(other, "name"),
        });
    Raw {
        auth_type: scalar(cloud, "auth_type"),
        auth_url: a("auth_url"),
        username: a("username"),
        user_id: a("user_id"),
        password: a("password"),
        token: a("token"),
        project_name: a("project_name").or_else(|| a("tenant_name")),
        project_id: a("project_id").or_else(|| a("tenant_id")),
        user_domain_name: a("user_domain_name"),
        user_domain_id: a("user_domain_id"),
        project_domain_name: a("project_domain_name"),
        project_domain_id: a("project_domain_id"),
        domain_name: a("domain_name"),
        domain_id: a("domain_id"),
        region_name: scalar(cloud, "region_name").or(first_region),
        interface: scalar(cloud, "interface").or_else(|| scalar(cloud, "endpoint_type")),
        insecure: matches!(cloud.get("verify"), Some(Value::Bool(false)))
            || scalar(cloud, "verify").is_some_and(|s| falsy(&s))
            || scalar(cloud, "insecure").is_some_and(|s| truthy(&s)),
        cacert: scalar(cloud, "cacert"),
        image_endpoint: scalar(cloud, "image_endpoint_override"),
        key_manager_endpoint: scalar(cloud, "key_manager_endpoint_override"),
    }
}

fn domain(id: Option<String>, name: Option<String>, raw: &Raw) -> DomainRef {
    id.map(DomainRef::Id)
        .or_else(|| name.map(DomainRef::Name))
        .or_else(|| raw.domain_id.clone().map(DomainRef::Id))
        .or_else(|| raw.domain_name.clone().map(DomainRef::Name))
        .unwrap_or_else(|| DomainRef::Name("Default".into()))
}

fn build(name: &str, source: String, raw: Raw) -> Result<CloudConfig> {
    let missing = |what: &str, env: &str| {
        Error::Config(format!(
            "{source}: {what} is missing (auth.{what} in clouds.yaml or secure.yaml, {env} \
             with --cloud envvars)"
        ))
    };
    let auth_url = raw
        .auth_url
        .clone()
        .ok_or_else(|| missing("auth_url", "OS_AUTH_URL"))?;
    let kind = raw
        .auth_type
        .clone()
        .unwrap_or_else(|| {
            if raw.token.is_some() && raw.password.is_none() {
                "token".into()
            } else {
                "password".into()
            }
        })
        .to_ascii_lowercase();
    let credential = match kind.as_str() {
        "password" | "v3password" => {
            let user = match (&raw.user_id, &raw.username) {
                (Some(id), _) => UserRef::Id(id.clone()),
                (None, Some(name)) => UserRef::Name {
                    name: name.clone(),
                    domain: domain(
                        raw.user_domain_id.clone(),
                        raw.user_domain_name.clone(),
                        &raw,
                    ),
                },
                (None, None) => return Err(missing("username", "OS_USERNAME")),
            };
            let password = raw
                .password
                .clone()
                .ok_or_else(|| missing("password", "OS_PASSWORD"))?;
            Credential::Password { user, password }
        }
        "token" | "v3token" => Credential::Token(
            raw.token
                .clone()
                .ok_or_else(|| missing("token", "OS_TOKEN"))?,
        ),
        other => {
            return Err(Error::Config(format!(
                "{source}: auth_type {other:?} is not supported; use password or token \
                 authentication, or --glance-url/--barbican-url/--token without Keystone"
            )))
        }
    };
    let project = match (&raw.project_id, &raw.project_name) {
        (Some(id), _) => ProjectScope::Id(id.clone()),
        (None, Some(name)) => ProjectScope::Name {
            name: name.clone(),
            domain: domain(
                raw.project_domain_id.clone(),
                raw.project_domain_name.clone(),
                &raw,
            ),
        },
        (None, None) => return Err(missing("project_name", "OS_PROJECT_NAME")),
    };
    let interface = match &raw.interface {
        Some(i) => i.parse()?,
        None => Interface::Public,
    };
    Ok(CloudConfig {
        name: name.to_owned(),
        source,
        auth: KeystoneAuth {
            auth_url,
            credential,
            project: Some(project),
        },
        region_name: raw.region_name,
        interface,
        tls: Tls {
            verify: !raw.insecure,
            cacert: raw.cacert.map(PathBuf::from),
        },
        image_endpoint: raw.image_endpoint,
        key_manager_endpoint: raw.key_manager_endpoint,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Env(HashMap<String, String>);

    impl Env {
        fn of(pairs: &[(&str, &str)]) -> Env {
            Env(pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect())
        }

        fn get(&self, k: &str) -> Option<String> {
            self.0.get(k).cloned()
        }
    }

    fn load(name: &str, env: &Env, cwd: &Path) -> Result<CloudConfig> {
        let f = |k: &str| env.get(k);
        CloudConfig::load(
            name,
            &Lookup {
                env: &f,
                cwd: cwd.to_owned(),
            },
        )
    }

    fn write(path: &Path, text: &str) {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    const CLOUDS: &str = "clouds:
  lab:
    auth:
      auth_url: http://127.0.0.1:25000/v3
      username: alice
      project_name: demo
      user_domain_name: Users
      project_domain_id: default
    region_name: RegionTwo
    interface: internal
    verify: false
  other:
    auth:
      auth_url: http://127.0.0.1:25000
      password: p
";
    const SECURE: &str = "clouds:\n  lab:\n    auth:\n      password: s3cret\n";

    #[test]
    fn home_clouds_yaml_with_secure_yaml_merged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        write(&home.join(".config/openstack/clouds.yaml"), CLOUDS);
        write(&home.join(".config/openstack/secure.yaml"), SECURE);
        let env = Env::of(&[("HOME", home.to_str().expect("utf-8"))]);
        let cloud = load("lab", &env, dir.path()).expect("lab");
        assert_eq!(
            cloud.auth.credential,
            Credential::Password {
                user: UserRef::Name {
                    name: "alice".into(),
                    domain: DomainRef::Name("Users".into())
                },
                password: "s3cret".into()
            }
        );
        assert_eq!(
            cloud.auth.project,
            Some(ProjectScope::Name {
                name: "demo".into(),
                domain: DomainRef::Id("default".into())
            })
        );
        assert_eq!(cloud.region_name.as_deref(), Some("RegionTwo"));
        assert_eq!(cloud.interface, Interface::Internal);
        assert!(!cloud.tls.verify);
        assert!(cloud.source.contains("secure.yaml"), "{}", cloud.source);
    }

    #[test]
    fn search_order_explicit_file_then_cwd_then_xdg_then_home() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cwd = dir.path().join("cwd");
        let xdg = dir.path().join("xdg");
        let explicit = dir.path().join("explicit.yaml");
        let cloud = |url: &str| {
            format!(
                "clouds:\n  c:\n    auth: {{auth_url: {url}, username: u, password: p, project_id: pid}}\n"
            )
        };
        write(&xdg.join("openstack/clouds.yaml"), &cloud("http://xdg"));
        let env_xdg = Env::of(&[("XDG_CONFIG_HOME", xdg.to_str().expect("utf-8"))]);
        let url = |env: &Env| load("c", env, &cwd).map(|c| c.auth.auth_url);
        assert_eq!(url(&env_xdg).ok().as_deref(), Some("http://xdg"));
        write(&cwd.join("clouds.yml"), &cloud("http://cwd"));
        assert_eq!(url(&env_xdg).ok().as_deref(), Some("http://cwd"));
        write(&explicit, &cloud("http://explicit"));
        let env = Env::of(&[
            ("XDG_CONFIG_HOME", xdg.to_str().expect("utf-8")),
            ("OS_CLIENT_CONFIG_FILE", explicit.to_str().expect("utf-8")),
        ]);
        let c = load("c", &env, &cwd).expect("explicit");
        assert_eq!(c.auth.auth_url, "http://explicit");
        assert_eq!(c.auth.project, Some(ProjectScope::Id("pid".into())));
    }

    #[test]
    fn problems_are_explained() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = Env::of(&[("HOME", "/nonexistent-home")]);
        let e = load("lab", &empty, dir.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("no clouds.yaml found"), "{e}");
        assert!(e.contains("--cloud envvars"), "{e}");
        write(&dir.path().join("clouds.yaml"), CLOUDS);
        let msg = |name: &str, env: &Env| {
            load(name, env, dir.path())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .replace(dir.path().to_str().unwrap_or("?"), "DIR")
        };
        insta::assert_snapshot!(msg("nope", &empty), @r#"DIR/clouds.yaml: no cloud named "nope" (clouds there: lab, other); check --cloud or OS_CLOUD"#);
        insta::assert_snapshot!(msg("lab", &empty), @r#"cloud "lab" in DIR/clouds.yaml: password is missing (auth.password in clouds.yaml or secure.yaml, OS_PASSWORD with --cloud envvars)"#);
        insta::assert_snapshot!(msg("other", &empty), @r#"cloud "other" in DIR/clouds.yaml: username is missing (auth.username in clouds.yaml or secure.yaml, OS_USERNAME with --cloud envvars)"#);
        // OS_PASSWORD fills a missing password.
        let with_pw = Env::of(&[("HOME", "/nonexistent-home"), ("OS_PASSWORD", "frompw")]);
        let lab = load("lab", &with_pw, dir.path()).expect("lab with OS_PASSWORD");
        assert!(
            matches!(lab.auth.credential, Credential::Password { ref password, .. } if password == "frompw")
        );
    }

    #[test]
    fn token_auth_and_unsupported_types() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            &dir.path().join("clouds.yaml"),
            "clouds:
  tok:
    auth: {auth_url: 'http://k', token: abc, project_name: p}
  sso:
    auth_type: v3oidcpassword
    auth: {auth_url: 'http://k'}
  listed:
    regions: [{name: R1}, R2]
    auth: {auth_url: 'http://k', username: u, password: p, project_name: x, domain_id: dom}
",
        );
        let env = Env::of(&[]);
        let tok = load("tok", &env, dir.path()).expect("tok");
        assert_eq!(tok.auth.credential, Credential::Token("abc".into()));
        let e = load("sso", &env, dir.path()).err().map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(|e| e.contains("v3oidcpassword")),
            "{e:?}"
        );
        let listed = load("listed", &env, dir.path()).expect("listed");
        assert_eq!(listed.region_name.as_deref(), Some("R1"));
        assert_eq!(
            listed.auth.project,
            Some(ProjectScope::Name {
                name: "x".into(),
                domain: DomainRef::Id("dom".into())
            })
        );
    }

    #[test]
    fn envvars_as_openstacksdk_reads_them() {
        let env = Env::of(&[
            ("OS_AUTH_URL", "http://127.0.0.1:25000/v3"),
            ("OS_USERNAME", "admin"),
            ("OS_PASSWORD", "pw"),
            ("OS_PROJECT_NAME", "admin"),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
            ("OS_REGION_NAME", "RegionOne"),
            ("OS_INTERFACE", "internal"),
            ("OS_CACERT", "/tmp/ca.pem"),
        ]);
        let dir = tempfile::tempdir().expect("tempdir");
        let c = load("envvars", &env, dir.path()).expect("envvars");
        assert_eq!(c.name, "envvars");
        assert_eq!(c.interface, Interface::Internal);
        assert_eq!(c.region_name.as_deref(), Some("RegionOne"));
        assert_eq!(c.tls.cacert, Some(PathBuf::from("/tmp/ca.pem")));
        assert!(c.tls.verify);
        let token = Env::of(&[
            ("OS_AUTH_URL", "http://k"),
            ("OS_TOKEN", "t0k3n"),
            ("OS_AUTH_TYPE", "v3token"),
            ("OS_PROJECT_ID", "p1"),
            ("OS_INSECURE", "true"),
        ]);
        let c = load("envvars", &token, dir.path()).expect("token envvars");
        assert_eq!(c.auth.credential, Credential::Token("t0k3n".into()));
        assert_eq!(c.auth.project, Some(ProjectScope::Id("p1".into())));
        assert!(!c.tls.verify);
        let e = load("envvars", &Env::of(&[]), dir.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        insta::assert_snapshot!(e, @"the OS_* variables (cloud envvars): auth_url is missing (auth.auth_url in clouds.yaml or secure.yaml, OS_AUTH_URL with --cloud envvars)");
    }

    #[test]
    fn cloud_name_from_flag_or_os_cloud() {
        let env = Env::of(&[("OS_CLOUD", "fromenv")]);
        let f = |k: &str| env.get(k);
        let lookup = Lookup {
            env: &f,
            cwd: PathBuf::from("."),
        };
        assert_eq!(cloud_name(Some("flag"), &lookup).as_deref(), Some("flag"));
        assert_eq!(cloud_name(None, &lookup).as_deref(), Some("fromenv"));
    }
}
