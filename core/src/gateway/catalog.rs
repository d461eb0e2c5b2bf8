//! The catalog route: what to ask the upstream, and what to answer once
//! its status and headers are in.
//!
//! The filtered feed is a new representation, so it gets its own validator:
//! a digest of the upstream's validator (or of the feed itself, where an
//! edge holds it), the policy's digest and the engine version. A policy
//! change or an upgrade therefore changes it, and a poll that carries the
//! current one is answered `304` without filtering anything.

use sha2::{Digest, Sha256};

use super::{hex, Gateway, Reply, Request, ENGINE_VERSION};
use crate::catalog::{catalog_kind, CatalogKind};
use crate::{report, Error};

/// The longest feed an edge reads whole (8 MiB): an upstream body whose
/// `Content-Length` is at most this is read in one piece and filtered in
/// one call ([`Answer::Filter`]'s `whole`); a longer one, or one of
/// unknown length, is streamed.
///
/// Why read whole at all: nothing is sent before the feed is known to be
/// whole and valid, so a cut or invalid feed gets a coded `502`
/// ([`CatalogPlan::truncated`], [`CatalogPlan::invalid_feed`]) instead of
/// an aborted stream, and the answer has a known length; in workerd it also
/// spares the streaming path's per-block reads, copies and enqueues, which
/// cost about as much CPU as filtering the 672 KB fixture.
///
/// Why 8 MiB: it is the most [`RecentFeeds`](super::RecentFeeds) holds
/// (a filtered feed is never longer than its input), and it bounds an
/// edge's memory for one request: in the worker the body, its copy in wasm
/// memory and the output in wasm and in JavaScript, about 4x this (32 MiB
/// of an isolate's 128 MB; wasm memory does not shrink).
///
/// Which lengths count ([`CatalogPlan::answer`]): the upstream's one
/// `Content-Length`, a plain decimal (digits only: no sign, no
/// whitespace, no list), of a body the runtime hands over as it came
/// (no `Content-Encoding` but `identity`: a body the runtime inflates has
/// the encoded size as its length) and without `Transfer-Encoding` (which
/// overrides `Content-Length`, RFC 9112 §6.3). Two `Content-Length`
/// headers, even equal ones, are streamed: a duplicate cannot slip past.
pub const WHOLE_FEED_LIMIT: u64 = 8 * 1024 * 1024;

/// How to fetch one catalog request from the upstream.
#[derive(Debug, Clone)]
pub struct CatalogPlan {
    /// The path and query to fetch, as the client sent them.
    pub target: String,
    /// Which feed it is; [`CatalogKind::Other`] is passed through untouched.
    pub kind: CatalogKind,
    /// `HEAD`: the upstream is asked `HEAD` and the answer has no body.
    pub head: bool,
    if_none_match: Option<String>,
    accept_encoding: Option<String>,
    policy_digest: String,
    cache_seconds: u32,
}

/// The upstream's answer, before its body.
#[derive(Debug, Clone, Default)]
pub struct UpstreamHead {
    /// The upstream's status.
    pub status: u16,
    /// Its headers (names in any case).
    pub headers: Vec<(String, String)>,
}

impl UpstreamHead {
    /// The first value of header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers_named(name).next()
    }

    /// Every value of header `name` (compared case-insensitively), in
    /// order: the checks that a second header must not slip past read
    /// them all (`Content-Encoding`, `Content-Length`).
    pub fn headers_named<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A head from `Name: value` lines (CRLF or LF), as the C ABI passes it.
    pub fn from_lines(status: u16, lines: &str) -> UpstreamHead {
        let headers = lines
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        UpstreamHead { status, headers }
    }
}

/// What the feed's validator is derived from.
#[derive(Debug, Clone, Copy)]
pub enum Validator<'a> {
    /// The upstream's `ETag` or, failing that, `Last-Modified`.
    Upstream(&'a UpstreamHead),
    /// The feed itself, where the edge holds all of it (a cache entry).
    Body(&'a [u8]),
}

/// The answer from a feed an edge holds (a cache entry): `304`, or `200`
/// with the headers of the representation sent ([`CatalogPlan::answer_held`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// `304` (the poll is current) or `200`.
    pub status: u16,
    /// The held gzipped bytes go out as they are; when false and the feed
    /// is held gzipped, the edge inflates it.
    pub gzip: bool,
    /// The headers to send, in place of the held ones.
    pub headers: Vec<(String, String)>,
}

/// What to do with the upstream's answer.
#[derive(Debug)]
pub enum Answer {
    /// Send this instead of the upstream's body: `502` (failed, or an
    /// encoding this runtime cannot decode) or `304` (the poll is current).
    Reply(Reply),
    /// Send the upstream's answer as it is (not a feed, or not a success).
    Pass,
    /// Filter the body under these status and headers (`reply.body` is
    /// empty), unless the request was `HEAD`: read whole when `whole`
    /// says so, streamed otherwise. `ttl` is how long the edge may keep the
    /// filtered feed (0: not at all).
    Filter {
        /// Status and headers for the filtered feed.
        reply: Reply,
        /// Seconds the filtered feed may be kept.
        ttl: u32,
        /// `Some(length)`: read the body whole (at most `length + 1`
        /// bytes, so that a longer one is seen), filter it in one call and
        /// answer it with a known length; a body of another length gets
        /// [`CatalogPlan::truncated`], a feed that cannot be filtered
        /// [`CatalogPlan::invalid_feed`] (nothing was sent yet). `None`:
        /// stream it through the incremental filter, and abort the stream
        /// on an invalid feed. The rule is [`WHOLE_FEED_LIMIT`]'s.
        whole: Option<u64>,
    },
}

