//! Image data of a case: small images inline, large ones as a seeded
//! recipe streamed on demand (never stored).

use std::io::Read;
use std::sync::Arc;

/// Images up to this size are held (and written to the corpus) as bytes.
pub const INLINE_LIMIT: usize = 16 * 1024;

/// Where a case's image bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// These bytes.
    Bytes(Arc<[u8]>),
    /// `len` pseudo-random bytes from `seed` (xorshift64*), generated as a
    /// stream.
    Seeded {
        /// The seed.
        seed: u64,
        /// Length in bytes.
        len: u64,
    },
}

impl ImageSource {
    /// `len` seeded bytes: materialised when small (so cases can edit
    /// them), kept as a recipe when large.
    pub fn seeded(seed: u64, len: usize) -> ImageSource {
        if len > INLINE_LIMIT {
            return ImageSource::Seeded {
                seed,
                len: len as u64,
            };
        }
        let mut bytes = vec![0u8; len];
        let mut r = SeededReader::new(seed, len as u64);
        // Reading from memory cannot fail.
        let _ = r.read_exact(&mut bytes);
        ImageSource::Bytes(bytes.into())
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        match self {
            ImageSource::Bytes(b) => b.len() as u64,
            ImageSource::Seeded { len, .. } => *len,
        }
    }

    /// Whether the image is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hand the bytes to `f` chunk by chunk.
    pub fn for_each_chunk(&self, mut f: impl FnMut(&[u8])) -> std::io::Result<()> {
        let mut reader = self.reader();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => f(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// A stream of the bytes.
    pub fn reader(&self) -> Box<dyn Read + Send> {
        match self {
            ImageSource::Bytes(b) => Box::new(std::io::Cursor::new(b.clone())),
            ImageSource::Seeded { seed, len } => Box::new(SeededReader::new(*seed, *len)),
        }
    }

    /// The bytes, for small images; `None` for a seeded one.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            ImageSource::Bytes(b) => Some(b),
            ImageSource::Seeded { .. } => None,
        }
    }
}

/// A deterministic pseudo-random byte stream (xorshift64*): fast, and the
/// same on every machine, so a recipe is as good as the bytes.
#[derive(Debug, Clone)]
pub struct SeededReader {
    state: u64,
    left: u64,
}

impl SeededReader {
    /// `len` bytes from `seed`.
    pub fn new(seed: u64, len: u64) -> SeededReader {
        SeededReader {
            state: seed ^ 0x9E37_79B9_7F4A_7C15 | 1,
            left: len,
        }
    }

    fn next_word(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl Read for SeededReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for chunk in buf[..n].chunks_mut(8) {
            let word = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_streams_are_deterministic_and_exact() {
        let a = ImageSource::seeded(7, 1000);
        let mut streamed = Vec::new();
        ImageSource::Seeded { seed: 7, len: 1000 }
            .reader()
            .read_to_end(&mut streamed)
            .unwrap();
        assert_eq!(a.bytes().unwrap(), &streamed[..]);
        assert_ne!(ImageSource::seeded(8, 1000), a);
        assert_eq!(ImageSource::seeded(1, 0).len(), 0);
    }
}
