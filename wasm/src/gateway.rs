//! The gateway: an edge's routes and HTTP answers, decided by the core.
//! Every answer crosses as JSON text (`{"kind": …}`), which `js/api.js`
//! parses; a `Reply` is `{"status","headers":[[name,value]…],"body"}`. The
//! route's and the catalog answer's tags are the core's (`DecisionKind`,
//! `AnswerAction`, the enums the C ABI exports too).

use js_sys::Uint8Array;
use resale_core::catalog::CatalogKind;
use resale_core::gateway::{
    self, webhook, AnswerAction, Decision, DecisionKind, RecentFeeds, Reply, Request, UpstreamHead,
    Validator,
};
use resale_core::marketplace::entitlement::Entitlement;
use resale_core::report;
use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

use crate::bytes::bytes_out;
use crate::catalog::filter_in_pieces;
use crate::errors::{argument, throw};

/// A compiled policy and its digest, routing requests; and the feeds this
/// isolate stored lately (`RecentFeeds`).
#[wasm_bindgen]
pub struct Gateway {
    inner: gateway::Gateway,
    recent: RecentFeeds,
}

fn reply(r: &Reply) -> Value {
    json!(r)
}

/// An answer as JSON text (these types always serialise).
fn text(answer: &impl Serialize) -> String {
    serde_json::to_string(answer).unwrap_or_default()
}

/// `route`'s answer: the core's tag ([`DecisionKind`]) and what the
/// decision carries.
#[derive(Serialize)]
struct RouteAnswer<'a> {
    kind: DecisionKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<&'a Reply>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    catalog: Option<CatalogRoute>,
}

/// What to fetch for a [`DecisionKind::Catalog`].
#[derive(Serialize)]
struct CatalogRoute {
    feed: CatalogKind,
    method: &'static str,
    url: String,
    headers: [(&'static str, &'static str); 2],
    cache_key: String,
    accepts_gzip: bool,
}

/// `catalogAnswer`'s answer: the core's tag ([`AnswerAction`]) and what the
/// answer carries (a filter: `ttl` and `whole`, the length to read the body
/// whole at or `null` to stream it); for a filter given the whole feed, the
/// reply to hold it under too.
#[derive(Serialize)]
struct CatalogAnswer<'a> {
    action: AnswerAction,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<&'a Reply>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    whole: Option<Option<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hold: Option<Reply>,
}

impl CatalogAnswer<'_> {
    fn pass() -> String {
        text(&CatalogAnswer {
            action: AnswerAction::Pass,
            reply: None,
            ttl: None,
            whole: None,
            hold: None,
        })
    }
}

/// Headers handed in as JSON `[[name, value]…]`; anything else is refused
/// (`argument.headers`), never read as no headers.
fn headers_arg(text: &str) -> Result<Vec<(String, String)>, JsValue> {
    serde_json::from_str(text).map_err(|e| {
        let message = format!("`headers` is not a JSON array of [name, value] string pairs: {e}");
        argument("argument.headers", "headers", message)
    })
}

fn request<'a>(
    method: &'a str,
    target: &'a str,
    accept: Option<&'a str>,
    inm: Option<&'a str>,
) -> Request<'a> {
    Request {
        method,
        target,
        accept,
        if_none_match: inm,
        accept_encoding: None,
    }
}

