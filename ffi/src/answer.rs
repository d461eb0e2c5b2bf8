//! The frame every exported function shares, written once (as lol-html's
//! C API does with its macros): the panic guard with the error slot
//! cleared, the `out` buffer checked, each argument read under its
//! parameter's name. An exported function keeps its signature written out
//! (cbindgen reads it) and its body is the core call between these.

use crate::errors::{resale_error, resale_status, Failure};
use crate::panic_guard::guard;
use crate::policy::{policy, resale_policy};
pub(crate) use crate::string::{bytes, optional_text, output, text};
use crate::string::{resale_buffer, Output};

/// Run `body` under the panic guard with the checked output buffer `out`
/// (the parameter named `field`, refused when NULL): `body` writes its
/// answer there.
///
/// # Safety
/// `error` NULL or valid for writes; `out` NULL or a buffer filled only by
/// this library.
pub(crate) unsafe fn with_output(
    error: *mut *mut resale_error,
    out: *mut resale_buffer,
    field: &'static str,
    body: impl FnOnce(&mut Output) -> Result<(), Failure>,
) -> resale_status {
    unsafe { guard(error, || body(&mut output(out, field)?)) }
}

/// [`with_output`] for the functions that answer from a policy: `body`
/// gets the policy `policy_` too (refused as `policy` when NULL, after
/// `out` is checked), so each such function does not look it up again.
///
/// # Safety
/// As [`with_output`]; `policy_` NULL or a policy from `resale_policy_new`,
/// not yet freed.
pub(crate) unsafe fn with_policy_output(
    error: *mut *mut resale_error,
    policy_: *const resale_policy,
    out: *mut resale_buffer,
    body: impl FnOnce(&resale_core::Policy, &mut Output) -> Result<(), Failure>,
) -> resale_status {
    unsafe { with_output(error, out, "out", |out| body(policy(policy_)?, out)) }
}

/// The `const T *` argument named `field` (a handle, a struct), which must
/// not be NULL.
///
/// # Safety
/// `ptr` is NULL or valid for reads for the duration of the call.
pub(crate) unsafe fn arg<'a, T>(ptr: *const T, field: &'static str) -> Result<&'a T, Failure> {
    unsafe { ptr.as_ref().ok_or_else(|| Failure::null(field)) }
}

/// The `T *` argument named `field` (a handle, an out-value), which must
/// not be NULL.
///
/// # Safety
/// `ptr` is NULL or valid for writes for the duration of the call.
pub(crate) unsafe fn arg_mut<'a, T>(
    ptr: *mut T,
    field: &'static str,
) -> Result<&'a mut T, Failure> {
    unsafe { ptr.as_mut().ok_or_else(|| Failure::null(field)) }
}

/// Each argument read by a reader of this module (`text`, `bytes`,
/// `optional_text` for `(ptr, len)`; `arg`, `arg_mut`, `output` for a
/// pointer) and named by its parameter, which becomes the error's field:
/// `args!(text(query, query_len), arg_mut(decision))` is
/// `(text(query, query_len, "query")?, arg_mut(decision, "decision")?)`.
/// Used inside an exported function's `unsafe` body, whose `# Safety`
/// section makes the pointers the caller's promise.
macro_rules! args {
    ($($read:ident($ptr:ident $(, $len:ident)?)),+ $(,)?) => {
        ($($crate::answer::$read($ptr, $($len,)? stringify!($ptr))?),+)
    };
}
pub(crate) use args;
