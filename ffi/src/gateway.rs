//! The gateway (`resale_core::gateway`): an edge's routes and HTTP answers,
//! for nginx and the PHP entry page.
//!
//! A reply crosses as text in a `resale_buffer`, in HTTP's own shape: the
//! status on the first line, then one `name: value` line per header (names
//! lower case, in order), an empty line, and the body:
//!
//! ```text
//! 400
//! content-type: text/html; charset=utf-8
//! cache-control: no-store
//!
//! <!doctype html>…
//! ```
//!
//! Header names and values never contain a line break (the core builds them
//! from parsed URLs and fixed text).
//!
//! A host that sends the reply through its own header structures (nginx)
//! reads that text with [`resale_reply_status`], [`resale_reply_header`] and
//! [`resale_reply_body`] instead of parsing it again: views into the text
//! wherever the host keeps it, so one loop maps every header.

use std::ffi::c_char;
use std::fmt::Write;

use resale_core::gateway::{
    Answer, AnswerAction, CatalogPlan, Decision, DecisionKind, Gateway, Reply, Request,
    UpstreamHead,
};

use crate::answer::{arg, args, with_output};
use crate::errors::{resale_error, resale_status, Failure};
use crate::panic_guard::{guard_new, guard_or};
use crate::policy::policy_file;
use crate::string::{resale_buffer, resale_str, Output};

/// A compiled policy and its digest (`resale_core::gateway::Gateway`).
/// Immutable and thread-safe, as a `resale_policy`.
pub struct resale_gateway {
    inner: Gateway,
    /// The same compiled policy, lent out by [`resale_gateway_policy`].
    policy: crate::policy::resale_policy,
}

impl resale_gateway {
    fn new(inner: Gateway) -> resale_gateway {
        let policy = crate::policy::resale_policy {
            inner: inner.policy().clone(),
        };
        resale_gateway { inner, policy }
    }
}

/// The parts of a request the gateway reads. A `data` of NULL is an absent
/// header; `method` and `target` (path and query, as sent) are required.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct resale_http_request {
    /// `GET`, `HEAD`, `POST`, …
    pub method: resale_str,
    /// The path and the query, undecoded.
    pub target: resale_str,
    /// The `Accept` header.
    pub accept: resale_str,
    /// The `If-None-Match` header.
    pub if_none_match: resale_str,
    /// The `Accept-Encoding` header.
    pub accept_encoding: resale_str,
}

unsafe fn gateway<'a>(ptr: *const resale_gateway) -> Result<&'a Gateway, Failure> {
    unsafe { arg(ptr, "gateway").map(|g| &g.inner) }
}

unsafe fn request<'a>(ptr: *const resale_http_request) -> Result<Request<'a>, Failure> {
    unsafe {
        let r = arg(ptr, "request")?;
        Ok(Request {
            method: r.method.text("method")?,
            target: r.target.text("target")?,
            accept: r.accept.optional_text("accept")?,
            if_none_match: r.if_none_match.optional_text("if_none_match")?,
            accept_encoding: r.accept_encoding.optional_text("accept_encoding")?,
        })
    }
}

/// Write the reply as the text this module's doc describes.
fn wire(reply: &Reply, s: &mut String) {
    let _ = writeln!(s, "{}", reply.status);
    for (name, value) in &reply.headers {
        let _ = writeln!(s, "{name}: {value}");
    }
    s.push('\n');
    s.push_str(&reply.body);
}

/// Answer `decided` in `*slot` and the reply's text (none: empty) in
/// `out`: the last step of the functions that decide.
fn decide<D>(
    slot: &mut D,
    decided: D,
    reply: Option<&Reply>,
    out: &mut Output,
) -> Result<(), Failure> {
    *slot = decided;
    send(reply, out)
}

/// The reply's text (none: empty) in `out`, written there in place.
fn send(reply: Option<&Reply>, out: &mut Output) -> Result<(), Failure> {
    out.fill_text(|s| reply.map(|r| wire(r, s)));
    Ok(())
}

fn not_catalog() -> Failure {
    Failure::invalid(resale_core::Error::at_field(
        "gateway.not_catalog",
        "target",
        "the request is not for the catalog route",
    ))
}

fn plan(gw: &Gateway, req: &Request) -> Result<CatalogPlan, Failure> {
    match gw.route(req) {
        Decision::Catalog(plan) => Ok(plan),
        _ => Err(not_catalog()),
    }
}

/// Compile a policy (as [`crate::policy::resale_policy_new`]) into a gateway.
///
/// # Safety
/// As `resale_policy_new`.
#[no_mangle]
pub unsafe extern "C" fn resale_gateway_new(
    json: *const c_char,
    json_len: usize,
    gateway: *mut *mut resale_gateway,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard_new(gateway, "gateway", error, || {
            let json = args!(text(json, json_len));
            Ok(resale_gateway::new(Gateway::from_json(json)?))
        })
    }
}

