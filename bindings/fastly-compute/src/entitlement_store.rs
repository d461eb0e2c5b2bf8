//! Entitlements in the Fastly KV Store `entitlements`, one item per account
//! (`account-<id>`), safe under concurrent deliveries.
//!
//! A delivery reads the account's item and its generation, folds the kept
//! payloads and the new one in event order with the core
//! ([`replay_json`]: the same entitlement whatever the arrival order), and
//! writes the item back only if its generation is still the one read
//! (`if_generation_match`; `InsertMode::Add` for an account's first item).
//! When another delivery wrote in between, the write fails with
//! "precondition failed" and the delivery starts again from the new item
//! after a short randomised pause ([`backoff`]: the losers of one race do not
//! all come back at the same instant and collide again), up to [`ATTEMPTS`]
//! times; past that it is answered `503 store.conflict`
//! (GitHub counts the delivery as failed: reconciliation or a redelivery
//! repairs it), never written over the other one. The item also keeps each
//! `X-GitHub-Delivery` ID with the answer given: a redelivery changes nothing
//! and repeats it.
//!
//! Viceroy 0.22.0 honours `if_generation_match` and `Add`, but checks them
//! and writes under two separate locks of its in-memory store, so a write
//! racing in that window is not caught there; Fastly's KV Store checks the
//! precondition where it writes.

use std::collections::BTreeMap;
use std::time::Duration;

use fastly::kv_store::{InsertMode, KVStore, KVStoreError};
use resale_core::gateway::webhook;
use resale_core::gateway::Reply;
use resale_core::marketplace::entitlement::Entitlement;
use resale_core::marketplace::replay::replay_json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The KV Store's name (`[setup.kv_stores.entitlements]` in fastly.toml).
pub const STORE: &str = "entitlements";
/// Reads and conditional writes tried before answering 503.
pub const ATTEMPTS: usize = 16;
/// The first pause's ceiling, in milliseconds: about one attempt's read,
/// fold and write in Viceroy. A pause much shorter than an attempt does not
/// spread the losers out (1 ms pauses left 32 of 240 deliveries answered 503
/// with 4 attempts, against 34 without pauses; 20 ms ones left 5).
pub const FIRST_BACKOFF_MS: u64 = 20;
/// The longest pause's ceiling, in milliseconds. All 16 attempts wait at most
/// 20 + 40 + 80 + 160 + 12 × 320 ms ≈ 4.1 s (half that on average), inside
/// GitHub's 10 s delivery timeout.
pub const MAX_BACKOFF_MS: u64 = 320;
/// Payloads kept per account before they are folded into its base (the core folds at most 1024).
pub const MAX_KEPT: usize = 1000;

/// One account's item.
#[derive(Default, Serialize, Deserialize)]
struct Item {
    /// A reconciled state the payloads fold from.
    base: Option<Entitlement>,
    /// The entitlement after every delivery.
    entitlement: Option<Entitlement>,
    /// The kept payloads, in arrival order.
    payloads: Vec<String>,
    /// Each delivery ID seen, with the answer given.
    deliveries: BTreeMap<String, Value>,
}

/// Apply one verified delivery for `account`: the core's reply to send.
pub fn apply(store: &KVStore, account: u64, delivery: &str, body: &str) -> Reply {
    let key = format!("account-{account}");
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(backoff(delivery, attempt));
        }
        let (mut item, generation) = match store.lookup(&key) {
            Ok(mut found) => {
                let generation = found.current_generation();
                match serde_json::from_slice::<Item>(&found.take_body_bytes()) {
                    Ok(item) => (item, Some(generation)),
                    Err(e) => return Reply::error(503, "store.unreadable", &format!("{key}: {e}")),
                }
            }
            Err(KVStoreError::ItemNotFound) => (Item::default(), None),
            Err(e) => return Reply::error(503, "store.unavailable", &e.to_string()),
        };
        if let Some(answer) = item.deliveries.get(delivery) {
            return webhook::redelivered(answer);
        }
        if item.payloads.len() >= MAX_KEPT {
            item.base = item.entitlement.clone();
            item.payloads.clear();
        }
        let base = item
            .base
            .as_ref()
            .map(|b| serde_json::to_string(b).unwrap_or_default());
        let events = format!(
            "[{}]",
            item.payloads
                .iter()
                .map(String::as_str)
                .chain([body])
                .collect::<Vec<_>>()
                .join(",")
        );
        let result = replay_json(base.as_deref(), &events);
        let reply = webhook::replayed(&result);
        let Ok(applied) = result else { return reply };
        item.entitlement = Some(applied.entitlement);
        item.payloads.push(body.to_owned());
        item.deliveries.insert(
            delivery.to_owned(),
            serde_json::from_str(&reply.body).unwrap_or_default(),
        );
        let text = match serde_json::to_vec(&item) {
            Ok(text) => text,
            Err(e) => return Reply::error(503, "store.unwritable", &e.to_string()),
        };
        let insert = store.build_insert();
        let insert = match generation {
            Some(g) => insert.if_generation_match(g),
            None => insert.mode(InsertMode::Add),
        };
        match insert.execute(&key, text) {
            Ok(()) => return reply,
            Err(KVStoreError::ItemPreconditionFailed) => continue,
            Err(e) => return Reply::error(503, "store.unavailable", &e.to_string()),
        }
    }
    webhook::conflict(ATTEMPTS)
}

/// The pause before `attempt` (1 after the first failure): "full jitter",
/// uniform in `[0, cap]` with `cap = min(FIRST_BACKOFF_MS × 2^(attempt-1),
/// MAX_BACKOFF_MS)`.
///
/// The jitter comes from the delivery ID and the attempt (FNV-1a), so two
/// deliveries that lost the same race wait different times; no random source
/// is needed.
fn backoff(delivery: &str, attempt: usize) -> Duration {
    let cap_ms = (FIRST_BACKOFF_MS << (attempt - 1).min(16)).min(MAX_BACKOFF_MS);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in delivery.bytes().chain((attempt as u64).to_le_bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let cap_us = cap_ms * 1000;
    Duration::from_micros(hash % (cap_us + 1))
}
