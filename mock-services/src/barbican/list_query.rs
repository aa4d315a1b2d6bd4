//! The query string of `GET /v1/secrets` as Barbican 23 reads it
//! (`SecretsController.on_get` and `SecretRepo.get_secret_list`, read in
//! the live venv and checked against the live service): paging, the
//! filters (`name`, `alg` and `mode` as SQL `LIKE`, `bits`, `secret_type`,
//! the `created`, `updated` and `expiration` date ranges), `sort`, and
//! the answers to what it cannot read: 400 for a date or a sort it
//! refuses, 500 for a parameter it reads given twice (pecan then hands it
//! a list, which its code takes for a string).

use std::cmp::Ordering;

use axum::http::StatusCode;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::expiration::filter_date;
use super::secrets::Secret;
use super::Refusal;
use crate::python;

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
pub(super) struct Params(Vec<(String, String)>);

/// Python's `unquote_plus` (webob's decoding of a query value): `+` is a
/// space, `%XX` a byte, the bytes UTF-8 (others replaced).
fn unquote_plus(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

impl Params {
    /// `query` (without the `?`) decoded.
    pub(super) fn parse(query: &str) -> Params {
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

    /// The parameters besides `limit` and `offset` as Barbican appends
    /// them to its links: Python's `urlencode(…, doseq=True)` of webob's
    /// `GET.mixed()`, so a repeated key's values come together where the
    /// key first appears.
    pub(super) fn carried(&self) -> String {
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

/// How one filter compares a date column with a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
}

/// One comma-separated part of a date filter (`gt:DATE`, `DATE`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DateBound {
    comparison: Comparison,
    /// Wall-clock microseconds since the epoch ([`filter_date`]).
    at: i64,
}

impl DateBound {
    /// Whether a column holding `value` passes: a secret without the
    /// date (no expiration) passes none, as SQL's `NULL` compares.
    fn admits(self, value: Option<u64>) -> bool {
        let Some(value) = value.and_then(|v| i64::try_from(v).ok()) else {
            return false;
        };
        let order = value.cmp(&self.at);
        match self.comparison {
            Comparison::Lt => order.is_lt(),
            Comparison::Lte => order.is_le(),
            Comparison::Gt => order.is_gt(),
            Comparison::Gte => order.is_ge(),
            Comparison::Eq => order.is_eq(),
        }
    }
}

/// A date filter's parts, or `None` where `_is_valid_date_filter` refuses
/// it: a date it cannot read, or a comparison that clashes with one
/// before it (`gt` after `gt` or `gte`; `gte` after `gt`, `gte` or a bare
/// date; the same for `lt` and `lte`; a bare date after another or after
/// `gte` or `lte`).
fn date_bounds(filter: &str) -> Option<Vec<DateBound>> {
    let mut bounds: Vec<DateBound> = Vec::new();
    for part in filter.split(',') {
        let (comparison, date, clashes): (_, _, &[Comparison]) =
            if let Some(date) = part.strip_prefix("gt:") {
                (Comparison::Gt, date, &[Comparison::Gt, Comparison::Gte])
            } else if let Some(date) = part.strip_prefix("gte:") {
                let clashes = &[Comparison::Gt, Comparison::Gte, Comparison::Eq];
                (Comparison::Gte, date, clashes)
            } else if let Some(date) = part.strip_prefix("lt:") {
                (Comparison::Lt, date, &[Comparison::Lt, Comparison::Lte])
            } else if let Some(date) = part.strip_prefix("lte:") {
                let clashes = &[Comparison::Lt, Comparison::Lte, Comparison::Eq];
                (Comparison::Lte, date, clashes)
            } else {
                let clashes = &[Comparison::Eq, Comparison::Gte, Comparison::Lte];
                (Comparison::Eq, part, clashes)
            };
        if bounds.iter().any(|b| clashes.contains(&b.comparison)) {
            return None;
        }
        bounds.push(DateBound {
            comparison,
            at: filter_date(date)?,
        });
    }
    Some(bounds)
}

/// A column `sort` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Algorithm,
    BitLength,
    Created,
    Expiration,
    Mode,
    Name,
    SecretType,
    Status,
    Updated,
}

impl SortKey {
    fn parse(key: &str) -> Option<SortKey> {
        Some(match key {
            "algorithm" => SortKey::Algorithm,
            "bit_length" => SortKey::BitLength,
            "created" => SortKey::Created,
            "expiration" => SortKey::Expiration,
            "mode" => SortKey::Mode,
            "name" => SortKey::Name,
            "secret_type" => SortKey::SecretType,
            "status" => SortKey::Status,
            "updated" => SortKey::Updated,
            _ => return None,
        })
    }

    /// `a` against `b` by this column as sqlite orders it ascending: a
    /// missing value first, text by its bytes (`RSA` before `aes`).
    fn compare(self, a: &Secret, b: &Secret) -> Ordering {
        match self {
            SortKey::Algorithm => a.algorithm.cmp(&b.algorithm),
            SortKey::BitLength => a.bit_length.cmp(&b.bit_length),
            SortKey::Created => a.created.cmp(&b.created),
            SortKey::Expiration => a.expiration.cmp(&b.expiration),
            SortKey::Mode => a.mode.cmp(&b.mode),
            SortKey::Name => a.name.cmp(&b.name),
            SortKey::SecretType => a.secret_type.cmp(&b.secret_type),
            // Every secret the mock lists is `ACTIVE`.
            SortKey::Status => Ordering::Equal,
            SortKey::Updated => a.updated.cmp(&b.updated),
        }
    }
}

/// `sort` read as `_is_valid_sorting` reads it (`key` or `key:asc|desc`,
/// comma-separated, no key twice), or `None` where it answers 400.
fn sorting(sort: &str) -> Option<Vec<(SortKey, bool)>> {
    let mut keys: Vec<(SortKey, bool)> = Vec::new();
    for part in sort.split(',') {
        let (key, direction) = match part.split_once(':') {
            Some((_, direction)) if direction.contains(':') => return None,
            Some((key, direction)) => (key, direction),
            None => (part, "asc"),
        };
        let key = SortKey::parse(key)?;
        let descending = match direction {
            "asc" => false,
            "desc" => true,
            _ => return None,
        };
        if keys.iter().any(|(k, _)| *k == key) {
            return None;
        }
        keys.push((key, descending));
    }
    Some(keys)
}

/// What a list request asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ListQuery {
    pub offset: usize,
    pub limit: usize,
    /// `acl_only=true`: the secrets whose read ACL names the caller,
    /// instead of the project's.
    pub acl_only: bool,
    /// `LIKE` patterns: the name (decoded once more), the algorithm, the
    /// mode.
    name: Option<String>,
    alg: Option<String>,
    mode: Option<String>,
    /// `bits` if it is a number above 0.
    bits: Option<i128>,
    /// Exact, case and all.
    secret_type: Option<String>,
    created: Vec<DateBound>,
    updated: Vec<DateBound>,
    expiration: Vec<DateBound>,
    sort: Vec<(SortKey, bool)>,
}

