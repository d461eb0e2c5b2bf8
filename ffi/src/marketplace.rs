//! GitHub Marketplace: webhook signatures, purchase events, entitlements.
//! The engine has no clock: the caller passes "now" (RFC 3339).

use std::ffi::c_char;

use resale_core::marketplace::entitlement::Entitlement;
use resale_core::marketplace::event::parse_event;
use resale_core::marketplace::reconcile::reconcile_json;
use resale_core::marketplace::replay::replay_json;
use resale_core::marketplace::signature;
use resale_core::marketplace::time::parse_now;
use resale_core::report::{ApplyAnswer, ReconcileAnswer, SeatReport};

use crate::answer::{args, with_output};
use crate::errors::{resale_error, resale_status};
use crate::panic_guard::guard;
use crate::string::{bytes, optional_text, resale_buffer, text};

/// Verify a webhook's `X-Hub-Signature-256` header (`signature`, NULL when
/// the request had none) over the raw `body`, with any of `secrets`
/// (one per line, read as every edge reads its setting,
/// `gateway::webhook::secrets`: trimmed, empty lines skipped; several
/// during a secret rotation). Constant-time. `RESALE_STATUS_OK`, or
/// `RESALE_STATUS_REJECTED` with `signature.missing`, `signature.malformed`,
/// `signature.no_secret` or `signature.mismatch`.
///
/// # Safety
/// Each pointer NULL (where allowed) or valid for reads of its length;
/// `error` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_marketplace_verify(
    body: *const c_char,
    body_len: usize,
    signature_: *const c_char,
    signature_len: usize,
    secrets: *const c_char,
    secrets_len: usize,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        guard(error, || {
            let body = bytes(body, body_len, "body")?;
            let header = optional_text(signature_, signature_len, "signature")?;
            let secrets = text(secrets, secrets_len, "secrets")?;
            let secrets = resale_core::gateway::webhook::secrets(secrets);
            Ok(signature::verify(body, header, &secrets)?)
        })
    }
}

/// Apply a verified `marketplace_purchase` payload (`body`) to the account's
/// stored entitlement (`state`: the JSON of the previous answer's
/// `entitlement`, NULL for none). `*out` receives
/// `{"status":"applied"|"ignored","reason","duplicate_purchase","entitlement":{…}}`
/// (`status` here is the event's outcome, not the call's: both are
/// `RESALE_STATUS_OK`): store `entitlement` for the next event.
///
/// # Safety
/// Each pointer NULL (where allowed) or valid for reads of its length;
/// `out` a buffer filled only by this library; `error` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_marketplace_apply(
    state: *const c_char,
    state_len: usize,
    body: *const c_char,
    body_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, out, "out", |out| {
            let (state, body) = args!(optional_text(state, state_len), bytes(body, body_len));
            let state = state.map(Entitlement::from_json).transpose()?;
            let applied = parse_event(body).and_then(|e| Entitlement::apply(state.as_ref(), &e))?;
            out.json(&ApplyAnswer::from(&applied))
        })
    }
}

/// Questions about a stored entitlement at `now` (RFC 3339): `*out`
/// receives `{"entitled","trial_days_remaining","seat":{"allowed","reason","limit"}}`
/// for seat number `seat` (1-based).
///
/// # Safety
/// As [`resale_marketplace_apply`].
#[no_mangle]
pub unsafe extern "C" fn resale_marketplace_seat(
    state: *const c_char,
    state_len: usize,
    seat: u64,
    now: *const c_char,
    now_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, out, "out", |out| {
            let (state, now) = args!(text(state, state_len), text(now, now_len));
            let (state, now) = (Entitlement::from_json(state)?, parse_now(now)?);
            out.json(&SeatReport::new(&state, seat, now))
        })
    }
}

/// Compare GitHub's accounts listing (`accounts`: a JSON array holding
/// every plan's `GET /marketplace_listing/plans/:id/accounts` answers,
/// every page) with the stored entitlements (`stored`: a JSON array of
/// entitlements) as of `now` (RFC 3339, when the listing was read). `*out`
/// receives `{"differences":[{"account_id","login","kind","stored","listed","repair"}],"repaired":[…]}`:
/// store each `repaired` entitlement under its account ID.
/// `RESALE_STATUS_REJECTED` with `listing.invalid`, `entitlement.invalid`,
/// `reconcile.duplicate_account`, `reconcile.too_many_accounts` or
/// `time.invalid`.
///
/// # Safety
/// As [`resale_marketplace_apply`].
#[no_mangle]
pub unsafe extern "C" fn resale_marketplace_reconcile(
    accounts: *const c_char,
    accounts_len: usize,
    stored: *const c_char,
    stored_len: usize,
    now: *const c_char,
    now_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, out, "out", |out| {
            let (accounts, stored, now) = args!(
                bytes(accounts, accounts_len),
                text(stored, stored_len),
                text(now, now_len)
            );
            let reconciliation = reconcile_json(accounts, stored, now)?;
            out.json(&ReconcileAnswer::from(&reconciliation))
        })
    }
}

/// Fold an account's deliveries in event order (effective date, then
/// action, then arrival), whatever order they arrived in: `events` is a JSON
/// array of the raw `marketplace_purchase` payloads, the newest arrival
/// last; `base` the state before the first (NULL for none, or a reconciled
/// state). `*out` receives the last delivery's answer, shaped as
/// [`resale_marketplace_apply`]'s, with the entitlement after all of them.
/// A store that keeps each account's deliveries and calls this for each
/// new one holds the same entitlement for every arrival order.
///
/// # Safety
/// As [`resale_marketplace_apply`].
#[no_mangle]
pub unsafe extern "C" fn resale_marketplace_replay(
    base: *const c_char,
    base_len: usize,
    events: *const c_char,
    events_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, out, "out", |out| {
            let (base, events) = args!(optional_text(base, base_len), text(events, events_len));
            out.json(&ApplyAnswer::from(&replay_json(base, events)?))
        })
    }
}