/// Read the policy file at `path` (`path_len` bytes, not NUL-terminated)
/// and compile it, as [`resale_gateway_new`]: what a host that loads its
/// policy at start-up (nginx's `resale_policy`) calls, so that reading it is
/// not written again there. A file that cannot be read is
/// `RESALE_STATUS_REJECTED` with `policy.file.unreadable` (field `path`),
/// as for [`crate::policy::resale_policy_from_file`].
///
/// # Safety
/// `path` valid for reads of `path_len` bytes; the rest as `resale_gateway_new`.
#[no_mangle]
pub unsafe extern "C" fn resale_gateway_from_file(
    path: *const c_char,
    path_len: usize,
    gateway: *mut *mut resale_gateway,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard_new(gateway, "gateway", error, || {
            let json = policy_file(args!(text(path, path_len)))?;
            Ok(resale_gateway::new(Gateway::from_json(&json)?))
        })
    }
}

/// The gateway's compiled policy, for the policy's own functions (the
/// catalog filter, buy-link rewriting): borrowed, valid as long as the
/// gateway, never freed by the caller. NULL for a NULL gateway.
///
/// # Safety
/// `gateway` is NULL or from [`resale_gateway_new`], not yet freed.
#[no_mangle]
pub unsafe extern "C" fn resale_gateway_policy(
    gateway: *const resale_gateway,
) -> *const crate::policy::resale_policy {
    unsafe { gateway.as_ref().map_or(std::ptr::null(), |g| &g.policy) }
}

/// Free a gateway. NULL is accepted.
///
/// # Safety
/// `gateway` is NULL or from [`resale_gateway_new`], not yet freed, and no
/// other thread is using it.
#[no_mangle]
pub unsafe extern "C" fn resale_gateway_free(gateway: *mut resale_gateway) {
    unsafe {
        if !gateway.is_null() {
            guard_or((), || drop(Box::from_raw(gateway)));
        }
    }
}

/// Route a request: `*decision` says what to do; for
/// `RESALE_GATEWAY_DECISION_REPLY` the reply is in `reply` (else it is emptied).
///
/// # Safety
/// `gateway` from [`resale_gateway_new`]; `request`'s strings valid for
/// reads; `decision` and `reply` valid for writes; `error` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn resale_gateway_route(
    gateway_: *const resale_gateway,
    request_: *const resale_http_request,
    decision: *mut DecisionKind,
    reply: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, reply, "reply", |out| {
            let (gw, req) = (gateway(gateway_)?, &request(request_)?);
            let slot = args!(arg_mut(decision));
            let decision = gw.route(req);
            let reply = match &decision {
                Decision::Reply(r) => Some(r),
                _ => None,
            };
            decide(slot, decision.kind(), reply, out)
        })
    }
}

