//! The evidence of an HTTP exchange, as a report shows it: method, URL,
//! status, the headers worth reading, the start of the body, how many tries
//! it took. Secrets (tokens, passwords) never reach it.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// Response headers kept in the evidence (lower case).
pub const HEADERS_OF_INTEREST: &[&str] = &[
    "content-type",
    "content-length",
    "location",
    "retry-after",
    "www-authenticate",
    "x-openstack-request-id",
    "openstack-image-import-methods",
    "openstack-image-store-ids",
];

/// How much of a response body the evidence keeps (characters).
pub const BODY_EXCERPT_CHARS: usize = 1000;

/// What stands in for a secret.
pub const REDACTED: &str = "<redacted>";

/// JSON keys whose string values are always redacted.
const SECRET_KEYS: &[&str] = &["password", "token", "secret", "x-auth-token"];

/// One HTTP exchange (the last try of a retried one), redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// `GET`, `PUT` …
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The response status, if a response came.
    pub status: Option<u16>,
    /// Response headers of interest ([`HEADERS_OF_INTEREST`]), in that order.
    pub headers: Vec<(String, String)>,
    /// The start of the response body ([`BODY_EXCERPT_CHARS`]).
    pub body_excerpt: String,
    /// Bytes of request body sent, for uploads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_bytes: Option<u64>,
    /// How many tries were made (1 when nothing was retried).
    pub attempts: u32,
    /// Time from the first try to the end of the last, in milliseconds.
    pub elapsed_ms: u64,
    /// What went wrong below HTTP (connection, timeout), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_error: Option<String>,
}

impl Exchange {
    /// An exchange that has not been answered yet.
    pub(crate) fn new(method: &str, url: &str) -> Exchange {
        Exchange {
            method: method.to_owned(),
            url: url.to_owned(),
            status: None,
            headers: Vec::new(),
            body_excerpt: String::new(),
            request_bytes: None,
            attempts: 0,
            elapsed_ms: 0,
            transport_error: None,
        }
    }

    /// `PUT http://…/v2/images/…/file`.
    pub fn request_line(&self) -> String {
        format!("{} {}", self.method, self.url)
    }

    /// The value of a recorded header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The error message inside the body (see [`error_message`]).
    pub fn message(&self) -> String {
        error_message(&self.body_excerpt)
    }

    pub(crate) fn set_elapsed(&mut self, elapsed: Duration) {
        self.elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    }
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        match (self.status, &self.transport_error) {
            (Some(status), _) => write!(f, " -> {status}")?,
            (None, Some(e)) => write!(f, " -> no answer: {e}")?,
            (None, None) => write!(f, " -> no answer")?,
        }
        if self.attempts > 1 {
            write!(f, " (after {} tries)", self.attempts)?;
        }
        for (k, v) in &self.headers {
            write!(f, "\n  {k}: {v}")?;
        }
        if !self.body_excerpt.is_empty() {
            write!(f, "\n  {}", self.body_excerpt.trim().replace('\n', "\n  "))?;
        }
        Ok(())
    }
}

/// Removes secrets from text: every known secret value (tokens, the
/// password) wherever it appears, and the string value of JSON keys that
/// name secrets (`"password": "…"`).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Secrets shorter than this are only redacted by key: replacing every
    /// occurrence of a two-letter password would garble the evidence.
    const MIN_LEN: usize = 4;

    /// A redactor for these secret values.
    pub fn new<I, S>(secrets: I) -> Redactor
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut r = Redactor::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Also redact `secret`.
    pub fn add(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        if secret.len() >= Self::MIN_LEN && !self.secrets.contains(&secret) {
            // Longest first, so a secret containing another is replaced whole.
            self.secrets.push(secret);
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = redact_json_keys(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }
}

/// Replace the string value after any `"<secret key>"\s*:\s*"` with
/// [`REDACTED`], without parsing (the text may be an excerpt).
fn redact_json_keys(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < text.len() {
        let next = SECRET_KEYS
            .iter()
            .filter_map(|k| {
                let quoted = format!("\"{k}\"");
                lower[pos..].find(&quoted).map(|i| (pos + i, quoted.len()))
            })
            .min();
        let Some((start, key_len)) = next else {
            break;
        };
        let after_key = start + key_len;
        let rest = &text[after_key..];
        let trimmed = rest.trim_start();
        let Some(after_colon) = trimmed.strip_prefix(':') else {
            out.push_str(&text[pos..after_key]);
            pos = after_key;
            continue;
        };
        let value = after_colon.trim_start();
        let Some(inner) = value.strip_prefix('"') else {
            out.push_str(&text[pos..after_key]);
            pos = after_key;
            continue;
        };
        let value_start = text.len() - inner.len();
        let mut end = None;
        let mut escaped = false;
        for (i, c) in inner.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = Some(value_start + i);
                    break;
                }
                _ => {}
            }
        }
        out.push_str(&text[pos..value_start]);
        out.push_str(REDACTED);
        match end {
            Some(end) => pos = end,
            None => {
                // Cut inside the value: nothing of it may remain.
                pos = text.len();
            }
        }
    }
    if pos < text.len() {
        out.push_str(&text[pos..]);
    }
    out
}