impl ListQuery {
    /// `params` read in Barbican's order, so that of two faults the answer
    /// is the one it meets first.
    pub(super) fn read(params: &Params) -> Result<ListQuery, Refusal> {
        let failure = || {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Secret(s) retrieval failure seen - please contact site administrator.",
            )
        };
        let invalid = || {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "URI provided invalid query string parameters.",
            )
        };
        // The one value of a parameter Barbican reads: given twice, pecan
        // hands its code a list, which it takes for a string (a 500).
        let once = |key: &str| {
            let mut values = params.0.iter().filter(|(k, _)| k == key);
            let first = values.next().map(|(_, v)| v.as_str());
            values.next().map_or(Ok(first), |_| Err(failure()))
        };
        // In `on_get`'s order, then `get_secret_list`'s. Barbican decodes `name` once more (`unquote_plus`): `a%2520b`
        // finds "a b", and a `+` that reaches it is a space.
        let name = once("name")?.filter(|n| !n.is_empty()).map(unquote_plus);
        // A `bits` that is not a number is 0, and 0 or less filters nothing.
        let bits = once("bits")?.and_then(python::int).filter(|b| *b > 0);
        let dates = |key: &str| match once(key)?.filter(|f| !f.is_empty()) {
            Some(filter) => date_bounds(filter).ok_or_else(invalid),
            None => Ok(Vec::new()),
        };
        let (created, updated, expiration) =
            (dates("created")?, dates("updated")?, dates("expiration")?);
        let sort = match once("sort")?.filter(|s| !s.is_empty()) {
            Some(sort) => sorting(sort).ok_or_else(invalid)?,
            None => Vec::new(),
        };
        let (offset, limit) = paging(once("offset")?, once("limit")?);
        let pattern = |key: &str| Ok(once(key)?.filter(|v| !v.is_empty()).map(String::from));
        Ok(ListQuery {
            offset,
            limit,
            name,
            bits,
            created,
            updated,
            expiration,
            sort,
            alg: pattern("alg")?,
            mode: pattern("mode")?,
            secret_type: pattern("secret_type")?,
            acl_only: once("acl_only")?.is_some_and(|a| a.eq_ignore_ascii_case("true")),
        })
    }

    /// Whether `secret` passes the filters.
    pub(super) fn admits(&self, secret: &Secret) -> bool {
        let like_or_any = |pattern: &Option<String>, value: &Option<String>| match pattern {
            None => true,
            Some(p) => value.as_deref().is_some_and(|v| like(p, v)),
        };
        let dates =
            |bounds: &[DateBound], value: Option<u64>| bounds.iter().all(|b| b.admits(value));
        like_or_any(&self.name, &secret.name)
            && like_or_any(&self.alg, &secret.algorithm)
            && like_or_any(&self.mode, &secret.mode)
            && self
                .bits
                .is_none_or(|bits| secret.bit_length.is_some_and(|b| i128::from(b) == bits))
            && self
                .secret_type
                .as_ref()
                .is_none_or(|t| *t == secret.secret_type)
            && dates(&self.created, Some(secret.created))
            && dates(&self.updated, Some(secret.updated))
            && dates(&self.expiration, secret.expiration)
    }

    /// Put `secrets` (in the order they were stored) in the order `sort`
    /// asks for; ties keep that order.
    pub(super) fn order(&self, secrets: &mut [Secret]) {
        if self.sort.is_empty() {
            return;
        }
        secrets.sort_by(|a, b| {
            self.sort
                .iter()
                .map(|(key, descending)| {
                    let order = key.compare(a, b);
                    if *descending {
                        order.reverse()
                    } else {
                        order
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{date_bounds, like, sorting, ListQuery, Params, SortKey};

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
        let query = read("name=a%2526b%253Dc%2Bd+e").unwrap();
        assert_eq!(query.name.as_deref(), Some("a&b=c d e"));
    }

    fn read(query: &str) -> Result<ListQuery, u16> {
        ListQuery::read(&Params::parse(query)).map_err(|r| r.status.as_u16())
    }

    #[test]
    fn date_filters_refuse_what_barbican_refuses() {
        // Each recorded from Barbican 23 (`?created=…`).
        for ok in [
            "gt:2000-01-01",
            "gt:2000-01-01,lt:2100-01-01",
            "2000-01-01,gt:2000-01-01",
            "gt:2000-01-01,2000-01-01",
            "gt:2026-12-04T17:48:09.2393291",
            "gt:9999-12-31T23:00:00-05:00",
        ] {
            assert!(date_bounds(ok).is_some(), "{ok}");
        }
        for refused in [
            "gt:2000-01-01,gte:2000-01-01",
            "2000-01-01,lte:2000-01-01",
            "lte:2000,2000",
            ",",
            "x",
            "gt:",
            "eq:2000-01-01",
            "gt:2000-01-01,lt:2100-01-01,lt:2100-01-02",
        ] {
            assert!(date_bounds(refused).is_none(), "{refused}");
        }
    }

    #[test]
    fn a_date_filter_compares_the_wall_clock_written() {
        // `gt:…T17:48:09.239329+05:00` listed only the secret created
        // after 17:48:09.239329 UTC on Barbican 23.
        let at = |s: &str| date_bounds(s).unwrap()[0].at;
        assert_eq!(at("2026-12-04T17:48:09+05:00"), at("2026-12-04T17:48:09Z"));
        assert_eq!(at("2026-12-04T17:48:09-05:00"), at("2026-12-04 17:48:09"));
        let gte = date_bounds("gte:2026-12-04T17:48:09").unwrap()[0];
        let micros = u64::try_from(gte.at).unwrap();
        assert!(gte.admits(Some(micros)) && !gte.admits(Some(micros - 1)));
        assert!(!gte.admits(None), "a missing date passes no filter");
    }

    #[test]
    fn sorts_read_as_barbican_reads_them() {
        assert_eq!(
            sorting("bit_length:desc,name"),
            Some(vec![(SortKey::BitLength, true), (SortKey::Name, false)])
        );
        for refused in ["name,name", "name:up", "name:asc:x", "Name", ",", "name:"] {
            assert_eq!(sorting(refused), None, "{refused}");
        }
    }

    #[test]
    fn a_parameter_given_twice_is_a_500_unless_a_400_comes_first() {
        assert_eq!(read("foo=1&foo=2").map(|q| q.limit), Ok(10));
        for twice in [
            "name=a&name=b",
            "bits=1&bits=2",
            "offset=1&offset=2",
            "sort=name&sort=mode",
        ] {
            assert_eq!(read(twice), Err(500), "{twice}");
        }
        // `on_get` checks the sort before `get_secret_list` reads `alg`,
        // and reads `name` before the dates.
        assert_eq!(read("alg=a&alg=b&sort=x"), Err(400));
        assert_eq!(read("name=a&name=b&created=x"), Err(500));
        assert_eq!(read("bits=x&secret_type=").map(|q| q.bits), Ok(None));
    }
}
