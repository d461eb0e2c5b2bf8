//! Shop entry: the query a buy link brings to the shop, checked against the policy.

use std::ffi::c_char;

use resale_core::{Action, Policy, ShopRequest, ShopRequestRef};

use crate::answer::args;
use crate::errors::{resale_error, resale_status};
use crate::panic_guard::{guard_new, guard_or};
use crate::policy::{policy, resale_policy};
use crate::string::resale_str;

/// An accepted shop request: the parsed, percent-decoded parameters and
/// the URL to send the customer on to. Read with the
/// `resale_shop_request_*` getters (views valid until the request is freed);
/// free with [`resale_shop_request_free`].
pub struct resale_shop_request {
    request: ShopRequest,
    /// The request laid out by [`lay_out`]: the one block
    /// `resale_shop_request_fields` points into, so that a host paying per
    /// foreign read (PHP's FFI) copies it once.
    block: String,
    /// `block`'s layout by field name, `data` pointing into `block` (its
    /// heap bytes do not move with the handle).
    fields: resale_shop_request_fields,
}

impl resale_shop_request {
    pub(crate) fn request(&self) -> &ShopRequest {
        &self.request
    }

    /// The accepted request checked from `query`, laid out as one block;
    /// the owned request is kept for the calls that take the handle (the
    /// license plan).
    fn new(policy: &Policy, request: ShopRequestRef<'_>, query: &str) -> resale_shop_request {
        let mut block = String::new();
        let mut fields = lay_out(policy, &request, query, &mut block);
        fields.data = block.as_ptr();
        resale_shop_request {
            request: request.into_owned(),
            block,
            fields,
        }
    }

    /// The redirect URL, read back from the block.
    fn redirect_url(&self) -> &str {
        let at = self.fields.redirect_url_at as usize;
        &self.block[at..at + self.fields.redirect_url_len as usize]
    }
}

/// The `_len` of an absent value in [`resale_shop_request_fields`]
/// (`UINT32_MAX`; its `_at` is 0).
pub const RESALE_ABSENT: u32 = u32::MAX;

const ABSENT_SPAN: (u32, u32) = (0, RESALE_ABSENT);

/// Lay the accepted `request`, checked from `query`, out in `block`
/// (emptied first) and answer where each value is: the one layout of a
/// request for both of the C ABI's ways to it (the handle's block and
/// [`crate::buy_link::resale_buy_link`]'s output), so that a host reads both
/// with one reader. `data` is NULL: the caller points it at the block
/// where it ends up.
///
/// Each text is written once and the values point into it: the redirect,
/// then the query unless it is the redirect itself (a rewritten buy link
/// is: the shop URL and the pairs as the rewrite wrote them), then only
/// what is not a part of the query (a percent-decoded value, a forward
/// query whose pairs did not arrive joined). Spans may therefore share
/// bytes; a host that cuts one string per span (PHP) can tell equal spans
/// and cut once, and the block it copies holds each text once.
pub(crate) fn lay_out(
    policy: &Policy,
    request: &ShopRequestRef<'_>,
    query: &str,
    block: &mut String,
) -> resale_shop_request_fields {
    block.clear();
    let mut f = no_fields();
    policy.write_shop_redirect_url(request, block);
    (f.redirect_url_at, f.redirect_url_len) = span(0, block.len());
    let query_at = if block.as_str() == query {
        0
    } else {
        let at = block.len();
        block.push_str(query);
        at
    };
    (f.query_at, f.query_len) = span(query_at, query.len());
    let text = Text {
        query,
        at: query_at,
    };
    (f.forward_query_at, f.forward_query_len) = match joined_in(query, request) {
        Some(joined) => text.put(joined, block),
        None => {
            let at = block.len();
            push_forward_query(request, block);
            span(at, block.len() - at)
        }
    };
    let mut value = |v: Option<&str>| v.map_or(ABSENT_SPAN, |v| text.put(v, block));
    (f.extension_id_at, f.extension_id_len) = value(Some(&request.extension_id));
    (f.key_number_at, f.key_number_len) = value(Some(&request.key_number));
    (f.token_at, f.token_len) = value(request.token.as_deref());
    (f.product_id_at, f.product_id_len) = value(request.product_id.as_deref());
    (f.coupon_at, f.coupon_len) = value(request.coupon.as_deref());
    (f.extension_key_number_at, f.extension_key_number_len) =
        value(request.extension_key_number.as_deref());
    f.action = match request.action {
        Action::Buy => resale_action::Buy,
        Action::Upgrade => resale_action::Upgrade,
    };
    f.len = block.len();
    f
}

/// The checked text as laid out: `query`'s bytes are at `at` in the block.
struct Text<'a> {
    query: &'a str,
    at: usize,
}

