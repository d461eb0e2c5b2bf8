//! Configuration from the Fastly Config Store `resale` (the worker's
//! bindings): `policy` (the policy JSON) and `github_webhook_secrets` (one
//! per line; several during a rotation).
//!
//! Compute instantiates the service for every request, so the policy is
//! compiled per request; there is no isolate to keep it in as the worker does.
//! Nothing here panics: a missing store or key is a coded 500, as a policy
//! that does not compile is in the worker.

use fastly::config_store::ConfigStore;
use resale_core::gateway::{Gateway, Reply};

/// The Config Store's name, in `fastly.toml` and on the service.
pub const STORE: &str = "resale";
/// The policy JSON (Config Store values are limited to 8,000 characters).
pub const POLICY: &str = "policy";
/// Webhook secrets, newline-separated.
pub const SECRETS: &str = "github_webhook_secrets";

/// A key of the store; `None` when the store or the key is missing.
fn get(key: &str) -> Option<String> {
    ConfigStore::try_open(STORE).ok()?.try_get(key).ok()?
}

/// The compiled policy's gateway, or the coded 500 to answer.
pub fn gateway() -> Result<Gateway, Reply> {
    let Some(text) = get(POLICY) else {
        let message = format!("the Config Store `{STORE}` has no `{POLICY}`");
        return Err(Reply::error(500, "config.missing", &message));
    };
    Gateway::from_json(&text).map_err(|e| Reply::error(500, e.code, &e.message))
}

/// The webhook secrets' setting as it is (`gateway::webhook::secrets`
/// reads it); none configured is the core's `signature.no_secret`.
pub fn webhook_secrets() -> String {
    get(SECRETS).unwrap_or_default()
}
