//! resale at the edge, as a Fastly Compute service: the same routes and
//! answers as the Cloudflare Worker (`bindings/cloudflare-worker/src/index.js`).
//!
//! Routes:
//!   `/api/v<N>/packages`, `/api/v<N>/categories`  the catalog feed from the `catalog` backend, filtered as it streams
//!   other `/api/...`                              passed through from the backend untouched
//!   `/buy?extension-id=…&kn=…`                    302 to the shop with the validated parameters, or 400
//!   `POST /webhooks/github`                       a verified `marketplace_purchase` event → the entitlement
//!   `/healthz`                                    200
//!
//! Every rule is in `resale-core`, linked directly: this crate only speaks
//! HTTP. One file per concern of the core: `catalog.rs`, `shop_request.rs`,
//! `marketplace.rs`; `config.rs` reads the Config Store; this file routes and
//! holds the response helpers every route shares.

mod catalog;
mod config;
mod marketplace;
mod shop_request;

use fastly::http::StatusCode;
use fastly::{Request, Response};
use serde_json::{json, Value};

/// `fn main` rather than `#[fastly::main]`: the catalog route streams its
/// response itself (`stream_to_client`), the others return one to send.
fn main() {
    let req = Request::from_client();
    if let Some(resp) = route(req) {
        resp.send_to_client();
    }
}

/// The response to send, or `None` when the route already streamed one.
fn route(req: Request) -> Option<Response> {
    let path = req.get_path();
    if path == "/healthz" {
        // What `new Response("ok\n")` answers in the worker.
        return Some(
            Response::from_status(StatusCode::OK)
                .with_header("content-type", "text/plain;charset=UTF-8")
                .with_body("ok\n"),
        );
    }
    if path.starts_with("/api/") {
        return catalog::serve(req);
    }
    Some(match path {
        "/buy" => shop_request::buy(&req),
        "/webhooks/github" => marketplace::webhook(req),
        _ => {
            let message = format!("no route for {path}");
            json_reply(
                StatusCode::NOT_FOUND,
                &json!({"status": "error", "code": "route.not_found", "message": message}),
            )
        }
    })
}

/// A JSON answer, serialised as the worker's `JSON.stringify(body) + "\n"`
/// (the core's report objects keep their key order: serde_json's
/// `preserve_order`).
pub(crate) fn json_reply(status: StatusCode, body: &Value) -> Response {
    Response::from_status(status)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body(format!("{body}\n"))
}

/// The worker's `URL.search` for this request: `?` and the query, or empty
/// when there is none (or it is empty). The core takes either form; passing
/// the same string as the worker keeps the two edges' inputs identical.
pub(crate) fn search(req: &Request) -> String {
    match req.get_query_str() {
        Some(q) if !q.is_empty() => format!("?{q}"),
        _ => String::new(),
    }
}
