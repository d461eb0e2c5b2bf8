//! # resale-core
//!
//! The rules between Plesk's extension store, GitHub Marketplace and a
//! reseller's own shop, as a pure library: no I/O, no clock, no global state.
//! Every binding (command line, C ABI, PHP, WebAssembly, edge workers) calls
//! these functions and only translates types and errors.
//!
//! Start with a [`Policy`], compiled once from the shop's JSON policy:
//!
//! ```
//! use resale_core::{Policy, RewriteOutcome};
//!
//! let policy = Policy::from_json(r#"{
//!     "shop_url": "https://shop.com",
//!     "extensions": { "docker": {} }
//! }"#).unwrap();
//!
//! // 1. Buy links: what Plesk does with `[extensions] buyUrl`.
//! let link = policy.rewrite_buy_url("https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.12345678.0001").unwrap();
//! assert_eq!(link, RewriteOutcome::Rewritten("https://shop.com/?extension-id=docker&kn=PLSK.12345678.0001".into()));
//!
//! // 2. Shop entry: what arrives at the shop, checked against the policy.
//! let request = policy.check_shop_request("extension-id=docker&kn=PLSK.12345678.0001").unwrap();
//! assert_eq!(request.extension_id(), "docker");
//! ```
//!
//! Modules are named after what they decide: [`host`] (is a URL Plesk's
//! store?), [`rewrite`] (buy links), [`query`] (raw query strings),
//! [`shop_request`] (shop entry), [`syntax`] (identifier shapes),
//! [`panel_ini`] (Plesk's configuration), [`policy`] (the shop's policy), [`report`] (the JSON every binding answers), [`gateway`] (the HTTP answers of every edge).
//! Every refusal is one type, [`Error`]: a stable code, the field at fault,
//! a byte offset where one matters, and a message.

// Unsafe code is refused everywhere but in the SIMD classifier of the
// catalog scanner (`catalog/blocks.rs`), which allows it and says why at
// each use.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod catalog;
pub mod error;
pub mod gateway;
pub mod host;
pub mod license;
pub mod marketplace;
mod markup;
pub mod panel_ini;
pub mod policy;
pub mod query;
pub mod report;
pub mod rewrite;
pub mod shop_request;
pub mod syntax;
#[cfg(feature = "vectors")]
pub mod vectors;

pub use error::{Domain, Error};
pub use policy::Policy;
pub use rewrite::{RewriteOutcome, UnchangedReason};
pub use shop_request::{Action, BuyLink, ShopRequest, ShopRequestRef};

/// The crate's README (its crates.io page) as a doctest, so its example runs.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
