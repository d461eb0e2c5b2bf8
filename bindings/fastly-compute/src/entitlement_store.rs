//! Entitlements in the Fastly KV Store `entitlements`, one item per account
//! (`account-<id>`), safe under concurrent deliveries.
//!
//! A delivery reads the account's item and its generation, folds the kept
//! payloads and the new one in event order with the core
//! ([`replay_json`]: the same entitlement whatever the arrival order), and
//! writes the item back only if its generation is still the one read
//! (`if_generation_match`; `InsertMode::Add` for an account's first item).
//! When another delivery wrote in between, the write fails with
//! "precondition failed" and the delivery starts again from the new item, up
//! to [`ATTEMPTS`] times; past that it is answered `503 store.conflict`
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
    for _ in 0..ATTEMPTS {
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
