//! Glance's error answers as webob renders them for the request's
//! `Accept`: HTML or JSON, whichever of `text/html` and `application/json`
//! the header prefers (HTML on a tie), and plain text when it accepts
//! neither, or is missing or empty — as python-openstackclient sends it
//! (see `wire/transcript.md`; recorded from Glance 33 in
//! `harness/contract/tests/fixtures/glance33-formats.jsonl`).

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use serde_json::{json, Value};

use crate::http::{ensure_ascii, header_str, py_json, raw_json_response};

/// A Glance error: status and explanation. Rendered by [`render_errors`]
/// once the request's `Accept` header is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// HTTP status.
    pub status: StatusCode,
    /// The explanation (webob's `explanation`).
    pub message: String,
    /// webob's `detail` (the first argument of `HTTPForbidden(msg)`),
    /// shown after the explanation; usually empty.
    detail: String,
    /// The message is webob's whole explanation and detail already (a 415
    /// with a detail), rendered without the default template's padding.
    whole: bool,
    /// Headers the exception carries (webob's `headers=`), sent with any
    /// rendering.
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Failure {
    /// A failure with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            detail: String::new(),
            whole: false,
            headers: Vec::new(),
        }
    }

    /// Glance's 415 for bytes whose format is refused: webob's
    /// `HTTPUnsupportedMediaType(detail=…)`, whose whole text `message` is
    /// (see `FormatRefusal::glance_message`).
    pub fn unsupported_media_type(message: impl Into<String>) -> Failure {
        Failure {
            whole: true,
            ..Failure::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
        }
    }

    /// Glance's bare 500 (an exception it does not handle).
    pub fn internal() -> Failure {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server has either erred or is incapable of performing the requested operation.",
        )
    }

    /// 403 raised as `HTTPForbidden(detail)`: webob's default explanation
    /// ("Access was denied to this resource.") and `detail` after it.
    pub fn denied(detail: impl Into<String>) -> Failure {
        Failure {
            detail: detail.into(),
            ..Failure::new(StatusCode::FORBIDDEN, "Access was denied to this resource.")
        }
    }

    /// 409 raised as `HTTPConflict(detail)`: webob's default explanation
    /// ("There was a conflict when trying to complete your request.") and
    /// `detail` after it.
    pub fn conflicting(detail: impl Into<String>) -> Failure {
        Failure {
            detail: detail.into(),
            ..Failure::new(
                StatusCode::CONFLICT,
                "There was a conflict when trying to complete your request.",
            )
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 for image `id`.
    pub fn no_image(id: &str) -> Failure {
        Failure::new(
            StatusCode::NOT_FOUND,
            format!("No image found with ID {id}"),
        )
    }

    /// 409 Conflict.
    pub fn conflict(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::CONFLICT, message)
    }

    /// 415 for a request body of the wrong content type: webob's
    /// `HTTPUnsupportedMediaType` with Glance's `InvalidContentType` as
    /// the detail (recorded for data and staged data sent as text).
    pub fn content_type(headers: &HeaderMap) -> Failure {
        let got = header_str(headers, header::CONTENT_TYPE.as_str());
        let detail = format!("Invalid content type {}", got.unwrap_or("None"));
        Failure::unsupported_media_type(media_type_explanation(got.unwrap_or_default(), &detail))
    }

    /// 415 for a `PATCH` that is not a JSON patch (`images.py`'s
    /// `update` deserializer, recorded): the media types it takes are
    /// named in the text and in `Accept-Patch`.
    pub fn patch_content_type(headers: &HeaderMap) -> Failure {
        const ACCEPT_PATCH: &str = "application/openstack-images-v2.0-json-patch, \
                                    application/openstack-images-v2.1-json-patch";
        let got = header_str(headers, header::CONTENT_TYPE.as_str()).unwrap_or_default();
        let mut failure = Failure::unsupported_media_type(media_type_explanation(
            got,
            &format!("Image PATCH expects Content-Type one of: {ACCEPT_PATCH}"),
        ));
        failure.headers.push((
            HeaderName::from_static("accept-patch"),
            HeaderValue::from_static(ACCEPT_PATCH),
        ));
        failure
    }

    /// 400 for a body that is not JSON.
    pub fn malformed_json() -> Failure {
        Failure::bad_request("Malformed JSON in request body.")
    }

    /// `"400 Bad Request"`.
    fn status_line(&self) -> String {
        format!("{} {}", self.status.as_u16(), reason(self.status))
    }

    /// webob's HTML page, byte for byte (the explanation and detail
    /// escaped).
    pub fn html(&self) -> String {
        let status = self.status_line();
        if self.whole {
            return format!(
                "<html>\n <head>\n  <title>{status}</title>\n </head>\n <body>\n  <h1>{status}</h1>\n  \
                 {}\n </body>\n</html>",
                self.message
            );
        }
        format!(
            "<html>\n <head>\n  <title>{status}</title>\n </head>\n <body>\n  <h1>{status}</h1>\n  \
             {}<br /><br />\n{}\n\n\n </body>\n</html>",
            html_escape(&self.message),
            html_escape(&self.detail)
        )
    }

    /// The JSON form (`Accept: application/json`; sent with non-ASCII
    /// characters escaped, as webob's `json.dumps` does).
    pub fn json(&self) -> Value {
        let message = if self.whole {
            self.message.clone()
        } else {
            format!("{}<br /><br />\n{}\n\n", self.message, self.detail)
        };
        json!({
            "message": message,
            "code": self.status_line(),
            "title": reason(self.status),
        })
    }

    /// webob's plain-text form: the status line, a blank line and the
    /// body with its tags stripped (`webob.exc.strip_tags`: newlines become
    /// spaces, each `<br />` a newline).
    pub fn plain(&self) -> String {
        let body = if self.whole {
            self.message.clone()
        } else {
            format!("{}<br /><br />\n{}\n\n", self.message, self.detail)
        };
        format!("{}\n\n{}", self.status_line(), strip_tags(&body))
    }

    /// The response for a client that sent `accept`.
    pub fn render(&self, accept: Option<&str>) -> Response {
        let mut resp = match negotiate(accept) {
            Rendering::Json => raw_json_response(self.status, ensure_ascii(&py_json(&self.json()))),
            Rendering::Html => self.text(self.html(), "text/html; charset=UTF-8"),
            Rendering::Plain => self.text(self.plain(), "text/plain; charset=UTF-8"),
        };
        for (name, value) in &self.headers {
            resp.headers_mut().insert(name.clone(), value.clone());
        }
        resp
    }

    fn text(&self, body: String, content_type: &'static str) -> Response {
        let mut resp = (self.status, body).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        resp
    }
}

