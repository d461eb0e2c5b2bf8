//! The catalog filter: Plesk's extension feed without the commercial
//! extensions the shop does not sell, byte for byte otherwise.

use std::ffi::{c_char, c_int};

use resale_core::catalog::{CatalogKind, CatalogStats};

use crate::answer::{args, with_policy_output};
use crate::errors::{resale_error, resale_status};
use crate::panic_guard::{guard, guard_new, guard_or};
use crate::policy::{policy, resale_policy};
use crate::string::{resale_buffer, text};

// `CatalogKind` and `CatalogStats` in C are the core's
// `CatalogKind` and `CatalogStats` themselves (`repr(C)`, renamed in
// cbindgen.toml), not copies: a count added in the core is in the header at
// once.

fn write_stats(slot: *mut CatalogStats, stats: CatalogStats) {
    // SAFETY: callers pass NULL or a pointer valid for writes (function contracts).
    if let Some(slot) = unsafe { slot.as_mut() } {
        *slot = stats;
    }
}

/// Which feed the request `path` (with or without its query) asks for.
/// `RESALE_CATALOG_KIND_OTHER` for a NULL policy or a path that is not UTF-8.
///
/// # Safety
/// `policy` from `resale_policy_new`; `path` valid for reads of `path_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn resale_policy_catalog_kind(
    policy_: *const resale_policy,
    path: *const c_char,
    path_len: usize,
) -> CatalogKind {
    unsafe {
        guard_or(CatalogKind::Other, || {
            match (policy(policy_), text(path, path_len, "path")) {
                (Ok(p), Ok(path)) => p.catalog_kind(path),
                _ => CatalogKind::Other,
            }
        })
    }
}

/// Filter a whole catalog response for the request `path`.
///
/// `*out` receives the filtered feed; `stats` (may be NULL) the counts.
/// A feed that is not valid JSON of the expected shape, or exceeds the
/// policy's limits, is `RESALE_STATUS_REJECTED` with a code such as
/// `catalog.json.invalid` and the byte offset where it was found.
///
/// # Safety
/// `policy` from `resale_policy_new`; `path`/`body` valid for reads of their
/// lengths; `out` a buffer filled only by this library; `stats` NULL or valid
/// for writes; `error` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_filter_catalog(
    policy_: *const resale_policy,
    path: *const c_char,
    path_len: usize,
    body: *const c_char,
    body_len: usize,
    out: *mut resale_buffer,
    stats: *mut CatalogStats,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_policy_output(error, policy_, out, |policy, out| {
            let (path, body) = args!(text(path, path_len), bytes(body, body_len));
            let mut filter = policy.catalog_filter(path);
            let counts = out.fill(|v| {
                v.reserve(body.len());
                filter.push(body, v)?;
                filter.finish(v)
            })?;
            write_stats(stats, counts);
            Ok(())
        })
    }
}

/// Every decision of the filter on a whole response for the request `path`:
/// `*out` receives `{"kind","items":[…],"categories":[…],"summary":{…}}`
/// (per item its index, code, name, `kept`/`hidden` and rule). An invalid
/// feed is `RESALE_STATUS_REJECTED` with the same error as
/// [`resale_filter_catalog`]'s.
///
/// # Safety
/// As [`resale_filter_catalog`] (without `stats`).
#[no_mangle]
pub unsafe extern "C" fn resale_explain_catalog(
    policy_: *const resale_policy,
    path: *const c_char,
    path_len: usize,
    body: *const c_char,
    body_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_policy_output(error, policy_, out, |policy, out| {
            let (path, body) = args!(text(path, path_len), bytes(body, body_len));
            out.json(&policy.explain_catalog(path, body)?)
        })
    }
}

/// A catalog filter fed chunk by chunk (a proxied response as it arrives).
/// One thread at a time; free with [`resale_catalog_filter_free`].
pub struct resale_catalog_filter {
    inner: resale_core::catalog::CatalogFilter,
}

