//! Shop entry: the query a buy link brings to the shop, checked against the policy.

// Not yet split into one `unsafe {}` per operation (workspace lint
// unsafe_op_in_unsafe_fn): this file is being reworked by the buy-link hot
// path change; the allowance goes when that lands.
#![allow(unsafe_op_in_unsafe_fn)]

use std::ffi::c_char;

use resale_core::{Action, ShopRequest};

use crate::errors::{resale_error, resale_status, Failure};
use crate::panic_guard::{guard, guard_or};
use crate::policy::{policy, resale_policy};
use crate::string::{resale_str, text};

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

/// An accepted request's values by name (`resale_core::ShopRequest`'s
/// fields, and the redirect): views into the request they were read from,
/// valid until it is freed; `data` NULL for an absent value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct resale_shop_request_fields {
    /// `extension-id`: the extension's code.
    pub extension_id: resale_str,
    /// `kn`: the main Plesk key number.
    pub key_number: resale_str,
    /// `token` (Individual Offers), percent-decoded.
    pub token: resale_str,
    /// `product-id` (Individual Offers).
    pub product_id: resale_str,
    /// `buyUrlCoupon`.
    pub coupon: resale_str,
    /// Purchase or upgrade (`a`).
    pub action: resale_action,
    /// `ekn`: the extension key being upgraded.
    pub extension_key_number: resale_str,
    /// The accepted parameters as they arrived, in a fixed order, joined by `&`.
    pub forward_query: resale_str,
    /// Where to send the customer: the shop URL with the accepted parameters.
    pub redirect_url: resale_str,
}

impl resale_shop_request {
    /// Every field by name. The core's struct is taken apart without `..`:
    /// a field added to `ShopRequest` does not compile until it is here.
    fn fields(&self) -> resale_shop_request_fields {
        let ShopRequest {
            extension_id,
            key_number,
            token,
            product_id,
            coupon,
            action,
            extension_key_number,
            forward_query,
        } = &self.request;
        resale_shop_request_fields {
            extension_id: resale_str::of(extension_id),
            key_number: resale_str::of(key_number),
            token: resale_str::of_opt(token.as_deref()),
            product_id: resale_str::of_opt(product_id.as_deref()),
            coupon: resale_str::of_opt(coupon.as_deref()),
            action: match action {
                Action::Buy => resale_action::Buy,
                Action::Upgrade => resale_action::Upgrade,
            },
            extension_key_number: resale_str::of_opt(extension_key_number.as_deref()),
            forward_query: resale_str::of(forward_query),
            redirect_url: resale_str::of(&self.redirect_url),
        }
    }
}

/// [`resale_check_shop_request`] and [`resale_shop_request_get_fields`] in one
/// call, for hosts where each foreign call is costly (PHP's FFI): on
/// success `*request` is the new request (free it with
/// [`resale_shop_request_free`]; it is what [`crate::license::resale_license_plan`]
/// takes) and `*fields` (when not NULL) its values by name.
///
/// # Safety
/// As [`resale_check_shop_request`]; `fields` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_check_shop_request_fields(
    policy_: *const resale_policy,
    query: *const c_char,
    query_len: usize,
    request: *mut *mut resale_shop_request,
    fields: *mut resale_shop_request_fields,
    error: *mut *mut resale_error,
) -> resale_status {
    let status = resale_check_shop_request(policy_, query, query_len, request, error);
    if status == resale_status::Ok {
        if let (Some(slot), Some(r)) = (fields.as_mut(), request.as_ref()) {
            *slot = resale_shop_request_get_fields(*r);
        }
    }
    status
}

/// The request's values by name; all absent (`data` NULL) for NULL.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_get_fields(
    request: *const resale_shop_request,
) -> resale_shop_request_fields {
    request
        .as_ref()
        .map_or_else(no_fields, resale_shop_request::fields)
}

fn no_fields() -> resale_shop_request_fields {
    let none = resale_str::none();
    resale_shop_request_fields {
        extension_id: none,
        key_number: none,
        token: none,
        product_id: none,
        coupon: none,
        action: resale_action::Buy,
        extension_key_number: none,
        forward_query: none,
        redirect_url: none,
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
