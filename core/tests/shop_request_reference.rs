//! The one-pass shop-request check against the implementation it replaced
//! (a `Vec` of decoded pairs, the shop's own pairs removed, a pairwise
//! duplicate check, then field lookups), kept here as the reference: for
//! generated queries, both give the same request or the same error (code,
//! field and message), and the borrowed answer is the owned one.

use std::borrow::Cow;

use proptest::prelude::*;
use resale_core::query::QueryError;
use resale_core::{Action, Error, Policy, ShopRequest};

/// An accepted request as plain fields: what the reference builds, and
/// what the engine's [`ShopRequest`] reads as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub extension_id: String,
    pub key_number: String,
    pub token: Option<String>,
    pub product_id: Option<String>,
    pub coupon: Option<String>,
    pub action: Action,
    pub extension_key_number: Option<String>,
    pub forward_query: String,
}

impl Request {
    fn of(r: &ShopRequest) -> Request {
        let owned = |v: Option<&str>| v.map(str::to_owned);
        Request {
            extension_id: r.extension_id().to_owned(),
            key_number: r.key_number().to_owned(),
            token: owned(r.token()),
            product_id: owned(r.product_id()),
            coupon: owned(r.coupon()),
            action: r.action(),
            extension_key_number: owned(r.extension_key_number()),
            forward_query: r.forward_query().to_owned(),
        }
    }
}

mod reference {
    //! The check as it was before the one-pass rewrite, verbatim but for
    //! paths (`resale_core::…`), decode errors built where they are found,
    //! and three things taken from the core so that each is written once:
    //! the forward order (`param::FORWARD_ORDER`), the action rule
    //! (`Action::from_param`) and how an over-long name is shown
    //! (`limits::shown_name`).
    use super::*;
    use resale_core::query::limits;
    use resale_core::shop_request::param;
    use resale_core::syntax;

