//! What arrives at the shop: the parameters of a rewritten buy link, checked
//! against the policy.
//!
//! Plesk sends `extension-id` and `kn` (the main key number), for the
//! Individual Offers model `token` and `product-id`, and the extension SDK can
//! add `buyUrlCoupon=<code>` and, for a licence upgrade,
//! `ekn=<extension key number>&a=upgrade`. [`Policy::check_shop_request`]
//! answers either a typed [`ShopRequest`] or an [`Error`] with a stable
//! code, the parameter at fault and a message a shop can show.
//!
//! The order of the checks is fixed and documented by the tests: first the
//! query as a whole (size, pairs, duplicates, encoding), then each field's
//! syntax in the order `extension-id`, `kn`, `token`, `product-id`,
//! `buyUrlCoupon`, `a`, `ekn`, then the policy (sold extension, Individual
//! Offers fields, sold product).

use crate::query::{ensure_unique, parse_pairs, Param, QueryError};
use crate::syntax;
use crate::{Error, Policy};

/// Parameter names, as Plesk spells them.
pub mod param {
    /// The extension's code.
    pub const EXTENSION_ID: &str = "extension-id";
    /// The main Plesk key number.
    pub const KEY_NUMBER: &str = "kn";
    /// Individual Offers token (base64).
    pub const TOKEN: &str = "token";
    /// Individual Offers product.
    pub const PRODUCT_ID: &str = "product-id";
    /// Coupon code added by the extension SDK.
    pub const COUPON: &str = "buyUrlCoupon";
    /// Action: absent (a purchase) or `upgrade`.
    pub const ACTION: &str = "a";
    /// The extension key being upgraded.
    pub const EXTENSION_KEY_NUMBER: &str = "ekn";
}

/// The order in which validated parameters are forwarded.
const FORWARD_ORDER: [&str; 7] = [
    param::EXTENSION_ID,
    param::KEY_NUMBER,
    param::TOKEN,
    param::PRODUCT_ID,
    param::COUPON,
    param::EXTENSION_KEY_NUMBER,
    param::ACTION,
];

/// Purchase or upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A new licence (no `a` parameter).
    Buy,
    /// An upgrade of the extension key `ekn` (`a=upgrade`).
    Upgrade,
}

/// An accepted shop request. Values are percent-decoded (`+` stays `+`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ShopRequest {
    /// The extension's code (`extension-id`).
    pub extension_id: String,
    /// The main Plesk key number (`kn`).
    pub key_number: String,
    /// Individual Offers token (`token`), base64.
    pub token: Option<String>,
    /// Individual Offers product (`product-id`).
    pub product_id: Option<String>,
    /// Coupon code (`buyUrlCoupon`).
    pub coupon: Option<String>,
    /// Purchase or upgrade (`a`).
    pub action: Action,
    /// The extension key being upgraded (`ekn`).
    pub extension_key_number: Option<String>,
    /// The accepted parameters exactly as they arrived, in a fixed order
    /// (`extension-id`, `kn`, `token`, `product-id`, `buyUrlCoupon`, `ekn`,
    /// `a`), joined by `&`; unknown parameters are left out.
    #[serde(skip)]
    pub forward_query: String,
}

fn reject(code: &'static str, field: &str, message: impl Into<String>) -> Error {
    Error::at_field(code, field, message)
}

impl From<QueryError> for Error {
    fn from(e: QueryError) -> Error {
        use crate::query::limits::*;
        match e {
            QueryError::TooLong { len } => Error::new(
                "query.too_long",
                format!("the query is {len} bytes, the limit is {MAX_QUERY_BYTES}"),
            ),
            QueryError::TooManyParams => Error::new(
                "query.too_many_params",
                format!("the query has more than {MAX_PARAMS} parameters"),
            ),
            QueryError::Duplicate { name } => {
                let m = format!("the parameter `{name}` is given more than once");
                reject("param.duplicate", &name, m)
            }
            QueryError::BadEncoding { name } => {
                let m =
                    format!("the parameter `{name}` has invalid percent-encoding or is not UTF-8");
                reject("param.bad_encoding", &name, m)
            }
            QueryError::ControlChar { name } => {
                let m = format!("the parameter `{name}` contains a control character");
                reject("param.control_char", &name, m)
            }
            QueryError::ParamTooLong { name } => {
                let m = format!("the parameter `{name}` is too long (names up to {MAX_NAME_BYTES} bytes, values up to {MAX_VALUE_BYTES})");
                reject("param.too_long", &name, m)
            }
        }
    }
}

