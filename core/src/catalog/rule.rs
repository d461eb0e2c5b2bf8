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

impl Field<'_> {
    /// The string, owned, for a report; `None` for anything else.
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            Field::Text(t) => Some(t.clone().into_owned()),
            _ => None,
        }
    }
}

/// What the rule says about one extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No buy link (absent, `null`, empty, or not a string): always visible.
    Free,
    /// Sold elsewhere (any host but Plesk's store, look-alikes included): always visible.
    Elsewhere,
    /// Sold through Plesk's store and by this shop (policy `extensions`): visible.
    Sold,
    /// Sold through Plesk's store, not by this shop, but its code matches
    /// `catalog.allow_patterns`: visible.
    Allowed,
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
        Field::Text(c) if policy.sells(c) => Verdict::Sold,
        Field::Text(c) if policy.catalog().allows(c) => Verdict::Allowed,
        _ => Verdict::NotSold,
    }
}

/// The rule that decided, as explain reports it: a [`Verdict`] with the
/// detail a person needs (the host a link sells on, the pattern that
/// allowed a code). It is built from the verdict the filter reached, so an
/// explanation can never disagree with the feed the filter wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// No buy link (absent, `null`, empty, or not a string).
    Free,
    /// A buy link on another host than Plesk's store.
    SoldElsewhere {
        /// The link's host (`null` when the link is not a URL at all).
        host: Option<String>,
    },
    /// Plesk-sold, and the shop sells it (`extensions`).
    SoldByShop,
    /// Plesk-sold, not in `extensions`, allowed by `catalog.allow_patterns`.
    AllowedByPattern {
        /// The first pattern that matches the code.
        pattern: String,
    },
    /// Plesk-sold and not sold by the shop: hidden.
    NotSold,
}

impl Rule {
    /// The detail of `verdict`, reached by the filter on `code` and `buy_url`.
    pub(crate) fn of(
        verdict: Verdict,
        policy: &Policy,
        code: &Field<'_>,
        buy_url: &Field<'_>,
    ) -> Rule {
        match verdict {
            Verdict::Free => Rule::Free,
            Verdict::Elsewhere => Rule::SoldElsewhere {
                host: match buy_url {
                    Field::Text(u) => url::Url::parse(u)
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_owned)),
                    _ => None,
                },
            },
            Verdict::Sold => Rule::SoldByShop,
            Verdict::Allowed => Rule::AllowedByPattern {
                pattern: match code {
                    Field::Text(c) => policy.catalog().allowing(c).unwrap_or_default().to_owned(),
                    _ => String::new(),
                },
            },
            Verdict::NotSold => Rule::NotSold,
        }
    }

    /// The rule's name: `free`, `sold_elsewhere`, `sold_by_shop`,
    /// `allowed_by_pattern`, `not_sold`.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Free => "free",
            Rule::SoldElsewhere { .. } => "sold_elsewhere",
            Rule::SoldByShop => "sold_by_shop",
            Rule::AllowedByPattern { .. } => "allowed_by_pattern",
            Rule::NotSold => "not_sold",
        }
    }

    /// The rule's detail for a person: the host or the pattern, or nothing.
    pub fn detail(&self) -> &str {
        match self {
            Rule::SoldElsewhere { host } => host.as_deref().unwrap_or(""),
            Rule::AllowedByPattern { pattern } => pattern,
            _ => "",
        }
    }
}