/// Which of the three [`Answer`]s it is: the tag every edge reads it by
/// (wasm's `action`, `"pass"`/`"reply"`/`"filter"`). `repr(C)`: the C ABI
/// exports this enum itself (`resale_catalog_action`), so the tags are
/// listed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(C)]
pub enum AnswerAction {
    /// Send the upstream's answer as it is.
    Pass = 0,
    /// Send the reply (`502`, `304`) instead.
    Reply = 1,
    /// Filter the body under the reply's status and headers.
    Filter = 2,
}

impl Answer {
    /// The answer's tag.
    pub fn action(&self) -> AnswerAction {
        match self {
            Answer::Pass => AnswerAction::Pass,
            Answer::Reply(_) => AnswerAction::Reply,
            Answer::Filter { .. } => AnswerAction::Filter,
        }
    }

    /// The reply it carries: what to send, or the filtered feed's status
    /// and headers; `None` for [`Answer::Pass`].
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Answer::Pass => None,
            Answer::Reply(reply) | Answer::Filter { reply, .. } => Some(reply),
        }
    }
}

/// Is `path` (no query) the catalog route, `/api/…`?
pub(super) fn is_catalog(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The digest of a policy's text (32 hex digits of SHA-256): part of cache
/// keys and validators, so a policy change never reads an old entry.
pub(super) fn policy_digest(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes())[..16])
}

impl CatalogPlan {
    pub(super) fn new(gw: &Gateway, req: &Request) -> CatalogPlan {
        let cache_seconds = gw.policy.catalog().cache_seconds;
        CatalogPlan::with(gw.policy_digest.clone(), cache_seconds, req)
    }

    fn with(policy_digest: String, cache_seconds: u32, req: &Request) -> CatalogPlan {
        CatalogPlan {
            target: req.target.to_owned(),
            kind: catalog_kind(req.target),
            head: req.is_head(),
            if_none_match: req.if_none_match.map(str::to_owned),
            accept_encoding: req.accept_encoding.map(str::to_owned),
            policy_digest,
            cache_seconds,
        }
    }

    /// The plan of a catalog `GET` for finding a feed the edge holds,
    /// before the policy is compiled: the key
    /// ([`cache_key`](CatalogPlan::cache_key)) and
    /// [`answer_held`](CatalogPlan::answer_held) need only the digest of
    /// the policy's text and the request. An edge that compiles the policy
    /// at every request (Compute instantiates the service for each) answers
    /// a hit without compiling it. `None` for anything but a `GET` of
    /// `/api/…`. Only for the lookup: on a miss, [`Gateway::route`] plans
    /// the fetch. A policy that does not compile never held a feed (nothing
    /// is kept unfiltered), so it still gets its coded `500` from there.
    ///
    /// ```
    /// use resale_core::gateway::{CatalogPlan, Decision, Gateway, Request};
    /// let text = r#"{"shop_url": "https://shop.example"}"#;
    /// let req = Request::get("/api/v4/packages");
    /// let held = CatalogPlan::held_lookup(text, &req).unwrap();
    /// let Decision::Catalog(plan) = Gateway::from_json(text).unwrap().route(&req) else { panic!() };
    /// assert_eq!(held.cache_key("https://ext.plesk.com"), plan.cache_key("https://ext.plesk.com"));
    /// assert!(CatalogPlan::held_lookup(text, &Request { method: "HEAD", ..req }).is_none());
    /// assert!(CatalogPlan::held_lookup(text, &Request::get("/buy")).is_none());
    /// ```
    pub fn held_lookup(policy_text: &str, req: &Request) -> Option<CatalogPlan> {
        let path = req.target.split_once('?').map_or(req.target, |(p, _)| p);
        (req.method == "GET" && is_catalog(path))
            .then(|| CatalogPlan::with(policy_digest(policy_text), 0, req))
    }

    /// The URL to fetch: the upstream's base (`https://ext.plesk.com`, a
    /// trailing `/` ignored) and the target.
    pub fn upstream_url(&self, base: &str) -> String {
        format!("{}{}", base.trim_end_matches('/'), self.target)
    }

