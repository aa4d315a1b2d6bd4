//! The Keystone service catalog: finding a service's endpoint by type,
//! interface and region, and the base URLs the clients append paths to.

use serde_json::Value;

use crate::{Error, Result};

/// Which endpoint of a service to use (`interface` in clouds.yaml,
/// `OS_INTERFACE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interface {
    /// `public` (the default).
    #[default]
    Public,
    /// `internal`.
    Internal,
    /// `admin`.
    Admin,
}

impl Interface {
    /// Keystone's name for it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Interface::Public => "public",
            Interface::Internal => "internal",
            Interface::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Interface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Interface {
    type Err = Error;

    /// `public`, `internal`, `admin`, also the v2 spellings `publicURL` …
    fn from_str(s: &str) -> Result<Self> {
        match s
            .trim()
            .trim_end_matches("URL")
            .to_ascii_lowercase()
            .as_str()
        {
            "public" => Ok(Interface::Public),
            "internal" => Ok(Interface::Internal),
            "admin" => Ok(Interface::Admin),
            _ => Err(Error::Config(format!(
                "unknown interface {s:?}: use public, internal or admin"
            ))),
        }
    }
}

/// One endpoint of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `public`, `internal`, `admin` (as Keystone wrote it).
    pub interface: String,
    /// `region_id` (or the older `region`).
    pub region: Option<String>,
    /// The URL.
    pub url: String,
}

/// One service of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `image`, `key-manager` …
    pub service_type: String,
    /// `glance`, `barbican` … (informative).
    pub name: Option<String>,
    /// Its endpoints.
    pub endpoints: Vec<Endpoint>,
}

/// The catalog of a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The services, in Keystone's order.
    pub services: Vec<Service>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(str::to_owned)
}

