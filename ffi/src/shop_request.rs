//! Shop entry: the query a buy link brings to the shop, checked against the policy.

use std::ffi::c_char;

use resale_core::{Action, ShopRequest};

use crate::errors::{resale_error, resale_status, Failure};
use crate::panic_guard::{guard, guard_or};
use crate::policy::{policy, resale_policy};
use crate::string::{output, resale_buffer, resale_str, text};

/// An accepted shop request: the parsed, percent-decoded parameters and
/// the URL to send the customer on to. Read with the
/// `resale_shop_request_*` getters (views valid until the request is freed);
/// free with [`resale_shop_request_free`].
pub struct resale_shop_request {
    request: ShopRequest,
    redirect_url: String,
}

impl resale_shop_request {
    pub(crate) fn request(&self) -> &ShopRequest {
        &self.request
    }
}

/// Purchase or upgrade (the `a` parameter).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum resale_action {
    /// A new license (no `a`).
    Buy = 0,
    /// An upgrade of the extension key `ekn` (`a=upgrade`).
    Upgrade = 1,
}

/// Check what arrived at the shop (a query string, a path with a query, or
/// a whole URL) against the policy.
///
/// - `RESALE_STATUS_OK`: `*request` is a new accepted request.
/// - `RESALE_STATUS_REJECTED`: refused; the error object has the code
///   (`kn.malformed`, `extension.not_sold`, `param.duplicate`, …) and the
///   parameter at fault as its field.
///
/// # Safety
/// `policy` from `resale_policy_new`; `query` valid for reads of
/// `query_len` bytes; `request` valid for writes; `error` NULL or valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_check_shop_request(
    policy_: *const resale_policy,
    query: *const c_char,
    query_len: usize,
    request: *mut *mut resale_shop_request,
    error: *mut *mut resale_error,
) -> resale_status {
    guard(error, || {
        let slot = request.as_mut().ok_or_else(|| Failure::null("request"))?;
        *slot = std::ptr::null_mut();
        let policy = policy(policy_)?;
        let query = text(query, query_len, "query")?;
        let accepted = policy.check_shop_request(query)?;
        let redirect_url = policy.shop_redirect_url(&accepted);
        *slot = Box::into_raw(Box::new(resale_shop_request {
            request: accepted,
            redirect_url,
        }));
        Ok(resale_status::Ok)
    })
}

/// [`resale_check_shop_request`] in one call and one allocation-free
/// answer, for hosts where each foreign call is costly (PHP's FFI): on
/// success `*out` holds the request's fields separated by NUL bytes, in
/// this order: `extension_id`, `key_number`, `token`, `product_id`,
/// `coupon`, `action` (`buy` or `upgrade`), `extension_key_number`,
/// `redirect_url`. An absent value is empty (the core treats an empty
/// parameter as absent, so the two never differ).
///
/// # Safety
/// As [`resale_check_shop_request`], with `out` a buffer filled only by this library.
#[no_mangle]
pub unsafe extern "C" fn resale_check_shop_request_fields(
    policy_: *const resale_policy,
    query: *const c_char,
    query_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    guard(error, || {
        let policy = policy(policy_)?;
        let query = text(query, query_len, "query")?;
        let mut out = output(out, "out")?;
        let r = policy.check_shop_request(query)?;
        let redirect_url = policy.shop_redirect_url(&r);
        out.fill(|v| {
            let fields = [
                r.extension_id.as_str(),
                r.key_number.as_str(),
                r.token.as_deref().unwrap_or(""),
                r.product_id.as_deref().unwrap_or(""),
                r.coupon.as_deref().unwrap_or(""),
                action_name(r.action),
                r.extension_key_number.as_deref().unwrap_or(""),
                &redirect_url,
            ];
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    v.push(0);
                }
                v.extend_from_slice(f.as_bytes());
            }
        });
        Ok(resale_status::Ok)
    })
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Buy => "buy",
        Action::Upgrade => "upgrade",
    }
}

/// The extension's code (`extension-id`). A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_extension_id(
    request: *const resale_shop_request,
) -> resale_str {
    request.as_ref().map_or(resale_str::none(), |r| {
        resale_str::of(&r.request.extension_id)
    })
}

/// The main Plesk key number (`kn`). A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_key_number(
    request: *const resale_shop_request,
) -> resale_str {
    request.as_ref().map_or(resale_str::none(), |r| {
        resale_str::of(&r.request.key_number)
    })
}

/// The Individual Offers token (`token`), percent-decoded; `data` NULL when absent. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_token(
    request: *const resale_shop_request,
) -> resale_str {
    request.as_ref().map_or(resale_str::none(), |r| {
        resale_str::of_opt(r.request.token.as_deref())
    })
}

/// The Individual Offers product (`product-id`); `data` NULL when absent. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_product_id(
    request: *const resale_shop_request,
) -> resale_str {
    request.as_ref().map_or(resale_str::none(), |r| {
        resale_str::of_opt(r.request.product_id.as_deref())
    })
}

/// The coupon code (`buyUrlCoupon`); `data` NULL when absent. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_coupon(
    request: *const resale_shop_request,
) -> resale_str {
    request.as_ref().map_or(resale_str::none(), |r| {
        resale_str::of_opt(r.request.coupon.as_deref())
    })
}

/// The extension key being upgraded (`ekn`); `data` NULL when absent. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_extension_key_number(
    request: *const resale_shop_request,
) -> resale_str {
    request.as_ref().map_or(resale_str::none(), |r| {
        resale_str::of_opt(r.request.extension_key_number.as_deref())
    })
}

/// The accepted parameters as they arrived, in a fixed order, joined by `&`. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_forward_query(
    request: *const resale_shop_request,
) -> resale_str {
    request.as_ref().map_or(resale_str::none(), |r| {
        resale_str::of(&r.request.forward_query)
    })
}

/// Where to send the customer: the shop URL with the accepted parameters. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_redirect_url(
    request: *const resale_shop_request,
) -> resale_str {
    request
        .as_ref()
        .map_or(resale_str::none(), |r| resale_str::of(&r.redirect_url))
}

/// Purchase or upgrade. `RESALE_ACTION_BUY` for NULL.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_action(
    request: *const resale_shop_request,
) -> resale_action {
    match request.as_ref().map(|r| r.request.action) {
        Some(Action::Upgrade) => resale_action::Upgrade,
        _ => resale_action::Buy,
    }
}

/// Free an accepted request. NULL is accepted.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_free(request: *mut resale_shop_request) {
    if !request.is_null() {
        guard_or((), || drop(Box::from_raw(request)));
    }
}