/// The query part of what the shop received: a whole URL (`https://…?q`), a
/// path with a query (`/buy?q`), or the bare query (`q` or `?q`). A fragment
/// is cut off.
fn query_part(input: &str) -> &str {
    let input = input.split_once('#').map_or(input, |(q, _)| q);
    let has_scheme = input.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if has_scheme || input.starts_with('/') {
        input.split_once('?').map_or("", |(_, q)| q)
    } else {
        input.strip_prefix('?').unwrap_or(input)
    }
}

/// A present, non-empty parameter.
fn get<'p>(params: &'p [Param<'_>], name: &str) -> Option<&'p Param<'p>> {
    params
        .iter()
        .find(|p| p.name == name && !p.value.is_empty())
}

impl Policy {
    /// Check what arrived at the shop.
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{
    ///     "shop_url": "https://shop.com",
    ///     "extensions": { "some-extension-name": { "products": ["SomeProductID"] } }
    /// }"#).unwrap();
    /// let req = policy.check_shop_request(
    ///     "https://shop.com/?extension-id=some-extension-name&kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID",
    /// ).unwrap();
    /// assert_eq!(req.key_number, "PLESK.12345678.0001");
    /// assert_eq!(req.token.as_deref(), Some("U29NZVVuaXF1ZUdVSUQxMjM="));
    ///
    /// let no = policy.check_shop_request("extension-id=docker&kn=PLSK.12345678.0001").unwrap_err();
    /// assert_eq!((no.code, no.field.as_deref()), ("extension.not_sold", Some("extension-id")));
    /// let no = policy.check_shop_request("extension-id=some-extension-name&kn=1&kn=2").unwrap_err();
    /// assert_eq!(no.code, "param.duplicate");
    /// ```
    pub fn check_shop_request(&self, query_or_url: &str) -> Result<ShopRequest, Error> {
        let mut params = parse_pairs(query_part(query_or_url))?;
        self.set_aside_shop_query(&mut params);
        ensure_unique(&params)?;

        // ---- syntax, field by field ----
        let ext = get(&params, param::EXTENSION_ID).ok_or_else(|| {
            reject(
                "extension_id.missing",
                param::EXTENSION_ID,
                "the extension is missing (parameter `extension-id`)",
            )
        })?;
        if !syntax::is_extension_code(&ext.value) {
            return Err(reject(
                "extension_id.malformed",
                param::EXTENSION_ID,
                "`extension-id` is not an extension code (letters, digits, `-`, `_`, `.`)",
            ));
        }
        let kn = get(&params, param::KEY_NUMBER).ok_or_else(|| {
            reject(
                "kn.missing",
                param::KEY_NUMBER,
                "the Plesk key number is missing (parameter `kn`)",
            )
        })?;
        if !self.is_key_number(&kn.value) {
            return Err(reject(
                "kn.malformed",
                param::KEY_NUMBER,
                "`kn` is not a Plesk key number (such as PLSK.12345678.0001)",
            ));
        }
        let token = get(&params, param::TOKEN);
        if let Some(t) = token {
            if t.value.len() > syntax::MAX_TOKEN_BYTES {
                return Err(reject(
                    "token.too_long",
                    param::TOKEN,
                    format!("`token` is longer than {} bytes", syntax::MAX_TOKEN_BYTES),
                ));
            }
            if !syntax::is_base64(&t.value) {
                return Err(reject(
                    "token.malformed",
                    param::TOKEN,
                    "`token` is not base64",
                ));
            }
        }
        let product = get(&params, param::PRODUCT_ID);
        if let Some(p) = product {
            if !syntax::is_product_id(&p.value) {
                return Err(reject(
                    "product_id.malformed",
                    param::PRODUCT_ID,
                    "`product-id` is not a product ID (letters, digits, `-`, `_`, `.`)",
                ));
            }
        }
        let coupon = get(&params, param::COUPON);
        if let Some(c) = coupon {
            if !syntax::is_coupon(&c.value) {
                return Err(reject(
                    "coupon.malformed",
                    param::COUPON,
                    "`buyUrlCoupon` is not a coupon code (letters, digits, `-`, `_`, `.`)",
                ));
            }
        }
        let action = match get(&params, param::ACTION).map(|a| a.value.as_ref()) {
            None => Action::Buy,
            Some("upgrade") => Action::Upgrade,
            Some(_) => {
                return Err(reject(
                    "action.unknown",
                    param::ACTION,
                    "`a` must be `upgrade` or absent",
                ))
            }
        };
        let ekn = get(&params, param::EXTENSION_KEY_NUMBER);
        match (action, ekn) {
            (Action::Upgrade, None) => {
                return Err(reject(
                    "ekn.missing",
                    param::EXTENSION_KEY_NUMBER,
                    "an upgrade (`a=upgrade`) needs the extension key number (`ekn`)",
                ))
            }
            (Action::Buy, Some(_)) => {
                return Err(reject(
                    "ekn.unexpected",
                    param::EXTENSION_KEY_NUMBER,
                    "`ekn` is only meaningful with `a=upgrade`",
                ))
            }
            (_, Some(e))
                if !(self.is_key_number(&e.value) || syntax::is_bare_key_digits(&e.value)) =>
            {
                return Err(reject(
                    "ekn.malformed",
                    param::EXTENSION_KEY_NUMBER,
                    "`ekn` is not a key number (such as EXT.12345678.0001, or its digits)",
                ))
            }
            _ => {}
        }

        // ---- policy ----
        let entry = self.extension(&ext.value).ok_or_else(|| {
            reject(
                "extension.not_sold",
                param::EXTENSION_ID,
                format!("this shop does not sell the extension `{}`", ext.value),
            )
        })?;
        if entry.individual_offers {
            if token.is_none() {
                return Err(reject(
                    "token.missing",
                    param::TOKEN,
                    format!(
                        "`{}` is sold as Individual Offers: the link must carry `token`",
                        ext.value
                    ),
                ));
            }
            if product.is_none() {
                return Err(reject(
                    "product_id.missing",
                    param::PRODUCT_ID,
                    format!(
                        "`{}` is sold as Individual Offers: the link must carry `product-id`",
                        ext.value
                    ),
                ));
            }
        }
        if let Some(p) = product {
            if !entry.products.is_empty() && !entry.products.iter().any(|x| *x == p.value) {
                return Err(reject(
                    "product_id.not_sold",
                    param::PRODUCT_ID,
                    format!(
                        "this shop does not sell the product `{}` of `{}`",
                        p.value, ext.value
                    ),
                ));
            }
        }

        let forward_query = FORWARD_ORDER
            .iter()
            .filter_map(|name| get(&params, name).map(|p| p.raw))
            .collect::<Vec<_>>()
            .join("&");
        let owned = |p: Option<&Param<'_>>| p.map(|p| p.value.to_string());
        Ok(ShopRequest {
            extension_id: ext.value.to_string(),
            key_number: kn.value.to_string(),
            token: owned(token),
            product_id: owned(product),
            coupon: owned(coupon),
            action,
            extension_key_number: owned(ekn),
            forward_query,
        })
    }

    /// Remove, once each, the pairs of the shop URL's own query
    /// (`cart.php?a=add&gid=7`): they are the shop's, not Plesk's, and a
    /// shop's `a=add` must not be read as Plesk's action parameter `a`.
    fn set_aside_shop_query(&self, params: &mut Vec<Param<'_>>) {
        let Some(own) = self.shop_url().query() else {
            return;
        };
        for pair in own.split('&').filter(|p| !p.is_empty()) {
            if let Some(i) = params.iter().position(|p| p.raw == pair) {
                params.remove(i);
            }
        }
    }

    /// Where to send the customer once `request` is accepted: the most
    /// specific shop target ([`Policy::shop_target`]: the product's, the
    /// extension's or the policy's `shop_url`) with the accepted parameters,
    /// exactly as they arrived, appended to the target's own query.
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.example/store", "extensions": {"docker": {}}}"#).unwrap();
    /// let req = policy.check_shop_request("/buy?kn=PLSK.12345678.0001&utm=x&extension-id=docker").unwrap();
    /// assert_eq!(policy.shop_redirect_url(&req),
    ///            "https://shop.example/store?extension-id=docker&kn=PLSK.12345678.0001");
    /// ```
    pub fn shop_redirect_url(&self, request: &ShopRequest) -> String {
        let target = self.shop_target(&request.extension_id, request.product_id.as_deref());
        crate::rewrite::link_to(target, &request.forward_query, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_json(include_str!("../../tests/vectors/policies/example.json")).unwrap()
    }

    fn code(q: &str) -> (&'static str, Option<String>) {
        let r = policy().check_shop_request(q).unwrap_err();
        assert!(!r.message.is_empty());
        (r.code, r.field)
    }

    const KN: &str = "kn=PLSK.12345678.0001";

    #[test]
    fn query_part_forms() {
        assert_eq!(query_part("https://s/x?a=1#f"), "a=1");
        assert_eq!(query_part("/buy?a=1"), "a=1");
        assert_eq!(query_part("?a=1"), "a=1");
        assert_eq!(query_part("a=1"), "a=1");
        assert_eq!(query_part("https://s/x"), "");
        assert_eq!(query_part("a=1?b=2"), "a=1?b=2");
        assert_eq!(query_part("a=x://y?b"), "a=x://y?b");
    }

    #[test]
    fn accepts_individual_offer() {
        let r = policy()
            .check_shop_request(&format!(
                "extension-id=wp-toolkit&{KN}&token=a+b/cQ%3D%3D&product-id=WPT_DELUXE"
            ))
            .unwrap();
        assert_eq!(r.token.as_deref(), Some("a+b/cQ=="));
        assert_eq!(
            r.forward_query,
            format!("extension-id=wp-toolkit&{KN}&token=a+b/cQ%3D%3D&product-id=WPT_DELUXE")
        );
    }

    #[test]
    fn upgrades_and_coupons() {
        let r = policy()
            .check_shop_request(&format!(
                "extension-id=docker&{KN}&ekn=123456&a=upgrade&buyUrlCoupon=SPRING"
            ))
            .unwrap();
        assert_eq!(r.action, Action::Upgrade);
        assert_eq!(r.extension_key_number.as_deref(), Some("123456"));
        assert_eq!(r.coupon.as_deref(), Some("SPRING"));
        assert!(policy()
            .check_shop_request(&format!(
                "extension-id=docker&{KN}&ekn=EXT.12345678.0001&a=upgrade"
            ))
            .is_ok());
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&a=upgrade")).0,
            "ekn.missing"
        );
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&ekn=1")).0,
            "ekn.unexpected"
        );
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&ekn=x&a=upgrade")).0,
            "ekn.malformed"
        );
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&a=downgrade")).0,
            "action.unknown"
        );
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&buyUrlCoupon=a%20b")).0,
            "coupon.malformed"
        );
    }

    #[test]
    fn rejections_name_the_field() {
        let f = |s: &str| Some(s.to_owned());
        assert_eq!(code(KN), ("extension_id.missing", f("extension-id")));
        assert_eq!(
            code(&format!("extension-id=&{KN}")),
            ("extension_id.missing", f("extension-id"))
        );
        assert_eq!(
            code(&format!("extension-id=a/b&{KN}")),
            ("extension_id.malformed", f("extension-id"))
        );
        assert_eq!(code("extension-id=docker"), ("kn.missing", f("kn")));
        assert_eq!(
            code("extension-id=docker&kn=PLSK.123.0001"),
            ("kn.malformed", f("kn"))
        );
        assert_eq!(
            code(&format!("extension-id=nope&{KN}")),
            ("extension.not_sold", f("extension-id"))
        );
        assert_eq!(
            code(&format!(
                "extension-id=wp-toolkit&{KN}&product-id=WPT_DELUXE"
            )),
            ("token.missing", f("token"))
        );
        assert_eq!(
            code(&format!("extension-id=wp-toolkit&{KN}&token=QQ==")),
            ("product_id.missing", f("product-id"))
        );
        assert_eq!(
            code(&format!(
                "extension-id=wp-toolkit&{KN}&token=QQ==&product-id=OTHER"
            )),
            ("product_id.not_sold", f("product-id"))
        );
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&token=not%20base64")),
            ("token.malformed", f("token"))
        );
        let long = "Q".repeat(syntax::MAX_TOKEN_BYTES + 4);
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&token={long}")),
            ("token.too_long", f("token"))
        );
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&product-id=a%20b")),
            ("product_id.malformed", f("product-id"))
        );
    }

    #[test]
    fn pollution_and_smuggling() {
        let f = |s: &str| Some(s.to_owned());
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&kn=PLSK.87654321.0001")),
            ("param.duplicate", f("kn"))
        );
        assert_eq!(
            code(&format!("extension-id=docker&{KN}&extension-id=wp-toolkit")),
            ("param.duplicate", f("extension-id"))
        );
        assert_eq!(
            code(&format!("extension-id=docker&{KN}%0d%0aX:1")),
            ("param.control_char", f("kn"))
        );
        assert_eq!(
            code(&format!("extension-id=docker&{KN}%zz")),
            ("param.bad_encoding", f("kn"))
        );
    }
}
