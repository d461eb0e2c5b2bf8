//! [`Reply`]: a complete HTTP answer, rendered by the core.

use serde::Serialize;

use super::Request;

/// A complete answer: status, headers (lower-case names, in order) and body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The headers to send, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The body (empty for `302`, `304` and every answer to `HEAD`).
    pub body: String,
}

impl Reply {
    /// An empty answer with `status`.
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// `{"status":"error","code","message"}` and a newline, as JSON: the
    /// shape of every coded failure an edge answers itself.
    ///
    /// ```
    /// let r = resale_core::gateway::Reply::error(502, "upstream.failed", "the catalog upstream answered 503");
    /// assert_eq!(r.body, "{\"status\":\"error\",\"code\":\"upstream.failed\",\"message\":\"the catalog upstream answered 503\"}\n");
    /// ```
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        let body = serde_json::json!({"status": "error", "code": code, "message": message});
        Reply::json(status, &body)
    }

    /// A JSON body (`JSON.stringify(value) + "\n"`, keys in order).
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::new(status)
            .with_header("content-type", "application/json; charset=utf-8")
            .with_body(format!("{value}\n"))
    }

    /// Add a header.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_owned()));
        self
    }

    /// Set the body.
    pub fn with_body(mut self, body: String) -> Reply {
        self.body = body;
        self
    }

    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The answer to `HEAD` has the headers of the answer to `GET`, and no body.
    pub(crate) fn for_method(mut self, req: &Request) -> Reply {
        if req.is_head() {
            self.body.clear();
        }
        self
    }

    /// The headers as `name: value` lines, each ending in `\n`: how an edge
    /// keeps them beside a held feed, read back by
    /// [`UpstreamHead::from_lines`](super::UpstreamHead::from_lines).
    pub fn head_lines(&self) -> String {
        self.headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\n"))
            .collect()
    }

    /// The reply as JSON (`{"status","headers":[[name,value]…],"body"}`),
    /// for bindings that hand it across a language boundary.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
