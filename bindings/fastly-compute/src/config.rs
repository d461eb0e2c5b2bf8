//! Configuration from the Fastly Config Store `resale` (the worker's
//! bindings): `policy` (the policy JSON) and `github_webhook_secrets` (one
//! per line; several during a rotation).
//!
//! Compute instantiates the service for every request, so the policy is
//! compiled per request (there is no isolate to keep it in as the worker
//! does), except for a held feed, looked up by the digest of its text.
//! Nothing here panics: a missing store or key is a coded 500, as a policy
//! that does not compile is in the worker.

use fastly::config_store::ConfigStore;
use resale_core::gateway::Reply;

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

/// The policy's text, or the coded 500 to answer when it is missing (one
/// that does not compile is the core's coded 500, in `main.rs`).
pub fn policy() -> Result<String, Reply> {
    get(POLICY).ok_or_else(|| {
        let message = format!("the Config Store `{STORE}` has no `{POLICY}`");
        Reply::error(500, "config.missing", &message)
    })
}

/// The webhook secrets' setting as it is (`gateway::webhook::secrets`
/// reads it); none configured is the core's `signature.no_secret`.
pub fn webhook_secrets() -> String {
    get(SECRETS).unwrap_or_default()
}