impl Text<'_> {
    /// The span of `v`: inside the query's bytes when `v` is a slice of the
    /// query (a value the check borrowed), else of a copy appended to `block`.
    fn put(&self, v: &str, block: &mut String) -> (u32, u32) {
        let at = offset_in(self.query, v).map_or_else(
            || {
                let at = block.len();
                block.push_str(v);
                at
            },
            |off| self.at + off,
        );
        span(at, v.len())
    }
}

/// Where `part` starts in `text` when it is a slice of it (its bytes are
/// `text`'s own, not equal bytes elsewhere).
fn offset_in(text: &str, part: &str) -> Option<usize> {
    let off = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (off <= text.len() && part.len() <= text.len() - off).then_some(off)
}

/// The forward query as one slice of `query`, when the forwarded pairs lie
/// there in their order one `&` apart (as in a link Plesk or the rewrite
/// wrote); `None` otherwise, or when there are none.
fn joined_in<'q>(query: &'q str, request: &ShopRequestRef<'_>) -> Option<&'q str> {
    let mut pairs = request.forward_pairs();
    let first = pairs.next()?;
    let start = offset_in(query, first)?;
    let mut end = start + first.len();
    for pair in pairs {
        // `end + 1` is a pair's start, so `end` is inside `query`.
        if offset_in(query, pair)? != end + 1 || query.as_bytes()[end] != b'&' {
            return None;
        }
        end += 1 + pair.len();
    }
    Some(&query[start..end])
}

/// An offset and a length in a request's block as `u32`. They always fit: the
/// block is the redirect URL (the policy's shop URL, the policy being at
/// most `MAX_POLICY_BYTES`, 1 MiB, plus the query, at most
/// `MAX_QUERY_BYTES`) and values taken from that query.
fn span(at: usize, len: usize) -> (u32, u32) {
    let fit = |n: usize| u32::try_from(n).unwrap_or(RESALE_ABSENT - 1);
    (fit(at), fit(len))
}

/// Append the accepted parameters as they arrived, joined by `&`
/// (`ShopRequest::forward_query`).
pub(crate) fn push_forward_query(request: &ShopRequestRef<'_>, block: &mut String) {
    for (i, pair) in request.forward_pairs().enumerate() {
        if i > 0 {
            block.push('&');
        }
        block.push_str(pair);
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
    let fields = std::ptr::null_mut();
    unsafe { resale_check_shop_request_fields(policy_, query, query_len, request, fields, error) }
}

/// An accepted request's values by name (`resale_core::ShopRequest`'s
/// fields, the redirect and the text checked), all in one block: value `x`
/// is the `x_len` bytes at `data + x_at`, absent when `x_len` is
/// [`RESALE_ABSENT`]. The block is the request's (from
/// [`resale_shop_request_get_fields`]: valid until the request is freed) or
/// the caller's own buffer ([`crate::buy_link::resale_buy_link`]'s `out`):
/// one layout, so a host reads a request with one reader whichever call
/// answered it. One block rather than a view per field because a host like
/// PHP's FFI pays for every pointer it reads: it copies `data[0..len]` once
/// and cuts it by the offsets. Read the values by name: their order in the
/// block is not part of the ABI, and values may share bytes (a value that
/// arrived plain is a part of the query's text, and a rewritten link that
/// is its own redirect is there once, for both).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct resale_shop_request_fields {
    /// The first byte of the block (NULL when there is none: a NULL request).
    pub data: *const u8,
    /// The block's length in bytes.
    pub len: usize,
    /// `extension-id`: the extension's code. Offset in `data`.
    pub extension_id_at: u32,
    /// Its length; [`RESALE_ABSENT`] when absent.
    pub extension_id_len: u32,
    /// `kn`: the main Plesk key number. Offset in `data`.
    pub key_number_at: u32,
    /// Its length; [`RESALE_ABSENT`] when absent.
    pub key_number_len: u32,
    /// `token` (Individual Offers), percent-decoded. Offset in `data`.
    pub token_at: u32,
    /// Its length; [`RESALE_ABSENT`] when absent.
    pub token_len: u32,
    /// `product-id` (Individual Offers). Offset in `data`.
    pub product_id_at: u32,
    /// Its length; [`RESALE_ABSENT`] when absent.
    pub product_id_len: u32,
    /// `buyUrlCoupon`. Offset in `data`.
    pub coupon_at: u32,
    /// Its length; [`RESALE_ABSENT`] when absent.
    pub coupon_len: u32,
    /// Purchase or upgrade (`a`).
    pub action: resale_action,
    /// `ekn`: the extension key being upgraded. Offset in `data`.
    pub extension_key_number_at: u32,
    /// Its length; [`RESALE_ABSENT`] when absent.
    pub extension_key_number_len: u32,
    /// The accepted parameters as they arrived, in a fixed order, joined by `&`. Offset in `data`.
    pub forward_query_at: u32,
    /// Its length; [`RESALE_ABSENT`] when absent.
    pub forward_query_len: u32,
    /// Where to send the customer: the shop URL with the accepted parameters. Offset in `data`.
    pub redirect_url_at: u32,
    /// Its length; [`RESALE_ABSENT`] when absent.
    pub redirect_url_len: u32,
    /// The text that was checked: the query, path or URL given to
    /// [`resale_check_shop_request_fields`], or the rewritten link
    /// [`crate::buy_link::resale_buy_link`] checked. Offset in `data`.
    pub query_at: u32,
    /// Its length; [`RESALE_ABSENT`] when absent.
    pub query_len: u32,
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
    unsafe {
        let status = guard_new(request, "request", error, || {
            let policy = policy(policy_)?;
            let query = args!(text(query, query_len));
            let accepted = policy.check_shop_request_ref(query)?;
            Ok(resale_shop_request::new(policy, accepted, query))
        });
        if status == resale_status::Ok {
            if let (Some(slot), Some(r)) = (fields.as_mut(), request.as_ref()) {
                *slot = resale_shop_request_get_fields(*r);
            }
        }
        status
    }
}

