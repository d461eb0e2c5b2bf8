//! No panic crosses the C boundary.
//!
//! Unwinding into C is undefined behaviour, and an abort would take a whole
//! PHP-FPM or nginx worker down with it. Every exported function runs its
//! body inside [`guard`], which turns a caught panic into
//! `RESALE_STATUS_PANIC` with the code `internal.panic`. The core answers
//! bad input with errors, never panics; a panic here is a bug, which the
//! fuzz targets hunt for.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::errors::{resale_error, resale_status, Failure};

/// Run `body`, clear `*error` first, and report its failure (or a panic)
/// there. Success is always `RESALE_STATUS_OK`: every other status is a
/// [`Failure`] with its error object.
///
/// # Safety
/// `error` is NULL or valid for writes.
pub(crate) unsafe fn guard(
    error: *mut *mut resale_error,
    body: impl FnOnce() -> Result<(), Failure>,
) -> resale_status {
    unsafe {
        if let Some(slot) = error.as_mut() {
            *slot = std::ptr::null_mut();
        }
        match catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| Err(Failure::panic())) {
            Ok(()) => resale_status::Ok,
            Err(failure) => failure.report(error),
        }
    }
}

/// [`guard`] for a function that answers a new handle through `out`
/// (`field` names it in the error when `out` is NULL): `*out` is NULL
/// unless `make` succeeds, so a caller that ignores the status never frees
/// garbage, and the handle is boxed in one place.
///
/// # Safety
/// `out` is NULL or valid for writes; `error` as for [`guard`].
pub(crate) unsafe fn guard_new<T>(
    out: *mut *mut T,
    field: &'static str,
    error: *mut *mut resale_error,
    make: impl FnOnce() -> Result<T, Failure>,
) -> resale_status {
    unsafe {
        guard(error, || {
            let slot = out.as_mut().ok_or_else(|| Failure::null(field))?;
            *slot = std::ptr::null_mut();
            *slot = Box::into_raw(Box::new(make()?));
            Ok(())
        })
    }
}

/// Run `body` for a function with no error channel (the free functions and
/// plain getters), answering `fallback` if it panicked.
pub(crate) fn guard_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::{resale_error_code, resale_error_free};

    #[test]
    fn a_panic_becomes_a_status_and_an_error_object() {
        let mut error: *mut resale_error = std::ptr::null_mut();
        let status = unsafe { guard(&mut error, || panic!("boom")) };
        assert_eq!(status, resale_status::Panic);
        let code = unsafe { resale_error_code(error) };
        let code = unsafe { std::slice::from_raw_parts(code.data.cast::<u8>(), code.len) };
        assert_eq!(code, b"internal.panic");
        unsafe { resale_error_free(error) };
        assert_eq!(guard_or(7, || panic!("boom")), 7);
    }
}
