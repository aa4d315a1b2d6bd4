//! The error message inside a Glance or Barbican error body, HTML or JSON.

/// The message of an error response: Glance's HTML page (the text after
/// the `<h1>` title, up to `<br />`), its JSON form (`message`), Keystone's
/// and Barbican's JSON (`error.message`, `description`), or the body itself.
pub fn error_message(body: &str) -> String {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        let text = json
            .get("message")
            .or_else(|| json.get("error").and_then(|e| e.get("message")))
            .or_else(|| json.get("description"))
            .and_then(serde_json::Value::as_str);
        if let Some(text) = text {
            return strip_breaks(text);
        }
    }
    if let Some((_, after_title)) = body.split_once("</h1>") {
        return strip_breaks(after_title);
    }
    body.trim().chars().take(500).collect()
}

fn strip_breaks(text: &str) -> String {
    text.split("<br />")
        .next()
        .unwrap_or(text)
        .split("</body>")
        .next()
        .unwrap_or(text)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glance_html_and_json_bodies() {
        let html = "<html>\n <head>\n  <title>400 Bad Request</title>\n </head>\n <body>\n  <h1>400 Bad Request</h1>\n  Signature verification failed for image d: Signature verification failed<br /><br />\n\n\n\n </body>\n</html>";
        assert_eq!(
            error_message(html),
            "Signature verification failed for image d: Signature verification failed"
        );
        let json = r#"{"message": "Signature verification failed for image d: x<br /><br />\n\n\n", "code": "400 Bad Request", "title": "Bad Request"}"#;
        assert_eq!(
            error_message(json),
            "Signature verification failed for image d: x"
        );
        let barbican = r#"{"code": 404, "title": "Not Found", "description": "Not Found. Provided secret id is invalid."}"#;
        assert_eq!(
            error_message(barbican),
            "Not Found. Provided secret id is invalid."
        );
        assert_eq!(error_message("plain"), "plain");
    }
}