/// The first `max` characters of `text`, marked when cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut chars = text.char_indices();
    match chars.nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The message of an error response: Glance's HTML page (the text after
/// the `<h1>` title, up to `<br />`), its JSON form (`message`), Keystone's
/// (`error.message`) and Barbican's (`description`) JSON, or the trimmed
/// body itself.
pub fn error_message(body: &str) -> String {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        let text = json
            .get("message")
            .or_else(|| json.get("error").and_then(|e| e.get("message")))
            .or_else(|| json.get("description"))
            .or_else(|| json.get("title"))
            .and_then(serde_json::Value::as_str);
        if let Some(text) = text {
            return strip_html_tail(text);
        }
    }
    if let Some((_, after_title)) = body.split_once("</h1>") {
        return strip_html_tail(after_title);
    }
    excerpt(body.trim(), 300)
}

/// webob's explanation, then its detail when there is one (Glance's 415
/// says what is wrong with the bytes only there).
fn strip_html_tail(text: &str) -> String {
    let text = text.split("</body>").next().unwrap_or(text);
    let (explanation, detail) = text.split_once("<br />").unwrap_or((text, ""));
    let detail = detail.trim_start_matches("<br />").trim();
    match (explanation.trim(), detail) {
        (explanation, "") => explanation.to_owned(),
        (explanation, detail) => format!("{explanation} {detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLANCE_400_HTML: &str = "<html>\n <head>\n  <title>400 Bad Request</title>\n </head>\n <body>\n  <h1>400 Bad Request</h1>\n  Signature verification failed for image dfe475bf-f57c-45f3-8879-be0c5c14c03b: Signature verification failed<br /><br />\n\n\n\n </body>\n</html>\n";

    #[test]
    fn messages_from_every_service_shape() {
        assert_eq!(
            error_message(GLANCE_400_HTML),
            "Signature verification failed for image dfe475bf-f57c-45f3-8879-be0c5c14c03b: \
             Signature verification failed"
        );
        let json = r#"{"message": "Signature verification failed for image d: x<br /><br />\n\n\n", "code": "400 Bad Request", "title": "Bad Request"}"#;
        assert_eq!(
            error_message(json),
            "Signature verification failed for image d: x"
        );
        let media = r#"{"message": "The request media type application/octet-stream is not supported by this server.\n<br /><br />\nImage disk_format qcow2 does not match stream data raw", "code": "415 Unsupported Media Type", "title": "Unsupported Media Type"}"#;
        assert_eq!(
            error_message(media),
            "The request media type application/octet-stream is not supported by this server. \
             Image disk_format qcow2 does not match stream data raw"
        );
        let keystone = r#"{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}"#;
        assert_eq!(
            error_message(keystone),
            "The request you have made requires authentication."
        );
        let barbican = r#"{"code": 404, "title": "Not Found", "description": "Not Found. Provided secret id is invalid."}"#;
        assert_eq!(
            error_message(barbican),
            "Not Found. Provided secret id is invalid."
        );
        assert_eq!(error_message("  plain\n"), "plain");
    }

    #[test]
    fn secrets_are_redacted_by_value_and_by_key() {
        let r = Redactor::new(["gAAAAABtoken-value", "ab"]);
        let body = r#"{"auth": {"password": "hunter2", "token": {"id": "gAAAAABtoken-value"}}, "x": "ab"}"#;
        let out = r.redact(body);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(!out.contains("gAAAAABtoken-value"), "{out}");
        assert!(
            out.contains(r#""x": "ab""#),
            "short secrets only by key: {out}"
        );
        assert_eq!(
            r.redact(r#"{"Password" : "a\"b", "n": 1}"#),
            r#"{"Password" : "<redacted>", "n": 1}"#
        );
        // A body cut inside the value keeps nothing of it.
        assert_eq!(
            r.redact(r#"{"password": "abcd"#),
            r#"{"password": "<redacted>"#
        );
        assert_eq!(r.redact("no secrets here"), "no secrets here");
    }

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("ééé", 2), "éé…");
        assert_eq!(excerpt("ab", 2), "ab");
    }

    #[test]
    fn display_shows_status_headers_and_body() {
        let mut e = Exchange::new("PUT", "http://127.0.0.1:9292/v2/images/x/file");
        e.status = Some(400);
        e.attempts = 1;
        e.headers
            .push(("content-type".into(), "text/html; charset=UTF-8".into()));
        e.body_excerpt = "<h1>400 Bad Request</h1>\n  bad".into();
        insta::assert_snapshot!(e.to_string(), @r"
        PUT http://127.0.0.1:9292/v2/images/x/file -> 400
          content-type: text/html; charset=UTF-8
          <h1>400 Bad Request</h1>
            bad
        ");
        assert_eq!(e.message(), "bad");
    }
}
