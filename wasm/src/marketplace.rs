//! GitHub Marketplace: signatures, events, entitlements.

use resale_core::marketplace::entitlement::Entitlement;
use resale_core::marketplace::event::parse_event;
use resale_core::marketplace::reconcile::reconcile_json;
use resale_core::marketplace::replay::replay_json;
use resale_core::marketplace::signature;
use resale_core::marketplace::time::parse_now;
use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::errors::reply;

/// Verify `X-Hub-Signature-256` (`header`, or undefined) with any of `secrets`; JSON text.
#[wasm_bindgen(js_name = verifyWebhook)]
pub fn verify_webhook(
    body: &[u8],
    header: Option<String>,
    secrets: Vec<String>,
) -> Result<String, JsValue> {
    let secrets: Vec<&[u8]> = secrets.iter().map(|s| s.as_bytes()).collect();
    reply(
        &signature::verify(body, header.as_deref(), &secrets),
        report::marketplace_verify,
    )
}

/// Apply a `marketplace_purchase` payload to a stored entitlement (JSON
/// text, or undefined); the apply report as JSON text.
#[wasm_bindgen(js_name = applyPurchase)]
pub fn apply_purchase(state: Option<String>, body: &[u8]) -> Result<String, JsValue> {
    let result = state
        .as_deref()
        .map(Entitlement::from_json)
        .transpose()
        .and_then(|state| parse_event(body).and_then(|e| Entitlement::apply(state.as_ref(), &e)));
    reply(&result, report::marketplace_apply)
}

/// Entitled? Trial days left? May seat `seat` be taken at `now` (RFC 3339)? JSON text.
#[wasm_bindgen(js_name = seatQuestion)]
pub fn seat_question(state: &str, seat: u32, now: &str) -> Result<String, JsValue> {
    let result = parse_now(now).and_then(|now| Entitlement::from_json(state).map(|s| (s, now)));
    reply(&result, |r| match r {
        Ok((state, now)) => report::marketplace_seat(state, u64::from(seat), *now),
        Err(e) => report::marketplace_error(e),
    })
}

/// GitHub's accounts listing (JSON array, every plan and page) against the
/// stored entitlements (JSON array) as of `now` (RFC 3339); the
/// reconciliation report as JSON text.
#[wasm_bindgen(js_name = reconcileAccounts)]
pub fn reconcile_accounts(accounts: &[u8], stored: &str, now: &str) -> Result<String, JsValue> {
    reply(
        &reconcile_json(accounts, stored, now),
        report::marketplace_reconcile,
    )
}

/// Fold an account's deliveries (`events`: a JSON array of raw payloads,
/// newest arrival last) in event order from `base` (an entitlement's JSON,
/// or undefined); the last delivery's apply report as JSON text.
#[wasm_bindgen(js_name = replayPurchases)]
pub fn replay_purchases(base: Option<String>, events: &str) -> Result<String, JsValue> {
    reply(
        &replay_json(base.as_deref(), events),
        report::marketplace_apply,
    )
}
