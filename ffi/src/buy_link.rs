//! The buy-link job in one foreign call: rewrite a Plesk buy link to the
//! shop, check the request it brings there, and write every answer into a
//! buffer the caller allocated once.
//!
//! A host that pays per foreign call and per foreign read (PHP's FFI: a
//! call costs about as much as the whole job in Rust) otherwise makes three
//! calls for this (`resale_rewrite_buy_url`, `resale_check_shop_request_fields`,
//! `resale_shop_request_free`) and reads a struct field by field. Here it
//! makes one call, reads one length, and copies one block.

use std::cell::RefCell;
use std::ffi::c_char;

use resale_core::{Error, Policy, ShopRequestRef};

use crate::errors::{resale_error, resale_status, Failure};
use crate::panic_guard::guard;
use crate::policy::{policy, resale_policy};
use crate::shop_request::{push_forward_query, values};
use crate::string::text;

/// How many NUL-terminated fields an accepted [`resale_buy_link`] writes.
pub const RESALE_BUY_LINK_FIELDS: u32 = 10;

thread_local! {
    /// The rewritten link and the block, reused from call to call on the
    /// thread (a PHP-FPM or nginx worker makes millions of calls): after
    /// the first calls an accepted link allocates nothing here.
    static SCRATCH: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
}

/// Rewrite the Plesk buy link `url` as [`crate::rewrite::resale_rewrite_buy_url`]
/// does, check the rewritten link as [`crate::shop_request::resale_check_shop_request`]
/// does, and write the answers to `out` (`out_cap` bytes, the caller's),
/// their length to `*out_len`.
///
/// The answers are NUL-terminated fields, in this order (no value holds a
/// NUL: the check refuses control characters and the URLs are
/// percent-encoded):
///
/// 0. the rewritten link (the shop URL with Plesk's parameters);
/// 1. the redirect URL (where the shop sends the customer on);
/// 2. `extension-id`; 3. `kn`; 4. `token`; 5. `product-id`;
///    6. `buyUrlCoupon` (values percent-decoded, `+` kept);
/// 7. the action, `buy` or `upgrade`;
/// 8. `ekn`;
/// 9. the accepted parameters as they arrived (`forward_query`).
///
/// An absent optional value is an empty field (an accepted value is never
/// empty). Statuses:
///
/// - `RESALE_STATUS_OK`: the [`RESALE_BUY_LINK_FIELDS`] fields are in `out`.
/// - `RESALE_STATUS_UNCHANGED`: not a Plesk buy link (keep the original);
///   the error says why, as for the rewrite; `*out_len` is 0.
/// - `RESALE_STATUS_REJECTED`: not a URL (`url.invalid`, `url.too_long`;
///   `*out_len` 0), or the rewritten link is refused by the shop-request
///   check (`extension.not_sold`, `kn.malformed`, …; then `out` holds field
///   0, the rewritten link, and `*out_len` its length with the NUL).
/// - `RESALE_STATUS_INVALID_ARGUMENT`: a NULL argument, `url` not UTF-8, or
///   `out_cap` too small (code `argument.too_small`, field `out`): nothing
///   is written to `out` and `*out_len` is the size needed; call again
///   with a buffer that large (PHP's binding starts with 4 KiB and grows
///   it so).
///
/// # Safety
/// `policy` from [`crate::policy::resale_policy_new`]; `url` valid for
/// reads of `url_len` bytes; `out` valid for writes of `out_cap` bytes (NULL
/// when `out_cap` is 0); `out_len` valid for writes; `error` NULL or valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_buy_link(
    policy_: *const resale_policy,
    url: *const c_char,
    url_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard(error, || {
            let out_len = out_len.as_mut().ok_or_else(|| Failure::null("out_len"))?;
            *out_len = 0;
            if out.is_null() && out_cap > 0 {
                return Err(Failure::null("out"));
            }
            let policy = policy(policy_)?;
            let url = text(url, url_len, "url")?;
            SCRATCH.with_borrow_mut(|(link, block)| {
                let answer = buy_link(policy, url, link, block);
                if block.len() > out_cap {
                    *out_len = block.len();
                    return Err(too_small(block.len(), out_cap));
                }
                if !block.is_empty() {
                    // `out` holds `out_cap >= block.len() > 0` writable bytes.
                    std::ptr::copy_nonoverlapping(block.as_ptr(), out, block.len());
                }
                *out_len = block.len();
                answer
            })
        })
    }
}

/// The job on the core's side: `block` (emptied first) gets the fields
/// that [`resale_buy_link`] documents, or the rewritten link alone when the
/// check refuses it, or nothing.
fn buy_link(
    policy: &Policy,
    url: &str,
    link: &mut String,
    block: &mut String,
) -> Result<(), Failure> {
    link.clear();
    block.clear();
    policy
        .rewrite_buy_url_into(url, link)?
        .map_err(Failure::unchanged)?;
    block.push_str(link);
    block.push('\0');
    let request = policy.check_shop_request_ref(link)?;
    write_fields(policy, &request, block);
    Ok(())
}

/// Append fields 1 to 9 of an accepted request, each NUL-terminated.
fn write_fields(policy: &Policy, request: &ShopRequestRef<'_>, block: &mut String) {
    policy.write_shop_redirect_url(request, block);
    block.push('\0');
    let mut put = |value: Option<&str>| {
        block.push_str(value.unwrap_or(""));
        block.push('\0');
    };
    let [extension_id, key_number, token, product_id, coupon, extension_key_number] =
        values(request);
    for value in [extension_id, key_number, token, product_id, coupon] {
        put(value);
    }
    put(Some(request.action.as_str()));
    put(extension_key_number);
    push_forward_query(request, block);
    block.push('\0');
}

fn too_small(needed: usize, cap: usize) -> Failure {
    Failure::invalid(Error::at_field(
        "argument.too_small",
        "out",
        format!("`out` holds {cap} bytes; the answer needs {needed}"),
    ))
}
