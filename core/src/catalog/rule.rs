//! The visibility rule, once, for packages and `top_packages` entries alike.
//!
//! Plesk's reseller documentation: the proxy hides only extensions whose
//! "Buy Now" link points at Plesk's store; free extensions and extensions
//! sold elsewhere are never filtered. A Plesk-sold extension stays visible
//! when the shop sells it (`extensions`) or it matches `catalog.allow_patterns`.

use crate::host::is_plesk_store_str;
use crate::Policy;

/// A member value as the rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field<'a> {
    /// The member is not there.
    Absent,
    /// `null`.
    Null,
    /// A string, unescaped.
    Text(std::borrow::Cow<'a, str>),
    /// A number, boolean, object or array.
    Other,
}

/// What the rule says about one extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No buy link (absent, `null`, empty, or not a string): always visible.
    Free,
    /// Sold elsewhere (any host but Plesk's store, look-alikes included): always visible.
    Elsewhere,
    /// Sold through Plesk's store and by this shop (or allowed): visible.
    Sold,
    /// Sold through Plesk's store, not by this shop: hidden.
    NotSold,
}

impl Verdict {
    /// Does the extension stay in the feed?
    pub fn visible(self) -> bool {
        self != Verdict::NotSold
    }
}

/// Apply the rule to an extension's `code` and `buy_url`.
pub(crate) fn verdict(policy: &Policy, code: &Field<'_>, buy_url: &Field<'_>) -> Verdict {
    let url = match buy_url {
        Field::Text(u) if !u.is_empty() => u,
        _ => return Verdict::Free,
    };
    if !is_plesk_store_str(url) {
        return Verdict::Elsewhere;
    }
    match code {
        Field::Text(c) if policy.sells(c) || policy.catalog().allows(c) => Verdict::Sold,
        _ => Verdict::NotSold,
    }
}
