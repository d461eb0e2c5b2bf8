//! resale at the edge, as a Fastly Compute service. Every route, answer,
//! header list and page is decided by the core's gateway
//! (`resale_core::gateway`, linked directly); this crate only maps Compute's
//! request and response types onto it: `catalog.rs` fetches and filters the
//! feed, `marketplace.rs` reads the webhook body, `config.rs` reads the
//! Config Store.

mod catalog;
mod config;
mod entitlement_store;
mod marketplace;

use fastly::http::StatusCode;
use fastly::{Request, Response};
use resale_core::gateway::{self, CatalogPlan, Decision, Gateway, Reply};

/// `fn main` rather than `#[fastly::main]`: a streamed catalog feed sends its
/// response itself (`stream_to_client`), the others return one to send.
fn main() {
    let req = Request::from_client();
    if let Some(resp) = route(req) {
        resp.send_to_client();
    }
}

/// The response to send, or `None` when the route already streamed one.
fn route(req: Request) -> Option<Response> {
    let text = match config::policy() {
        Ok(text) => text,
        Err(reply) => return Some(respond(reply)),
    };
    let target = target(&req);
    let request = gateway::Request {
        method: req.get_method_str(),
        target: &target,
        accept: req.get_header_str("accept"),
        if_none_match: req.get_header_str("if-none-match"),
        accept_encoding: req.get_header_str("accept-encoding"),
    };
    // A held feed is answered without compiling the policy (about half
    // the CPU of a hit in Viceroy): one lookup, the feed streamed as held.
    if let Some(resp) = CatalogPlan::held_lookup(&text, &request).and_then(|p| catalog::cached(&p))
    {
        return Some(resp);
    }
    let gw = match Gateway::from_json(&text) {
        Ok(gw) => gw,
        Err(e) => return Some(respond(Reply::error(500, e.code, &e.message))),
    };
    match gw.route(&request) {
        Decision::Reply(reply) => Some(respond(reply)),
        Decision::Webhook => Some(marketplace::webhook(req)),
        Decision::Catalog(plan) => catalog::serve(&gw, &plan),
    }
}

/// A core reply as a Compute response.
pub(crate) fn respond(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = Response::from_status(status);
    for (name, value) in &reply.headers {
        resp.append_header(*name, value.as_str());
    }
    if !reply.body.is_empty() {
        resp.set_body(reply.body);
    }
    resp
}

/// The path and query as the client sent them (`URL.search` in the
/// worker: no `?` for an empty query).
fn target(req: &Request) -> String {
    match req.get_query_str() {
        Some(q) if !q.is_empty() => format!("{}?{q}", req.get_path()),
        _ => req.get_path().to_owned(),
    }
}
