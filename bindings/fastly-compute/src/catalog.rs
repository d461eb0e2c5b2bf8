//! The catalog proxy: `/api/...` fetched from the `catalog` backend, the
//! packages and categories feeds streamed through the core's incremental
//! `CatalogFilter`.
//!
//! The feed is filtered chunk by chunk into a `StreamingBody`: memory stays
//! bounded by the chunk size (plus the one element the filter holds), not by
//! the feed, and Plesk starts reading before the upstream has finished. An
//! invalid feed aborts the stream (the `StreamingBody` is dropped without
//! `finish()`), so a client never receives a truncated feed that looks
//! complete — the worker's `TransformStream` erroring, in Compute's terms.

use std::io::{Read, Write};

use fastly::http::{Method, StatusCode};
use fastly::{Request, Response};
use resale_core::catalog::{CatalogError, CatalogKind};
use resale_core::report;
use serde_json::json;

use crate::{config, json_reply, search};

/// The backend's name, in `fastly.toml` and on the service.
pub const BACKEND: &str = "catalog";
/// The origin the backend stands for: the `Host` the upstream sees (Plesk's
/// extension catalog in production; Viceroy sends it to the local backend).
const ORIGIN: &str = "https://ext.plesk.com";
/// How much of the upstream body is read per `push`.
const CHUNK: usize = 64 * 1024;
/// Response headers worth keeping from the upstream for a filtered body; the
/// body changes, so its length and ETag no longer hold.
const KEPT_HEADERS: [&str; 5] = [
    "content-type",
    "cache-control",
    "expires",
    "last-modified",
    "vary",
];

/// Answer an `/api/...` request; `None` once a filtered feed was streamed.
pub fn serve(req: Request) -> Option<Response> {
    let policy = match config::policy() {
        Ok(p) => p,
        Err(resp) => return Some(*resp),
    };
    let target = format!("{}{}", req.get_path(), search(&req));
    let kind = policy.catalog_kind(&target);

    // Only what the upstream needs, as the worker sends it.
    let method = if req.get_method() == Method::HEAD {
        Method::HEAD
    } else {
        Method::GET
    };
    let mut bereq = Request::new(method.clone(), format!("{ORIGIN}{target}"))
        .with_header(
            "accept",
            req.get_header_str("accept").unwrap_or("application/json"),
        )
        .with_header(
            "user-agent",
            req.get_header_str("user-agent").unwrap_or("resale-fastly"),
        )
        .with_header("accept-encoding", "gzip");
    // The filter reads JSON, not gzip: Compute inflates the feed first (and
    // drops Content-Encoding), as `fetch` does in the worker.
    bereq.set_auto_decompress_gzip(true);

    let mut upstream = match bereq.send(BACKEND) {
        Ok(resp) => resp,
        Err(e) => {
            let message = format!("the catalog upstream did not answer: {}", e.root_cause());
            return Some(json_reply(
                StatusCode::BAD_GATEWAY,
                &json!({"status": "error", "code": "upstream.unreachable", "message": message}),
            ));
        }
    };
    let status = upstream.get_status();
    if status.is_server_error() {
        let message = format!("the catalog upstream answered {}", status.as_u16());
        return Some(json_reply(
            StatusCode::BAD_GATEWAY,
            &json!({"status": "error", "code": "upstream.failed", "message": message}),
        ));
    }
    if kind == CatalogKind::Other || !status.is_success() || method == Method::HEAD {
        return Some(upstream);
    }

    let mut headers = Response::from_status(status);
    for name in KEPT_HEADERS {
        let values: Vec<_> = upstream.get_header_all(name).cloned().collect();
        for value in values {
            headers.append_header(name, value);
        }
    }
    headers.set_header("x-resale-filtered", "1");

    let mut body = upstream.take_body();
    let mut client = headers.stream_to_client();
    let mut filter = policy.catalog_filter(&target);
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
            abort(&target, &e);
            return None;
        }
        if !out.is_empty() && write(&mut client, &out).is_err() {
            return None; // the client went away
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
        Err(e) => abort(&target, &e),
    }
    None
}

/// Write decided bytes and hand them to the client now, not when the
/// buffer fills: Plesk sees the feed as it arrives.
fn write(client: &mut fastly::http::body::StreamingBody, bytes: &[u8]) -> std::io::Result<()> {
    client.write_all(bytes)?;
    client.flush()
}

/// Log why a feed was cut off; the caller then drops the unfinished stream.
fn abort(target: &str, e: &CatalogError) {
    eprintln!(
        "catalog {target}: invalid feed, stream aborted: {}",
        report::catalog_error(e)
    );
}