/// Decide on the upstream's answer to a catalog request: its `status` and
/// its headers as `Name: value` lines (`header_lines`), and the content
/// codings this host has undone in the body it will filter (`decodes`,
/// comma-separated; empty for none). A request the gateway answers itself
/// (another method than GET or HEAD) gets that reply; a target that is not
/// a feed is passed on. `header_lines` with
/// `data` NULL: no upstream head came and `status` is the host's own answer
/// (a 5xx on a feed becomes `502 upstream.unreachable`, anything else is
/// passed on). For `RESALE_CATALOG_ACTION_REPLY` and
/// `_FILTER` the reply (status and headers; no body for a filter) is in
/// `reply`.
///
/// `whole` (may be NULL: a host that always streams) receives how a
/// `_FILTER` body is read, the core's `Answer::Filter` `whole` (the rule
/// of `resale_core::gateway::WHOLE_FEED_LIMIT`): the upstream's
/// `Content-Length` when the host should read the body whole (at most that
/// many bytes plus one), filter it in one call and answer with a known
/// length, so that a body of another length or an invalid feed gets a coded
/// `502` before anything is sent; `-1` for a body to stream through the
/// incremental filter (aborting the response on an invalid feed), and for
/// every other action or a failed call. The length is a plain decimal
/// `Content-Length` of at most 8 MiB, so 0 is a length (an empty body,
/// read whole: `catalog.json.empty`), not "no length".
///
/// # Safety
/// As [`resale_gateway_route`]; `header_lines` and `decodes` valid for
/// reads; `whole` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_gateway_catalog_answer(
    gateway_: *const resale_gateway,
    request_: *const resale_http_request,
    status: u16,
    header_lines: resale_str,
    decodes: resale_str,
    action: *mut AnswerAction,
    whole: *mut i64,
    reply: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    // -1 (stream) first: a failed call or another action never leaves a stale length.
    let mut whole = unsafe { whole.as_mut() };
    if let Some(w) = whole.as_deref_mut() {
        *w = -1;
    }
    unsafe {
        with_output(error, reply, "reply", |out| {
            let (gw, req) = (gateway(gateway_)?, &request(request_)?);
            let lines = header_lines.optional_text("header_lines")?;
            let decodes = decodes.text("decodes")?;
            let slot = args!(arg_mut(action));
            let decodes: Vec<&str> = decodes
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .collect();
            // Not a feed: whatever the upstream (or the host) answered goes on.
            if gw.policy().catalog_kind(req.target) == resale_core::catalog::CatalogKind::Other {
                return decide(slot, AnswerAction::Pass, None, out);
            }
            let plan = match gw.route(req) {
                Decision::Catalog(plan) => plan,
                // A request the gateway answers itself (a POST: 405), proxied
                // by a host that could not ask first: its reply replaces the upstream's.
                Decision::Reply(r) => return decide(slot, AnswerAction::Reply, Some(&r), out),
                Decision::Webhook => return Err(not_catalog()),
            };
            let answer = match lines {
                Some(lines) => plan.answer(&UpstreamHead::from_lines(status, lines), &decodes),
                None => plan.answer_without_upstream(status),
            };
            decide(slot, answer.action(), answer.reply(), out)?;
            // Only a feed to read whole changes the -1 (stream) set above. At
            // most WHOLE_FEED_LIMIT (8 MiB): always an i64; were it not, streaming is safe.
            if let (Some(w), Answer::Filter { whole: Some(n), .. }) = (whole, answer) {
                *w = i64::try_from(n).unwrap_or(-1);
            }
            Ok(())
        })
    }
}

/// The `502 upstream.unreachable` reply for a catalog request whose
/// upstream did not answer (`detail`: why, for the message).
///
/// # Safety
/// As [`resale_gateway_route`].
#[no_mangle]
pub unsafe extern "C" fn resale_gateway_catalog_unreachable(
    gateway_: *const resale_gateway,
    request_: *const resale_http_request,
    detail: resale_str,
    reply: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, reply, "reply", |out| {
            let (gw, req) = (gateway(gateway_)?, &request(request_)?);
            let detail = detail.text("detail")?;
            send(Some(&plan(gw, req)?.unreachable(detail)), out)
        })
    }
}

/// The `/buy` reply for a query (`accept`: the `Accept` header, `data`
/// NULL when absent): what a one-file PHP entry page sends.
///
/// # Safety
/// As [`resale_gateway_route`].
#[no_mangle]
pub unsafe extern "C" fn resale_gateway_buy(
    gateway_: *const resale_gateway,
    query: resale_str,
    accept: resale_str,
    reply: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, reply, "reply", |out| {
            let gw = gateway(gateway_)?;
            let reply = gw.buy(query.text("query")?, accept.optional_text("accept")?);
            send(Some(&reply), out)
        })
    }
}

/// A reply's text (the shape of this module's doc) read as bytes, where
/// the host holds it. Malformed text reads as status 0, no headers and an
/// empty body: never a panic, never a read outside it.
struct ReplyText<'a>(&'a [u8]);

impl<'a> ReplyText<'a> {
    /// # Safety
    /// `reply.data` NULL or valid for reads of `reply.len` bytes.
    unsafe fn of(reply: resale_str) -> ReplyText<'a> {
        if reply.data.is_null() {
            return ReplyText(&[]);
        }
        unsafe { ReplyText(std::slice::from_raw_parts(reply.data.cast(), reply.len)) }
    }

    /// The line starting at `at`, and where the next one starts.
    fn line(&self, at: usize) -> Option<(&'a [u8], usize)> {
        let rest = self.0.get(at..)?;
        let end = rest.iter().position(|&b| b == b'\n')?;
        Some((&rest[..end], at + end + 1))
    }

    /// Where the header lines start: after the status line.
    fn headers_start(&self) -> usize {
        self.line(0).map_or(self.0.len(), |(_, next)| next)
    }

    fn status(&self) -> u16 {
        match self.line(0) {
            Some((line, _)) if line.len() == 3 && line.iter().all(u8::is_ascii_digit) => {
                line.iter().fold(0, |n, d| n * 10 + u16::from(d - b'0'))
            }
            _ => 0,
        }
    }

    /// The header line at `at` (0: the first) as name, value and the next
    /// line's start; None at the empty line that ends the headers.
    fn header(&self, at: usize) -> Option<(&'a [u8], &'a [u8], usize)> {
        let at = if at == 0 { self.headers_start() } else { at };
        let (line, next) = self.line(at)?;
        let colon = line.windows(2).position(|w| w == b": ")?;
        Some((&line[..colon], &line[colon + 2..], next))
    }

    fn body(&self) -> &'a [u8] {
        let mut at = self.headers_start();
        while let Some((line, next)) = self.line(at) {
            if line.is_empty() {
                return &self.0[next..];
            }
            at = next;
        }
        &self.0[self.0.len()..]
    }
}

