//! Glance's error answers: webob's HTML page by default, JSON when the
//! client accepts `application/json` (see `wire/transcript.md`).

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use serde_json::{json, Value};

use crate::http::{header_str, json_response};

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
}

impl Failure {
    /// A failure with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            detail: String::new(),
            whole: false,
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

    /// 415 for a request body of the wrong content type.
    pub fn content_type(headers: &HeaderMap) -> Failure {
        let got = header_str(headers, header::CONTENT_TYPE.as_str()).unwrap_or("None");
        Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Invalid content type {got}"),
        )
    }

    /// 400 for a body that is not JSON.
    pub fn malformed_json() -> Failure {
        Failure::bad_request("Malformed JSON in request body.")
    }

    /// `"400 Bad Request"`.
    fn status_line(&self) -> String {
        format!("{} {}", self.status.as_u16(), reason(self.status))
    }

    /// webob's HTML page, byte for byte.
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
            self.message,
            html_escape(&self.detail)
        )
    }

    /// The JSON form (`Accept: application/json`).
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

    /// The response for a client that sent `accept`.
    pub fn render(&self, accept: Option<&str>) -> Response {
        if wants_json(accept) {
            json_response(self.status, &self.json())
        } else {
            let mut resp = (self.status, self.html()).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=UTF-8"),
            );
            resp
        }
    }
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

/// webob picks the best of text/html, application/json and text/plain;
/// HTML wins unless JSON is asked for more specifically.
fn wants_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    let mut best_json = 0.0f32;
    let mut best_html = 0.0f32;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "application/json" | "application/*" => best_json = best_json.max(q),
            "text/html" | "text/*" | "*/*" => best_html = best_html.max(q),
            _ => {}
        }
    }
    best_json > best_html
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
    fn accept_decides_the_format() {
        assert!(!wants_json(None));
        assert!(!wants_json(Some("*/*")));
        assert!(wants_json(Some("application/json")));
        assert!(!wants_json(Some("text/html, application/json;q=0.5")));
    }
}
