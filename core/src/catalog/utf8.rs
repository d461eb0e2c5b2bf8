//! UTF-8 validation of a byte stream cut anywhere.
//!
//! JSON text is UTF-8; a feed that is not would reach Plesk as garbage. Each
//! batch of a chunk is validated with SIMD (`simdutf8`, whose `compat`
//! errors say where and why exactly as the standard library's do) just
//! before it is scanned: a separate pass over bytes still in cache, which
//! keeps the scanner's blocks to the JSON classes. A validator works on whole slices, so a sequence cut by
//! a chunk boundary is carried over (at most 3 bytes).

use super::error::{CatalogError, ErrorKind};

#[derive(Default)]
pub(crate) struct Utf8Stream {
    carry: [u8; 4],
    carry_len: usize,
}

fn invalid(at: u64) -> CatalogError {
    CatalogError::at(ErrorKind::Utf8, at, "the feed is not valid UTF-8")
}

impl Utf8Stream {
    /// Validate `chunk`, which starts at absolute offset `base`.
    pub(crate) fn feed(&mut self, chunk: &[u8], base: u64) -> Result<(), CatalogError> {
        let mut rest = chunk;
        let mut at = base;
        if self.carry_len > 0 {
            let need = match self.carry[0] {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            let take = (need - self.carry_len).min(rest.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&rest[..take]);
            self.carry_len += take;
            rest = &rest[take..];
            at += take as u64;
            let start = base - (self.carry_len - take) as u64;
            if self.carry_len < need {
                // Still incomplete: but a byte that cannot continue the
                // sequence is an error now, wherever the next cut falls.
                return match std::str::from_utf8(&self.carry[..self.carry_len]) {
                    Err(e) if e.error_len().is_some() => Err(invalid(start)),
                    _ => Ok(()),
                };
            }
            std::str::from_utf8(&self.carry[..need]).map_err(|_| invalid(start))?;
            self.carry_len = 0;
        }
        match simdutf8::compat::from_utf8(rest) {
            Ok(_) => Ok(()),
            Err(e) => {
                let good = e.valid_up_to();
                if e.error_len().is_none() {
                    // An incomplete sequence at the end: carry it over.
                    let tail = &rest[good..];
                    self.carry[..tail.len()].copy_from_slice(tail);
                    self.carry_len = tail.len();
                    Ok(())
                } else {
                    Err(invalid(at + good as u64))
                }
            }
        }
    }

    /// At end of input: no sequence may be left open.
    pub(crate) fn finish(&self, end: u64) -> Result<(), CatalogError> {
        if self.carry_len > 0 {
            return Err(invalid(end - self.carry_len as u64));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_ok(bytes: &[u8]) -> bool {
        (0..=bytes.len()).all(|cut| {
            let mut v = Utf8Stream::default();
            v.feed(&bytes[..cut], 0).is_ok()
                && v.feed(&bytes[cut..], cut as u64).is_ok()
                && v.finish(bytes.len() as u64).is_ok()
        })
    }

    /// Found by the `catalog_incremental` fuzz target: an impossible
    /// continuation byte arriving alone must fail at once.
    #[test]
    fn impossible_continuation_fails_at_once() {
        let mut v = Utf8Stream::default();
        v.feed(b"a\xF4", 0).unwrap();
        assert_eq!(v.feed(b"\x00", 2).unwrap_err().offset, 1);
    }

    #[test]
    fn cut_sequences() {
        assert!(split_ok("aé€𝄞z".as_bytes()));
        assert!(!split_ok(b"a\xC3"));
        assert!(!split_ok(b"a\xFFb"));
        assert!(!split_ok(b"\xE2\x82x"));
        assert!(!split_ok(b"\xED\xA0\x80")); // an encoded surrogate
    }
}
