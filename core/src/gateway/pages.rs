//! The bodies the edges answer themselves: the `/buy` rejection (JSON or
//! HTML) and the health check. Rendered here only, so every edge sends the
//! same bytes.

use super::Reply;
use crate::{report, Error};

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
                escape_html(&r.message),
                escape_html(r.code),
            ))
    };
    reply
        .with_header("cache-control", "no-store")
        .with_header("vary", "accept")
}

/// The five characters that matter in HTML text and attribute values.
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

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape_html(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
