//! Properties of the buy-link rewrite and the shop-request check, over
//! generated inputs (proptest).

use proptest::prelude::*;
use resale_core::{Action, Policy, RewriteOutcome};
use url::Url;

fn policy(shop: &str, code: &str) -> Policy {
    Policy::from_json(&format!(
        r#"{{"shop_url": {shop:?}, "extensions": {{ {code:?}: {{}} }}}}"#
    ))
    .unwrap()
}

fn shop_urls() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "https://shop.com",
        "https://myownstore.com/store",
        "http://billing.example.net:8080/cart.php?a=add&gid=7",
        "https://[2001:db8::1]/buy",
        "https://xn--bcher-kva.example/",
    ])
}

fn codes() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9_.-]{0,30}"
}

fn key_numbers() -> impl Strategy<Value = String> {
    "(PLSK|PLESK|EXT|KAV)\\.[0-9]{8,10}\\.[0-9]{4}"
}

fn tokens() -> impl Strategy<Value = String> {
    // base64 of 1..60 random bytes, standard alphabet with padding.
    prop::collection::vec(any::<u8>(), 1..60).prop_map(|bytes| {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b))
                << (8 * (3 - chunk.len()));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    })
}

/// Percent-encode the bytes a query value must not carry raw.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The hand-written matcher of the default key-number pattern is the regex.
    #[test]
    fn default_key_number_matcher_is_the_regex(
        s in prop_oneof![
            "[A-Za-z0-9.]{0,24}",
            "[A-Z][A-Z0-9]{0,10}\\.[0-9]{7,11}\\.[0-9]{3,5}",
            "[A-Z]{1,3}[a-z0-9é.]{0,3}\\.[0-9٣]{8,10}\\.[0-9]{4}",
            ".{0,30}",
        ]
    ) {
        let re = regex::Regex::new(resale_core::policy::DEFAULT_KEY_NUMBER_PATTERN).unwrap();
        prop_assert_eq!(resale_core::syntax::is_default_key_number(&s), re.is_match(&s), "{:?}", s);
    }

    /// Whatever the input, a rewritten link points at the shop: same scheme,
    /// host, port and path, and the shop's own query comes first.
    #[test]
    fn rewritten_links_only_point_at_the_shop(shop in shop_urls(), input in ".{0,200}", tail in "[ -~]{0,80}") {
        let p = policy(shop, "docker");
        for candidate in [input.clone(), format!("https://go.plesk.com/buy-plesk-ext/docker?{tail}"), format!("https://go.plesk.com/buy-plesk-ext/{tail}")] {
            if let Ok(RewriteOutcome::Rewritten(out)) = p.rewrite_buy_url(&candidate) {
                let out_url = Url::parse(&out).unwrap();
                let shop_url = p.shop_url();
                prop_assert_eq!(out_url.scheme(), shop_url.scheme());
                prop_assert_eq!(out_url.host(), shop_url.host());
                prop_assert_eq!(out_url.port(), shop_url.port());
                prop_assert_eq!(out_url.path(), shop_url.path());
                prop_assert!(out_url.fragment().is_none());
                prop_assert!(out.starts_with(shop_url.as_str().trim_end_matches(['?'])));
                prop_assert!(!out.chars().any(char::is_control), "control char in {out:?}");
            }
        }
    }

    /// A buy link built from valid parameters, rewritten, is accepted by the
    /// shop with exactly those parameters, and the redirect is the rewritten link.
    #[test]
    fn rewrite_then_check_round_trips(
        shop in shop_urls(), code in codes(), kn in key_numbers(),
        token in prop::option::of(tokens()), product in prop::option::of("[A-Za-z0-9_]{1,20}"),
        coupon in prop::option::of("[A-Z0-9-]{1,12}"),
    ) {
        let p = policy(shop, &code);
        let mut query = format!("kn={}", enc(&kn));
        if let Some(t) = &token { query += &format!("&token={}", enc(t)); }
        if let Some(pr) = &product { query += &format!("&product-id={pr}"); }
        if let Some(c) = &coupon { query += &format!("&buyUrlCoupon={c}"); }
        let link = format!("https://go.plesk.com/buy-plesk-ext/{code}?{query}");
        let rewritten = match p.rewrite_buy_url(&link).unwrap() {
            RewriteOutcome::Rewritten(u) => u,
            other => return Err(TestCaseError::fail(format!("{link}: {other:?}"))),
        };
        let req = p.check_shop_request(&rewritten).map_err(|r| TestCaseError::fail(format!("{rewritten}: {r}")))?;
        prop_assert_eq!(req.extension_id(), &code);
        prop_assert_eq!(req.key_number(), &kn);
        prop_assert_eq!(req.token(), token.as_deref());
        prop_assert_eq!(req.product_id(), product.as_deref());
        prop_assert_eq!(req.coupon(), coupon.as_deref());
        prop_assert_eq!(req.action(), Action::Buy);
        prop_assert_eq!(p.shop_redirect_url(&req), rewritten);
    }

    /// Any text at all gets an answer, never a panic; accepted requests only
    /// carry values without control characters, and the redirect stays on the shop.
    #[test]
    fn check_never_panics(shop in shop_urls(), input in ".{0,300}", bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let p = policy(shop, "docker");
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for candidate in [input, lossy, format!("extension-id=docker&kn=PLSK.12345678.0001&{}", enc_some(&bytes))] {
            if let Ok(req) = p.check_shop_request(&candidate) {
                for v in [Some(req.extension_id()), Some(req.key_number()), req.token(), req.product_id()].into_iter().flatten() {
                    prop_assert!(!v.chars().any(char::is_control));
                }
                let redirect = Url::parse(&p.shop_redirect_url(&req)).unwrap();
                prop_assert_eq!(redirect.host(), p.shop_url().host());
            }
        }
    }

    /// Pollution: repeating any recognised parameter is always a rejection.
    #[test]
    fn repeated_parameters_are_rejected(name in prop::sample::select(vec!["extension-id", "kn", "token", "product-id", "buyUrlCoupon", "a", "ekn"]), value in "[A-Za-z0-9]{0,10}") {
        let p = policy("https://shop.com", "docker");
        let q = format!("extension-id=docker&kn=PLSK.12345678.0001&{name}={value}&{name}=x");
        let q = q.replacen("extension-id=docker&kn=PLSK.12345678.0001&extension-id=", "kn=PLSK.12345678.0001&extension-id=", 1);
        let q = q.replacen("extension-id=docker&kn=PLSK.12345678.0001&kn=", "extension-id=docker&kn=", 1);
        let r = p.check_shop_request(&q).unwrap_err();
        prop_assert_eq!(r.code, "param.duplicate");
        prop_assert_eq!(r.field.as_deref(), Some(name));
    }
}

