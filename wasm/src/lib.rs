//! resale-core for JavaScript runtimes, through wasm-bindgen.
//!
//! A thin binding: every rule lives in `resale-core`; this crate moves
//! strings and bytes across the boundary and answers in the JSON shapes of
//! `resale_core::report` (as text, which the JavaScript wrapper in `js/`
//! parses and turns into plain objects or a thrown `ResaleError`). One file
//! per core module: `policy.rs`, `rewrite.rs`, `shop_request.rs`,
//! `catalog.rs`, `panel_ini.rs`, `license.rs`, `marketplace.rs`, `gateway.rs`; `errors.rs`
//! holds how failures cross.
//!
//! Nothing panics across the boundary: the core returns errors as values,
//! and the release profile for this crate aborts rather than unwinds.

mod bytes;
mod catalog;
mod errors;
mod gateway;
mod license;
mod marketplace;
mod panel_ini;
mod policy;
mod rewrite;
mod shop_request;

pub use catalog::CatalogFilter;
pub use gateway::Gateway;
pub use policy::Policy;
