//! `POST /webhooks/github`: the body read and handed to the core's webhook
//! steps. This service keeps no state (the worker's answer without a KV
//! namespace): the event is applied to none, and the entitlement answered
//! is for the deployer to store. A store plugs in between `receive` (which
//! names the account) and `apply` (which takes its stored entitlement).

use fastly::{Request, Response};
use resale_core::gateway::webhook::{self, Received};

use crate::{config, respond};

/// Answer a webhook delivery.
pub fn webhook(mut req: Request) -> Response {
    let body = req.take_body_bytes();
    let secrets = config::webhook_secrets();
    let secrets: Vec<&[u8]> = secrets.iter().map(|s| s.as_bytes()).collect();
    let signature = req.get_header_str("x-hub-signature-256");
    let event = req.get_header_str("x-github-event");
    match webhook::receive(&body, signature, event, &secrets) {
        Received::Reply(reply) => respond(reply),
        Received::Purchase(event) => respond(webhook::apply(None, &event).1),
    }
}
