//! Buy links: what Plesk does with `[extensions] buyUrl`.

use std::ffi::c_char;

use crate::answer::args;
use crate::errors::{resale_error, resale_status, Failure};
use crate::panic_guard::guard;
use crate::policy::{policy, resale_policy};
use crate::string::resale_buffer;

/// Rewrite a Plesk buy link (`https://go.plesk.com/buy-plesk-ext/<id>?…`)
/// to the shop (`<shop_url>?extension-id=<id>&…`).
///
/// - `RESALE_STATUS_OK`: `*out` holds the shop URL.
/// - `RESALE_STATUS_UNCHANGED`: not a Plesk buy link (another host,
///   including look-alikes, another path): keep the original URL. The error
///   object's code says why (`host.not_plesk_store`, `path.not_buy_link`,
///   `extension_id.malformed`).
/// - `RESALE_STATUS_REJECTED`: not a URL (`url.invalid`, `url.too_long`).
///
/// # Safety
/// `policy` from [`crate::policy::resale_policy_new`]; `url` valid for
/// reads of `url_len` bytes; `out` a buffer filled only by this library;
/// `error` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_rewrite_buy_url(
    policy_: *const resale_policy,
    url: *const c_char,
    url_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard(error, || {
            let policy = policy(policy_)?;
            let (url, mut out) = args!(text(url, url_len), output(out));
            // Written straight into the caller's buffer: no allocation once it
            // is large enough.
            out.fill_text(|text| policy.rewrite_buy_url_into(url, text))?
                .map_err(Failure::unchanged)
        })
    }
}
