//! The bodies the edges answer themselves: the `/buy` rejection (JSON or
//! HTML) and the health check. Rendered here only, so every edge sends the
//! same bytes.

use super::Reply;
use crate::{markup, report, Error};

/// `200 ok\n`, as `new Response("ok\n")` answers in the worker.
pub(super) fn healthz() -> Reply {
    Reply::new(200)
        .with_header("content-type", "text/plain;charset=UTF-8")
        .with_body("ok\n".to_owned())
}

/// `400` with the rejection: `report::rejection` as JSON, or a small page a
/// customer can read, the message and code escaped. It varies with
/// `Accept` and must never be cached: the same link may be fixed tomorrow.
pub(super) fn rejection(r: &Error, json: bool) -> Reply {
    let reply = if json {
        Reply::json(400, &report::rejection(r))
    } else {
        Reply::new(400)
            .with_header("content-type", "text/html; charset=utf-8")
            .with_body(format!(
                "<!doctype html><meta charset=\"utf-8\"><title>This link cannot be used</title><h1>This link cannot be used</h1><p>{}</p><p><small>{}</small></p>\n",
                markup::escape(&r.message),
                markup::escape(r.code),
            ))
    };
    reply
        .with_header("cache-control", "no-store")
        .with_header("vary", "accept")
}
