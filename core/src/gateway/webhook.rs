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
use crate::marketplace::{signature, MarketplaceError};
use crate::report;

/// What [`receive`] made of a delivery.
#[derive(Debug)]
pub enum Received {
    /// Answer this: `401` (signature), `202` (another event, ignored) or
    /// `422` (a purchase event that does not parse).
    Reply(Reply),
    /// A verified purchase event, to apply.
    Purchase(Box<PurchaseEvent>),
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
) -> (Result<Applied, MarketplaceError>, Reply) {
    let result = Entitlement::apply(state, event);
    let reply = applied(&result);
    (result, reply)
}

/// The answer to an applied (or refused) event: `200` or `422`, with
/// `report::marketplace_apply`.
pub fn applied(result: &Result<Applied, MarketplaceError>) -> Reply {
    let status = if result.is_ok() { 200 } else { 422 };
    Reply::json(status, &report::marketplace_apply(result))
}