    pub struct Param<'a> {
        pub name: Cow<'a, str>,
        pub value: Cow<'a, str>,
        pub raw: &'a str,
    }

    fn ensure_unique(params: &[Param<'_>]) -> Result<(), QueryError> {
        for (i, p) in params.iter().enumerate() {
            if params[..i].iter().any(|q| q.name == p.name) {
                return Err(QueryError::Duplicate {
                    name: p.name.to_string(),
                });
            }
        }
        Ok(())
    }

    fn parse_pairs(query: &str) -> Result<Vec<Param<'_>>, QueryError> {
        if query.len() > limits::MAX_QUERY_BYTES {
            return Err(QueryError::TooLong { len: query.len() });
        }
        let mut params: Vec<Param<'_>> = Vec::with_capacity(8);
        for (raw, eq) in pairs(query) {
            if params.len() == limits::MAX_PARAMS {
                return Err(QueryError::TooManyParams);
            }
            let (raw_name, raw_value) = match eq {
                Some(i) => (&raw[..i], &raw[i + 1..]),
                None => (raw, ""),
            };
            let shown = || limits::shown_name(raw_name).to_owned();
            let name = decode_component(raw_name, shown)?;
            if raw_name.len() > limits::MAX_NAME_BYTES {
                return Err(QueryError::ParamTooLong { name: shown() });
            }
            if raw_value.len() > limits::MAX_VALUE_BYTES {
                return Err(QueryError::ParamTooLong {
                    name: name.into_owned(),
                });
            }
            let value = decode_component(raw_value, || name.to_string())?;
            params.push(Param { name, value, raw });
        }
        Ok(params)
    }

    fn pairs(query: &str) -> impl Iterator<Item = (&str, Option<usize>)> {
        let bytes = query.as_bytes();
        let mut start = 0;
        std::iter::from_fn(move || {
            while start < bytes.len() {
                let mut eq = None;
                let mut end = start;
                while end < bytes.len() && bytes[end] != b'&' {
                    if bytes[end] == b'=' && eq.is_none() {
                        eq = Some(end - start);
                    }
                    end += 1;
                }
                let pair = &query[start..end];
                start = end + 1;
                if !pair.is_empty() {
                    return Some((pair, eq));
                }
            }
            None
        })
    }

    /// `raw` decoded; its errors name the parameter `name()`.
    fn decode_component(raw: &str, name: impl Fn() -> String) -> Result<Cow<'_, str>, QueryError> {
        let bytes = raw.as_bytes();
        if !bytes.contains(&b'%') {
            return if has_control(bytes) {
                Err(QueryError::ControlChar { name: name() })
            } else {
                Ok(Cow::Borrowed(raw))
            };
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hi = bytes.get(i + 1).and_then(|b| hex(*b));
                let lo = bytes.get(i + 2).and_then(|b| hex(*b));
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => return Err(QueryError::BadEncoding { name: name() }),
                }
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        if has_control(&out) {
            return Err(QueryError::ControlChar { name: name() });
        }
        String::from_utf8(out)
            .map(Cow::Owned)
            .map_err(|_| QueryError::BadEncoding { name: name() })
    }

    /// Naively: decode (lossily, so that invalid UTF-8 still has its
    /// controls found first) and ask each char (`Cc`: C0, DEL and C1).
    fn has_control(bytes: &[u8]) -> bool {
        String::from_utf8_lossy(bytes).chars().any(char::is_control)
    }

    fn hex(b: u8) -> Option<u8> {
        char::from(b).to_digit(16).map(|d| d as u8)
    }

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

    fn get<'p>(params: &'p [Param<'_>], name: &str) -> Option<&'p Param<'p>> {
        params
            .iter()
            .find(|p| p.name == name && !p.value.is_empty())
    }

    fn reject(code: &'static str, field: &str, message: impl Into<String>) -> Error {
        Error::at_field(code, field, message)
    }

    pub fn check_shop_request(policy: &Policy, query_or_url: &str) -> Result<Request, Error> {
        let mut params = parse_pairs(query_part(query_or_url))?;
        set_aside(policy, &mut params);
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
        if !policy.is_key_number(&kn.value) {
            return Err(reject(
                "kn.malformed",
                param::KEY_NUMBER,
                "`kn` is not a Plesk key number (such as PLSK.12345678.0001)",
            ));
        }
        let token = get(&params, param::TOKEN);
        if token.is_some_and(|t| t.value.len() > syntax::MAX_TOKEN_BYTES) {
            return Err(reject(
                "token.too_long",
                param::TOKEN,
                format!("`token` is longer than {} bytes", syntax::MAX_TOKEN_BYTES),
            ));
        }
        let product = get(&params, param::PRODUCT_ID);
        let coupon = get(&params, param::COUPON);
        // The oracle's own table of the optional fields' syntax: each one's
        // value, the shape it must have, and the rejection when it has not.
        let well_formed: fn(&str) -> bool = syntax::is_base64;
        let syntax_rules = [
            (token, well_formed, "token.malformed", param::TOKEN),
            (
                product,
                syntax::is_product_id,
                "product_id.malformed",
                param::PRODUCT_ID,
            ),
            (coupon, syntax::is_coupon, "coupon.malformed", param::COUPON),
        ];
        let messages = [
            "`token` is not base64",
            "`product-id` is not a product ID (letters, digits, `-`, `_`, `.`)",
            "`buyUrlCoupon` is not a coupon code (letters, digits, `-`, `_`, `.`)",
        ];
        for ((value, well_formed, code, field), message) in syntax_rules.into_iter().zip(messages) {
            if value.is_some_and(|v| !well_formed(&v.value)) {
                return Err(reject(code, field, message));
            }
        }
        let action = Action::from_param(get(&params, param::ACTION).map(|a| a.value.as_ref()))?;
        let ekn = get(&params, param::EXTENSION_KEY_NUMBER);
        // Spelled as three questions, not as the product's one `match`.
        let upgrade = action == Action::Upgrade;
        let (code, message) = match ekn {
            None if upgrade => (
                "ekn.missing",
                "an upgrade (`a=upgrade`) needs the extension key number (`ekn`)",
            ),
            Some(_) if !upgrade => (
                "ekn.unexpected",
                "`ekn` is only meaningful with `a=upgrade`",
            ),
            Some(e) if !policy.is_key_number(&e.value) && !syntax::is_bare_key_digits(&e.value) => {
                (
                    "ekn.malformed",
                    "`ekn` is not a key number (such as EXT.12345678.0001, or its digits)",
                )
            }
            _ => ("", ""),
        };
        if !code.is_empty() {
            return Err(reject(code, param::EXTENSION_KEY_NUMBER, message));
        }

        // ---- policy ----
        let entry = policy.extension(&ext.value).ok_or_else(|| {
            reject(
                "extension.not_sold",
                param::EXTENSION_ID,
                format!("this shop does not sell the extension `{}`", ext.value),
            )
        })?;
        if entry.individual_offers {
            let required = [
                (token, "token.missing", param::TOKEN),
                (product, "product_id.missing", param::PRODUCT_ID),
            ];
            for (value, code, field) in required {
                if value.is_none() {
                    let message = format!(
                        "`{}` is sold as Individual Offers: the link must carry `{field}`",
                        ext.value
                    );
                    return Err(reject(code, field, message));
                }
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

        let forward_query = param::FORWARD_ORDER
            .iter()
            .filter_map(|name| get(&params, name).map(|p| p.raw))
            .collect::<Vec<_>>()
            .join("&");
        let owned = |p: Option<&Param<'_>>| p.map(|p| p.value.to_string());
        Ok(Request {
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

    fn set_aside(policy: &Policy, params: &mut Vec<Param<'_>>) {
        let Some(own) = policy.shop_url().query() else {
            return;
        };
        for pair in own.split('&').filter(|p| !p.is_empty()) {
            if let Some(i) = params.iter().position(|p| p.raw == pair) {
                params.remove(i);
            }
        }
    }
}

fn policies() -> Vec<Policy> {
    [
        r#"{"shop_url": "https://shop.com", "extensions": {"docker": {}, "wp-toolkit": {"products": ["WPT_DELUXE", "WPT_LITE"], "individual_offers": true}}}"#,
        r#"{"shop_url": "https://s.example/cart.php?a=add&gid=7&a=add", "extensions": {"docker": {"products": ["P1"]}}}"#,
        r#"{"shop_url": "https://s.example/?", "extensions": {"docker": {}}, "key_number_pattern": "^K[0-9]+$"}"#,
    ]
    .iter()
    .map(|p| Policy::from_json(p).unwrap())
    .collect()
}

/// Pieces queries are made of: the names the engine reads (some
/// percent-encoded), others, the shop's own pairs, good and bad values.
fn piece() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "extension-id",
        "kn",
        "token",
        "product-id",
        "buyUrlCoupon",
        "a",
        "ekn",
        "%6Bn",
        "%61",
        "utm",
        "gid",
        "x%20y",
        "%zz",
        "",
        "n\u{1}",
        "%C2%85",
        "é",
    ]);
    let values = prop::sample::select(vec![
        "docker",
        "wp-toolkit",
        "nope",
        "PLSK.12345678.0001",
        "K12",
        "U29NZQ%3D%3D",
        "a+b/cQ==",
        "WPT_DELUXE",
        "P1",
        "OTHER",
        "upgrade",
        "add",
        "7",
        "123456",
        "",
        "%",
        "%4",
        "%ff",
        "%0d%0a",
        "a b",
        "x\u{7f}",
        "%C2%85",
        "%E2%82%AC",
        "%64ocker",
        "#frag",
        "?",
        "a=b",
    ]);
    prop_oneof![
        (names, values).prop_map(|(n, v)| format!("{n}={v}")),
        prop::sample::select(vec!["a=add", "gid=7", "kn", "", "&", "token"]).prop_map(String::from),
        "[ -~]{0,12}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "",
            "?",
            "/buy?",
            "https://shop.com/?",
            // Each policy's own shop URL up to its query (the check's
            // shortcut for links the rewrite wrote), and near misses.
            "https://s.example/cart.php?",
            "https://s.example/?",
            "https://s.example/cart.php#?",
            "https://shop.com?",
            "x://h/p?",
            "https://h/p#",
            "1a://h?",
        ]),
        prop::collection::vec(piece(), 0..9),
    )
        .prop_map(|(prefix, pieces)| format!("{prefix}{}", pieces.join("&")))
}

