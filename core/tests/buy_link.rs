//! `Policy::buy_link` (the rewrite and the check of what it wrote, fused
//! into one pass for links as Plesk writes them) against its reference:
//! `rewrite_buy_url`, then `check_shop_request` of the rewritten link.
//! The same link, the same accepted request (every field and the forward
//! query), the same unchanged reason, and the same rejection (code, field,
//! message) for generated links: duplicates, bad and control encodings,
//! values of each field's wrong shapes, unknown and encoded names, shops
//! with and without a query of their own (which take the two calls).

use proptest::prelude::*;
use resale_core::{Policy, RewriteOutcome, ShopRequest};

/// What either way answers, in one shape: the link and its request, the
/// unchanged reason's code, or the rejection.
#[derive(Debug, PartialEq)]
enum Answer {
    Accepted(String, ShopRequest),
    Unchanged(&'static str),
    Rejected(&'static str, Option<String>, String),
}

fn fused(p: &Policy, link: &str) -> Answer {
    match p.buy_link(link) {
        Ok(Ok(b)) => Answer::Accepted(b.url().to_owned(), b.request().clone()),
        Ok(Err(reason)) => Answer::Unchanged(reason.code()),
        Err(e) => Answer::Rejected(e.code, e.field, e.message),
    }
}

fn reference(p: &Policy, link: &str) -> Answer {
    let rejected = |e: resale_core::Error| Answer::Rejected(e.code, e.field, e.message);
    match p.rewrite_buy_url(link) {
        Err(e) => rejected(e),
        Ok(RewriteOutcome::Unchanged(reason)) => Answer::Unchanged(reason.code()),
        Ok(RewriteOutcome::Rewritten(url)) => match p.check_shop_request(&url) {
            Ok(r) => Answer::Accepted(url, r),
            Err(e) => rejected(e),
        },
    }
}

const POLICIES: [&str; 5] = [
    include_str!("../../tests/vectors/policies/shop-com.json"),
    include_str!("../../tests/vectors/policies/example.json"),
    r#"{"shop_url": "https://s.example/store/?", "extensions": {"docker": {"products": ["A", "B"]}, "some-extension-name": {}}}"#,
    // A query of its own: the two calls.
    r#"{"shop_url": "https://s.example/cart.php?a=add&pid=7", "extensions": {"docker": {}}}"#,
    r#"{"shop_url": "https://s.example/?&", "extensions": {"docker": {}}}"#,
];

fn policies() -> Vec<Policy> {
    POLICIES
        .iter()
        .map(|p| Policy::from_json(p).unwrap())
        .collect()
}

fn pair() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "extension-id",
        "kn",
        "token",
        "product-id",
        "buyUrlCoupon",
        "a",
        "ekn",
        "utm",
        "%6Bn",
        "x%zz",
        "n%C2%85",
        "",
    ]);
    let value = prop::sample::select(vec![
        "PLSK.12345678.0001",
        "PLESK.1234567890.0001",
        "EXT.12345678.0001",
        "1",
        "U29NZVVuaXF1ZUdVSUQxMjM%3D",
        "a+b/cQ==",
        "QQ%3D%3D",
        "not%20base64",
        "%zz",
        "%4",
        "%C2%85",
        "%0d%0a",
        "%FF",
        "%e2%82%ac",
        "SomeProductID",
        "WPT_DELUXE",
        "A",
        "OTHER",
        "upgrade",
        "downgrade",
        "add",
        "7",
        "123456",
        "docker",
        "some-extension-name",
        "wp-toolkit",
        "",
    ]);
    (
        name,
        prop::option::weighted(0.9, value),
        "[a-zA-Z0-9%.+/=_-]{0,6}",
    )
        .prop_map(|(n, v, noise)| match v {
            Some(v) if noise.len() > 4 => format!("{n}={v}{noise}"),
            Some(v) => format!("{n}={v}"),
            None => n.to_string(),
        })
}