impl Catalog {
    /// The catalog of a v3 `token` object; entries without a type or URL are
    /// skipped, a missing catalog is an empty one.
    pub fn from_token(token: &Value) -> Catalog {
        let services = token
            .get("catalog")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|s| {
                        Some(Service {
                            service_type: text(s, "type")?,
                            name: text(s, "name"),
                            endpoints: s
                                .get("endpoints")
                                .and_then(Value::as_array)
                                .map(|eps| {
                                    eps.iter()
                                        .filter_map(|e| {
                                            Some(Endpoint {
                                                interface: text(e, "interface")?,
                                                region: text(e, "region_id")
                                                    .or_else(|| text(e, "region")),
                                                url: text(e, "url")?,
                                            })
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Catalog { services }
    }

    /// The URL of service `service_type` at `interface`, in `region` if
    /// given. Without a region, the endpoints must all be in one region.
    pub fn endpoint(
        &self,
        service_type: &str,
        interface: Interface,
        region: Option<&str>,
    ) -> Result<String> {
        let services: Vec<&Service> = self
            .services
            .iter()
            .filter(|s| s.service_type == service_type)
            .collect();
        if services.is_empty() {
            let known: Vec<&str> = self
                .services
                .iter()
                .map(|s| s.service_type.as_str())
                .collect();
            return Err(Error::Catalog(format!(
                "no {service_type:?} service (the catalog has: {}); is it deployed and \
                 registered in Keystone? Otherwise give its URL with \
                 `{}_endpoint_override` in clouds.yaml",
                if known.is_empty() {
                    "nothing".to_owned()
                } else {
                    known.join(", ")
                },
                service_type.replace('-', "_")
            )));
        }
        let all: Vec<&Endpoint> = services.iter().flat_map(|s| &s.endpoints).collect();
        let at_interface: Vec<&Endpoint> = all
            .iter()
            .copied()
            .filter(|e| e.interface.trim_end_matches("URL") == interface.as_str())
            .collect();
        if at_interface.is_empty() {
            let mut have: Vec<&str> = all.iter().map(|e| e.interface.as_str()).collect();
            have.sort_unstable();
            have.dedup();
            return Err(Error::Catalog(format!(
                "the {service_type:?} service has no {interface} endpoint (it has: {}); \
                 choose another with OS_INTERFACE or `interface:` in clouds.yaml",
                if have.is_empty() {
                    "none".to_owned()
                } else {
                    have.join(", ")
                }
            )));
        }
        let regions = |eps: &[&Endpoint]| {
            let mut r: Vec<String> = eps
                .iter()
                .map(|e| e.region.clone().unwrap_or_else(|| "(none)".into()))
                .collect();
            r.sort_unstable();
            r.dedup();
            r
        };
        let chosen: Vec<&Endpoint> = match region {
            Some(region) => {
                let in_region: Vec<&Endpoint> = at_interface
                    .iter()
                    .copied()
                    .filter(|e| e.region.as_deref() == Some(region))
                    .collect();
                if in_region.is_empty() {
                    return Err(Error::Catalog(format!(
                        "the {service_type:?} service has no {interface} endpoint in region \
                         {region:?} (regions: {}); check OS_REGION_NAME or `region_name:`",
                        regions(&at_interface).join(", ")
                    )));
                }
                in_region
            }
            None => {
                let found = regions(&at_interface);
                if found.len() > 1 {
                    return Err(Error::Catalog(format!(
                        "the {service_type:?} service has {interface} endpoints in several \
                         regions ({}): choose one with OS_REGION_NAME or `region_name:`",
                        found.join(", ")
                    )));
                }
                at_interface
            }
        };
        // Several endpoints for the same interface and region: Keystone's
        // order decides, as keystoneauth does.
        let url = chosen
            .first()
            .map(|e| e.url.clone())
            .ok_or_else(|| Error::Catalog(format!("no usable {service_type:?} endpoint")))?;
        Ok(url)
    }
}

/// A service's base URL without trailing slashes and without the API
/// version the clients add themselves (`/v2` for Glance, `/v1` for
/// Barbican): catalogs register both forms.
pub fn base_url(url: &str, version: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    let stripped = trimmed
        .strip_suffix(version)
        .filter(|rest| rest.ends_with('/'))
        .map_or(trimmed, |rest| rest.trim_end_matches('/'));
    stripped.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(json: &str) -> Catalog {
        let v: Value = serde_json::from_str(json).expect("test JSON");
        Catalog::from_token(&v["token"])
    }

    const TWO_REGIONS: &str = r#"{"token": {"catalog": [
        {"type": "image", "name": "glance", "endpoints": [
            {"interface": "public", "region_id": "RegionOne", "url": "http://127.0.0.1:29292"},
            {"interface": "internal", "region_id": "RegionOne", "url": "http://10.0.0.1:9292/"},
            {"interface": "public", "region_id": "RegionTwo", "url": "http://127.0.0.2:9292/v2/"}]},
        {"type": "key-manager", "endpoints": [
            {"interface": "publicURL", "region": "RegionOne", "url": "http://127.0.0.1:29311"}]},
        {"type": "compute", "endpoints": []},
        {"name": "no type"}]}}"#;

    #[test]
    fn interface_and_region_selection() {
        let c = catalog(TWO_REGIONS);
        assert_eq!(
            c.endpoint("image", Interface::Internal, None).ok(),
            Some("http://10.0.0.1:9292/".into())
        );
        assert_eq!(
            c.endpoint("image", Interface::Public, Some("RegionTwo"))
                .ok(),
            Some("http://127.0.0.2:9292/v2/".into())
        );
        assert_eq!(
            c.endpoint("key-manager", Interface::Public, None).ok(),
            Some("http://127.0.0.1:29311".into())
        );
    }

    #[test]
    fn odd_catalogs_say_what_to_do() {
        let c = catalog(TWO_REGIONS);
        let msg = |r: Result<String>| r.err().map(|e| e.to_string()).unwrap_or_default();
        insta::assert_snapshot!(msg(c.endpoint("image", Interface::Public, None)), @r#"service catalog: the "image" service has public endpoints in several regions (RegionOne, RegionTwo): choose one with OS_REGION_NAME or `region_name:`"#);
        insta::assert_snapshot!(msg(c.endpoint("image", Interface::Admin, None)), @r#"service catalog: the "image" service has no admin endpoint (it has: internal, public); choose another with OS_INTERFACE or `interface:` in clouds.yaml"#);
        insta::assert_snapshot!(msg(c.endpoint("image", Interface::Internal, Some("RegionTwo"))), @r#"service catalog: the "image" service has no internal endpoint in region "RegionTwo" (regions: RegionOne); check OS_REGION_NAME or `region_name:`"#);
        insta::assert_snapshot!(msg(c.endpoint("object-store", Interface::Public, None)), @r#"service catalog: no "object-store" service (the catalog has: image, key-manager, compute); is it deployed and registered in Keystone? Otherwise give its URL with `object_store_endpoint_override` in clouds.yaml"#);
        insta::assert_snapshot!(msg(c.endpoint("compute", Interface::Public, None)), @r#"service catalog: the "compute" service has no public endpoint (it has: none); choose another with OS_INTERFACE or `interface:` in clouds.yaml"#);
        let empty = Catalog::from_token(&serde_json::json!({}));
        insta::assert_snapshot!(msg(empty.endpoint("image", Interface::Public, None)), @r#"service catalog: no "image" service (the catalog has: nothing); is it deployed and registered in Keystone? Otherwise give its URL with `image_endpoint_override` in clouds.yaml"#);
    }

    #[test]
    fn interfaces_parse_in_both_spellings() {
        assert_eq!(
            "internalURL".parse::<Interface>().ok(),
            Some(Interface::Internal)
        );
        assert_eq!("Admin".parse::<Interface>().ok(), Some(Interface::Admin));
        assert!("private".parse::<Interface>().is_err());
    }

    #[test]
    fn base_urls_lose_the_version() {
        assert_eq!(base_url("http://h:9292/v2/", "v2"), "http://h:9292");
        assert_eq!(base_url("http://h:9292", "v2"), "http://h:9292");
        assert_eq!(base_url("http://h/image/v2", "v2"), "http://h/image");
        assert_eq!(
            base_url("http://h/key-manager/v1", "v1"),
            "http://h/key-manager"
        );
        assert_eq!(base_url("http://h/notv2", "v2"), "http://h/notv2");
    }
}
