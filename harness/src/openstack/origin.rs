//! Token hygiene: the token goes only to the origins (scheme, host, port)
//! of the endpoints the client was given (the Keystone catalog, the cloud's
//! overrides, or `--glance-url`/`--barbican-url`). Links a service hands
//! back (`next`) and redirects are followed only within the origin they
//! came from.

use reqwest::redirect::{Attempt, Policy};
use reqwest::Url;

use crate::{Error, Result};

/// Redirects followed at most within one origin.
const MAX_REDIRECTS: usize = 10;

/// Whether `a` and `b` are URLs of one origin: same scheme, host and port
/// (a scheme's default port written or not). Anything unparsable is no
/// origin at all.
pub(crate) fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            let (a, b) = (a.origin(), b.origin());
            a.is_tuple() && a == b
        }
        _ => false,
    }
}

/// The origin of `url` as text (`http://host:port`), or `url` itself if it
/// does not parse.
pub(crate) fn origin_of(url: &str) -> String {
    Url::parse(url).map_or_else(|_| url.to_owned(), |u| u.origin().ascii_serialization())
}

/// The HTTP client's redirect rule: follow a redirect within the origin of
/// the first request (at most [`MAX_REDIRECTS`]); a redirect to another
/// origin is not followed: the 3xx answer comes back as it is, and the
/// token never leaves with it.
pub(crate) fn redirect_policy() -> Policy {
    Policy::custom(|attempt: Attempt<'_>| {
        let within = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !within {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    })
}

/// `Ok` if `url` is on the origin of one of `endpoints`; otherwise the
/// error that refuses to send the token there.
pub(crate) fn check_token_target(url: &str, endpoints: &[&str]) -> Result<()> {
    if endpoints.iter().any(|e| same_origin(url, e)) {
        return Ok(());
    }
    let known: Vec<String> = endpoints.iter().map(|e| origin_of(e)).collect();
    Err(Error::Config(format!(
        "refusing to send the token to {}: it is not the origin of an endpoint from the catalog \
         or the command line ({})",
        origin_of(url),
        known.join(", ")
    )))
}

/// The error for a redirect that was not followed because it leads to
/// another origin.
pub(crate) fn cross_origin_redirect(service: &str, request: &str, location: &str) -> Error {
    Error::Config(format!(
        "{service} redirected {request} to {location}, another origin: not followed, so the \
         token goes only to the endpoints from the catalog or the command line; check the \
         endpoint URL (a proxy or load balancer in front of {service}?)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert!(same_origin("http://h:9292/v2/images", "http://h:9292"));
        assert!(same_origin("https://h/v2", "https://h:443/image"));
        assert!(!same_origin("http://h:9292", "https://h:9292"));
        assert!(!same_origin("http://h:9292", "http://h:9293"));
        assert!(!same_origin("http://h:9292", "http://evil:9292"));
        assert!(!same_origin("http://h.evil:9292", "http://h:9292"));
        assert!(!same_origin("not a url", "not a url"));
    }

    #[test]
    fn the_token_goes_only_to_known_origins() {
        let endpoints = ["http://127.0.0.1:9292", "http://127.0.0.1:9311"];
        assert!(check_token_target("http://127.0.0.1:9311/v1/secrets", &endpoints).is_ok());
        let refused = check_token_target("http://127.0.0.1:8080/steal", &endpoints)
            .expect_err("another origin");
        assert_eq!(
            refused.to_string(),
            "refusing to send the token to http://127.0.0.1:8080: it is not the origin of an \
             endpoint from the catalog or the command line (http://127.0.0.1:9292, \
             http://127.0.0.1:9311)"
        );
    }
}