/// A new incremental filter for one response to the request `path`.
///
/// # Safety
/// `policy` from `resale_policy_new` (the filter keeps what it needs: the
/// policy may be freed first); `path` valid for reads of `path_len` bytes;
/// `filter` valid for writes; `error` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_catalog_filter_new(
    policy_: *const resale_policy,
    path: *const c_char,
    path_len: usize,
    filter: *mut *mut resale_catalog_filter,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard_new(filter, "filter", error, || {
            let policy = policy(policy_)?;
            let path = text(path, path_len, "path")?;
            Ok(resale_catalog_filter {
                inner: policy.catalog_filter(path),
            })
        })
    }
}

/// The feed a filter reads (`RESALE_CATALOG_KIND_OTHER` for NULL).
///
/// # Safety
/// `filter` is NULL or from [`resale_catalog_filter_new`], not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_catalog_filter_kind(
    filter: *const resale_catalog_filter,
) -> CatalogKind {
    unsafe {
        filter
            .as_ref()
            .map_or(CatalogKind::Other, |f| f.inner.kind())
    }
}

/// Read the next `chunk`; `*out` receives the bytes that can be sent on now
/// (possibly none: `len` 0). Chunks may be cut anywhere, even inside a
/// UTF-8 character; the output equals the one-shot filter's.
///
/// On failure the output sent so far is not a feed: abort the response
/// (close the connection) rather than end it normally. The filter then
/// refuses further input (`catalog.filter.finished`).
///
/// # Safety
/// `filter` from [`resale_catalog_filter_new`]; `chunk` valid for reads of
/// `chunk_len` bytes; `out` a buffer filled only by this library; `error`
/// NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_catalog_filter_push(
    filter: *mut resale_catalog_filter,
    chunk: *const c_char,
    chunk_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        resale_catalog_filter_feed(
            filter,
            chunk,
            chunk_len,
            0,
            out,
            std::ptr::null_mut(),
            error,
        )
    }
}

/// End of input: `*out` receives the last bytes, `stats` (may be NULL) the
/// counts. A feed cut short is `RESALE_STATUS_REJECTED`
/// (`catalog.json.truncated`, …).
///
/// # Safety
/// As [`resale_catalog_filter_push`]; `stats` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_catalog_filter_finish(
    filter: *mut resale_catalog_filter,
    out: *mut resale_buffer,
    stats: *mut CatalogStats,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe { resale_catalog_filter_feed(filter, std::ptr::null(), 0, 1, out, stats, error) }
}

/// [`resale_catalog_filter_push`] of `chunk` (may be empty) and, when `last`
/// is not 0, [`resale_catalog_filter_finish`] in the same call, with both
/// outputs in `*out` one after the other. For a host whose last input
/// buffer can carry data (nginx: a cached response is one buffer, also the
/// last): two calls there would each replace `*out`, so the push's bytes
/// would have to be sent before finishing; one call cannot lose them.
///
/// # Safety
/// As [`resale_catalog_filter_finish`], and `chunk` as for `_push`.
#[no_mangle]
pub unsafe extern "C" fn resale_catalog_filter_feed(
    filter: *mut resale_catalog_filter,
    chunk: *const c_char,
    chunk_len: usize,
    last: c_int,
    out: *mut resale_buffer,
    stats: *mut CatalogStats,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard(error, || {
            let (filter, chunk, mut out) =
                args!(arg_mut(filter), bytes(chunk, chunk_len), output(out));
            out.fill(|v| {
                // An empty last chunk: the finish alone, as `_finish` is.
                if !chunk.is_empty() || last == 0 {
                    filter.inner.push(chunk, v)?;
                }
                if last != 0 {
                    write_stats(stats, filter.inner.finish(v)?);
                }
                Ok::<_, resale_core::Error>(())
            })?;
            Ok(())
        })
    }
}

/// Free a filter. NULL is accepted.
///
/// # Safety
/// `filter` is NULL or from [`resale_catalog_filter_new`], not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_catalog_filter_free(filter: *mut resale_catalog_filter) {
    unsafe {
        if !filter.is_null() {
            guard_or((), || drop(Box::from_raw(filter)));
        }
    }
}