#[wasm_bindgen]
impl Gateway {
    /// Compile a policy; throws the error (lint report) on failure.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: &str) -> Result<Gateway, JsValue> {
        gateway::Gateway::from_json(text)
            .map(|inner| Gateway {
                inner,
                recent: RecentFeeds::default(),
            })
            .map_err(|e| throw(&e, report::lint(Err(&e))))
    }

    /// The compiled policy (shared, not compiled again): its catalog filter.
    pub fn policy(&self) -> crate::policy::Policy {
        crate::policy::Policy {
            inner: self.inner.policy().clone(),
        }
    }

    /// The policy's digest.
    #[wasm_bindgen(js_name = policyDigest)]
    pub fn policy_digest(&self) -> String {
        self.inner.policy_digest().to_owned()
    }

    /// `{"kind":"reply","reply"}`, `{"kind":"webhook"}` or
    /// `{"kind":"catalog","feed","method","url","headers","cache_key","accepts_gzip"}`
    /// (`upstream`: the catalog origin's base URL; `accepts_gzip`: a feed
    /// held gzipped may go out as it is, per `Accept-Encoding`).
    pub fn route(
        &self,
        method: &str,
        target: &str,
        accept: Option<String>,
        if_none_match: Option<String>,
        accept_encoding: Option<String>,
        upstream: &str,
    ) -> String {
        let req = Request {
            accept_encoding: accept_encoding.as_deref(),
            ..request(method, target, accept.as_deref(), if_none_match.as_deref())
        };
        let decision = self.inner.route(&req);
        let (reply, catalog) = match &decision {
            Decision::Reply(r) => (Some(r), None),
            Decision::Webhook => (None, None),
            Decision::Catalog(p) => {
                let catalog = CatalogRoute {
                    feed: p.kind,
                    method: p.upstream_method(),
                    url: p.upstream_url(upstream),
                    headers: p.upstream_headers(),
                    cache_key: p.cache_key(upstream),
                    accepts_gzip: p.accepts_encoding("gzip"),
                };
                (None, Some(catalog))
            }
        };
        let kind = decision.kind();
        text(&RouteAnswer {
            kind,
            reply,
            catalog,
        })
    }

    /// What to do with the upstream's answer to a catalog request:
    /// `{"action":"reply","reply"}`, `{"action":"pass"}` or
    /// `{"action":"filter","reply","ttl","whole"}` (`whole`: the
    /// `Content-Length` to read the body whole at, `null`: stream it; the
    /// core's rule, `gateway::WHOLE_FEED_LIMIT`). `headers`: JSON `[[name, value]…]`;
    /// `decodes`: the encodings the runtime has undone. Given the whole
    /// filtered `feed`, a `filter` answer also carries `"hold"`: the reply to
    /// hold that feed under (`CatalogPlan::to_hold`: the filter reply's
    /// headers and, where the upstream gave no validator, an `ETag` of the
    /// feed). One entry for both, so that the held reply is always the one
    /// for the same upstream answer (`js/api.js` `catalogToHold` reads it).
    #[wasm_bindgen(js_name = catalogAnswer)]
    #[allow(clippy::too_many_arguments)]
    pub fn catalog_answer(
        &self,
        method: &str,
        target: &str,
        if_none_match: Option<String>,
        status: u16,
        headers: &str,
        decodes: Vec<String>,
        feed: Option<Vec<u8>>,
    ) -> Result<String, JsValue> {
        let headers = headers_arg(headers)?;
        let Some(plan) = self.plan(method, target, if_none_match.as_deref()) else {
            return Ok(CatalogAnswer::pass());
        };
        let decodes: Vec<&str> = decodes.iter().map(String::as_str).collect();
        let answer = plan.answer(&UpstreamHead { status, headers }, &decodes);
        let (ttl, whole, hold) = match (&answer, feed) {
            (gateway::Answer::Filter { reply, ttl, whole }, feed) => (
                Some(*ttl),
                Some(*whole),
                feed.map(|f| plan.to_hold(reply.clone(), &f)),
            ),
            _ => (None, None, None),
        };
        let action = answer.action();
        let reply = answer.reply();
        Ok(text(&CatalogAnswer {
            action,
            reply,
            ttl,
            whole,
            hold,
        }))
    }

    /// The whole feed `feed` filtered for the catalog request, in one call:
    /// its bytes; for a feed that cannot be filtered, throws the catalog
    /// error with, as its report, the reply to send instead
    /// (`CatalogPlan::invalid_feed`: `502`, the error's code and offset).
    /// For an edge that has read the whole body before answering
    /// (`js/api.js` `catalogWhole`); a target that is no catalog route
    /// throws `argument.target`.
    #[wasm_bindgen(js_name = catalogWhole)]
    pub fn catalog_whole(
        &self,
        method: &str,
        target: &str,
        feed: &Uint8Array,
    ) -> Result<Uint8Array, JsValue> {
        let Some(plan) = self.plan(method, target, None) else {
            let message = format!("`{target}` is not a catalog route");
            return Err(argument("argument.target", "target", message));
        };
        filter_in_pieces(self.inner.policy(), &plan.target, feed)
            .map(|out| bytes_out(&out))
            .map_err(|e| throw(&e, reply(&plan.invalid_feed(&e))))
    }

    /// The `502 upstream.truncated` reply (JSON text) for a body that ended
    /// before its `Content-Length` (`expected` bytes), after `received`
    /// (negative: not known).
    #[wasm_bindgen(js_name = catalogTruncated)]
    pub fn catalog_truncated(
        &self,
        method: &str,
        target: &str,
        received: f64,
        expected: f64,
        detail: &str,
    ) -> String {
        let plan = self.plan(method, target, None);
        let received = (received >= 0.0).then_some(received as u64);
        plan.map_or(Value::Null, |p| {
            reply(&p.truncated(received, expected as u64, detail))
        })
        .to_string()
    }

    /// The `502 upstream.unreachable` reply (JSON text).
    #[wasm_bindgen(js_name = catalogUnreachable)]
    pub fn catalog_unreachable(&self, method: &str, target: &str, detail: &str) -> String {
        let plan = self.plan(method, target, None);
        plan.map_or(Value::Null, |p| reply(&p.unreachable(detail)))
            .to_string()
    }

    /// For a feed held in a cache under `etag`: the `304` reply (JSON text)
    /// when the poll is current, else `null`.
    #[wasm_bindgen(js_name = catalogCached)]
    pub fn catalog_cached(
        &self,
        method: &str,
        target: &str,
        if_none_match: Option<String>,
        etag: &str,
        cache_control: &str,
    ) -> String {
        let plan = self.plan(method, target, if_none_match.as_deref());
        plan.and_then(|p| p.answer_cached(etag, cache_control))
            .map_or(Value::Null, |r| reply(&r))
            .to_string()
    }

    /// A feed held in a cache under `headers` (JSON `[[name, value]…]`),
    /// `gzipped` when its bytes are: `{"status","gzip","headers"}`, the
    /// `304` or the `200` of the representation sent (`CatalogPlan::answer_held`:
    /// gzip as held, under the weakened `ETag`, or plain, inflated by the edge).
    #[wasm_bindgen(js_name = catalogHeld)]
    pub fn catalog_held(
        &self,
        method: &str,
        target: &str,
        if_none_match: Option<String>,
        accept_encoding: Option<String>,
        headers: &str,
        gzipped: bool,
    ) -> Result<String, JsValue> {
        let headers = headers_arg(headers)?;
        let req = Request {
            accept_encoding: accept_encoding.as_deref(),
            ..request(method, target, None, if_none_match.as_deref())
        };
        let Decision::Catalog(plan) = self.inner.route(&req) else {
            return Ok(Value::Null.to_string());
        };
        let held = plan.answer_held(&headers, gzipped);
        Ok(json!({"status": held.status, "gzip": held.gzip, "headers": held.headers}).to_string())
    }

    /// The validator of a feed held whole (`Validator::Body`).
    #[wasm_bindgen(js_name = bodyEtag)]
    pub fn body_etag(&self, target: &str, body: &[u8]) -> Option<String> {
        self.plan("GET", target, None)?.etag(Validator::Body(body))
    }

    /// The bytes of the feed held under `key`, still fresh at `now_ms`
    /// (milliseconds since the epoch), or undefined.
    #[wasm_bindgen(js_name = recentBody)]
    pub fn recent_body(&mut self, key: &str, now_ms: f64) -> Option<Uint8Array> {
        let feed = self.recent.get(key, now_ms as u64)?;
        Some(bytes_out(&feed.body))
    }

    /// The headers of the feed held under `key` (JSON `[[name, value]…]`, `[]` if none).
    #[wasm_bindgen(js_name = recentHeaders)]
    pub fn recent_headers(&mut self, key: &str, now_ms: f64) -> String {
        let headers = self.recent.get(key, now_ms as u64).map(|f| &f.headers);
        json!(headers.unwrap_or(&Vec::new())).to_string()
    }

    /// Hold a feed just stored under `key` (headers: JSON `[[name, value]…]`)
    /// for `ttl` seconds from `now_ms`; throws `argument.headers` for
    /// headers that are not such an array (nothing is held then).
    pub fn hold(
        &mut self,
        key: &str,
        body: Vec<u8>,
        headers: &str,
        ttl: u32,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let headers = headers_arg(headers)?;
        self.recent.hold(key, body, headers, ttl, now_ms as u64);
        Ok(())
    }

    /// `/buy` alone (JSON text of the reply).
    pub fn buy(&self, query: &str, accept: Option<String>) -> String {
        text(&self.inner.buy(query, accept.as_deref()))
    }

    /// A coded error reply, `{"status":"error","code","message"}` (JSON text).
    #[wasm_bindgen(js_name = errorReply)]
    pub fn error_reply(status: u16, code: &str, message: &str) -> String {
        text(&Reply::error(status, code, message))
    }

    /// The webhook secrets of an edge's one setting (one per line, two
    /// during a rotation): `gateway::webhook::secrets`, the rule the
    /// Fastly service reads its setting by too.
    #[wasm_bindgen(js_name = webhookSecrets)]
    pub fn webhook_secrets(setting: &str) -> Vec<String> {
        webhook::secrets(setting)
            .into_iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    }

    /// A webhook delivery: `{"reply"}` (answer it) or `{"account_id"}`
    /// (load that account's entitlement, then `webhookApply`).
    #[wasm_bindgen(js_name = webhookReceive)]
    pub fn webhook_receive(
        body: &[u8],
        signature: Option<String>,
        event: Option<String>,
        secrets: Vec<String>,
    ) -> String {
        let secrets: Vec<&[u8]> = secrets.iter().map(|s| s.as_bytes()).collect();
        match webhook::receive(body, signature.as_deref(), event.as_deref(), &secrets) {
            webhook::Received::Reply(r) => json!({"reply": reply(&r)}),
            webhook::Received::Purchase(e) => {
                json!({"account_id": e.marketplace_purchase.account.id})
            }
        }
        .to_string()
    }

    /// Apply a received delivery to the stored entitlement (JSON text or
    /// undefined): `{"reply","store"}`, `store` the entitlement to keep (or null).
    #[wasm_bindgen(js_name = webhookApply)]
    pub fn webhook_apply(state: Option<String>, body: &[u8]) -> String {
        let state = state.as_deref().map(Entitlement::from_json).transpose();
        let event = resale_core::marketplace::event::parse_event(body);
        let (result, r) = match state.and_then(|s| event.map(|e| (s, e))) {
            Ok((s, e)) => webhook::apply(s.as_ref(), &e),
            Err(e) => {
                let result = Err(e);
                let r = webhook::applied(&result);
                (result, r)
            }
        };
        let store = match &result {
            Ok(a) if a.ignored.is_none() => json!(a.entitlement),
            _ => Value::Null,
        };
        json!({"reply": reply(&r), "store": store}).to_string()
    }

    /// The delivery ID a store keys redeliveries by: `{"id"}`, or `{"reply"}`
    /// (`400 delivery.malformed`).
    #[wasm_bindgen(js_name = webhookDelivery)]
    pub fn webhook_delivery(header: Option<String>) -> String {
        match webhook::delivery_id(header.as_deref()) {
            Ok(id) => json!({"id": id}),
            Err(r) => json!({"reply": reply(&r)}),
        }
        .to_string()
    }

    /// A store's new delivery folded with the account's kept payloads
    /// (`events`: a JSON array, the new one last) from `base` (JSON text or
    /// undefined): `{"reply","entitlement","answer"}`; on success keep
    /// `entitlement` and `answer` (the body a redelivery repeats), on a
    /// refusal (`422`) both are null and nothing is kept.
    #[wasm_bindgen(js_name = webhookReplay)]
    pub fn webhook_replay(base: Option<String>, events: &str) -> String {
        let result = resale_core::marketplace::replay::replay_json(base.as_deref(), events);
        let r = webhook::replayed(&result);
        let (entitlement, answer) = match &result {
            Ok(a) => (
                json!(a.entitlement),
                serde_json::from_str::<Value>(&r.body).unwrap_or_default(),
            ),
            Err(_) => (Value::Null, Value::Null),
        };
        json!({"reply": reply(&r), "entitlement": entitlement, "answer": answer}).to_string()
    }

    /// The reply to a delivery ID already seen, from the answer kept then.
    #[wasm_bindgen(js_name = webhookRedelivered)]
    pub fn webhook_redelivered(answer: &str) -> String {
        let first = serde_json::from_str::<Value>(answer).unwrap_or_default();
        text(&webhook::redelivered(&first))
    }
}

impl Gateway {
    fn plan(&self, method: &str, target: &str, inm: Option<&str>) -> Option<gateway::CatalogPlan> {
        match self.inner.route(&request(method, target, None, inm)) {
            Decision::Catalog(p) => Some(p),
            _ => None,
        }
    }
}
