//! The extension catalog filter: Plesk's catalog feed, minus the commercial
//! extensions sold through Plesk's store that the shop does not sell.
//!
//! Plesk reads its catalog from `/api/v<N>/packages` and
//! `/api/v<N>/categories` (`panel.ini`'s `catalog.url` can point it at a
//! proxy). The rule, from Plesk's reseller documentation:
//!
//! - an extension is **Plesk-sold** when its `buy_url` parses as a URL whose
//!   host is Plesk's store — the same test as the buy-link rewrite,
//!   [`crate::host::is_plesk_store`] (so `go.plesk.com.vendor.example` is
//!   *not* Plesk's store, whatever its prefix);
//! - a Plesk-sold extension stays when its `code` is one the shop sells
//!   (policy `extensions`) or matches `catalog.allow_patterns`;
//! - free extensions (`buy_url` absent, `null`, empty, or not a string) and
//!   extensions sold elsewhere always stay.
//!
//! Strings are compared after JSON unescaping (`https:\/\/go.plesk.com\/…`,
//! `wp\u002dtoolkit`). When an item repeats `code` or `buy_url`, the **last**
//! one decides, as PHP's `json_decode` (Plesk's reader) takes the last; all
//! copies stay in the bytes, so Plesk sees what was judged.
//!
//! **Nothing is lost**: kept items are copied byte for byte (no
//! re-serialisation, no reordering, escapes and number formats untouched);
//! the output is the input minus the dropped items and their separators.
//! With `catalog.rewrite_buy_urls`, only the string of a kept Plesk-sold
//! item's last `buy_url` changes. Categories keep everything but the hidden
//! entries of their `top_packages` (see [`categories`] for entries without a
//! `buy_url`).
//!
//! **Invalid input is an error** with a stable code and a byte offset, never
//! a partial feed passed as success: `catalog.json.invalid`,
//! `catalog.json.empty`, `catalog.json.truncated`, `catalog.json.trailing`,
//! `catalog.json.not_array`, `catalog.item.not_object`,
//! `catalog.utf8.invalid`, `catalog.depth_exceeded` (policy
//! `catalog.max_depth`, default 64), `catalog.too_large` (policy
//! `catalog.max_input_bytes`, default 64 MiB).
//!
//! One pass over the bytes, no document tree: [`CatalogFilter`] reads chunks
//! split anywhere; [`Policy::filter_catalog`] is the same filter fed once.

mod blocks;
mod categories;
mod error;
mod explain;
mod filter;
mod json_string;
mod route;
mod rule;
mod scanner;
mod separators;
mod utf8;

pub use blocks::ScanPath;
pub use explain::{CategoryDecision, Decision, Explanation, FeedEntry, HiddenEntry, ItemDecision};
pub use filter::CatalogFilter;
pub use route::{catalog_kind, CatalogKind};
pub use rule::{Rule, Verdict};

use crate::Policy;

/// What a filter did, by reason. `repr(C)` and plain integers: the C ABI
/// exports this struct itself (`resale_catalog_stats`), so its fields are
/// written once; PHP's `CatalogStats` and the TypeScript declarations are
/// checked against `tests/vectors/schema/catalog_stats.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[repr(C)]
pub struct CatalogStats {
    /// The feed read: `packages`, `categories` or `other`.
    pub kind: CatalogKind,
    /// Elements of the top-level array read (extensions or categories).
    pub items: u64,
    /// Elements kept.
    pub kept: u64,
    /// Elements dropped (Plesk-sold, not sold by the shop).
    pub dropped: u64,
    /// Kept because free.
    pub kept_free: u64,
    /// Kept because sold elsewhere.
    pub kept_elsewhere: u64,
    /// Kept because Plesk-sold and sold (or allowed) by the shop.
    pub kept_sold: u64,
    /// Kept Plesk-sold items whose `buy_url` was rewritten to the shop.
    pub rewritten: u64,
    /// `top_packages` entries kept (categories feed).
    pub top_packages_kept: u64,
    /// `top_packages` entries dropped (categories feed).
    pub top_packages_dropped: u64,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes written.
    pub bytes_out: u64,
}

impl CatalogStats {
    fn new(kind: CatalogKind) -> CatalogStats {
        CatalogStats {
            kind,
            ..CatalogStats::default()
        }
    }
}

/// A filtered feed and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered {
    /// Which feed the path asked for.
    pub kind: CatalogKind,
    /// The output bytes.
    pub body: Vec<u8>,
    /// The counts.
    pub stats: CatalogStats,
}

impl Policy {
    /// Filter a whole catalog response for the request `path`. A path that
    /// is not a catalog feed passes through untouched (kind `Other`).
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com", "extensions": {"docker": {}}}"#).unwrap();
    /// let feed = br#"[
    ///   {"code": "docker", "buy_url": "https://go.plesk.com/buy-plesk-ext/docker"},
    ///   {"code": "seo", "buy_url": "https://go.plesk.com/buy-plesk-ext/seo"},
    ///   {"code": "imunify", "buy_url": "https://go.plesk.com.vendor.example/cart"},
    ///   {"code": "git", "buy_url": null}
    /// ]"#;
    /// let f = policy.filter_catalog("/api/v4/packages?platform=unix", feed).unwrap();
    /// assert_eq!((f.stats.kept, f.stats.dropped), (3, 1));
    /// assert!(!String::from_utf8(f.body).unwrap().contains("\"seo\""));
    ///
    /// let e = policy.filter_catalog("/api/v4/packages", b"[{\"code\": 1,}]").unwrap_err();
    /// assert_eq!((e.code, e.offset), ("catalog.json.invalid", Some(12)));
    /// ```
    pub fn filter_catalog(&self, path: &str, body: &[u8]) -> Result<Filtered, crate::Error> {
        let kind = self.catalog_kind(path);
        let mut filter = CatalogFilter::new(self, kind);
        let mut out = Vec::with_capacity(body.len());
        filter.push(body, &mut out)?;
        let stats = filter.finish(&mut out)?;
        Ok(Filtered {
            kind,
            body: out,
            stats,
        })
    }

    /// Filter a whole catalog response and explain every decision: each
    /// item kept or hidden with its [`Rule`], each category's hidden
    /// `top_packages` entries, and the counts. The filter itself records
    /// them ([`CatalogFilter::explaining`]); an invalid feed is the same
    /// [`crate::Error`] as [`Policy::filter_catalog`]'s.
    pub fn explain_catalog(&self, path: &str, body: &[u8]) -> Result<Explanation, crate::Error> {
        let mut filter = self.catalog_filter(path).explaining();
        let mut out = Vec::with_capacity(body.len());
        filter.push(body, &mut out)?;
        filter.finish(&mut out)?;
        Ok(filter.take_explanation())
    }

    /// An incremental filter for the request `path`.
    pub fn catalog_filter(&self, path: &str) -> CatalogFilter {
        CatalogFilter::new(self, self.catalog_kind(path))
    }
}
