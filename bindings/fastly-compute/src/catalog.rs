//! The catalog route: the core's plan fetched from the `catalog` backend,
//! the upstream's head handed back to the core, and the feed filtered under
//! the headers the core gives, read whole or streamed as the core says
//! (`Answer::Filter`'s `whole`, the rule of `gateway::WHOLE_FEED_LIMIT`).
//!
//! Read whole (a plain `Content-Length` up to 8 MiB of a body Compute hands
//! over as it came): at most that length plus one byte is read, the feed is
//! filtered in one call and answered with a known length; nothing is sent
//! before, so a body of another length gets the core's `502
//! upstream.truncated` and an invalid feed its coded `502`
//! (`CatalogPlan::invalid_feed`), as in the worker. Memory: the body and
//! the filtered feed, at most about 2x the length; storing it copies it
//! into the cache's body (into the host), not within the guest.
//!
//! Streamed (any other body): through the core's incremental
//! `CatalogFilter`; memory stays bounded by the chunk size (plus the one
//! element the filter holds), and Plesk starts reading before the upstream
//! has finished. An invalid or broken feed aborts the stream (the
//! `StreamingBody` is dropped without `finish()`), so a client never
//! receives a truncated feed that looks complete.
//!
//! Cache: a filtered feed the gateway allows to keep (`ttl`) goes into
//! Compute's Core Cache under the upstream URL and the policy digest, with
//! its reply headers as the entry's metadata, once it was filtered whole
//! (a broken feed is never stored). Later polls are answered from it, `304`
//! when they carry its `ETag`; a feed whose upstream gave no validator gets
//! the digest of its body as `ETag` there.
//!
//! Each feed is stored twice: as filtered, and gzipped (compressed once,
//! at flate2's fast level, under the key with `&resale-coding=gzip`). A
//! poll whose `Accept-Encoding` allows gzip (the gateway's
//! `CatalogPlan::accepts_encoding`) gets the gzipped entry as it is, any
//! other the plain one: no hit is compressed or inflated. The gzipped copy
//! is another representation, so it goes out under the feed's `ETag`
//! weakened (`CatalogPlan::answer_held`, RFC 9110 §8.8.3); a poll carrying
//! either form is `304`. The 672 KB
//! fixture filtered is 495 KB, 99 KB gzipped.

use std::io::{Read, Write};
use std::time::Duration;

use bytes::Bytes;
use fastly::cache::core::{self as cache, CacheKey};
use flate2::{write::GzEncoder, Compression};

use fastly::http::body::StreamingBody;
use fastly::http::Method;
use fastly::{Request, Response};
use resale_core::gateway::{Answer, CatalogPlan, Gateway, Reply, UpstreamHead};
use resale_core::report;

use crate::respond;

/// The backend's name, in `fastly.toml` and on the service.
pub const BACKEND: &str = "catalog";
/// The origin the backend stands for: the `Host` the upstream sees (Plesk's
/// extension catalog in production; Viceroy sends it to the local backend).
const ORIGIN: &str = "https://ext.plesk.com";
/// How much of the upstream body is read per `push`.
const CHUNK: usize = 64 * 1024;
/// Compute inflates gzip itself (`set_auto_decompress_gzip`), before the
/// body reaches the filter. It then drops `Content-Encoding` and
/// `Content-Length` from the upstream's head, so an inflated body never
/// looks like one of known length (the gateway vector `gzip-upstream`
/// pins that in Viceroy).
const DECODES: &[&str] = &["gzip"];

