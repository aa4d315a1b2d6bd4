//! Reading the small files a user names (certificates, keys, CA bundles,
//! clouds.yaml, lists of expected failures), never more than
//! [`SMALL_FILE_LIMIT`] bytes: `--cert /dev/zero` fails at once instead of
//! filling memory.

use std::io::Read;
use std::path::Path;

use crate::{Error, Result};

/// The most a small input file may hold: 4 MiB (a certificate chain, a key
/// or a clouds.yaml is a few KiB; a CA bundle a few hundred).
pub const SMALL_FILE_LIMIT: u64 = 4 << 20;

/// The whole file, if it holds at most [`SMALL_FILE_LIMIT`] bytes; reads at
/// most one byte more than that to find out.
pub fn read_small(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut bytes = Vec::new();
    file.take(SMALL_FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(Error::io(path))?;
    if bytes.len() as u64 > SMALL_FILE_LIMIT {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            limit: SMALL_FILE_LIMIT,
        });
    }
    Ok(bytes)
}

/// [`read_small`] as UTF-8 text.
pub fn read_small_text(path: &Path) -> Result<String> {
    String::from_utf8(read_small(path)?).map_err(|e| {
        Error::io(path)(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        ))
    })
}
