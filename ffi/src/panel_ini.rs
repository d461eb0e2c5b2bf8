//! panel.ini: the lines a Plesk server needs to send buy links to the shop.

use std::ffi::c_char;

use crate::answer::{args, with_policy_output};
use crate::errors::{resale_error, resale_status};
use crate::policy::resale_policy;
use crate::string::resale_buffer;

/// The `[extensions]` section of `panel.ini` for this policy: `buyUrl`
/// and, when `catalog_url` is not NULL, the catalog proxy's URL.
/// `*out` receives the text.
///
/// # Safety
/// `policy` from `resale_policy_new`; `catalog_url` NULL or valid for reads
/// of `catalog_url_len` bytes; `out` a buffer filled only by this library;
/// `error` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_panel_ini(
    policy_: *const resale_policy,
    catalog_url: *const c_char,
    catalog_url_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_policy_output(error, policy_, out, |policy, out| {
            let text = policy.panel_ini(args!(optional_text(catalog_url, catalog_url_len)))?;
            out.set(text.as_bytes())
        })
    }
}
