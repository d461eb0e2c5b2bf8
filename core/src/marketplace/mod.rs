//! GitHub Marketplace: webhook signatures, purchase events, entitlements.
//!
//! A pure module: no I/O and no clock (the caller passes "now" as Unix
//! seconds, [`time::parse_rfc3339`] reads GitHub's dates).
//!
//! - [`signature`]: `X-Hub-Signature-256` verification, constant-time, with
//!   secret rotation;
//! - [`event`]: the `marketplace_purchase` payload, typed;
//! - [`entitlement`]: the per-account state machine (its transition table is
//!   in that module's documentation);
//! - [`replay`]: an account's deliveries folded in event order, so a store
//!   holds the same entitlement whatever order they arrived in;
//! - [`questions`]: entitled? trial days left? may seat N be taken?
//!   duplicate purchase?
//! - [`setup_url`]: GitHub's redirect to the setup URL, and the OAuth
//!   authorization URL;
//! - [`listing`]: the accounts listing, for reconciliation;
//! - [`reconcile`]: that listing against the stored entitlements, each
//!   difference with its repair.

pub mod entitlement;
pub mod event;
pub mod listing;
pub mod questions;
pub mod reconcile;
pub mod replay;
pub mod setup_url;
pub mod signature;
pub mod time;
