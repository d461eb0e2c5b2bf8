//! The one error every public function of the core returns.
//!
//! A refusal is data, not an exception: a stable machine `code`
//! (`kn.malformed`, `policy.key.missing`, `catalog.json.invalid`), the
//! `field` at fault when there is one (a query parameter as spelled in the
//! query, a JSON path into a policy or payload such as `$.shop_url`, a
//! header or argument name), the byte `offset` in the input when the
//! position is what matters (catalog feeds), and a `message` for a person.
//!
//! Codes and fields are stable and pinned by `tests/vectors/`; messages may
//! be reworded. Bindings translate this type once each (the C error object,
//! JavaScript's `ResaleError`, PHP's exception classes) and pick their
//! class, when they have classes, by [`Error::domain`], which is derived
//! from the code's first segment here and nowhere else.

use std::fmt;

use serde::Serialize;

/// A refusal: stable code, field at fault, byte offset, message.
///
/// ```
/// let e = resale_core::Policy::from_json("{}").unwrap_err();
/// assert_eq!(e.code, "policy.key.missing");
/// assert_eq!(e.field.as_deref(), Some("$.shop_url"));
/// assert_eq!(e.domain(), resale_core::Domain::Policy);
/// assert!(e.to_string().starts_with("policy.key.missing at $.shop_url: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Error {
    /// Stable machine code: `<segment>.<what>` (`kn.malformed`).
    pub code: &'static str,
    /// The field at fault: a query parameter, a JSON path (`$.shop_url`),
    /// a header or argument name; `None` when the input as a whole is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Byte offset in the input where the fault was found (catalog feeds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Explanation for a person; may be reworded between versions.
    pub message: String,
}

impl Error {
    /// An error about the input as a whole.
    pub fn new(code: &'static str, message: impl Into<String>) -> Error {
        Error {
            code,
            field: None,
            offset: None,
            message: message.into(),
        }
    }

    /// An error about one field (parameter, JSON path, header, argument).
    pub fn at_field(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error {
            field: Some(field.into()),
            ..Error::new(code, message)
        }
    }

    /// An error found at byte `offset` of the input.
    pub fn at_offset(code: &'static str, offset: u64, message: impl Into<String>) -> Error {
        Error {
            offset: Some(offset),
            ..Error::new(code, message)
        }
    }

    /// Which family the code belongs to, from its first segment.
    pub fn domain(&self) -> Domain {
        Domain::of(self.code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.field, self.offset) {
            (Some(field), _) => write!(f, "{} at {}: {}", self.code, field, self.message),
            (None, Some(offset)) => {
                write!(f, "{} at byte {}: {}", self.code, offset, self.message)
            }
            (None, None) => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

impl std::error::Error for Error {}

/// The family of an error code: what bindings with exception classes (PHP)
/// map to a class. Derived from the code's first segment by [`Domain::of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// `policy.*`: the shop's policy does not compile.
    Policy,
    /// A shop request refused by a rule: `kn.*`, `ekn.*`, `token.*`,
    /// `product_id.*`, `coupon.*`, `action.*`, `extension.*`,
    /// `extension_id.*`, `param.*`, `query.*`.
    ShopRequest,
    /// `catalog.*`: a feed that cannot be filtered.
    Catalog,
    /// `license.*`: no license plan, key or activation.
    License,
    /// GitHub Marketplace: `signature.*`, `event.*`, `entitlement.*`,
    /// `setup_url.*`, `oauth.*`, `listing.*`, `reconcile.*`, `replay.*`, `time.*`.
    Marketplace,
    /// Input a function cannot work on: `url.*` (not a URL),
    /// `panel_ini.*`, and any code of no other family.
    Input,
    /// `argument.*`: a binding was called wrongly (NULL, not UTF-8).
    Argument,
    /// `internal.*`: a bug caught before it crossed a boundary.
    Internal,
}

impl Domain {
    /// Every domain, for bindings' tests that pin their mapping.
    pub const ALL: [Domain; 8] = [
        Domain::Policy,
        Domain::ShopRequest,
        Domain::Catalog,
        Domain::License,
        Domain::Marketplace,
        Domain::Input,
        Domain::Argument,
        Domain::Internal,
    ];

    /// The domain of `code`, by its first segment.
    ///
    /// ```
    /// use resale_core::Domain;
    /// assert_eq!(Domain::of("kn.malformed"), Domain::ShopRequest);
    /// assert_eq!(Domain::of("catalog.json.invalid"), Domain::Catalog);
    /// assert_eq!(Domain::of("url.invalid"), Domain::Input);
    /// ```
    pub fn of(code: &str) -> Domain {
        let segment = code.split('.').next().unwrap_or(code);
        match segment {
            "policy" => Domain::Policy,
            "kn" | "ekn" | "token" | "product_id" | "coupon" | "action" | "extension"
            | "extension_id" | "param" | "query" => Domain::ShopRequest,
            "catalog" => Domain::Catalog,
            "license" => Domain::License,
            "signature" | "event" | "entitlement" | "setup_url" | "oauth" | "listing"
            | "reconcile" | "replay" | "time" => Domain::Marketplace,
            "argument" => Domain::Argument,
            "internal" => Domain::Internal,
            _ => Domain::Input,
        }
    }

    /// The domain's name (`shop_request`), as bindings receive it.
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Policy => "policy",
            Domain::ShopRequest => "shop_request",
            Domain::Catalog => "catalog",
            Domain::License => "license",
            Domain::Marketplace => "marketplace",
            Domain::Input => "input",
            Domain::Argument => "argument",
            Domain::Internal => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_field_or_the_offset() {
        assert_eq!(
            Error::at_field("kn.malformed", "kn", "bad").to_string(),
            "kn.malformed at kn: bad"
        );
        assert_eq!(
            Error::at_offset("catalog.json.invalid", 12, "bad").to_string(),
            "catalog.json.invalid at byte 12: bad"
        );
        assert_eq!(
            Error::new("url.invalid", "bad").to_string(),
            "url.invalid: bad"
        );
    }

    #[test]
    fn serialises_only_what_it_has() {
        let e = Error::at_offset("catalog.json.invalid", 3, "m");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"catalog.json.invalid","offset":3,"message":"m"}"#
        );
    }

    #[test]
    fn domain_names_are_distinct_and_snake_case() {
        let names: std::collections::BTreeSet<_> = Domain::ALL.iter().map(|d| d.as_str()).collect();
        assert_eq!(names.len(), Domain::ALL.len());
        for d in Domain::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }
    }
}