    /// `GET`, or `HEAD` for a `HEAD`.
    pub fn upstream_method(&self) -> &'static str {
        if self.head {
            "HEAD"
        } else {
            "GET"
        }
    }

    /// The request headers to send upstream: the filter reads JSON, so the
    /// feed is asked for unencoded.
    pub fn upstream_headers(&self) -> [(&'static str, &'static str); 2] {
        [
            ("accept", "application/json"),
            ("accept-encoding", "identity"),
        ]
    }

    /// Where an edge keeps the filtered feed: the upstream URL and the
    /// policy digest (a changed policy never reads an old entry). A URL, as
    /// the Cache API wants one.
    pub fn cache_key(&self, base: &str) -> String {
        let url = self.upstream_url(base);
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}resale-policy={}", self.policy_digest)
    }

    /// [`cache_key`](CatalogPlan::cache_key) for an edge that holds the
    /// feed twice, plain and gzipped: the gzipped copy under
    /// `&resale-coding=gzip` (Fastly; the worker holds it gzipped only).
    pub fn cache_key_coded(&self, base: &str, gzip: bool) -> String {
        let key = self.cache_key(base);
        if gzip {
            key + "&resale-coding=gzip"
        } else {
            key
        }
    }

    /// The headers to hold a whole filtered feed under: those of `reply`
    /// (from [`CatalogPlan::answer`]) and, where the upstream gave no
    /// validator, an `ETag` of the feed itself ([`Validator::Body`]), so
    /// that the polls answered from it can still be `304`s.
    pub fn to_hold(&self, reply: Reply, feed: &[u8]) -> Reply {
        if reply.header("etag").is_some() {
            return reply;
        }
        match self.etag(Validator::Body(feed)) {
            Some(etag) => reply.with_header("etag", &etag),
            None => reply,
        }
    }

    /// May the answer go out in content coding `coding` (`gzip`)? RFC 9110
    /// §12.5.3: the request's `Accept-Encoding` lists it, or `*`, with a
    /// q-value above 0 (no header: no coding). An edge that keeps the
    /// filtered feed compressed (the worker keeps it gzipped, so that a hit
    /// is not compressed again at every poll) sends it as it is when this
    /// is true, and decoded otherwise; `Vary: accept-encoding` says so.
    ///
    /// ```
    /// use resale_core::gateway::{Decision, Gateway, Request};
    /// let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
    /// let plan = |ae| match gw.route(&Request { accept_encoding: Some(ae), ..Request::get("/api/v4/packages") }) {
    ///     Decision::Catalog(p) => p,
    ///     _ => unreachable!(),
    /// };
    /// assert!(plan("gzip, deflate, br").accepts_encoding("gzip"));
    /// assert!(!plan("gzip;q=0, br").accepts_encoding("gzip"));
    /// assert!(!plan("identity").accepts_encoding("gzip"));
    /// ```
    pub fn accepts_encoding(&self, coding: &str) -> bool {
        let Some(header) = self.accept_encoding.as_deref() else {
            return false;
        };
        let mut star = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok());
            let accepted = q.is_some_and(|q| q > 0.0);
            if name.eq_ignore_ascii_case(coding) {
                return accepted;
            }
            if name == "*" {
                star = Some(accepted);
            }
        }
        star.unwrap_or(false)
    }

    /// Should the upstream's answer be filtered at all? Only feeds, and only
    /// successes with a body: the rest is passed on as it came.
    fn filters(&self, status: u16) -> bool {
        self.kind != CatalogKind::Other && (200..300).contains(&status) && status != 204
    }

    /// Decide on the upstream's answer. `decodes` lists the content
    /// encodings this runtime has already undone in the body it will hand
    /// the filter (`["gzip"]` where `fetch` inflates); any other encoding of
    /// a feed is `502 upstream.encoding`, never passed on unfiltered. A
    /// feed to filter is read whole or streamed as [`WHOLE_FEED_LIMIT`]
    /// says (`whole`; always `None` for `HEAD`, which has no body).
    ///
    /// ```
    /// use resale_core::gateway::{Answer, Decision, Gateway, Request, UpstreamHead};
    /// let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
    /// let Decision::Catalog(plan) = gw.route(&Request::get("/api/v4/packages")) else { panic!() };
    /// let head = UpstreamHead { status: 503, headers: vec![] };
    /// let Answer::Reply(r) = plan.answer(&head, &[]) else { panic!() };
    /// assert_eq!((r.status, r.body.contains("upstream.failed")), (502, true));
    ///
    /// // A plain body of known length is read whole; chunked or inflated ones stream.
    /// let head = |h: &[(&str, &str)]| UpstreamHead {
    ///     status: 200,
    ///     headers: h.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
    /// };
    /// let whole = |h| match plan.answer(&head(h), &["gzip"]) {
    ///     Answer::Filter { whole, .. } => whole,
    ///     _ => unreachable!(),
    /// };
    /// assert_eq!(whole(&[("content-length", "672000")]), Some(672_000));
    /// assert_eq!(whole(&[]), None);
    /// assert_eq!(whole(&[("content-length", "99"), ("content-encoding", "gzip")]), None);
    /// ```
    pub fn answer(&self, head: &UpstreamHead, decodes: &[&str]) -> Answer {
        if head.status >= 500 {
            let message = format!("the catalog upstream answered {}", head.status);
            return Answer::Reply(self.body_for_method(Reply::error(
                502,
                "upstream.failed",
                &message,
            )));
        }
        if !self.filters(head.status) {
            return Answer::Pass;
        }
        if let Some(encoding) = undecoded_encoding(head, decodes) {
            let message = format!(
                "the catalog upstream sent Content-Encoding `{encoding}`, which this edge cannot decode"
            );
            return Answer::Reply(self.body_for_method(Reply::error(
                502,
                "upstream.encoding",
                &message,
            )));
        }
        let etag = self.etag(Validator::Upstream(head));
        let (ttl, cache_control) = lifetime(head.header("cache-control"), self.cache_seconds);
        if let Some(r) = etag
            .as_deref()
            .and_then(|e| self.not_modified(e, &cache_control))
        {
            return Answer::Reply(r);
        }
        let content_type = head.header("content-type").unwrap_or("application/json");
        let mut reply = Reply::new(head.status).with_header("content-type", content_type);
        reply = self.validated(reply, etag.as_deref(), &cache_control);
        Answer::Filter {
            reply: reply.with_header("x-resale-filtered", "1"),
            ttl,
            whole: if self.head { None } else { whole_length(head) },
        }
    }

    /// The answer for a feed an edge holds (a cache entry), given the
    /// validator and lifetime stored with it: `304` when the poll is current.
    pub fn answer_cached(&self, etag: &str, cache_control: &str) -> Option<Reply> {
        self.not_modified(etag, cache_control)
    }

    /// The answer from a feed an edge holds under `headers` (those the
    /// gateway gave it, plus any the store adds), `gzipped` when the bytes
    /// are held gzip-compressed. The gzipped copy goes out as it is where
    /// `Accept-Encoding` allows gzip ([`CatalogPlan::accepts_encoding`]),
    /// and then it is another representation of the feed: RFC 9110 §8.8.3
    /// wants a strong `ETag` unique across content codings, so it carries
    /// the feed's `ETag` weakened (`W/"…"`, as nginx's gzip filter does),
    /// with `Content-Encoding: gzip`. Any other client gets the plain feed
    /// (inflated by the edge) under the strong one, without
    /// `Content-Encoding` or a stale `Content-Length`. `If-None-Match` is
    /// compared weakly, so a poll carrying either form is answered `304`,
    /// which repeats the `ETag` of the representation it stands for.
    ///
    /// ```
    /// use resale_core::gateway::{Decision, Gateway, Request};
    /// let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
    /// let req = Request { accept_encoding: Some("gzip"), ..Request::get("/api/v4/packages") };
    /// let Decision::Catalog(plan) = gw.route(&req) else { panic!() };
    /// let held = [("etag".to_owned(), "\"rs-1\"".to_owned())];
    /// let sent = plan.answer_held(&held, true);
    /// assert!(sent.gzip);
    /// assert!(sent.headers.contains(&("etag".into(), "W/\"rs-1\"".into())));
    /// assert!(sent.headers.contains(&("content-encoding".into(), "gzip".into())));
    /// ```
    pub fn answer_held(&self, headers: &[(String, String)], gzipped: bool) -> Held {
        let gzip = gzipped && self.accepts_encoding("gzip");
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let etag = find("etag").map(|e| if gzip { weakened(e) } else { e.to_owned() });
        let cache_control = find("cache-control").unwrap_or("");
        let owned = |r: Reply| {
            r.headers
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v))
                .collect()
        };
        if let Some(r) = etag
            .as_deref()
            .and_then(|e| self.not_modified(e, cache_control))
        {
            return Held {
                status: 304,
                gzip: false,
                headers: owned(r),
            };
        }
        let replaced = |n: &str| {
            ["etag", "cache-control", "vary", "content-encoding"]
                .iter()
                .any(|r| n.eq_ignore_ascii_case(r))
                || (gzipped && !gzip && n.eq_ignore_ascii_case("content-length"))
        };
        let mut sent: Vec<(String, String)> = headers
            .iter()
            .filter(|(n, _)| !replaced(n))
            .cloned()
            .collect();
        sent.extend(owned(self.validated(
            Reply::new(200),
            etag.as_deref(),
            cache_control,
        )));
        if gzip {
            sent.push(("content-encoding".into(), "gzip".into()));
        }
        Held {
            status: 200,
            gzip,
            headers: sent,
        }
    }

    /// The answer when no upstream head came and the host answered
    /// `host_status` itself (nginx's own 502 or 504 when the upstream could
    /// not be reached or timed out): a host error (5xx) on a feed is
    /// `502 upstream.unreachable`, anything else is passed on.
    pub fn answer_without_upstream(&self, host_status: u16) -> Answer {
        if self.kind == CatalogKind::Other || host_status < 500 {
            return Answer::Pass;
        }
        Answer::Reply(self.unreachable(&format!(
            "the host answered {host_status} itself (see its error log)"
        )))
    }

    /// The `502` for an upstream that did not answer at all.
    pub fn unreachable(&self, detail: &str) -> Reply {
        let message = format!("the catalog upstream did not answer: {detail}");
        self.body_for_method(Reply::error(502, "upstream.unreachable", &message))
    }

    /// The `502` for a feed an edge read whole and could not filter
    /// (`error`: the filter's, `catalog.*`). Nothing of the feed was sent
    /// yet, so the edge can say why instead of aborting a stream: the body
    /// is the catalog error's report (`report::catalog_error`, the shared
    /// vectors' shape: `code`, `offset`, `message`), its message saying that
    /// the upstream sent it. An edge that streams aborts instead.
    ///
    /// ```
    /// use resale_core::gateway::{Decision, Gateway, Request};
    /// let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
    /// let Decision::Catalog(plan) = gw.route(&Request::get("/api/v4/packages")) else { panic!() };
    /// let e = gw.policy().filter_catalog("/api/v4/packages", b"[{\"code\":").unwrap_err();
    /// let r = plan.invalid_feed(&e);
    /// assert_eq!(r.status, 502);
    /// assert!(r.body.starts_with("{\"status\":\"error\",\"code\":\"catalog.json.truncated\",\"offset\":9,"));
    /// ```
    pub fn invalid_feed(&self, error: &Error) -> Reply {
        let said = Error {
            message: format!(
                "the catalog upstream sent a feed that cannot be filtered: {}",
                error.message
            ),
            ..error.clone()
        };
        self.body_for_method(Reply::json(502, &report::catalog_error(&said)))
    }

    /// The `502 upstream.truncated` for a body read whole that is not the
    /// `expected` bytes its `Content-Length` announced: it ended (or broke
    /// off) before them, of which `received` arrived (`None`: not known,
    /// the read failed as a whole), or ran past them (`received` more: an
    /// HTTP stack that frames by `Content-Length` never hands that over, but
    /// an edge that reads `expected + 1` bytes sees it); `detail` says how,
    /// for a person. Never a `200`: what arrived is not the feed.
    ///
    /// ```
    /// use resale_core::gateway::{Decision, Gateway, Request};
    /// let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
    /// let Decision::Catalog(plan) = gw.route(&Request::get("/api/v4/packages")) else { panic!() };
    /// let r = plan.truncated(Some(3), 9, "the body ended early");
    /// assert_eq!(r.status, 502);
    /// assert!(r.body.contains("\"upstream.truncated\"") && r.body.contains("ended before"));
    /// assert!(plan.truncated(Some(10), 9, "longer").body.contains("ran past"));
    /// ```
    pub fn truncated(&self, received: Option<u64>, expected: u64, detail: &str) -> Reply {
        let got = received.map_or(String::new(), |n| format!("{n} of "));
        let how = match received {
            Some(n) if n > expected => "ran past",
            _ => "ended before",
        };
        let message = format!(
            "the catalog upstream's body {how} its Content-Length ({got}{expected} bytes): {detail}"
        );
        self.body_for_method(Reply::error(502, "upstream.truncated", &message))
    }

    /// The filtered feed's validator, or `None` when there is nothing to
    /// derive it from (no upstream `ETag` or `Last-Modified`). Strong when
    /// the source is (a strong upstream `ETag`, the body), weak otherwise.
    pub fn etag(&self, validator: Validator) -> Option<String> {
        let mut h = Sha256::new();
        let weak = match validator {
            Validator::Upstream(head) => {
                if let Some(tag) = head.header("etag") {
                    h.update(b"etag\0");
                    h.update(tag.as_bytes());
                    tag.starts_with("W/")
                } else {
                    h.update(b"last-modified\0");
                    h.update(head.header("last-modified")?.as_bytes());
                    true
                }
            }
            Validator::Body(body) => {
                h.update(b"body\0");
                h.update(body);
                false
            }
        };
        h.update(b"\0");
        h.update(self.policy_digest.as_bytes());
        h.update(b"\0");
        h.update(ENGINE_VERSION.as_bytes());
        let tag = format!("\"rs-{}\"", hex(&h.finalize()[..16]));
        Some(if weak { format!("W/{tag}") } else { tag })
    }

    /// Validator, lifetime and `Vary` headers of a feed answer.
    pub fn validated(&self, mut reply: Reply, etag: Option<&str>, cache_control: &str) -> Reply {
        if let Some(etag) = etag {
            reply = reply.with_header("etag", etag);
        }
        reply
            .with_header("cache-control", cache_control)
            .with_header("vary", "accept-encoding")
    }

    fn not_modified(&self, etag: &str, cache_control: &str) -> Option<Reply> {
        let inm = self.if_none_match.as_deref()?;
        matches_if_none_match(inm, etag)
            .then(|| self.validated(Reply::new(304), Some(etag), cache_control))
    }

    fn body_for_method(&self, mut reply: Reply) -> Reply {
        if self.head {
            reply.body.clear();
        }
        reply
    }
}

