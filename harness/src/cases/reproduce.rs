//! Reproductions a person pastes into a shell: store the certificate in
//! Barbican, capture its id in `SECRET_ID`, upload the image with the four
//! properties. The files are the ones the evidence directory holds.

use super::RunnableCase;
use crate::spec::properties;

/// The file names inside a case's evidence directory.
pub mod files {
    /// The secret's payload (the certificate, PEM or DER as stored).
    pub const SECRET: &str = "secret.bin";
    /// The image data.
    pub const IMAGE: &str = "image.bin";
    /// The four properties as JSON.
    pub const PROPERTIES: &str = "properties.json";
}

/// Quote a value for a POSIX shell (single quotes unless plainly safe).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:+@%".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The command that stores `payload_file` in Barbican and sets the shell
/// variable `SECRET_ID` to the new secret's id (the last segment of the
/// href `openstack secret store` prints).
pub fn secret_store(name: &str, secret_type: &str, payload_file: &str) -> String {
    format!(
        "SECRET_ID=$(openstack secret store --name {} --secret-type {} \
         --payload-content-type application/octet-stream --payload-content-encoding base64 \
         --payload \"$(base64 -w0 {})\" -f value -c \"Secret href\" | sed 's|.*/||')",
        shell_quote(name),
        shell_quote(secret_type),
        shell_quote(payload_file)
    )
}

/// `--property NAME=VALUE`, with the certificate id taken from
/// `$SECRET_ID` (in double quotes, so the shell expands it).
pub fn property_arg(name: &str, value: &str) -> String {
    if name == properties::CERTIFICATE_UUID && value == super::corpus::SECRET_ID {
        format!("--property {name}=\"$SECRET_ID\"")
    } else {
        format!("--property {}", shell_quote(&format!("{name}={value}")))
    }
}

/// The commands that reproduce `case` with its files in `dir` (a path as
/// the shell should see it): store the secret, then create the image.
pub fn commands(case: &dyn RunnableCase, dir: &str) -> Vec<String> {
    let path = |file: &str| format!("{}/{file}", dir.trim_end_matches('/'));
    let mut out = Vec::new();
    let secret = case.secret();
    if let Some(s) = &secret {
        out.push(secret_store(
            case.id(),
            &s.secret_type,
            &path(files::SECRET),
        ));
    }
    let mut props = case.properties(secret.as_ref().map(|_| super::corpus::SECRET_ID));
    // The formats are the client's own options, not properties.
    let container_format = props
        .remove("container_format")
        .unwrap_or_else(|| "bare".into());
    let disk_format = props.remove("disk_format").unwrap_or_else(|| "raw".into());
    let props: Vec<String> = props.iter().map(|(k, v)| property_arg(k, v)).collect();
    out.push(format!(
        "openstack image create --container-format {} --disk-format {} {} --file {} {}",
        shell_quote(&container_format),
        shell_quote(&disk_format),
        props.join(" "),
        shell_quote(&path(files::IMAGE)),
        shell_quote(case.id())
    ));
    out
}
