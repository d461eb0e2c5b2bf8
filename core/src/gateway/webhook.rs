//! `POST /webhooks/github`: the answers around GitHub Marketplace's
//! `marketplace_purchase` deliveries.
//!
//! Two steps, so that an edge can put its own entitlement store between
//! them: [`receive`] verifies the signature and keeps only purchase events
//! (the edge then loads the stored entitlement of
//! `event.marketplace_purchase.account.id`), and [`applied`] answers the
//! result of [`Entitlement::apply`] (the edge stores the new entitlement
//! first when it was applied).

use super::Reply;
use crate::marketplace::entitlement::{Applied, Entitlement};
use crate::marketplace::event::{parse_event, PurchaseEvent};
use crate::marketplace::signature;
use crate::report;
use crate::Error;

/// What [`receive`] made of a delivery.
#[derive(Debug)]
pub enum Received {
    /// Answer this: `401` (signature), `202` (another event, ignored) or
    /// `422` (a purchase event that does not parse).
    Reply(Reply),
    /// A verified purchase event, to apply.
    Purchase(Box<PurchaseEvent>),
}

/// The webhook secrets as an edge stores them in one setting: one per
/// line (two during a rotation), trimmed, empty lines skipped. None is
/// [`receive`]'s `signature.no_secret`, not an error here.
///
/// ```
/// let s = resale_core::gateway::webhook::secrets(" old \r\n\nnew\n");
/// assert_eq!(s, [b"old".as_slice(), b"new".as_slice()]);
/// ```
pub fn secrets(lines: &str) -> Vec<&[u8]> {
    lines
        .split('\n')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::as_bytes)
        .collect()
}

/// Verify a delivery (`X-Hub-Signature-256` against every configured
/// secret, so a rotation needs no downtime) and keep purchase events.
pub fn receive(
    body: &[u8],
    signature_header: Option<&str>,
    event_header: Option<&str>,
    secrets: &[&[u8]],
) -> Received {
    if let Err(e) = signature::verify(body, signature_header, secrets) {
        return Received::Reply(Reply::json(401, &report::marketplace_error(&e)));
    }
    if event_header != Some("marketplace_purchase") {
        let body = serde_json::json!({"status": "ignored", "reason": "event.not_marketplace_purchase", "event": event_header});
        return Received::Reply(Reply::json(202, &body));
    }
    match parse_event(body) {
        Ok(event) => Received::Purchase(Box::new(event)),
        Err(e) => Received::Reply(Reply::json(422, &report::marketplace_error(&e))),
    }
}

/// Apply a received event to the stored state: the result to store (when
/// it was applied) and the answer, `200` with `report::marketplace_apply`.
pub fn apply(
    state: Option<&Entitlement>,
    event: &PurchaseEvent,
) -> (Result<Applied, Error>, Reply) {
    let result = Entitlement::apply(state, event);
    let reply = applied(&result);
    (result, reply)
}

/// The answer to an applied (or refused) event: `200` or `422`, with
/// `report::marketplace_apply`.
pub fn applied(result: &Result<Applied, Error>) -> Reply {
    let status = if result.is_ok() { 200 } else { 422 };
    Reply::json(status, &report::marketplace_apply(result))
}

/// Longest `X-GitHub-Delivery` an entitlement store keeps (GitHub's are
/// 36-character GUIDs).
pub const MAX_DELIVERY_ID: usize = 128;

/// The delivery ID an entitlement store keys redeliveries by: the
/// `X-GitHub-Delivery` header, 1 to [`MAX_DELIVERY_ID`] visible ASCII
/// characters, or `400 delivery.malformed`.
///
/// ```
/// use resale_core::gateway::webhook::delivery_id;
/// assert_eq!(delivery_id(Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")).unwrap(), "72d3162e-cc78-11e3-81ab-4c9367dc0958");
/// assert_eq!(delivery_id(None).unwrap_err().status, 400);
/// ```
pub fn delivery_id(header: Option<&str>) -> Result<&str, Reply> {
    match header {
        Some(id)
            if !id.is_empty()
                && id.len() <= MAX_DELIVERY_ID
                && id.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(id)
        }
        _ => Err(Reply::json(
            400,
            &serde_json::json!({"status": "error", "code": "delivery.malformed", "field": "X-GitHub-Delivery",
                "message": format!("the X-GitHub-Delivery header must be 1 to {MAX_DELIVERY_ID} visible characters")}),
        )),
    }
}

/// A store's answer to a new delivery folded with the account's others
/// ([`crate::marketplace::replay`]): [`applied`]'s, with `redelivered:
/// false`. The JSON body is what the store keeps for a redelivery
/// ([`redelivered`]).
pub fn replayed(result: &Result<Applied, Error>) -> Reply {
    let mut body = report::marketplace_apply(result);
    if result.is_ok() {
        body["redelivered"] = false.into();
    }
    Reply::json(if result.is_ok() { 200 } else { 422 }, &body)
}

/// The answer to a delivery ID a store has seen: the body it answered
/// then (as [`replayed`] made it), with `redelivered: true`; nothing is
/// applied again.
pub fn redelivered(first: &serde_json::Value) -> Reply {
    let mut body = first.clone();
    body["redelivered"] = true.into();
    Reply::json(200, &body)
}

/// `503 store.conflict`: a store whose conditional writes kept meeting
/// newer ones gave up rather than write over them (GitHub records the
/// failed delivery; reconciliation or a redelivery repairs it).
pub fn conflict(attempts: usize) -> Reply {
    Reply::json(
        503,
        &serde_json::json!({"status": "error", "code": "store.conflict",
            "message": format!("{attempts} conditional writes met newer ones; nothing was written over them")}),
    )
}
