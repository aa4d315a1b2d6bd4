//! The user guide's `openstack` commands (Glance's "Signing images"
//! guide: store the certificate in Barbican, create an image with the
//! signature properties, clean up), written once for the tasks that run
//! them with the real clients: `mock-interop` against the mocks and
//! `live smoke` against the live stack.

use std::path::Path;

use imgsig::spec::base64::encode;

use crate::util::Result;

/// Runs `openstack ARGS` in some cloud and returns its standard output.
pub type Openstack<'a> = dyn Fn(&[&str]) -> Result<String> + 'a;

/// `openstack secret store` of a PEM certificate, printing its href.
/// Returns the href.
pub fn store_certificate(openstack: &Openstack, name: &str, cert_pem: &[u8]) -> Result<String> {
    let payload = encode(cert_pem);
    let href = openstack(&[
        "secret",
        "store",
        "--name",
        name,
        "--algorithm",
        "RSA",
        "--secret-type",
        "certificate",
        "--payload-content-type",
        "application/octet-stream",
        "--payload-content-encoding",
        "base64",
        "--payload",
        &payload,
        "-f",
        "value",
        "-c",
        "Secret href",
    ])?;
    Ok(href.trim().to_owned())
}

/// The certificate's uuid (the `img_signature_certificate_uuid`) from a
/// secret href.
pub fn secret_uuid(href: &str) -> &str {
    href.trim().rsplit('/').next().unwrap_or_default()
}

/// What to create: the image's file and name, and the signature
/// properties (`img_signature…` name, value).
pub struct SignedImage<'a> {
    /// The image data.
    pub file: &'a Path,
    /// The image's name.
    pub name: &'a str,
    /// `--disk-format` (the container format is `bare`).
    pub disk_format: &'a str,
    /// The signature properties.
    pub properties: &'a [(String, String)],
}

/// `openstack image create … --property NAME=VALUE … --file FILE NAME`,
/// printing `columns` as values (`--debug` first with `debug`: the client's
/// error names only the status, the debug log has Glance's body).
pub fn create_image(
    openstack: &Openstack,
    image: &SignedImage,
    columns: &[&str],
    debug: bool,
) -> Result<String> {
    let mut args: Vec<String> = Vec::new();
    if debug {
        args.push("--debug".into());
    }
    args.extend(
        [
            "image",
            "create",
            "--container-format",
            "bare",
            "--disk-format",
            image.disk_format,
        ]
        .map(str::to_owned),
    );
    for (name, value) in image.properties {
        args.extend(["--property".to_owned(), format!("{name}={value}")]);
    }
    args.extend([
        "--file".to_owned(),
        image.file.display().to_string(),
        image.name.to_owned(),
    ]);
    args.extend(["-f", "value"].map(str::to_owned));
    for column in columns {
        args.extend(["-c".to_owned(), (*column).to_owned()]);
    }
    println!(
        "$ openstack image create --property img_signature=… --file {} {}",
        image.file.display(),
        image.name
    );
    openstack(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Whether a failed `image create` failed as Glance refuses a bad
/// signature (400 "Signature verification failed").
pub fn refused_signature(error: &str) -> bool {
    error.contains("Signature verification failed")
}

/// Whether a failed `image create` failed as Glance 33 refuses bytes that
/// are not their disk format (415).
pub fn refused_format(error: &str) -> bool {
    error.contains("415") || error.contains("Unsupported Media Type")
}

/// `openstack image show ID -c status`.
pub fn image_status(openstack: &Openstack, id: &str) -> Result<String> {
    let out = openstack(&["image", "show", id, "-f", "value", "-c", "status"])?;
    Ok(out.trim().to_owned())
}

/// The names of the images `openstack image list` shows.
pub fn image_names(openstack: &Openstack) -> Result<Vec<String>> {
    let out = openstack(&["image", "list", "-f", "value", "-c", "Name"])?;
    Ok(out.lines().map(str::to_owned).collect())
}

/// `openstack image delete` of every image whose name contains `prefix`,
/// then `openstack secret delete` of `secret` (an href).
pub fn clean_up(openstack: &Openstack, prefix: &str, secret: Option<&str>) -> Result<()> {
    let list = openstack(&["image", "list", "-f", "value", "-c", "ID", "-c", "Name"])?;
    for line in list.lines().filter(|l| l.contains(prefix)) {
        if let Some(id) = line.split_whitespace().next() {
            openstack(&["image", "delete", id])?;
        }
    }
    if let Some(href) = secret {
        openstack(&["secret", "delete", href])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[test]
    fn commands_as_the_guide_writes_them() {
        let seen = RefCell::new(Vec::new());
        let os = |args: &[&str]| -> Result<String> {
            seen.borrow_mut().push(args.join(" "));
            Ok("http://b/v1/secrets/0123\n".to_owned())
        };
        let href = store_certificate(&os, "n", b"PEM").expect("stored");
        assert_eq!(secret_uuid(&href), "0123");
        let properties = [("img_signature".to_owned(), "c2ln".to_owned())];
        let image = SignedImage {
            file: Path::new("/tmp/f"),
            name: "good",
            disk_format: "raw",
            properties: &properties,
        };
        create_image(&os, &image, &["id", "status"], true).expect("created");
        assert_eq!(
            *seen.borrow(),
            [
                "secret store --name n --algorithm RSA --secret-type certificate \
                 --payload-content-type application/octet-stream \
                 --payload-content-encoding base64 --payload UEVN -f value -c Secret href",
                "--debug image create --container-format bare --disk-format raw \
                 --property img_signature=c2ln --file /tmp/f good -f value -c id -c status",
            ]
        );
    }
}