fn view(bytes: &[u8]) -> resale_str {
    resale_str {
        data: bytes.as_ptr().cast(),
        len: bytes.len(),
    }
}

/// The status of a reply's text (`reply`: the text of a reply buffer, or a
/// copy of it); 0 when it is not a reply's text.
///
/// # Safety
/// `reply.data` NULL or valid for reads of `reply.len` bytes.
#[no_mangle]
pub unsafe extern "C" fn resale_reply_status(reply: resale_str) -> u16 {
    unsafe { guard_or(0, || ReplyText::of(reply).status()) }
}

/// One header of a reply's text: the line at byte `at` of `reply` (0 for
/// the first header) as `*name` and `*value`, views into `reply`. Returns
/// where the next header starts, to pass as `at` next time; 0 (and both
/// views emptied, `data` NULL) past the last header:
///
/// ```c
/// for (at = 0; (at = resale_reply_header(text, at, &name, &value)); ) { … }
/// ```
///
/// # Safety
/// As [`resale_reply_status`]; `name` and `value` valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_reply_header(
    reply: resale_str,
    at: usize,
    name: *mut resale_str,
    value: *mut resale_str,
) -> usize {
    unsafe {
        let (n, v, next) = guard_or(None, || ReplyText::of(reply).header(at)).map_or(
            (resale_str::none(), resale_str::none(), 0),
            |(n, v, next)| (view(n), view(v), next),
        );
        if let (Some(name), Some(value)) = (name.as_mut(), value.as_mut()) {
            *name = n;
            *value = v;
            return next;
        }
        0
    }
}

/// The body of a reply's text: a view into `reply`, after the empty line
/// that ends the headers (empty when there is none).
///
/// # Safety
/// As [`resale_reply_status`].
#[no_mangle]
pub unsafe extern "C" fn resale_reply_body(reply: resale_str) -> resale_str {
    unsafe { guard_or(resale_str::none(), || view(ReplyText::of(reply).body())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (u16, Vec<(String, String)>, String) {
        let reply = resale_str::of(text);
        let s = |v: resale_str| unsafe {
            String::from_utf8_lossy(std::slice::from_raw_parts(v.data.cast::<u8>(), v.len))
                .into_owned()
        };
        let (mut name, mut value) = (resale_str::none(), resale_str::none());
        let mut headers = Vec::new();
        let mut at = 0;
        loop {
            at = unsafe { resale_reply_header(reply, at, &mut name, &mut value) };
            if at == 0 {
                break;
            }
            headers.push((s(name), s(value)));
        }
        assert!(name.data.is_null() && value.data.is_null());
        let status = unsafe { resale_reply_status(reply) };
        (status, headers, s(unsafe { resale_reply_body(reply) }))
    }

    #[test]
    fn a_reply_text_reads_back_as_the_reply() {
        let reply = Reply {
            status: 400,
            headers: vec![
                ("content-type", "text/html; charset=utf-8".into()),
                ("cache-control", "no-store".into()),
            ],
            body: "<p>a: b\n\nc</p>".into(),
        };
        let mut text = String::new();
        wire(&reply, &mut text);
        let (status, headers, body) = read(&text);
        assert_eq!(status, 400);
        let want: Vec<(String, String)> = reply
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        assert_eq!(headers, want);
        assert_eq!(body, reply.body);
        assert_eq!(
            read("304\netag: \"x\"\n\n"),
            (304, vec![("etag".into(), "\"x\"".into())], String::new())
        );
        assert_eq!(read("200\n\nok"), (200, vec![], "ok".into()));
    }

    #[test]
    fn malformed_text_reads_as_nothing() {
        for (text, status, body) in [
            ("", 0, ""),
            ("abc", 0, ""),
            ("200", 0, ""),
            ("2000\n\nbody", 0, "body"),
            ("200\nno colon\n\nbody", 200, "body"),
        ] {
            assert_eq!(read(text), (status, vec![], body.to_string()), "{text:?}");
        }
        let none = resale_str::none();
        assert_eq!(unsafe { resale_reply_status(none) }, 0);
        assert_eq!(unsafe { resale_reply_body(none) }.len, 0);
    }
}