/// The codings of every `Content-Encoding` header, in order, `identity`
/// and empty list items left out.
fn codings(head: &UpstreamHead) -> impl Iterator<Item = &str> {
    head.headers_named("content-encoding")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
}

/// The first coding of any `Content-Encoding` header the runtime has not
/// undone (a second header is read too: it cannot slip past).
fn undecoded_encoding<'a>(head: &'a UpstreamHead, decodes: &[&str]) -> Option<&'a str> {
    codings(head).find(|c| !decodes.iter().any(|d| d.eq_ignore_ascii_case(c)))
}

/// The length to read the body whole at, or `None`: stream it. The rule
/// and its reasons are [`WHOLE_FEED_LIMIT`]'s.
fn whole_length(head: &UpstreamHead) -> Option<u64> {
    if codings(head).next().is_some() || head.header("transfer-encoding").is_some() {
        return None;
    }
    let mut lengths = head.headers_named("content-length");
    let (Some(value), None) = (lengths.next(), lengths.next()) else {
        return None;
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits only, so a parse can fail by overflow alone: far over the limit.
    value.parse::<u64>().ok().filter(|&n| n <= WHOLE_FEED_LIMIT)
}

/// `etag` as a weak validator (unchanged if it is one already).
fn weakened(etag: &str) -> String {
    if etag.starts_with("W/") {
        etag.to_owned()
    } else {
        format!("W/{etag}")
    }
}

/// RFC 9110 §13.1.2: `*` or any listed tag equal to `etag` under the weak
/// comparison (the `W/` prefix set aside on both sides).
fn matches_if_none_match(header: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    header.trim() == "*" || header.split(',').any(|t| opaque(t) == ours)
}

/// How long the filtered feed may be kept and what `Cache-Control` it
/// carries: the upstream's `s-maxage` or `max-age` (its default when it
/// says nothing), never more than the policy's `cache_seconds`; nothing
/// kept when it says `no-store`, `no-cache` or `private`.
fn lifetime(cache_control: Option<&str>, ceiling: u32) -> (u32, String) {
    let mut max_age = None;
    let mut s_maxage = None;
    let mut no_store = false;
    let mut revalidate = false;
    for d in cache_control.unwrap_or("").split(',') {
        let (name, value) = d.split_once('=').unwrap_or((d, ""));
        let seconds = || value.trim().trim_matches('"').parse::<u32>().ok();
        match name.trim().to_ascii_lowercase().as_str() {
            "no-store" => no_store = true,
            "no-cache" | "private" => revalidate = true,
            "max-age" => max_age = max_age.or(seconds().or(Some(0))),
            "s-maxage" => s_maxage = s_maxage.or(seconds().or(Some(0))),
            _ => {}
        }
    }
    if no_store {
        return (0, "no-store".into());
    }
    let ttl = if revalidate {
        0
    } else {
        s_maxage.or(max_age).unwrap_or(ceiling).min(ceiling)
    };
    if ttl == 0 {
        (0, "no-cache".into())
    } else {
        (ttl, format!("max-age={ttl}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_is_bounded_by_the_policy() {
        assert_eq!(lifetime(None, 300), (300, "max-age=300".into()));
        assert_eq!(lifetime(Some("max-age=60"), 300), (60, "max-age=60".into()));
        assert_eq!(
            lifetime(Some("public, max-age=86400"), 300),
            (300, "max-age=300".into())
        );
        assert_eq!(
            lifetime(Some("max-age=600, s-maxage=30"), 300),
            (30, "max-age=30".into())
        );
        assert_eq!(lifetime(Some("no-store"), 300), (0, "no-store".into()));
        assert_eq!(
            lifetime(Some("private, max-age=60"), 300),
            (0, "no-cache".into())
        );
        assert_eq!(lifetime(Some("max-age=junk"), 300), (0, "no-cache".into()));
        assert_eq!(lifetime(None, 0), (0, "no-cache".into()));
    }

    #[test]
    fn if_none_match_uses_the_weak_comparison() {
        assert!(matches_if_none_match("\"a\"", "\"a\""));
        assert!(matches_if_none_match("W/\"a\"", "\"a\""));
        assert!(matches_if_none_match("\"b\", W/\"a\"", "W/\"a\""));
        assert!(matches_if_none_match("*", "\"a\""));
        assert!(!matches_if_none_match("\"ab\"", "\"a\""));
        assert!(!matches_if_none_match("", "\"a\""));
    }

    #[test]
    fn accept_encoding_follows_rfc_9110() {
        let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
        let accepts = |header: Option<&str>| {
            let req = Request {
                accept_encoding: header,
                ..Request::get("/api/v4/packages")
            };
            CatalogPlan::new(&gw, &req).accepts_encoding("gzip")
        };
        assert!(!accepts(None));
        assert!(!accepts(Some("")));
        assert!(accepts(Some("gzip")));
        assert!(accepts(Some("GZIP;q=0.5")));
        assert!(accepts(Some("br, gzip ; q=1")));
        assert!(accepts(Some("*")));
        assert!(!accepts(Some("gzip;q=0")));
        assert!(!accepts(Some("gzip;q=0.000")));
        assert!(!accepts(Some("*;q=0")));
        assert!(!accepts(Some("gzip;q=0, *")));
        assert!(accepts(Some("br;q=0, *;q=0.1")));
        assert!(!accepts(Some("gzip;q=junk")));
        assert!(!accepts(Some("deflate, identity")));
        assert!(!accepts(Some("x-gzip")));
    }

    fn held_plan<'a>(gw: &'a Gateway, ae: Option<&'a str>, inm: Option<&'a str>) -> CatalogPlan {
        let req = Request {
            accept_encoding: ae,
            if_none_match: inm,
            ..Request::get("/api/v4/packages")
        };
        CatalogPlan::new(gw, &req)
    }

    fn held_headers() -> Vec<(String, String)> {
        [
            ("content-type", "application/json"),
            ("etag", "\"rs-1\""),
            ("cache-control", "max-age=60"),
            ("vary", "accept-encoding"),
            ("content-encoding", "gzip"),
            ("content-length", "99"),
        ]
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
    }

    fn value<'a>(held: &'a Held, name: &str) -> Vec<&'a str> {
        let values = held.headers.iter().filter(|(n, _)| n == name);
        values.map(|(_, v)| v.as_str()).collect()
    }

    #[test]
    fn a_gzipped_copy_goes_out_under_a_weak_etag() {
        let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
        let gz = held_plan(&gw, Some("gzip, br"), None).answer_held(&held_headers(), true);
        assert_eq!((gz.status, gz.gzip), (200, true));
        assert_eq!(value(&gz, "etag"), ["W/\"rs-1\""]);
        assert_eq!(value(&gz, "content-encoding"), ["gzip"]);
        assert_eq!(value(&gz, "vary"), ["accept-encoding"]);
        assert_eq!(value(&gz, "content-length"), ["99"]);
        assert_eq!(value(&gz, "cache-control"), ["max-age=60"]);
        assert_eq!(value(&gz, "content-type"), ["application/json"]);

        let plain = held_plan(&gw, Some("gzip;q=0"), None).answer_held(&held_headers(), true);
        assert_eq!((plain.status, plain.gzip), (200, false));
        assert_eq!(value(&plain, "etag"), ["\"rs-1\""]);
        assert!(value(&plain, "content-encoding").is_empty());
        assert!(
            value(&plain, "content-length").is_empty(),
            "stale once inflated"
        );
        assert_eq!(value(&plain, "vary"), ["accept-encoding"]);

        // Held plain (an older entry): sent plain, strong, whatever the client takes.
        let mut old = held_headers();
        old.retain(|(n, _)| n != "content-encoding");
        let kept = held_plan(&gw, Some("gzip"), None).answer_held(&old, false);
        assert!(!kept.gzip);
        assert_eq!(value(&kept, "etag"), ["\"rs-1\""]);
        assert_eq!(value(&kept, "content-length"), ["99"]);

        // A weak validator (from Last-Modified) stays as it is.
        let mut weak = held_headers();
        weak[1].1 = "W/\"rs-2\"".into();
        let w = held_plan(&gw, Some("gzip"), None).answer_held(&weak, true);
        assert_eq!(value(&w, "etag"), ["W/\"rs-2\""]);
    }

    #[test]
    fn either_form_of_the_etag_is_a_current_poll() {
        let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
        for inm in ["\"rs-1\"", "W/\"rs-1\""] {
            let gz = held_plan(&gw, Some("gzip"), Some(inm)).answer_held(&held_headers(), true);
            assert_eq!((gz.status, gz.gzip), (304, false), "{inm}");
            assert_eq!(value(&gz, "etag"), ["W/\"rs-1\""], "the gzipped copy's");
            assert!(value(&gz, "content-encoding").is_empty());
            assert_eq!(value(&gz, "vary"), ["accept-encoding"]);
            let plain = held_plan(&gw, None, Some(inm)).answer_held(&held_headers(), true);
            assert_eq!(plain.status, 304, "{inm}");
            assert_eq!(value(&plain, "etag"), ["\"rs-1\""], "the plain copy's");
        }
        let stale =
            held_plan(&gw, Some("gzip"), Some("W/\"rs-0\"")).answer_held(&held_headers(), true);
        assert_eq!(stale.status, 200);
    }

    #[test]
    fn a_held_feed_keeps_its_headers_and_has_a_validator() {
        let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
        let plan = held_plan(&gw, None, None);
        let reply = Reply::new(200).with_header("content-type", "application/json");
        let held = plan.to_hold(reply.clone(), b"[]");
        let etag = plan.etag(Validator::Body(b"[]")).unwrap();
        assert_eq!(held.header("etag"), Some(etag.as_str()));
        let upstream = reply.with_header("etag", "\"rs-1\"");
        assert_eq!(plan.to_hold(upstream.clone(), b"[]"), upstream);
        let back = UpstreamHead::from_lines(200, &held.head_lines());
        assert_eq!(back.header("content-type"), Some("application/json"));
        assert_eq!(back.header("etag"), Some(etag.as_str()));
        let plain = plan.cache_key_coded("https://ext.plesk.com", false);
        assert_eq!(plain, plan.cache_key("https://ext.plesk.com"));
        let gz = plan.cache_key_coded("https://ext.plesk.com", true);
        assert_eq!(gz, plain + "&resale-coding=gzip");
    }

    #[test]
    fn a_host_error_without_an_upstream_head_is_unreachable() {
        let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
        let plan = |t| CatalogPlan::new(&gw, &Request::get(t));
        let Answer::Reply(r) = plan("/api/v4/packages").answer_without_upstream(504) else {
            panic!()
        };
        assert_eq!(r.status, 502);
        assert!(r.body.contains("upstream.unreachable"));
        assert!(matches!(
            plan("/api/v4/packages").answer_without_upstream(404),
            Answer::Pass
        ));
        assert!(matches!(
            plan("/api/v4/packages/docker").answer_without_upstream(502),
            Answer::Pass
        ));
    }

    #[test]
    fn a_feed_read_whole_that_fails_is_a_coded_502() {
        let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
        let plan = CatalogPlan::new(&gw, &Request::get("/api/v4/packages"));
        let e = gw
            .policy()
            .filter_catalog(&plan.target, b"[1]")
            .unwrap_err();
        let r = plan.invalid_feed(&e);
        assert_eq!(r.status, 502);
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["status"], "error");
        assert_eq!(body["code"], "catalog.item.not_object");
        assert_eq!(body["offset"], 1);
        assert!(body["message"].as_str().unwrap().contains(&e.message));
        let cut = plan.truncated(Some(10), 20, "connection reset");
        assert_eq!(cut.status, 502);
        assert!(cut.body.contains("\"upstream.truncated\""));
        assert!(cut.body.contains("10 of 20 bytes"));
        let head = CatalogPlan::new(
            &gw,
            &Request {
                method: "HEAD",
                ..Request::get("/api/v4/packages")
            },
        );
        assert_eq!(head.invalid_feed(&e).body, "");
        assert_eq!(head.truncated(None, 20, "x").body, "");
    }

    fn upstream(headers: &[(&str, &str)]) -> UpstreamHead {
        let headers = headers.iter().map(|(n, v)| ((*n).into(), (*v).into()));
        UpstreamHead {
            status: 200,
            headers: headers.collect(),
        }
    }

    #[test]
    fn encodings_not_undone_are_named() {
        let coded = |e: &[(&str, &str)], decodes: &[&str]| {
            undecoded_encoding(&upstream(e), decodes).map(str::to_owned)
        };
        assert_eq!(coded(&[], &[]), None);
        assert_eq!(coded(&[("content-encoding", "identity")], &[]), None);
        assert_eq!(coded(&[("content-encoding", "gzip")], &[]).unwrap(), "gzip");
        assert_eq!(coded(&[("Content-Encoding", "GZIP")], &["gzip"]), None);
        let listed = coded(&[("content-encoding", "gzip, br")], &["gzip"]);
        assert_eq!(listed.unwrap(), "br");
        let second = [("content-encoding", "identity"), ("content-encoding", "br")];
        assert_eq!(coded(&second, &["gzip"]).unwrap(), "br", "a second header");
    }

    /// The `whole` of the answer to a `GET` of the packages feed.
    fn whole(headers: &[(&str, &str)], decodes: &[&str]) -> Result<Option<u64>, String> {
        let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
        let plan = CatalogPlan::new(&gw, &Request::get("/api/v4/packages"));
        match plan.answer(&upstream(headers), decodes) {
            Answer::Filter { whole, .. } => Ok(whole),
            Answer::Reply(r) => Err(r.body),
            Answer::Pass => Err("pass".into()),
        }
    }

    #[test]
    fn a_plain_decimal_length_up_to_the_limit_is_read_whole() {
        let len = |v: &str| whole(&[("content-length", v)], &["gzip"]);
        assert_eq!(len("0"), Ok(Some(0)));
        assert_eq!(len("5"), Ok(Some(5)));
        assert_eq!(len("0005"), Ok(Some(5)), "leading zeros are digits");
        assert_eq!(len("8388608"), Ok(Some(WHOLE_FEED_LIMIT)), "the limit");
        assert_eq!(len("8388609"), Ok(None), "the limit + 1");
        assert_eq!(len("99999999999999999999999"), Ok(None), "past u64");
        for odd in [
            "", "+5", "-5", " 5 ", "5 ", "5, 5", "5,5", "5;x", "0x10", "5.0", "５",
        ] {
            assert_eq!(len(odd), Ok(None), "{odd:?}");
        }
        assert_eq!(whole(&[], &[]), Ok(None), "unknown length: streamed");
        let name = whole(&[("Content-Length", "5")], &[]);
        assert_eq!(name, Ok(Some(5)), "names in any case");
    }

    #[test]
    fn a_second_length_or_a_coding_streams() {
        let two_equal = [("content-length", "5"), ("Content-Length", "5")];
        assert_eq!(whole(&two_equal, &[]), Ok(None));
        let conflicting = [("content-length", "5"), ("content-length", "900")];
        assert_eq!(whole(&conflicting, &[]), Ok(None));
        let chunked = [("content-length", "5"), ("transfer-encoding", "chunked")];
        assert_eq!(whole(&chunked, &[]), Ok(None), "TE overrides CL");
        let identity = [("content-length", "5"), ("content-encoding", "identity")];
        assert_eq!(whole(&identity, &[]), Ok(Some(5)));
        // gzip the runtime inflates: the length is the encoded size.
        let gzip = [("content-length", "5"), ("content-encoding", "gzip")];
        assert_eq!(whole(&gzip, &["gzip"]), Ok(None));
        let undecoded = whole(&gzip, &[]).unwrap_err();
        assert!(undecoded.contains("\"upstream.encoding\""), "{undecoded}");
        let hidden = [
            ("content-length", "5"),
            ("content-encoding", "identity"),
            ("content-encoding", "gzip"),
        ];
        assert_eq!(whole(&hidden, &["gzip"]), Ok(None), "a second coding");
    }

    #[test]
    fn head_reads_nothing_whole() {
        let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example"}"#).unwrap();
        let req = Request {
            method: "HEAD",
            ..Request::get("/api/v4/packages")
        };
        let plan = CatalogPlan::new(&gw, &req);
        let answer = plan.answer(&upstream(&[("content-length", "5")]), &[]);
        assert!(matches!(answer, Answer::Filter { whole: None, .. }));
    }
}