fn same(policy: &Policy, input: &str) -> Result<(), TestCaseError> {
    let expected = reference::check_shop_request(policy, input);
    let got = policy.check_shop_request(input);
    prop_assert_eq!(
        &got.as_ref().map(Request::of).map_err(Clone::clone),
        &expected,
        "{:?}",
        input
    );
    let borrowed = policy.check_shop_request_ref(input);
    prop_assert_eq!(
        borrowed.clone().map(|r| Request::of(&r.into_owned())),
        expected.clone(),
        "{:?}",
        input
    );
    if let (Ok(req), Ok(view)) = (&got, &borrowed) {
        let mut url = String::from("unchanged:");
        policy.write_shop_redirect_url(view, &mut url);
        prop_assert_eq!(url, format!("unchanged:{}", policy.shop_redirect_url(req)));
        prop_assert_eq!(
            view.forward_pairs().collect::<Vec<_>>().join("&"),
            req.forward_query().to_owned()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    /// The same answers as the reference, for queries made of the pieces
    /// that decide something.
    #[test]
    fn one_pass_check_equals_the_reference(q in query(), which in 0usize..3) {
        same(&policies()[which], &q)?;
    }

    /// And for arbitrary text.
    #[test]
    fn one_pass_check_equals_the_reference_on_any_text(q in ".{0,80}", which in 0usize..3) {
        same(&policies()[which], &q)?;
    }
}

#[test]
fn limits_agree_with_the_reference() {
    let policy = &policies()[0];
    let many: Vec<String> = (0..70).map(|i| format!("p{i}=1")).collect();
    for input in [
        format!("a={}", "x".repeat(8200)),
        many.join("&"),
        format!("{}&a=%zz", many[..64].join("&")),
        format!("{}=1", "n".repeat(65)),
        format!("{}%zz=1", "é".repeat(40)),
        format!("kn={}", "x".repeat(2049)),
        format!(
            "extension-id=docker&kn=PLSK.12345678.0001&{}",
            (0..20)
                .map(|i| format!("u{}=1", i % 9))
                .collect::<Vec<_>>()
                .join("&")
        ),
    ] {
        same(policy, &input).unwrap();
    }
    assert_eq!(
        policy
            .check_shop_request_ref("extension-id=docker&kn=PLSK.12345678.0001")
            .unwrap()
            .action,
        Action::Buy
    );
}
