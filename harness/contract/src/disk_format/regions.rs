//! oslo.utils' capture regions: the byte ranges of a stream an inspector
//! keeps, filled chunk by chunk (`CaptureRegion`, `EndCaptureRegion`).

/// A range of the stream to keep: `length` bytes from `offset`, complete
/// when all are captured or, with `min_length`, as soon as that many are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Region {
    pub offset: u64,
    pub length: usize,
    pub min_length: Option<usize>,
    pub data: Vec<u8>,
    /// The last `length` bytes of the stream instead (`EndCaptureRegion`),
    /// complete only once the stream is finished.
    at_end: Option<bool>,
}

impl Region {
    /// `length` bytes from `offset`.
    pub fn new(offset: u64, length: usize) -> Region {
        Region {
            offset,
            length,
            min_length: None,
            data: Vec::new(),
            at_end: None,
        }
    }

    /// Complete as soon as `min` bytes are captured.
    pub fn at_least(offset: u64, length: usize, min: usize) -> Region {
        Region {
            min_length: Some(min),
            ..Region::new(offset, length)
        }
    }

    /// The last `length` bytes of the stream.
    pub fn end(length: usize) -> Region {
        Region {
            at_end: Some(false),
            ..Region::new(0, length)
        }
    }

    /// Whether the region has what it wants.
    pub fn complete(&self) -> bool {
        let captured = match self.min_length {
            Some(min) => min <= self.data.len(),
            None => self.length == self.data.len(),
        };
        captured && self.at_end != Some(false)
    }

    /// Whether the region still takes chunks.
    pub fn wants(&self) -> bool {
        self.at_end.is_some() || !self.complete()
    }

    /// Present `chunk`, which ends at `position` in the stream.
    pub fn capture(&mut self, chunk: &[u8], position: u64) {
        if self.at_end.is_some() {
            self.data.extend_from_slice(chunk);
            let keep = self.data.len().saturating_sub(self.length);
            self.data.drain(..keep);
            self.offset = position - self.data.len() as u64;
            return;
        }
        let start = position - chunk.len() as u64;
        let end = self.offset + self.length as u64;
        if (start <= self.offset && self.offset <= position)
            || (self.offset <= start && start <= end)
        {
            let gap = usize::try_from(self.offset.saturating_sub(start)).unwrap_or(usize::MAX);
            self.data
                .extend_from_slice(chunk.get(gap..).unwrap_or_default());
            self.data.truncate(self.length);
        }
    }

    /// The stream has ended (`EndCaptureRegion.finish`).
    pub fn finish(&mut self) {
        if self.at_end.is_some() {
            self.at_end = Some(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_filled_across_unaligned_chunks() {
        let mut r = Region::new(3, 4);
        let data: Vec<u8> = (0..10).collect();
        for (i, chunk) in data.chunks(3).enumerate() {
            r.capture(chunk, (i * 3 + chunk.len()) as u64);
        }
        assert_eq!(r.data, [3, 4, 5, 6]);
        assert!(r.complete());
    }

    #[test]
    fn an_end_region_keeps_the_tail_and_completes_at_the_end() {
        let mut r = Region::end(2);
        r.capture(&[1, 2, 3], 3);
        r.capture(&[4], 4);
        assert!(!r.complete());
        r.finish();
        assert_eq!(r.data, [3, 4]);
        assert!(r.complete());
    }
}
