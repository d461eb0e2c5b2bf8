//! `POST /webhooks/github`: GitHub Marketplace's `marketplace_purchase`
//! events, verified and applied by the core.
//!
//! `X-Hub-Signature-256` is checked against every configured secret
//! (`signature::verify`, so a rotation needs no downtime): 401 with the
//! core's report otherwise. Other events are acknowledged with 202 and
//! ignored. A purchase event is applied to no stored state — the worker's
//! answer when it has no KV namespace: this service keeps no state, the
//! entitlement it answers is for the deployer to store.

use fastly::http::{Method, StatusCode};
use fastly::{Request, Response};
use resale_core::marketplace::entitlement::Entitlement;
use resale_core::marketplace::event::parse_event;
use resale_core::marketplace::signature;
use resale_core::report;
use serde_json::json;

use crate::{config, json_reply};

/// Answer a webhook delivery.
pub fn webhook(mut req: Request) -> Response {
    if req.get_method() != Method::POST {
        return json_reply(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({"status": "error", "code": "method.not_allowed", "message": "POST only"}),
        )
        .with_header("allow", "POST");
    }
    let body = req.take_body_bytes();
    let secrets = config::webhook_secrets();
    let secrets: Vec<&[u8]> = secrets.iter().map(|s| s.as_bytes()).collect();
    let header = req.get_header_str("x-hub-signature-256");
    if let Err(e) = signature::verify(&body, header, &secrets) {
        return json_reply(StatusCode::UNAUTHORIZED, &report::marketplace_error(&e));
    }
    let event = req.get_header_str("x-github-event");
    if event != Some("marketplace_purchase") {
        return json_reply(
            StatusCode::ACCEPTED,
            &json!({"status": "ignored", "reason": "event.not_marketplace_purchase", "event": event}),
        );
    }
    let applied = parse_event(&body).and_then(|e| Entitlement::apply(None, &e));
    let status = if applied.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    json_reply(status, &report::marketplace_apply(&applied))
}