/// webob's `HTTPUnsupportedMediaType` explanation for `content_type`,
/// then `detail`.
fn media_type_explanation(content_type: &str, detail: &str) -> String {
    format!(
        "The request media type {content_type} is not supported by this server.\n\
         <br /><br />\n{detail}"
    )
}

/// webob's reason phrase: RFC 9110's, but for 413 the older name webob
/// keeps.
fn reason(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Request Entity Too Large",
        other => other.canonical_reason().unwrap_or("Error"),
    }
}

/// Python's `html.escape`, as webob escapes a detail.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

/// `webob.exc.strip_tags` on what Glance's errors hold: newlines become
/// spaces, `<br …>` a newline, other tags go.
fn strip_tags(body: &str) -> String {
    let flat = body.replace('\n', " ").replace('\r', "");
    let mut out = String::with_capacity(flat.len());
    let mut rest = flat.as_str();
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            // No closing '>': not a tag (webob's pattern needs one).
            out.push_str(&rest[open..]);
            return out;
        };
        if rest[open + 1..]
            .get(..2)
            .is_some_and(|t| t.eq_ignore_ascii_case("br"))
        {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// How an error is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rendering {
    Html,
    Json,
    Plain,
}

/// webob's `acceptable_offers(['text/html', 'application/json'])`: each
/// offer takes the quality of the most specific range that matches it
/// (`type/subtype`, then `type/*`, then `*/*`); the best quality above 0
/// wins, HTML on a tie; none acceptable (or no header, or an empty one)
/// is plain text. A header webob cannot parse accepts every offer: HTML.
fn negotiate(accept: Option<&str>) -> Rendering {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Rendering::Plain;
    };
    let mut ranges = Vec::new();
    for item in accept.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let Some((kind, sub)) = media.split_once('/') else {
            return Rendering::Html;
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        ranges.push((kind.to_owned(), sub.to_owned(), q));
    }
    let quality = |offer_kind: &str, offer_sub: &str| {
        ranges
            .iter()
            .filter_map(|(kind, sub, q)| match (kind.as_str(), sub.as_str()) {
                (k, s) if k == offer_kind && s == offer_sub => Some((3, *q)),
                (k, "*") if k == offer_kind => Some((2, *q)),
                ("*", "*") => Some((1, *q)),
                _ => None,
            })
            .max_by_key(|(specificity, _)| *specificity)
            .map_or(0.0, |(_, q)| q)
    };
    let (html, json) = (quality("text", "html"), quality("application", "json"));
    if html <= 0.0 && json <= 0.0 {
        Rendering::Plain
    } else if json > html {
        Rendering::Json
    } else {
        Rendering::Html
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        // A placeholder the middleware replaces once it knows `Accept`.
        let mut resp = self.status.into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

/// Middleware: render every [`Failure`] for the request's `Accept` header.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let accept = header_str(req.headers(), header::ACCEPT.as_str()).map(str::to_owned);
    let resp = next.run(req).await;
    match resp.extensions().get::<Failure>() {
        Some(failure) => {
            let mut rendered = failure.render(accept.as_deref());
            for (name, value) in resp.headers() {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    rendered.headers_mut().insert(name.clone(), value.clone());
                }
            }
            rendered
        }
        None => resp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_picks_the_rendering_as_webob_does() {
        for (accept, want) in [
            (None, Rendering::Plain),
            (Some(""), Rendering::Plain),
            (Some("  "), Rendering::Plain),
            (Some("*/*"), Rendering::Html),
            (Some("text/html"), Rendering::Html),
            (Some("application/json"), Rendering::Json),
            (Some("application/*"), Rendering::Json),
            (Some("text/plain"), Rendering::Plain),
            (Some("application/xml"), Rendering::Plain),
            (Some("text/html;q=0.5, application/json"), Rendering::Json),
            (Some("application/json;q=0, */*"), Rendering::Html),
            (Some("application/json, text/html"), Rendering::Html),
            (Some("*/*;q=0"), Rendering::Plain),
            (
                Some("text/*;q=0.2, application/json;q=0.1"),
                Rendering::Html,
            ),
            (Some("not a media range"), Rendering::Html),
        ] {
            assert_eq!(negotiate(accept), want, "{accept:?}");
        }
    }

    #[test]
    fn plain_text_is_webobs() {
        // Glance 33's 415, recorded with no Accept header and an empty one.
        let f = Failure::unsupported_media_type(
            "The request media type application/octet-stream is not supported by this \
             server.\n<br /><br />\nImage disk_format qcow2 does not match stream data raw",
        );
        assert_eq!(
            f.plain(),
            "415 Unsupported Media Type\n\nThe request media type application/octet-stream is \
             not supported by this server. \n\n Image disk_format qcow2 does not match stream \
             data raw"
        );
        // The default template: explanation, two <br />, the detail.
        assert_eq!(
            Failure::bad_request("Signature verification failed").plain(),
            "400 Bad Request\n\nSignature verification failed\n\n   "
        );
    }

    #[test]
    fn html_page_has_the_lengths_of_the_transcript() {
        assert_eq!(Failure::malformed_json().html().len(), 157);
        assert_eq!(
            Failure::no_image("00000000-0000-0000-0000-000000000000")
                .html()
                .len(),
            181
        );
    }

    #[test]
    fn a_denial_has_the_live_glances_page() {
        // 249 bytes from Glance 33 for this owner.
        let failure = Failure::denied(
            "You are not permitted to create images owned by '0d2ce21366934493ac124645d4519c7d'",
        );
        assert_eq!(failure.html().len(), 249);
        assert!(failure
            .html()
            .contains("&#x27;0d2ce21366934493ac124645d4519c7d&#x27;\n\n\n </body>"));
    }

    #[test]
    fn html_wins_over_json_at_a_lower_quality() {
        assert_eq!(
            negotiate(Some("text/html, application/json;q=0.5")),
            Rendering::Html
        );
    }
}
