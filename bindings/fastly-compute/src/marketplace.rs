//! `POST /webhooks/github`: the body read and handed to the core's webhook
//! steps. With the KV Store `entitlements` linked, a purchase event goes to
//! the account's item (`entitlement_store.rs`: conditional writes, retried
//! on conflict, `503` rather than a lost update); without it, it is applied
//! to no stored state (the entitlement answered is for the deployer to store).

use fastly::kv_store::KVStore;
use fastly::{Request, Response};
use resale_core::gateway::webhook::{self, Received};

use crate::{config, entitlement_store, respond};

/// Answer a webhook delivery.
pub fn webhook(mut req: Request) -> Response {
    let body = req.take_body_bytes();
    let secrets = config::webhook_secrets();
    let secrets = webhook::secrets(&secrets);
    let signature = req.get_header_str("x-hub-signature-256");
    let event = req.get_header_str("x-github-event");
    match webhook::receive(&body, signature, event, &secrets) {
        Received::Reply(reply) => respond(reply),
        Received::Purchase(event) => match KVStore::open(entitlement_store::STORE).ok().flatten() {
            Some(store) => match webhook::delivery_id(req.get_header_str("x-github-delivery")) {
                Ok(id) => {
                    let account = event.marketplace_purchase.account.id;
                    respond(entitlement_store::apply(
                        &store,
                        account,
                        id,
                        &String::from_utf8_lossy(&body),
                    ))
                }
                Err(reply) => respond(reply),
            },
            None => respond(webhook::apply(None, &event).1),
        },
    }
}
