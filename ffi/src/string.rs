//! Strings across the boundary.
//!
//! In: `(const char *ptr, size_t len)`, never NUL-terminated strings, so a
//! length is always explicit and a NUL byte in the data is data. `char`
//! rather than `uint8_t` because PHP's FFI passes a PHP string only as a
//! `char *`. A NULL pointer with length 0 is the empty string.
//!
//! Out: a [`resale_buffer`] the caller owns and the library fills. The
//! library grows it as needed and reuses its memory from call to call, so a
//! caller that keeps one buffer per request (or per worker) allocates once.

use std::ffi::c_char;

use crate::errors::Failure;

/// A borrowed view of text: `len` bytes at `data`, valid as long as the
/// object it was read from. `data` is NULL for an absent value. The bytes
/// are UTF-8 and not NUL-terminated.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct resale_str {
    /// The first byte, or NULL when the value is absent.
    pub data: *const c_char,
    /// Number of bytes.
    pub len: usize,
}

impl resale_str {
    pub(crate) fn of(s: &str) -> resale_str {
        resale_str {
            data: s.as_ptr().cast(),
            len: s.len(),
        }
    }

    pub(crate) fn of_opt(s: Option<&str>) -> resale_str {
        s.map_or(resale_str::none(), resale_str::of)
    }

    pub(crate) fn none() -> resale_str {
        resale_str {
            data: std::ptr::null(),
            len: 0,
        }
    }

    /// This view as an argument's UTF-8 text, as [`text`].
    ///
    /// # Safety
    /// `data` is NULL or valid for reads of `len` bytes for the call.
    pub(crate) unsafe fn text<'a>(self, field: &'static str) -> Result<&'a str, Failure> {
        unsafe { text(self.data, self.len, field) }
    }

    /// This view as an argument's optional text (`data` NULL: absent), as
    /// [`optional_text`].
    ///
    /// # Safety
    /// As [`resale_str::text`].
    pub(crate) unsafe fn optional_text<'a>(
        self,
        field: &'static str,
    ) -> Result<Option<&'a str>, Failure> {
        unsafe { optional_text(self.data, self.len, field) }
    }
}

/// An output buffer owned by the caller and filled by the library.
///
/// Start from all zeroes (`resale_buffer buf = {0};`); pass it to any number
/// of calls, each of which replaces its contents (`data[0..len]`, followed
/// by a NUL byte that `len` does not count, for C's convenience); release
/// it once with [`resale_buffer_free`]. Only the library may change
/// `data` and `capacity`. After a failed call the buffer's contents are
/// unspecified but it stays valid and freeable.
#[repr(C)]
#[derive(Debug)]
pub struct resale_buffer {
    /// The bytes (NULL while nothing was ever written).
    pub data: *mut c_char,
    /// Number of bytes written by the last call.
    pub len: usize,
    /// Bytes allocated at `data` (library-private).
    pub capacity: usize,
}

/// Release a buffer's memory and zero it; it may be used again afterwards.
/// NULL, and a zeroed buffer, are accepted and ignored.
///
/// # Safety
/// `buffer` is NULL or points at a buffer that only this library filled.
#[no_mangle]
pub unsafe extern "C" fn resale_buffer_free(buffer: *mut resale_buffer) {
    unsafe {
        if let Some(buffer) = buffer.as_mut() {
            drop(take(buffer));
        }
    }
}

/// Move the buffer's memory into a `Vec`, leaving the buffer zeroed (so a
/// panic while the `Vec` is out cannot lead to a double free).
unsafe fn take(buffer: &mut resale_buffer) -> Vec<u8> {
    unsafe {
        let vec = if buffer.data.is_null() {
            Vec::new()
        } else {
            Vec::from_raw_parts(buffer.data.cast::<u8>(), 0, buffer.capacity)
        };
        buffer.data = std::ptr::null_mut();
        buffer.len = 0;
        buffer.capacity = 0;
        vec
    }
}

/// Hand a `Vec` (its bytes followed by a NUL that `len` does not count)
/// back to the buffer.
fn put(buffer: &mut resale_buffer, mut vec: Vec<u8>) {
    let len = vec.len();
    vec.push(0);
    let mut vec = std::mem::ManuallyDrop::new(vec);
    buffer.data = vec.as_mut_ptr().cast();
    buffer.len = len;
    buffer.capacity = vec.capacity();
}

/// A checked `resale_buffer *` argument.
pub(crate) struct Output<'a>(&'a mut resale_buffer);

