//! The frame every exported function that answers into a buffer shares,
//! written once (as lol-html's C API does with its macros): the panic guard
//! with the error slot cleared, the `out` buffer checked, each `(ptr, len)`
//! argument read under its parameter's name.

use crate::errors::{resale_error, resale_status, Failure};
use crate::panic_guard::guard;
use crate::policy::{policy, resale_policy};
use crate::string::{output, resale_buffer, Output};

/// Run `body` under the panic guard with the checked output buffer `out`
/// (the parameter named `field`, refused when NULL): `body` writes its
/// answer there and returns the status.
///
/// # Safety
/// `error` NULL or valid for writes; `out` NULL or a buffer filled only by
/// this library.
pub(crate) unsafe fn with_output(
    error: *mut *mut resale_error,
    out: *mut resale_buffer,
    field: &'static str,
    body: impl FnOnce(&mut Output) -> Result<resale_status, Failure>,
) -> resale_status {
    unsafe {
        guard(error, || {
            let mut out = output(out, field)?;
            body(&mut out)
        })
    }
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
    body: impl FnOnce(&resale_core::Policy, &mut Output) -> Result<resale_status, Failure>,
) -> resale_status {
    unsafe { with_output(error, out, "out", |out| body(policy(policy_)?, out)) }
}

/// Each `(ptr, len)` argument read by a `string` reader (`text`, `bytes`,
/// `optional_text`) and named by its parameter, which becomes the error's
/// field: `args!(text(query, query_len), bytes(body, body_len))` is
/// `(text(query, query_len, "query")?, bytes(body, body_len, "body")?)`.
/// Used inside an exported function's `unsafe` body, whose `# Safety`
/// section makes the pointers the caller's promise.
macro_rules! args {
    ($($read:ident($ptr:ident, $len:ident)),+ $(,)?) => {
        ($($crate::string::$read($ptr, $len, stringify!($ptr))?),+)
    };
}
pub(crate) use args;