/// Answer a catalog request; `None` once a filtered feed was streamed.
/// (A held feed was looked up before: `main.rs`, `cached`.)
pub fn serve(gw: &Gateway, plan: &CatalogPlan) -> Option<Response> {
    let method = Method::from_bytes(plan.upstream_method().as_bytes()).unwrap_or(Method::GET);
    let mut bereq = Request::new(method, plan.upstream_url(ORIGIN));
    for (name, value) in plan.upstream_headers() {
        bereq.set_header(name, value);
    }
    // Should a CDN in front of the catalog send gzip anyway, Compute
    // inflates it (and drops Content-Encoding), as `fetch` does in the worker.
    bereq.set_auto_decompress_gzip(true);
    let mut upstream = match bereq.send(BACKEND) {
        Ok(resp) => resp,
        Err(e) => return Some(respond(plan.unreachable(&e.root_cause().to_string()))),
    };
    // Every header line, a repeated name once per value: the gateway's
    // checks see a second Content-Length or Content-Encoding.
    let head = UpstreamHead {
        status: upstream.get_status().as_u16(),
        headers: upstream
            .get_headers()
            .map(|(n, v)| {
                let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_owned(), value)
            })
            .collect(),
    };
    let (reply, ttl, whole) = match plan.answer(&head, DECODES) {
        Answer::Pass => return Some(upstream),
        Answer::Reply(reply) => return Some(respond(reply)),
        Answer::Filter { reply, ttl, whole } => (reply, ttl, whole),
    };
    if plan.head {
        return Some(respond(reply));
    }
    let body = upstream.take_body();
    if let Some(length) = whole {
        return Some(read_whole(gw, plan, body, length, reply, ttl));
    }
    let client = respond(reply.clone()).stream_to_client();
    stream(gw, plan, body, client, (ttl > 0).then_some((reply, ttl)));
    None
}

/// A body the gateway said to read whole (`length`, its `Content-Length`):
/// read at most `length + 1` bytes (one more than announced is a body that
/// does not match its length either), filter them in one call and answer
/// under `reply` with a known length; stored as a streamed feed is. A body
/// of another length is the gateway's `502 upstream.truncated`, a feed that
/// cannot be filtered its coded `502`: nothing was sent yet.
fn read_whole(
    gw: &Gateway,
    plan: &CatalogPlan,
    body: fastly::Body,
    length: u64,
    reply: Reply,
    ttl: u32,
) -> Response {
    let mut feed = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    if let Err(e) = body.take(length.saturating_add(1)).read_to_end(&mut feed) {
        let received = Some(feed.len() as u64);
        return respond(plan.truncated(received, length, &e.to_string()));
    }
    if feed.len() as u64 != length {
        let detail = "the body's length is not its Content-Length";
        return respond(plan.truncated(Some(feed.len() as u64), length, detail));
    }
    let filtered = match gw.policy().filter_catalog(&plan.target, &feed) {
        Ok(filtered) => filtered.body,
        Err(e) => {
            invalid_feed(plan, &e, "answered 502");
            return respond(plan.invalid_feed(&e));
        }
    };
    drop(feed);
    if ttl > 0 {
        keep(plan, reply.clone(), &filtered, ttl);
    }
    let mut resp = respond(reply);
    resp.set_body(filtered);
    resp
}

fn key(plan: &CatalogPlan, gzip: bool) -> CacheKey {
    Bytes::from(plan.cache_key_coded(ORIGIN, gzip))
}

/// The answer from a cached feed, if there is one: the gzipped entry for a
/// client that takes gzip, the plain one otherwise, under the headers the
/// gateway gives for that representation (`CatalogPlan::answer_held`: the
/// gzipped copy's `ETag` is the feed's, weakened) or its `304`.
pub fn cached(plan: &CatalogPlan) -> Option<Response> {
    let gzip = plan.accepts_encoding("gzip");
    let found = cache::lookup(key(plan, gzip)).execute().ok()??;
    let meta = String::from_utf8(found.user_metadata().to_vec()).ok()?;
    let head = UpstreamHead::from_lines(200, &meta);
    let held = plan.answer_held(&head.headers, gzip);
    let mut resp = Response::from_status(held.status);
    for (name, value) in &held.headers {
        resp.append_header(name.as_str(), value.as_str());
    }
    if held.status != 304 {
        resp.set_body(found.to_stream().ok()?);
    }
    Some(resp)
}

