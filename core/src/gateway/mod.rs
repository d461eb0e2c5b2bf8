//! The edge's HTTP behaviour, decided once for every edge (the Cloudflare
//! Worker, the Fastly service, nginx, the PHP entry page): which route a
//! request takes, and the exact answer it gets.
//!
//! Pure like the rest of the core: an edge hands over the method, the path
//! with its query and the few headers read here (`Accept`, `If-None-Match`,
//! `Accept-Encoding`),
//! and gets one [`Decision`] back: a finished [`Reply`] (`/buy`, `/healthz`,
//! `404`, `405`), a [`CatalogPlan`] (fetch this from the upstream, then ask
//! the plan what to do with the upstream's answer), or [`Decision::Webhook`]
//! (read the body, then [`webhook`]). An edge only maps its platform's
//! request and response types onto these; codes, header lists and pages
//! live here, so the edges cannot drift apart.
//!
//! ```
//! use resale_core::gateway::{Decision, Gateway, Request};
//! let gw = Gateway::from_json(r#"{"shop_url": "https://shop.example", "extensions": {"docker": {}}}"#).unwrap();
//! let Decision::Reply(reply) = gw.route(&Request::get("/buy?extension-id=docker&kn=PLSK.12345678.0001")) else { panic!() };
//! assert_eq!(reply.status, 302);
//! assert_eq!(reply.header("location"), Some("https://shop.example/?extension-id=docker&kn=PLSK.12345678.0001"));
//! ```

mod catalog;
mod pages;
mod recent;
mod reply;
pub mod webhook;

use crate::{Error, Policy};

pub use catalog::{
    Answer, AnswerAction, CatalogPlan, Held, UpstreamHead, Validator, WHOLE_FEED_LIMIT,
};
pub use recent::{HeldFeed, RecentFeeds};
pub use reply::Reply;

/// The engine's version: part of every feed validator, so an upgrade (which
/// may filter differently) never answers `304` to a feed filtered before it.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The parts of an HTTP request the gateway reads.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method, as sent (`GET`, `HEAD`, `POST`, …; compared exactly, as
    /// HTTP methods are case-sensitive).
    pub method: &'a str,
    /// The path and the query, as sent (`/buy?extension-id=…`), undecoded.
    pub target: &'a str,
    /// The `Accept` header: `/buy` answers JSON to `application/json`.
    pub accept: Option<&'a str>,
    /// The `If-None-Match` header of a catalog poll.
    pub if_none_match: Option<&'a str>,
    /// The `Accept-Encoding` header of a catalog poll: may a feed an edge
    /// holds compressed go out as it is ([`CatalogPlan::accepts_encoding`]).
    pub accept_encoding: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// A `GET` of `target` with no headers (examples and tests).
    pub fn get(target: &'a str) -> Request<'a> {
        Request {
            method: "GET",
            target,
            accept: None,
            if_none_match: None,
            accept_encoding: None,
        }
    }

    fn is_head(&self) -> bool {
        self.method == "HEAD"
    }

    fn is_read(&self) -> bool {
        matches!(self.method, "GET" | "HEAD")
    }
}

/// What the edge does with a request.
#[derive(Debug)]
pub enum Decision {
    /// Send this answer; nothing else to do.
    Reply(Reply),
    /// Fetch the catalog from the upstream as planned, then call
    /// [`CatalogPlan::answer`] with the upstream's status and headers.
    Catalog(CatalogPlan),
    /// `POST /webhooks/github`: read the body and answer with [`webhook`].
    Webhook,
}

/// Which of the three [`Decision`]s it is: the tag every edge reads it by
/// (wasm's `kind`, `"reply"`/`"catalog"`/`"webhook"`). `repr(C)`: the C ABI
/// exports this enum itself (`resale_gateway_decision`), so the tags are
/// listed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(C)]
pub enum DecisionKind {
    /// Send the reply.
    Reply = 0,
    /// Fetch the catalog from the upstream as planned, then ask the plan
    /// (the C ABI: `resale_gateway_catalog_answer`).
    Catalog = 1,
    /// `POST /webhooks/github`.
    Webhook = 2,
}

impl Decision {
    /// The decision's tag.
    pub fn kind(&self) -> DecisionKind {
        match self {
            Decision::Reply(_) => DecisionKind::Reply,
            Decision::Catalog(_) => DecisionKind::Catalog,
            Decision::Webhook => DecisionKind::Webhook,
        }
    }
}

/// A compiled policy and its digest: everything the routes need.
#[derive(Clone)]
pub struct Gateway {
    policy: Policy,
    policy_digest: String,
}

impl Gateway {
    /// Compile the policy text; the digest of the text goes into every feed
    /// validator, so a policy change never answers `304` to an old feed.
    pub fn from_json(text: &str) -> Result<Gateway, Error> {
        Ok(Gateway {
            policy: Policy::from_json(text)?,
            policy_digest: catalog::policy_digest(text),
        })
    }

    /// The compiled policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The policy's digest (32 hex digits of SHA-256 over its text); part
    /// of cache keys and validators.
    pub fn policy_digest(&self) -> &str {
        &self.policy_digest
    }

    /// Route one request.
    ///
    /// | path | methods | answer |
    /// |---|---|---|
    /// | `/healthz` | GET, HEAD | `200 ok` |
    /// | `/buy` | GET, HEAD | `302` to the shop, or `400` (JSON or HTML by `Accept`) |
    /// | `/api/…` | GET, HEAD | a [`CatalogPlan`] |
    /// | `/webhooks/github` | POST | [`Decision::Webhook`] |
    /// | anything else | any | `404 route.not_found` |
    ///
    /// A known path with another method is `405 method.not_allowed` with `Allow`.
    pub fn route(&self, req: &Request) -> Decision {
        let (path, query) = req.target.split_once('?').unwrap_or((req.target, ""));
        let allowed = match path {
            "/healthz" | "/buy" => "GET, HEAD",
            "/webhooks/github" => "POST",
            p if catalog::is_catalog(p) => "GET, HEAD",
            _ => {
                return Decision::Reply(
                    Reply::error(404, "route.not_found", &format!("no route for {path}"))
                        .for_method(req),
                )
            }
        };
        let permitted = if allowed == "POST" {
            req.method == "POST"
        } else {
            req.is_read()
        };
        if !permitted {
            let message = format!("{path} answers {allowed} only");
            return Decision::Reply(
                Reply::error(405, "method.not_allowed", &message)
                    .with_header("allow", allowed)
                    .for_method(req),
            );
        }
        match path {
            "/healthz" => Decision::Reply(pages::healthz().for_method(req)),
            "/buy" => Decision::Reply(self.buy(query, req.accept).for_method(req)),
            "/webhooks/github" => Decision::Webhook,
            _ => Decision::Catalog(CatalogPlan::new(self, req)),
        }
    }

    /// The `/buy` answer for a query: `302` to the shop target the policy
    /// picks for the request, or `400` with the coded rejection, as JSON
    /// when `accept` asks for `application/json`, else as an HTML page.
    /// (The PHP entry page calls this directly.)
    pub fn buy(&self, query: &str, accept: Option<&str>) -> Reply {
        match self.policy.check_shop_request(query) {
            Ok(request) => Reply::new(302)
                .with_header("location", &self.policy.shop_redirect_url(&request))
                .with_header("cache-control", "no-store"),
            Err(rejection) => pages::rejection(&rejection, wants_json(accept)),
        }
    }
}

/// Does an `Accept` header ask for JSON? (The worker's rule of old: the
/// media type appears in the header.)
fn wants_json(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| a.contains("application/json"))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

#[cfg(test)]
mod tests;
