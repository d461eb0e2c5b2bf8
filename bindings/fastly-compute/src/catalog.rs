//! The catalog route: the core's plan fetched from the `catalog` backend,
//! the upstream's head handed back to the core, and the feed streamed
//! through the core's incremental `CatalogFilter` under the headers the
//! core gives.
//!
//! Memory stays bounded by the chunk size (plus the one element the filter
//! holds), and Plesk starts reading before the upstream has finished. An
//! invalid or broken feed aborts the stream (the `StreamingBody` is dropped
//! without `finish()`), so a client never receives a truncated feed that
//! looks complete.

use std::io::{Read, Write};

use fastly::http::body::StreamingBody;
use fastly::http::Method;
use fastly::{Request, Response};
use resale_core::gateway::{Answer, CatalogPlan, Gateway, UpstreamHead};
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
/// body reaches the filter.
const DECODES: &[&str] = &["gzip"];

/// Answer a catalog request; `None` once a filtered feed was streamed.
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
    let head = UpstreamHead {
        status: upstream.get_status().as_u16(),
        headers: upstream
            .get_header_names_str()
            .into_iter()
            .filter_map(|n| Some((n.to_owned(), upstream.get_header_str(n)?.to_owned())))
            .collect(),
    };
    let reply = match plan.answer(&head, DECODES) {
        Answer::Pass => return Some(upstream),
        Answer::Reply(reply) => return Some(respond(reply)),
        Answer::Filter { reply, .. } => reply,
    };
    if plan.head {
        return Some(respond(reply));
    }
    let body = upstream.take_body();
    let client = respond(reply).stream_to_client();
    stream(gw, plan, body, client);
    None
}

/// Filter `body` into `client` chunk by chunk; finish the response only
/// when the whole feed was read and filtered.
fn stream(gw: &Gateway, plan: &CatalogPlan, mut body: fastly::Body, mut client: StreamingBody) {
    let target = &plan.target;
    let mut filter = gw.policy().catalog_filter(target);
    let mut chunk = vec![0u8; CHUNK];
    let mut out = Vec::with_capacity(CHUNK);
    loop {
        let n = match body.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                eprintln!("catalog {target}: upstream body failed, stream aborted: {e}");
                return; // `client` dropped unfinished: aborted
            }
        };
        out.clear();
        if let Err(e) = filter.push(&chunk[..n], &mut out) {
            eprintln!(
                "catalog {target}: invalid feed, stream aborted: {}",
                report::catalog_error(&e)
            );
            return;
        }
        if !out.is_empty() && write(&mut client, &out).is_err() {
            return; // the client went away
        }
    }
    out.clear();
    match filter.finish(&mut out) {
        Ok(_) => {
            if write(&mut client, &out).is_ok() {
                if let Err(e) = client.finish() {
                    eprintln!("catalog {target}: could not finish the response: {e}");
                }
            }
        }
        Err(e) => eprintln!(
            "catalog {target}: invalid feed, stream aborted: {}",
            report::catalog_error(&e)
        ),
    }
}

/// Write decided bytes and hand them to the client now, not when the
/// buffer fills: Plesk sees the feed as it arrives.
fn write(client: &mut StreamingBody, bytes: &[u8]) -> std::io::Result<()> {
    client.write_all(bytes)?;
    client.flush()
}
