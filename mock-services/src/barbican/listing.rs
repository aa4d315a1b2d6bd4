//! `GET /v1/secrets` as Barbican 23 answers it: the caller's project's
//! secrets (or, with `acl_only=true`, those of any project whose read ACL
//! names the caller), `name` matched as SQL `LIKE`, paged by `limit` and
//! `offset`, with `previous` and `next` links that carry the request's
//! other parameters.

use std::sync::Arc;

use axum::extract::{Extension, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};

use super::policy::Action;
use super::secrets::{metadata, Secret};
use super::{Caller, Refusal};
use crate::http::json_response;
use crate::python;
use crate::Cloud;

/// Barbican's `default_limit_paging` and `max_limit_paging`.
const DEFAULT_LIMIT: usize = 10;
/// See [`DEFAULT_LIMIT`].
const MAX_LIMIT: usize = 100;

/// What Python's `quote_plus` leaves as it is (besides the space it makes
/// `+`): letters, digits and `_.-~`.
const QUOTE_PLUS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b' ');

/// A query string's parameters, decoded as webob decodes them (`+` is a
/// space), in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Params(Vec<(String, String)>);

/// Python's `unquote_plus` (webob's decoding of a query value): `+` is a
/// space, `%XX` a byte, the bytes UTF-8 (others replaced).
fn unquote_plus(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

impl Params {
    fn parse(query: &str) -> Params {
        Params(
            query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (unquote_plus(k), unquote_plus(v)),
                    None => (unquote_plus(p), String::new()),
                })
                .collect(),
        )
    }

    /// The first value of `key`.
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The parameters besides `limit` and `offset` as Barbican appends
    /// them to its links: Python's `urlencode(…, doseq=True)` of webob's
    /// `GET.mixed()`, so a repeated key's values come together where the
    /// key first appears.
    fn carried(&self) -> String {
        let mut keys: Vec<&str> = Vec::new();
        for (k, _) in &self.0 {
            if k != "limit" && k != "offset" && !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        let quote = |s: &str| {
            utf8_percent_encode(s, QUOTE_PLUS)
                .to_string()
                .replace(' ', "+")
        };
        keys.iter()
            .flat_map(|key| {
                self.0
                    .iter()
                    .filter(move |(k, _)| k == key)
                    .map(|(k, v)| format!("{}={}", quote(k), quote(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// `offset` and `limit` as Barbican's `clean_paging_values` makes them: an
/// offset that is not a number, negative or past `sys.maxsize` is 0; a
/// limit that is not a number is 10, and it is held within 1 to 100.
fn paging(offset: Option<&str>, limit: Option<&str>) -> (usize, usize) {
    let offset = offset
        .filter(|o| !o.is_empty())
        .and_then(python::int)
        .filter(|o| (0..=i128::from(i64::MAX)).contains(o))
        .and_then(|o| usize::try_from(o).ok())
        .unwrap_or(0);
    let limit = limit
        .filter(|l| !l.is_empty())
        .map_or(Some(DEFAULT_LIMIT as i128), python::int)
        .map_or(DEFAULT_LIMIT, |l| {
            usize::try_from(l.clamp(1, MAX_LIMIT as i128)).unwrap_or(MAX_LIMIT)
        });
    (offset, limit)
}

/// SQL `LIKE` as Barbican's `Secret.name.like(name)` runs it on sqlite
/// (and MySQL's default collations): `%` any run of characters, `_` any
/// one, ASCII letters in either case; no escape character.
fn like(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Which prefixes of `name` the pattern so far matches.
    let mut reach = vec![false; name.len() + 1];
    reach[0] = true;
    for p in &pattern {
        let mut next = vec![false; name.len() + 1];
        for (i, reached) in reach.iter().enumerate() {
            if !reached {
                continue;
            }
            match p {
                '%' => next[i..].iter_mut().for_each(|n| *n = true),
                '_' if i < name.len() => next[i + 1] = true,
                c if i < name.len() && c.eq_ignore_ascii_case(&name[i]) => next[i + 1] = true,
                _ => {}
            }
        }
        reach = next;
    }
    reach[name.len()]
}

pub(super) async fn list(
    State(cloud): State<Arc<Cloud>>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, Refusal> {
    caller.enforce(Action::List, None)?;
    let params = Params::parse(query.as_deref().unwrap_or_default());
    let (offset, limit) = paging(params.get("offset"), params.get("limit"));
    // `acl_only=true`: the secrets of any project whose read ACL names the
    // caller; otherwise all of the project's, private ones too.
    let acl_only = params
        .get("acl_only")
        .is_some_and(|a| a.eq_ignore_ascii_case("true"));
    // Barbican decodes `name` once more (`unquote_plus`): `a%2520b` finds
    // "a b", and a `+` that reaches it is a space.
    let name = params
        .get("name")
        .filter(|n| !n.is_empty())
        .map(unquote_plus);
    let user = &caller.token.user.id;
    let chosen = cloud.secrets.select(|s: &Secret| {
        let listed = if acl_only {
            s.acl.as_ref().is_some_and(|acl| acl.users.contains(user))
        } else {
            s.project_id == caller.project_id
        };
        let named = match &name {
            None => true,
            Some(pattern) => s.name.as_deref().is_some_and(|n| like(pattern, n)),
        };
        listed && named
    });
    let total = chosen.len();
    let page: Vec<Value> = chosen
        .iter()
        .skip(offset)
        .take(limit)
        .map(|s| metadata(&cloud, s))
        .collect();
    let mut body = Map::new();
    // An empty page has no links.
    let linked = !page.is_empty();
    body.insert("secrets".into(), page.into());
    if linked {
        let carried = params.carried();
        let link = |at: usize| {
            let mut href = format!(
                "{}/v1/secrets?limit={limit}&offset={at}",
                cloud.urls.barbican
            );
            if !carried.is_empty() {
                href.push('&');
                href.push_str(&carried);
            }
            Value::from(href)
        };
        if offset > 0 {
            body.insert("previous".into(), link(offset.saturating_sub(limit)));
        }
        // The offset is the client's: an end past usize has no next page.
        if let Some(end) = offset.checked_add(limit).filter(|end| *end < total) {
            body.insert("next".into(), link(end));
        }
    }
    body.insert("total".into(), json!(total));
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

#[cfg(test)]
mod tests {
    use super::{like, unquote_plus, Params};

    #[test]
    fn names_match_as_sql_like() {
        assert!(like("imgsig%", "imgsig nav/x"));
        assert!(like("IMGSIG NAV/x", "imgsig nav/x"));
        assert!(like("imgsig_nav/x", "imgsig nav/x"));
        assert!(like("%", ""));
        assert!(like("a%b%c", "aXXbYc"));
        assert!(!like("a_", "a"));
        assert!(!like("imgsig", "imgsig nav/x"));
        assert!(!like("é", "É"));
    }

    #[test]
    fn links_carry_the_other_parameters_as_python_encodes_them() {
        // Recorded from Barbican 23: `?limit=1&acl_only=false&name=imgsig%20nav%2Fx&foo=a&foo=b&bits=x`
        // gave the next link `…?limit=1&offset=1&acl_only=false&name=imgsig+nav%2Fx&foo=a&foo=b&bits=x`.
        let params =
            Params::parse("limit=1&acl_only=false&name=imgsig%20nav%2Fx&foo=a&foo=b&bits=x");
        assert_eq!(
            params.carried(),
            "acl_only=false&name=imgsig+nav%2Fx&foo=a&foo=b&bits=x"
        );
        assert_eq!(Params::parse("name=imgsig%25").carried(), "name=imgsig%25");
        assert_eq!(Params::parse("a=1&b=2&a=3").carried(), "a=1&a=3&b=2");
        assert_eq!(Params::parse("x=~*").carried(), "x=~%2A");
    }

    #[test]
    fn a_name_is_decoded_once_more_whatever_it_holds() {
        // `name=a%2526b%253Dc` reaches Barbican's `unquote_plus` as
        // `a%26b%3Dc`: the name `a&b=c`, not a second parameter.
        let once = Params::parse("name=a%2526b%253Dc%2Bd+e");
        assert_eq!(once.get("name"), Some("a%26b%3Dc+d e"));
        assert_eq!(unquote_plus(once.get("name").unwrap()), "a&b=c d e");
    }
}
