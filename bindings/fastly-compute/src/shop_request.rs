//! The `/buy` gate: shop entry checked by the core, translated to HTTP.
//!
//! Accepted: `302` to `policy.shop_redirect_url` (only the validated
//! parameters travel on). Rejected: `400` with `report::rejection`, as JSON
//! when the client accepts `application/json`, else a small escaped HTML page
//! — the worker's negotiation, byte for byte.

use fastly::http::StatusCode;
use fastly::{Request, Response};
use resale_core::report;

use crate::{config, json_reply, search};

/// Answer a `/buy` request.
pub fn buy(req: &Request) -> Response {
    let policy = match config::policy() {
        Ok(p) => p,
        Err(resp) => return *resp,
    };
    match policy.check_shop_request(&search(req)) {
        Ok(request) => Response::from_status(StatusCode::FOUND)
            .with_header("location", policy.shop_redirect_url(&request))
            .with_header("cache-control", "no-store"),
        Err(rejection) => {
            let accept = req.get_header_str("accept").unwrap_or("");
            if accept.contains("application/json") {
                return json_reply(StatusCode::BAD_REQUEST, &report::rejection(&rejection))
                    .with_header("cache-control", "no-store");
            }
            let html = format!(
                "<!doctype html><meta charset=\"utf-8\"><title>This link cannot be used</title><h1>This link cannot be used</h1><p>{}</p><p><small>{}</small></p>\n",
                escape_html(&rejection.message),
                escape_html(rejection.code),
            );
            Response::from_status(StatusCode::BAD_REQUEST)
                .with_header("content-type", "text/html; charset=utf-8")
                .with_header("cache-control", "no-store")
                .with_body(html)
        }
    }
}

/// The worker's `escapeHtml`: the five characters that matter in text and
/// attribute values.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