fn link() -> impl Strategy<Value = String> {
    let head = prop::sample::select(vec![
        "https://go.plesk.com/buy-plesk-ext/",
        "https://go.plesk.com/buy-plesk-ext/",
        "https://go.plesk.com/buy-plesk-ext/",
        "HTTPS://GO.PLESK.COM/buy-plesk-ext/",
        "https://go.plesk.com.evil.example/buy-plesk-ext/",
        "https://go.plesk.com/other/",
    ]);
    let id = prop::sample::select(vec![
        "some-extension-name",
        "docker",
        "wp-toolkit",
        "nope",
        "%64ocker",
        "a%20b",
        "",
    ]);
    let seps = prop::sample::select(vec!["&", "&", "&", "&&"]);
    (
        head,
        id,
        prop::bool::weighted(0.1),
        prop::option::weighted(0.95, prop::collection::vec((pair(), seps), 0..9)),
        prop::option::weighted(0.05, "[a-z=&]{0,5}"),
    )
        .prop_map(|(head, id, slash, query, fragment)| {
            let mut s = format!("{head}{id}{}", if slash { "/" } else { "" });
            if let Some(pairs) = query {
                s.push('?');
                for (i, (p, sep)) in pairs.iter().enumerate() {
                    if i > 0 {
                        s.push_str(sep);
                    }
                    s.push_str(p);
                }
            }
            if let Some(f) = fragment {
                s.push('#');
                s.push_str(&f);
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]
    #[test]
    fn buy_link_is_rewrite_then_check(link in link()) {
        for p in policies() {
            prop_assert_eq!(fused(&p, &link), reference(&p, &link), "{}", link);
        }
    }
}

/// Links of every answer the check gives, through the fused path (a shop
/// without a query of its own) and the two calls (one with): each answers
/// as the reference, and together they reach every rejection code.
#[test]
fn every_rejection_code_answers_as_the_reference() {
    const KN: &str = "kn=PLSK.12345678.0001";
    let base = "https://go.plesk.com/buy-plesk-ext/";
    let long_token = format!("token={}", "QUJD".repeat(300));
    let long_value = format!("utm={}", "x".repeat(3000));
    // With the `extension-id` pair the rewrite adds: 64 pairs (the
    // limit), then 65 (one too many).
    let pairs = |n: usize| {
        (0..n)
            .map(|i| format!("p{i}=1"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let (at_limit, over) = (pairs(62), pairs(63));
    let links = [
        format!("{base}docker?{KN}"),
        format!("{base}docker?{KN}&utm=1&buyUrlCoupon=A%2DB"),
        format!("{base}docker?buyUrlCoupon=X&{KN}"),
        format!("{base}docker?{KN}&ekn=123456&a=upgrade"),
        format!("{base}wp-toolkit?{KN}&token=a+b/cQ%3D%3D&product-id=WPT_DELUXE"),
        format!("{base}docker"),
        format!("{base}docker?kn=PLSK.123.0001"),
        format!("{base}docker?{KN}&extension-id=docker"),
        format!("{base}docker?{KN}&kn=PLSK.12345678.0002"),
        format!("{base}docker?{KN}&utm=1&utm=2"),
        format!("{base}docker?{KN}%zz"),
        format!("{base}docker?{KN}%0d%0a"),
        format!("{base}docker?{KN}&{long_value}"),
        format!("{base}docker?{KN}&{at_limit}"),
        format!("{base}docker?{KN}&{over}"),
        format!("{base}nope?{KN}"),
        format!("{base}wp-toolkit?{KN}&product-id=WPT_DELUXE"),
        format!("{base}wp-toolkit?{KN}&token=QQ=="),
        format!("{base}wp-toolkit?{KN}&token=QQ==&product-id=OTHER"),
        format!("{base}docker?{KN}&token=not%20base64"),
        format!("{base}docker?{KN}&{long_token}"),
        format!("{base}docker?{KN}&product-id=a%20b"),
        format!("{base}docker?{KN}&buyUrlCoupon=a%20b"),
        format!("{base}docker?{KN}&a=upgrade"),
        format!("{base}docker?{KN}&ekn=1"),
        format!("{base}docker?{KN}&ekn=x&a=upgrade"),
        format!("{base}docker?{KN}&a=downgrade"),
        format!("{base}a%20b?{KN}"),
        "https://example.com/".to_string(),
        "not a url".to_string(),
        format!("{base}docker?t={}", "a".repeat(9000)),
    ];
    let mut codes = std::collections::BTreeSet::new();
    for shop in [
        POLICIES[1],
        r#"{"shop_url": "https://shop.example/cart.php?a=add", "extensions": {"docker": {}, "wp-toolkit": {"products": ["WPT_DELUXE"], "individual_offers": true}}}"#,
    ] {
        let p = Policy::from_json(shop).unwrap();
        for link in &links {
            let answer = fused(&p, link);
            assert_eq!(answer, reference(&p, link), "{link}");
            match answer {
                Answer::Rejected(code, ..) | Answer::Unchanged(code) => codes.insert(code),
                Answer::Accepted(..) => codes.insert("accepted"),
            };
        }
    }
    let want = [
        "accepted",
        "action.unknown",
        "coupon.malformed",
        "ekn.malformed",
        "ekn.missing",
        "ekn.unexpected",
        "extension.not_sold",
        "extension_id.malformed",
        "host.not_plesk_store",
        "kn.malformed",
        "kn.missing",
        "param.bad_encoding",
        "param.control_char",
        "param.duplicate",
        "param.too_long",
        "product_id.malformed",
        "product_id.missing",
        "product_id.not_sold",
        "query.too_many_params",
        "token.malformed",
        "token.missing",
        "token.too_long",
        "url.invalid",
        "url.too_long",
    ];
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), want);
}