impl Output<'_> {
    /// Replace the contents with what `write` appends to an empty `Vec`
    /// (which reuses the buffer's memory).
    pub(crate) fn fill<T>(&mut self, write: impl FnOnce(&mut Vec<u8>) -> T) -> T {
        // SAFETY: the buffer was filled only by this library (the contract of
        // every function taking one), so its data/capacity came from a Vec.
        let mut vec = unsafe { take(self.0) };
        let result = write(&mut vec);
        put(self.0, vec);
        result
    }

    /// [`Output::fill`] for text: the core writes into a `String` that is
    /// the buffer's memory, so an answer is written once, in place.
    pub(crate) fn fill_text<T>(&mut self, write: impl FnOnce(&mut String) -> T) -> T {
        self.fill(|v| {
            // `v` is empty (see `take`), so it is UTF-8 and nothing is lost.
            let mut text = String::from_utf8(std::mem::take(v)).unwrap_or_default();
            let result = write(&mut text);
            *v = text.into_bytes();
            result
        })
    }

    /// A core answer as JSON text: the value itself, with no `status`
    /// around it (the C status is the only status).
    pub(crate) fn json<T: serde::Serialize>(&mut self, value: &T) -> Result<(), Failure> {
        // Serialising these plain answer types into a Vec cannot fail.
        self.fill(|v| serde_json::to_writer(v, value))
            .map_err(|_| Failure::panic())
    }

    /// Replace the contents with `bytes`: a body's last step, hence the
    /// `Result` (always `Ok`).
    pub(crate) fn set(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.fill(|v| v.extend_from_slice(bytes));
        Ok(())
    }
}

/// The `resale_buffer *` argument named `field`, which must not be NULL.
///
/// # Safety
/// `ptr` is NULL or valid for writes for the duration of the call.
pub(crate) unsafe fn output<'a>(
    ptr: *mut resale_buffer,
    field: &'static str,
) -> Result<Output<'a>, Failure> {
    unsafe { ptr.as_mut().map(Output).ok_or_else(|| Failure::null(field)) }
}

/// The bytes `(ptr, len)`; NULL with length 0 is empty.
///
/// # Safety
/// `ptr` is NULL or valid for reads of `len` bytes for the duration of the call.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const c_char,
    len: usize,
    field: &'static str,
) -> Result<&'a [u8], Failure> {
    unsafe {
        if ptr.is_null() {
            return if len == 0 {
                Ok(&[])
            } else {
                Err(Failure::null(field))
            };
        }
        Ok(std::slice::from_raw_parts(ptr.cast::<u8>(), len))
    }
}

/// The UTF-8 text `(ptr, len)`; NULL with length 0 is empty.
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn text<'a>(
    ptr: *const c_char,
    len: usize,
    field: &'static str,
) -> Result<&'a str, Failure> {
    unsafe {
        let b = bytes(ptr, len, field)?;
        std::str::from_utf8(b).map_err(|e| Failure::not_utf8(field, e.valid_up_to()))
    }
}

/// Optional UTF-8 text: NULL is absent (whatever `len`), anything else as [`text`].
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn optional_text<'a>(
    ptr: *const c_char,
    len: usize,
    field: &'static str,
) -> Result<Option<&'a str>, Failure> {
    unsafe {
        if ptr.is_null() {
            Ok(None)
        } else {
            text(ptr, len, field).map(Some)
        }
    }
}

/// Newline-separated values (`a\nb`) as a list; an empty text is an empty list.
pub(crate) fn lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_is_reused_and_nul_terminated() {
        let mut buf = resale_buffer {
            data: std::ptr::null_mut(),
            len: 0,
            capacity: 0,
        };
        let mut out = Output(&mut buf);
        out.set(b"hello world").unwrap();
        out.set(b"hi").unwrap();
        assert_eq!(buf.len, 2);
        assert!(buf.capacity >= 12);
        let s = unsafe { std::slice::from_raw_parts(buf.data.cast::<u8>(), 3) };
        assert_eq!(s, b"hi\0");
        unsafe { resale_buffer_free(&mut buf) };
        assert!(buf.data.is_null());
        unsafe { resale_buffer_free(&mut buf) };
    }

    #[test]
    fn null_with_length_is_refused_and_bad_utf8_says_where() {
        let e = unsafe { text(std::ptr::null(), 3, "url") }.unwrap_err();
        assert_eq!(
            (e.error.code, e.error.field.as_deref()),
            ("argument.null", Some("url"))
        );
        let bad = b"ab\xffc";
        let e = unsafe { text(bad.as_ptr().cast(), 4, "url") }.unwrap_err();
        assert_eq!(
            (e.error.code, e.error.offset),
            ("argument.not_utf8", Some(2))
        );
        assert_eq!(unsafe { text(std::ptr::null(), 0, "url") }.unwrap(), "");
    }
}