/// Store a whole filtered feed plain and gzipped, both under the headers
/// the gateway gives it (`CatalogPlan::to_hold`; the key says which copy
/// is which). A failure to store only costs the next poll a fetch.
/// `feed` is borrowed: it is written into the cache's body (a copy into
/// the host), so the caller still sends it and no copy of it is made here.
fn keep(plan: &CatalogPlan, reply: Reply, feed: &[u8], ttl: u32) {
    let meta = Bytes::from(plan.to_hold(reply, feed).head_lines());
    let mut gz = GzEncoder::new(Vec::with_capacity(feed.len() / 4), Compression::fast());
    match gz.write_all(feed).and_then(|()| gz.finish()) {
        Ok(zipped) => insert(plan, true, meta.clone(), &zipped, ttl),
        Err(e) => eprintln!("catalog {}: not cached gzipped: {e}", plan.target),
    }
    insert(plan, false, meta, feed, ttl);
}

/// One cache entry: `data` under the headers `meta` (the entry's metadata),
/// written into the entry's body.
fn insert(plan: &CatalogPlan, gzip: bool, meta: Bytes, data: &[u8], ttl: u32) {
    let insert = cache::insert(key(plan, gzip), Duration::from_secs(u64::from(ttl)))
        .user_metadata(meta)
        .execute();
    let stored = insert.map_err(|e| e.to_string()).and_then(|mut body| {
        body.write_all(data).map_err(|e| e.to_string())?;
        body.finish().map_err(|e| e.to_string())
    });
    if let Err(e) = stored {
        eprintln!("catalog {}: not cached: {e}", plan.target);
    }
}

/// Filter `body` into `client` chunk by chunk; finish the response only
/// when the whole feed was read and filtered. With `keep`, the whole
/// filtered feed is stored (under `reply`'s headers, for `ttl` seconds)
/// once complete, before the client's response is finished: the next poll
/// finds it. Until then it is gathered here (`kept`): a cache entry is
/// readable while it is written, so writing it as it streams would hand a
/// concurrent poll a feed that may still turn out cut or invalid.
fn stream(
    gw: &Gateway,
    plan: &CatalogPlan,
    mut body: fastly::Body,
    mut client: StreamingBody,
    keep: Option<(Reply, u32)>,
) -> Option<()> {
    let target = &plan.target;
    let mut kept = Vec::new();
    let mut filter = gw.policy().catalog_filter(target);
    let mut chunk = vec![0u8; CHUNK];
    let mut out = Vec::with_capacity(CHUNK);
    loop {
        let n = match body.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                eprintln!("catalog {target}: upstream body failed, stream aborted: {e}");
                return None; // `client` dropped unfinished: aborted
            }
        };
        out.clear();
        if let Err(e) = filter.push(&chunk[..n], &mut out) {
            invalid_feed(plan, &e, "stream aborted");
            return None;
        }
        if !out.is_empty() && write(&mut client, &out).is_err() {
            return None; // the client went away
        }
        if keep.is_some() {
            kept.extend_from_slice(&out);
        }
    }
    out.clear();
    if let Err(e) = filter.finish(&mut out) {
        invalid_feed(plan, &e, "stream aborted");
        return None;
    }
    write(&mut client, &out).ok()?;
    if let Some((reply, ttl)) = keep {
        kept.extend_from_slice(&out);
        self::keep(plan, reply, &kept, ttl);
    }
    if let Err(e) = client.finish() {
        eprintln!("catalog {target}: could not finish the response: {e}");
    }
    Some(())
}

/// Log a feed the core could not filter (`outcome`: what the client got):
/// the one place the service words it, with the core's code and offset.
fn invalid_feed(plan: &CatalogPlan, e: &resale_core::Error, outcome: &str) {
    let report = report::catalog_error(e);
    eprintln!("catalog {}: invalid feed, {outcome}: {report}", plan.target);
}

/// Write decided bytes and hand them to the client now, not when the
/// buffer fills: Plesk sees the feed as it arrives.
fn write(client: &mut StreamingBody, bytes: &[u8]) -> std::io::Result<()> {
    client.write_all(bytes)?;
    client.flush()
}