/// The request's values by name; all absent (`data` NULL) for NULL.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_get_fields(
    request: *const resale_shop_request,
) -> resale_shop_request_fields {
    unsafe { request.as_ref().map_or_else(no_fields, |r| r.fields) }
}

/// One value of `request` as a view: `data` NULL for a NULL request or an
/// absent value.
///
/// # Safety
/// As the getters: `request` NULL or a live request.
unsafe fn view<'a>(
    request: *const resale_shop_request,
    value: impl FnOnce(&'a resale_shop_request) -> Option<&'a str>,
) -> resale_str {
    unsafe { resale_str::of_opt(request.as_ref().and_then(value)) }
}

/// A layout with every value absent and no block (`data` NULL, `len` 0).
pub(crate) fn no_fields() -> resale_shop_request_fields {
    let (at, len) = ABSENT_SPAN;
    resale_shop_request_fields {
        data: std::ptr::null(),
        len: 0,
        extension_id_at: at,
        extension_id_len: len,
        key_number_at: at,
        key_number_len: len,
        token_at: at,
        token_len: len,
        product_id_at: at,
        product_id_len: len,
        coupon_at: at,
        coupon_len: len,
        action: resale_action::Buy,
        extension_key_number_at: at,
        extension_key_number_len: len,
        forward_query_at: at,
        forward_query_len: len,
        redirect_url_at: at,
        redirect_url_len: len,
        query_at: at,
        query_len: len,
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
    unsafe { view(request, |r| Some(r.request.extension_id())) }
}

/// The main Plesk key number (`kn`). A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_key_number(
    request: *const resale_shop_request,
) -> resale_str {
    unsafe { view(request, |r| Some(r.request.key_number())) }
}

/// The Individual Offers token (`token`), percent-decoded; `data` NULL when absent. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_token(
    request: *const resale_shop_request,
) -> resale_str {
    unsafe { view(request, |r| r.request.token()) }
}

/// The Individual Offers product (`product-id`); `data` NULL when absent. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_product_id(
    request: *const resale_shop_request,
) -> resale_str {
    unsafe { view(request, |r| r.request.product_id()) }
}

/// The coupon code (`buyUrlCoupon`); `data` NULL when absent. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_coupon(
    request: *const resale_shop_request,
) -> resale_str {
    unsafe { view(request, |r| r.request.coupon()) }
}

/// The extension key being upgraded (`ekn`); `data` NULL when absent. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_extension_key_number(
    request: *const resale_shop_request,
) -> resale_str {
    unsafe { view(request, |r| r.request.extension_key_number()) }
}

/// The accepted parameters as they arrived, in a fixed order, joined by `&`. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_forward_query(
    request: *const resale_shop_request,
) -> resale_str {
    unsafe { view(request, |r| Some(r.request.forward_query())) }
}

/// Where to send the customer: the shop URL with the accepted parameters. A view valid until the request is freed; `data` NULL for a NULL request.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_redirect_url(
    request: *const resale_shop_request,
) -> resale_str {
    unsafe { view(request, |r| Some(r.redirect_url())) }
}

/// Purchase or upgrade. `RESALE_ACTION_BUY` for NULL.
///
/// # Safety
/// `request` is NULL or from `resale_check_shop_request`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_shop_request_action(
    request: *const resale_shop_request,
) -> resale_action {
    match unsafe { request.as_ref() }.map(|r| r.request.action()) {
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
    unsafe {
        if !request.is_null() {
            guard_or((), || drop(Box::from_raw(request)));
        }
    }
}
