//! GitHub Marketplace: signatures, events, entitlements.

use resale_core::marketplace::entitlement::Entitlement;
use resale_core::marketplace::event::parse_event;
use resale_core::marketplace::reconcile::reconcile_json;
use resale_core::marketplace::replay::replay_json;
use resale_core::marketplace::signature;
use resale_core::marketplace::time::parse_now;
use resale_core::report;
use wasm_bindgen::prelude::*;

/// Verify `X-Hub-Signature-256` (`header`, or undefined) with any of `secrets`; JSON text.
#[wasm_bindgen(js_name = verifyWebhook)]
pub fn verify_webhook(body: &[u8], header: Option<String>, secrets: Vec<String>) -> String {
    let secrets: Vec<&[u8]> = secrets.iter().map(|s| s.as_bytes()).collect();
    report::marketplace_verify(&signature::verify(body, header.as_deref(), &secrets)).to_string()
}

/// Apply a `marketplace_purchase` payload to a stored entitlement (JSON
/// text, or undefined); the apply report as JSON text.
#[wasm_bindgen(js_name = applyPurchase)]
pub fn apply_purchase(state: Option<String>, body: &[u8]) -> String {
    let result = state
        .as_deref()
        .map(Entitlement::from_json)
        .transpose()
        .and_then(|state| parse_event(body).and_then(|e| Entitlement::apply(state.as_ref(), &e)));
    report::marketplace_apply(&result).to_string()
}

/// Entitled? Trial days left? May seat `seat` be taken at `now` (RFC 3339)? JSON text.
#[wasm_bindgen(js_name = seatQuestion)]
pub fn seat_question(state: &str, seat: u32, now: &str) -> String {
    match parse_now(now).and_then(|now| Entitlement::from_json(state).map(|s| (s, now))) {
        Ok((state, now)) => report::marketplace_seat(&state, u64::from(seat), now).to_string(),
        Err(e) => report::marketplace_error(&e).to_string(),
    }
}

/// GitHub's accounts listing (JSON array, every plan and page) against the
/// stored entitlements (JSON array) as of `now` (RFC 3339); the
/// reconciliation report as JSON text.
#[wasm_bindgen(js_name = reconcileAccounts)]
pub fn reconcile_accounts(accounts: &[u8], stored: &str, now: &str) -> String {
    report::marketplace_reconcile(&reconcile_json(accounts, stored, now)).to_string()
}

/// Fold an account's deliveries (`events`: a JSON array of raw payloads,
/// newest arrival last) in event order from `base` (an entitlement's JSON,
/// or undefined); the last delivery's apply report as JSON text.
#[wasm_bindgen(js_name = replayPurchases)]
pub fn replay_purchases(base: Option<String>, events: &str) -> String {
    report::marketplace_apply(&replay_json(base.as_deref(), events)).to_string()
}
