//! `resale_policy`: the shop's policy, compiled once, then shared.

use std::ffi::c_char;

use crate::answer::{arg, args};
use crate::errors::{resale_error, resale_status, Failure};
use crate::panic_guard::{guard_new, guard_or};

/// A compiled shop policy (`resale_core::Policy`). Immutable: one policy may
/// be used by any number of threads at once, for as long as it is not freed.
pub struct resale_policy {
    pub(crate) inner: resale_core::Policy,
}

/// The `const resale_policy *` argument, which must not be NULL.
///
/// # Safety
/// `ptr` is NULL or a policy from [`resale_policy_new`], not yet freed.
pub(crate) unsafe fn policy<'a>(
    ptr: *const resale_policy,
) -> Result<&'a resale_core::Policy, Failure> {
    unsafe { arg(ptr, "policy").map(|p| &p.inner) }
}

/// Compile a policy from its JSON text (`json`, `json_len` bytes).
///
/// On success `*policy` is a new policy, freed with [`resale_policy_free`].
/// An invalid policy is `RESALE_STATUS_REJECTED`, with the code
/// (`policy.shop_url.not_absolute`, …) and the JSON path of the fault
/// (`$.shop_url`) as the error's field.
///
/// # Safety
/// `json` is valid for reads of `json_len` bytes; `policy` is valid for
/// writes; `error` is NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_policy_new(
    json: *const c_char,
    json_len: usize,
    policy: *mut *mut resale_policy,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard_new(policy, "policy", error, || {
            let inner = resale_core::Policy::from_json(args!(text(json, json_len)))?;
            Ok(resale_policy { inner })
        })
    }
}

/// Read the policy file at `path` (`path_len` bytes of UTF-8, not
/// NUL-terminated) and compile it, as [`resale_policy_new`]. A file that
/// cannot be read is `RESALE_STATUS_REJECTED` with `policy.file.unreadable`
/// (field `path`).
///
/// # Safety
/// `path` valid for reads of `path_len` bytes; the rest as [`resale_policy_new`].
#[no_mangle]
pub unsafe extern "C" fn resale_policy_from_file(
    path: *const c_char,
    path_len: usize,
    policy: *mut *mut resale_policy,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard_new(policy, "policy", error, || {
            let json = policy_file(args!(text(path, path_len)))?;
            let inner = resale_core::Policy::from_json(&json)?;
            Ok(resale_policy { inner })
        })
    }
}

/// The text of the policy file at `path`: the one place a policy file is
/// read for a host (nginx's `resale_policy`, PHP's `fromFile`, through
/// [`resale_policy_from_file`] and `resale_gateway_from_file`), so the
/// one place that answers `policy.file.unreadable`.
pub(crate) fn policy_file(path: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        Failure::from(resale_core::Error::at_field(
            "policy.file.unreadable",
            "path",
            format!("cannot read the policy file {path}: {e}"),
        ))
    })
}

/// Free a policy. NULL is accepted. Filters made from it stay valid (they
/// keep what they need).
///
/// # Safety
/// `policy` is NULL or from [`resale_policy_new`], not yet freed, and no
/// other thread is using it.
#[no_mangle]
pub unsafe extern "C" fn resale_policy_free(policy: *mut resale_policy) {
    unsafe {
        if !policy.is_null() {
            guard_or((), || drop(Box::from_raw(policy)));
        }
    }
}
