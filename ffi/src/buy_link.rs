//! The buy-link job in one foreign call: rewrite a Plesk buy link to the
//! shop, check the request it brings there, and write the accepted request
//! into a buffer the caller allocated once.
//!
//! A host that pays per foreign call and per foreign read (PHP's FFI: a
//! call costs about as much as the whole job in Rust) otherwise makes three
//! calls for this (`resale_rewrite_buy_url`, `resale_check_shop_request_fields`,
//! `resale_shop_request_free`). Here it makes one, and reads the answer as
//! it reads a checked request's: a [`resale_shop_request_fields`] by name
//! over one block.

use std::cell::RefCell;
use std::ffi::c_char;

use resale_core::{Error, Policy};

use crate::errors::{resale_error, resale_status, Failure};
use crate::panic_guard::guard;
use crate::policy::{policy, resale_policy};
use crate::shop_request::{lay_out, no_fields, resale_shop_request_fields};
use crate::string::text;

thread_local! {
    /// The rewritten link and the block, reused from call to call on the
    /// thread (a PHP-FPM or nginx worker makes millions of calls): after
    /// the first calls an accepted link allocates nothing here.
    static SCRATCH: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
}

/// Rewrite the Plesk buy link `url` as [`crate::rewrite::resale_rewrite_buy_url`]
/// does, check the rewritten link as [`crate::shop_request::resale_check_shop_request_fields`]
/// does, and write the accepted request to `out` (`out_cap` bytes, the
/// caller's) laid out as `*fields` says: the same layout by name as a
/// checked request's, with `fields->data` = `out` and `query` the
/// rewritten link. Statuses:
///
/// - `RESALE_STATUS_OK`: the request is in `out`, `*fields` reads it.
/// - `RESALE_STATUS_UNCHANGED`: not a Plesk buy link (keep the original);
///   the error says why, as for the rewrite.
/// - `RESALE_STATUS_REJECTED`: not a URL (`url.invalid`, `url.too_long`),
///   or the rewritten link is refused by the shop-request check
///   (`extension.not_sold`, `kn.malformed`, …).
/// - `RESALE_STATUS_INVALID_ARGUMENT`: a NULL argument, `url` not UTF-8, or
///   `out_cap` too small (code `argument.too_small`, field `out`): then
///   `fields->len` is the size needed (`data` NULL); call again with a
///   buffer that large (PHP's binding starts with 4 KiB and grows it so).
///
/// Unless the status is OK, nothing is written to `out` and `*fields` has
/// every value absent.
///
/// # Safety
/// `policy` from [`crate::policy::resale_policy_new`]; `url` valid for
/// reads of `url_len` bytes; `out` valid for writes of `out_cap` bytes (NULL
/// when `out_cap` is 0); `fields` valid for writes; `error` NULL or valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_buy_link(
    policy_: *const resale_policy,
    url: *const c_char,
    url_len: usize,
    out: *mut u8,
    out_cap: usize,
    fields: *mut resale_shop_request_fields,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard(error, || {
            let fields = fields.as_mut().ok_or_else(|| Failure::null("fields"))?;
            *fields = no_fields();
            if out.is_null() && out_cap > 0 {
                return Err(Failure::null("out"));
            }
            let policy = policy(policy_)?;
            let url = text(url, url_len, "url")?;
            SCRATCH.with_borrow_mut(|(link, block)| {
                let laid = buy_link(policy, url, link, block)?;
                if laid.len > out_cap {
                    fields.len = laid.len;
                    return Err(too_small(laid.len, out_cap));
                }
                // `out` holds `out_cap >= block.len()` writable bytes, and
                // is not NULL unless `out_cap` (so `block.len()`) is 0.
                if !block.is_empty() {
                    std::ptr::copy_nonoverlapping(block.as_ptr(), out, block.len());
                }
                *fields = resale_shop_request_fields { data: out, ..laid };
                Ok(())
            })
        })
    }
}

/// The arguments of [`resale_buy_link`] that stay the same from call to
/// call, set once by the caller: [`resale_buy_link_run`] takes them as one
/// pointer.
///
/// Why a struct: PHP's FFI converts and classifies every argument on every
/// call (libffi's `ffi_prep_cif` runs per call there), about 400
/// instructions each, so the seven arguments of [`resale_buy_link`] cost
/// more than the rewrite itself; with the fixed ones behind one pointer a
/// call passes three.
#[repr(C)]
pub struct resale_buy_link_job {
    /// The policy, from [`crate::policy::resale_policy_new`].
    pub policy: *const resale_policy,
    /// The caller's block, `out_cap` bytes (NULL when `out_cap` is 0).
    pub out: *mut u8,
    /// Its size in bytes.
    pub out_cap: usize,
    /// Where the request's layout is written (never NULL).
    pub fields: *mut resale_shop_request_fields,
    /// NULL, or where the error object of a failure goes (the caller frees
    /// it). NULL on a hot path that asks again for the error when it needs it.
    pub error: *mut *mut resale_error,
}

/// [`resale_buy_link`] with its fixed arguments in `*job`: the same call
/// as `resale_buy_link(job->policy, url, url_len, job->out, job->out_cap,
/// job->fields, job->error)`, with the same statuses and writes. A NULL
/// `job` is `RESALE_STATUS_INVALID_ARGUMENT` (with no error object: there is
/// nowhere to put it).
///
/// # Safety
/// `job` NULL or valid for reads, its members as [`resale_buy_link`]
/// requires them; `url` valid for reads of `url_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn resale_buy_link_run(
    job: *const resale_buy_link_job,
    url: *const c_char,
    url_len: usize,
) -> resale_status {
    unsafe {
        match job.as_ref() {
            Some(j) => resale_buy_link(j.policy, url, url_len, j.out, j.out_cap, j.fields, j.error),
            None => resale_status::InvalidArgument,
        }
    }
}

/// The job on the core's side: the rewritten link in `link`, and the
/// request it brings laid out in `block`.
fn buy_link(
    policy: &Policy,
    url: &str,
    link: &mut String,
    block: &mut String,
) -> Result<resale_shop_request_fields, Failure> {
    link.clear();
    policy
        .rewrite_buy_url_into(url, link)?
        .map_err(Failure::unchanged)?;
    let request = policy.check_shop_request_ref(link)?;
    Ok(lay_out(policy, &request, link, block))
}

fn too_small(needed: usize, cap: usize) -> Failure {
    Failure::invalid(Error::at_field(
        "argument.too_small",
        "out",
        format!("`out` holds {cap} bytes; the answer needs {needed}"),
    ))
}
