//! How failures cross: a [`resale_status`] return value and, when the caller
//! asked for it, an error object it owns.
//!
//! Every fallible function takes `resale_error **error` last. On success it
//! sets `*error` to NULL; on failure it stores a new error object there
//! (unless `error` itself is NULL: then the caller only gets the status).
//! The object holds the core's stable code (`kn.malformed`), the field at
//! fault (a query parameter, a JSON path, an argument name), a message for a
//! person and, for feeds, a byte offset. It is freed with
//! [`resale_error_free`]. No "last error" is kept anywhere: concurrent
//! requests on one process never see each other's errors.

use std::ffi::c_char;

use resale_core::{Error, UnchangedReason};

use crate::string::resale_str;

/// What a call did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum resale_status {
    /// Done; the answer is in the output argument.
    Ok = 0,
    /// The rewrite left the URL as it is (not a Plesk buy link): use the
    /// original. The error object says why (`host.not_plesk_store`, …).
    Unchanged = 1,
    /// The input was refused by a rule (a rejected shop request, an invalid
    /// policy or feed, a forged signature, …); see the error object.
    Rejected = 2,
    /// The call itself was wrong: a NULL pointer where one is needed, text
    /// that is not UTF-8. The error object names the argument.
    InvalidArgument = 3,
    /// A bug in the library was caught before it crossed the boundary
    /// (code `internal.panic`). The library stays usable.
    Panic = 4,
}

/// A failure's details. Read with the `resale_error_*` accessors; free
/// with [`resale_error_free`].
pub struct resale_error(Error);

/// A failure on its way out: the status and the core's [`Error`], what
/// becomes the return value and the error object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub status: resale_status,
    pub error: Error,
}

impl Failure {
    /// `RESALE_STATUS_INVALID_ARGUMENT`: the call itself was wrong.
    pub(crate) fn invalid(error: Error) -> Failure {
        Failure {
            status: resale_status::InvalidArgument,
            error,
        }
    }

    pub(crate) fn null(field: &'static str) -> Failure {
        Failure::invalid(Error::at_field(
            "argument.null",
            field,
            format!("`{field}` is NULL"),
        ))
    }

    pub(crate) fn not_utf8(field: &'static str, valid_up_to: usize) -> Failure {
        Failure::invalid(Error {
            offset: Some(valid_up_to as u64),
            ..Error::at_field(
                "argument.not_utf8",
                field,
                format!("`{field}` is not UTF-8 (at byte {valid_up_to})"),
            )
        })
    }

    pub(crate) fn panic() -> Failure {
        Failure {
            status: resale_status::Panic,
            error: Error::new(
                "internal.panic",
                "resale hit an internal error (a bug: please report it with the input)",
            ),
        }
    }

    pub(crate) fn unchanged(reason: UnchangedReason) -> Failure {
        Failure {
            status: resale_status::Unchanged,
            error: Error::at_field(reason.code(), "url", reason.message()),
        }
    }

    /// Store as `*error` (when the caller asked) and return the status.
    ///
    /// # Safety
    /// `error` is NULL or valid for writes.
    pub(crate) unsafe fn report(self, error: *mut *mut resale_error) -> resale_status {
        unsafe {
            if let Some(slot) = error.as_mut() {
                *slot = Box::into_raw(Box::new(resale_error(self.error)));
            }
            self.status
        }
    }
}

/// The one translation of a core refusal: `RESALE_STATUS_REJECTED` and the
/// error as it is.
impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            status: resale_status::Rejected,
            error,
        }
    }
}

/// The stable machine code (`kn.malformed`, `catalog.json.invalid`,
/// `argument.null`, …). Valid until the error is freed.
///
/// # Safety
/// `error` is an error object from this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_error_code(error: *const resale_error) -> resale_str {
    unsafe { resale_str::of_opt(error.as_ref().map(|e| e.0.code)) }
}

/// The field at fault: a query parameter as spelled in the query, a JSON
/// path into a policy (`$.shop_url`), a webhook header or argument name.
/// `data` is NULL when the failure concerns the input as a whole.
///
/// # Safety
/// As [`resale_error_code`].
#[no_mangle]
pub unsafe extern "C" fn resale_error_field(error: *const resale_error) -> resale_str {
    unsafe { resale_str::of_opt(error.as_ref().and_then(|e| e.0.field.as_deref())) }
}

/// A sentence for a person (may be reworded between versions; match on the code).
///
/// # Safety
/// As [`resale_error_code`].
#[no_mangle]
pub unsafe extern "C" fn resale_error_message(error: *const resale_error) -> resale_str {
    unsafe { resale_str::of_opt(error.as_ref().map(|e| e.0.message.as_str())) }
}

/// The byte offset in the input where the failure was found (catalog feeds,
/// non-UTF-8 arguments), or -1.
///
/// # Safety
/// As [`resale_error_code`].
#[no_mangle]
pub unsafe extern "C" fn resale_error_offset(error: *const resale_error) -> i64 {
    let offset = unsafe { error.as_ref().and_then(|e| e.0.offset) };
    offset.map_or(-1, |o| i64::try_from(o).unwrap_or(i64::MAX))
}

/// The code's family, from its first segment (`policy`, `shop_request`,
/// `catalog`, `license`, `marketplace`, `input`, `argument`, `internal`):
/// what a binding with exception classes picks its class by. Valid for
/// the life of the library.
///
/// # Safety
/// As [`resale_error_code`].
#[no_mangle]
pub unsafe extern "C" fn resale_error_domain(error: *const resale_error) -> resale_str {
    unsafe { resale_str::of_opt(error.as_ref().map(|e| e.0.domain().as_str())) }
}

/// The whole failure in the core's own wording, what a host logs:
/// `code at field: message`, `code at byte N: message` or `code: message`.
/// One rendering for every binding instead of each composing the parts.
/// Writes at most `capacity` bytes to `buffer` (no NUL; cut at a character
/// boundary) and returns how many; 0 for a NULL error or buffer.
///
/// # Safety
/// `error` as [`resale_error_code`]; `buffer` is NULL or writable for
/// `capacity` bytes.
#[no_mangle]
pub unsafe extern "C" fn resale_error_text(
    error: *const resale_error,
    buffer: *mut c_char,
    capacity: usize,
) -> usize {
    let Some(error) = (unsafe { error.as_ref() }) else {
        return 0;
    };
    if buffer.is_null() {
        return 0;
    }
    let text = error.0.to_string();
    let mut len = text.len().min(capacity);
    while !text.is_char_boundary(len) {
        len -= 1;
    }
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), buffer.cast::<u8>(), len) };
    len
}

/// Free an error object. NULL is accepted and ignored.
///
/// # Safety
/// `error` is NULL or an error object from this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_error_free(error: *mut resale_error) {
    unsafe {
        if !error.is_null() {
            drop(Box::from_raw(error));
        }
    }
}