/// Percent-encode arbitrary bytes as one query value `x=`.
/// The default key-number matcher against the regex at every length
/// boundary of every part, with bad bytes in each place.
#[test]
fn default_key_number_matcher_is_the_regex_at_the_boundaries() {
    let re = regex::Regex::new(resale_core::policy::DEFAULT_KEY_NUMBER_PATTERN).unwrap();
    let mut checked = 0;
    for first in ["P", "p", "1", "É"] {
        for prefix in 0..12 {
            for digits in 6..13 {
                for suffix in 2..7 {
                    for tail in ["", "\n", ".", "0"] {
                        for odd in [None, Some("a"), Some("٣")] {
                            let mut d = "1".repeat(digits);
                            if let Some(o) = odd {
                                d.replace_range(0..1, o);
                            }
                            let s = format!(
                                "{first}{}.{d}.{}{tail}",
                                "L".repeat(prefix),
                                "0".repeat(suffix)
                            );
                            assert_eq!(
                                resale_core::syntax::is_default_key_number(&s),
                                re.is_match(&s),
                                "{s:?}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(checked, 4 * 12 * 7 * 5 * 4 * 3);
}

fn enc_some(bytes: &[u8]) -> String {
    let mut s = String::from("x=");
    for b in bytes {
        s += &format!("%{b:02x}");
    }
    s
}
