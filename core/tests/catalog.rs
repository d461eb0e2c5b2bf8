//! The catalog filter against an independent reference: the feed parsed with
//! serde_json (last duplicate key wins, as PHP's json_decode), the rule
//! applied to the parsed items with the `url` crate, and the output compared
//! item by item with the kept input items.

use proptest::prelude::*;
use resale_core::catalog::{CatalogKind, Filtered};
use resale_core::Policy;
use serde_json::Value;

const PACKAGES: &[u8] = include_bytes!("../../tests/fixtures/packages.json");
const CATEGORIES: &[u8] = include_bytes!("../../tests/fixtures/categories.json");
const WHITELIST: &str = include_str!("../../tests/fixtures/whitelist.txt");

#[path = "support/whitelist.rs"]
mod support;

fn whitelist_policy(extra: &str) -> Policy {
    support::whitelist_policy(WHITELIST, extra)
}

/// The reference rule, written independently of the engine.
fn reference_visible(sold: &[&str], item: &Value) -> bool {
    let Some(url) = item
        .get("buy_url")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    else {
        return true;
    };
    let plesk = url::Url::parse(url).ok().is_some_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().map(|h| h.trim_end_matches('.')) == Some("go.plesk.com")
    });
    !plesk
        || item
            .get("code")
            .and_then(Value::as_str)
            .is_some_and(|c| sold.contains(&c))
}

fn sold() -> Vec<&'static str> {
    WHITELIST.lines().filter(|l| !l.is_empty()).collect()
}

/// The raw bytes of each top-level element of a JSON array (via serde_json's RawValue).
fn raw_items(bytes: &[u8]) -> Vec<String> {
    let v: Vec<&serde_json::value::RawValue> = serde_json::from_slice(bytes).unwrap();
    v.into_iter().map(|r| r.get().to_owned()).collect()
}

/// A fixture with the panel path that asks for it and the kind that path names.
struct Fixture {
    path: &'static str,
    body: &'static [u8],
    kind: CatalogKind,
}

const PACKAGES_FIXTURE: Fixture = Fixture {
    path: "/api/v4/packages?platform=unix&with-hidden&with-unstable",
    body: PACKAGES,
    kind: CatalogKind::Packages,
};

const CATEGORIES_FIXTURE: Fixture = Fixture {
    path: "/api/v4/categories?version=18.0.64&platform=unix&with-hidden",
    body: CATEGORIES,
    kind: CatalogKind::Categories,
};

/// A fixture filtered for its path by the whitelist's policy, checked to be read as its kind.
fn filter_fixture(fixture: &Fixture) -> Filtered {
    let f = whitelist_policy("")
        .filter_catalog(fixture.path, fixture.body)
        .unwrap();
    assert_eq!(f.kind, fixture.kind, "{}", fixture.path);
    f
}

#[test]
fn fixture_keeps_220_of_300() {
    let f = filter_fixture(&PACKAGES_FIXTURE);
    assert_eq!(
        (f.stats.items, f.stats.kept, f.stats.dropped),
        (300, 220, 80)
    );
    assert_eq!(f.stats.kept_sold, 39);
    // The 15 look-alike ISV items are among the kept (a prefix test drops them).
    let out = String::from_utf8(f.body.clone()).unwrap();
    assert_eq!(out.matches("go.plesk.com.vendor.example").count(), 15);

    // Independent reference: parse, apply the rule, compare raw items.
    let input_items = raw_items(PACKAGES);
    let parsed: Vec<Value> = serde_json::from_slice(PACKAGES).unwrap();
    let expected: Vec<&String> = input_items
        .iter()
        .zip(&parsed)
        .filter(|(_, v)| reference_visible(&sold(), v))
        .map(|(r, _)| r)
        .collect();
    let got = raw_items(&f.body);
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(g, e, "kept items are byte-identical");
    }
}

#[test]
fn every_generator_style() {
    for style in ["php", "plain", "pretty"] {
        let path = format!(
            "{}/../tests/fixtures/styles/packages-{style}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).unwrap();
        let wl = std::fs::read_to_string(format!(
            "{}/../tests/fixtures/styles/whitelist.txt",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let sold: Vec<&str> = wl.lines().filter(|l| !l.is_empty()).collect();
        let exts: Vec<String> = sold.iter().map(|c| format!("{c:?}: {{}}")).collect();
        let policy = Policy::from_json(&format!(
            r#"{{"shop_url": "https://s.example", "extensions": {{ {} }} }}"#,
            exts.join(",")
        ))
        .unwrap();
        let f = policy.filter_catalog("/api/v4/packages", &bytes).unwrap();
        let parsed: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
        let expected: Vec<&Value> = parsed
            .iter()
            .filter(|v| reference_visible(&sold, v))
            .collect();
        let got: Vec<Value> = serde_json::from_slice(&f.body).unwrap();
        assert_eq!(got.len(), expected.len(), "{style}");
        assert_eq!(got.iter().collect::<Vec<_>>(), expected, "{style}");
        assert!(
            f.stats.dropped > 0 && f.stats.kept_elsewhere > 0 && f.stats.kept_free > 0,
            "{style}: {:?}",
            f.stats
        );
    }
}

#[test]
fn categories_fixture() {
    let f = filter_fixture(&CATEGORIES_FIXTURE);
    let input: Vec<Value> = serde_json::from_slice(CATEGORIES).unwrap();
    let output: Vec<Value> = serde_json::from_slice(&f.body).unwrap();
    assert_eq!(input.len(), output.len());
    let mut dropped = 0;
    for (i, o) in input.iter().zip(&output) {
        let expected: Vec<&Value> = i["top_packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| reference_visible(&sold(), e))
            .collect();
        dropped += i["top_packages"].as_array().unwrap().len() - expected.len();
        assert_eq!(
            o["top_packages"]
                .as_array()
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            expected
        );
        // Everything else untouched.
        let strip = |v: &Value| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("top_packages");
            v
        };
        assert_eq!(strip(i), strip(o));
    }
    assert!(dropped > 0);
    assert_eq!(f.stats.top_packages_dropped as usize, dropped);
}

#[test]
fn rewrite_buy_urls_changes_only_that_string() {
    let policy = whitelist_policy(r#", "catalog": {"rewrite_buy_urls": true}"#);
    let f = policy.filter_catalog("/api/v4/packages", PACKAGES).unwrap();
    assert_eq!(f.stats.kept, 220);
    assert_eq!(f.stats.rewritten, 39);
    let before: Vec<Value> = raw_items(
        &whitelist_policy("")
            .filter_catalog("/api/v4/packages", PACKAGES)
            .unwrap()
            .body,
    )
    .iter()
    .map(|r| serde_json::from_str(r).unwrap())
    .collect();
    let after: Vec<Value> = serde_json::from_slice(&f.body).unwrap();
    for (b, a) in before.iter().zip(&after) {
        let url = b["buy_url"].as_str().unwrap_or("");
        if url.starts_with("https://go.plesk.com/buy-plesk-ext/") {
            let code = b["code"].as_str().unwrap();
            let rewritten = a["buy_url"].as_str().unwrap();
            assert!(
                rewritten.starts_with(&format!(
                    "https://shop.example.com/store?extension-id={code}"
                )),
                "{rewritten}"
            );
            let mut b2 = b.clone();
            b2["buy_url"] = a["buy_url"].clone();
            assert_eq!(&b2, a);
        } else {
            assert_eq!(b, a);
        }
    }
    // PHP-style feeds keep PHP-style escaping in the rewritten string.
    assert!(String::from_utf8(f.body)
        .unwrap()
        .contains(r#""buy_url":"https:\/\/shop.example.com\/store?extension-id="#));
}

fn policy_docker() -> Policy {
    Policy::from_json(r#"{"shop_url":"https://shop.com","extensions":{"docker":{}},"catalog":{"allow_patterns":["^imunify"],"max_depth":8}}"#).unwrap()
}

fn filter(body: &str) -> Result<String, (&'static str, u64)> {
    policy_docker()
        .filter_catalog("/api/v4/packages", body.as_bytes())
        .map(|f| String::from_utf8(f.body).unwrap())
        .map_err(|e| (e.code, e.offset.unwrap()))
}

#[test]
fn escapes_and_duplicates_decide_as_php_reads() {
    // Escaped host and code: still Plesk's store, still the sold code.
    let sold =
        r#"[{"code":"dock\u0065r","buy_url":"https:\/\/go.plesk.com\/buy-plesk-ext\/docker"}]"#;
    assert_eq!(filter(sold).unwrap(), sold);
    assert_eq!(
        filter(r#"[{"code":"seo","buy_url":"https:\/\/\u0067o.plesk.com\/x"}]"#).unwrap(),
        "[]"
    );
    // Duplicate keys: the last one decides (PHP's json_decode keeps the last).
    assert_eq!(
        filter(r#"[{"code":"docker","code":"seo","buy_url":"https://go.plesk.com/x"}]"#).unwrap(),
        "[]"
    );
    assert_eq!(filter(r#"[{"buy_url":"https://go.plesk.com/x","buy_url":"https://isv.example/","code":"seo"}]"#).unwrap(), r#"[{"buy_url":"https://go.plesk.com/x","buy_url":"https://isv.example/","code":"seo"}]"#);
    assert_eq!(filter(r#"[{"buy_url":"https://isv.example/","code":"seo","buy_u\u0072l":"https://go.plesk.com/x"}]"#).unwrap(), "[]");
    // Keys nested deeper are not the item's.
    assert_eq!(
        filter(r#"[{"code":"seo","vendor":{"buy_url":"https://go.plesk.com/x"}}]"#).unwrap(),
        r#"[{"code":"seo","vendor":{"buy_url":"https://go.plesk.com/x"}}]"#
    );
    // allow_patterns, non-string codes, empty and null buy_url.
    assert_eq!(filter(r#"[{"code":"imunify360","buy_url":"https://go.plesk.com/x"},{"code":7,"buy_url":"https://go.plesk.com/x"},{"code":"a","buy_url":""},{"code":"b","buy_url":null},{"code":"c","buy_url":5}]"#).unwrap(),
               r#"[{"code":"imunify360","buy_url":"https://go.plesk.com/x"},{"code":"a","buy_url":""},{"code":"b","buy_url":null},{"code":"c","buy_url":5}]"#);
}

#[test]
fn separators_and_whitespace() {
    let seo = r#"{"code":"seo","buy_url":"https://go.plesk.com/x"}"#;
    let a = r#"{"code":"a"}"#;
    assert_eq!(filter(&format!("[{seo},{a}]")).unwrap(), format!("[{a}]"));
    assert_eq!(filter(&format!("[{a},{seo}]")).unwrap(), format!("[{a}]"));
    assert_eq!(
        filter(&format!("[{a},{seo},{a}]")).unwrap(),
        format!("[{a},{a}]")
    );
    assert_eq!(
        filter(&format!("[\n  {seo},\n  {a}\n]\n")).unwrap(),
        format!("[\n  {a}\n]\n")
    );
    assert_eq!(filter(&format!(" [ {seo} , {seo} ] ")).unwrap(), " [ ] ");
    assert_eq!(filter("[]").unwrap(), "[]");
    assert_eq!(filter("\t[\r\n]").unwrap(), "\t[\r\n]");
}

#[test]
fn invalid_feeds_are_coded_errors() {
    let e = |s: &str| filter(s).unwrap_err();
    assert_eq!(e(""), ("catalog.json.empty", 0));
    assert_eq!(e("  "), ("catalog.json.empty", 2));
    assert_eq!(e("{}"), ("catalog.json.not_array", 0));
    assert_eq!(e("[1]"), ("catalog.item.not_object", 1));
    assert_eq!(e(r#"[{"a":1}"#), ("catalog.json.truncated", 8));
    assert_eq!(e(r#"[{"a":1}] x"#), ("catalog.json.trailing", 10));
    assert_eq!(e(r#"[{"a":1}][]"#), ("catalog.json.trailing", 9));
    assert_eq!(e(r#"[{"a":1},]"#).0, "catalog.json.invalid");
    assert_eq!(e(r#"[{"a":01}]"#).0, "catalog.json.invalid");
    assert_eq!(e(r#"[{"a":1.}]"#).0, "catalog.json.invalid");
    assert_eq!(e(r#"[{"a":tru}]"#).0, "catalog.json.invalid");
    assert_eq!(e(r#"[{"a":"\x"}]"#).0, "catalog.json.invalid");
    assert_eq!(e("[{\"a\":\"\n\"}]").0, "catalog.json.invalid");
    assert_eq!(e(r#"[{"a":"\ud800"}]"#).0, "catalog.json.invalid");
    assert_eq!(e(r#"[{"a":"\udc00"}]"#).0, "catalog.json.invalid");
    assert_eq!(e(r#"[{"a" 1}]"#).0, "catalog.json.invalid");
    assert_eq!(e(r#"[{1:1}]"#).0, "catalog.json.invalid");
    assert_eq!(
        e(r#"[{"a":[[[[[[[[1]]]]]]]]}]"#).0,
        "catalog.depth_exceeded"
    );
    let bad_utf8 = policy_docker()
        .filter_catalog("/api/v4/packages", b"[{\"a\":\"\xff\"}]")
        .unwrap_err();
    assert_eq!(
        (bad_utf8.code, bad_utf8.offset.unwrap()),
        ("catalog.utf8.invalid", 7)
    );
    let small =
        Policy::from_json(r#"{"shop_url":"https://s.example","catalog":{"max_input_bytes":10}}"#)
            .unwrap();
    assert_eq!(
        small
            .filter_catalog("/api/v4/packages", b"[{\"a\":123456789}]")
            .unwrap_err()
            .code,
        "catalog.too_large"
    );
}

#[test]
fn other_paths_pass_through_untouched() {
    let f = policy_docker()
        .filter_catalog("/api/v4/packages/docker", b"not json at all")
        .unwrap();
    assert_eq!(f.kind, CatalogKind::Other);
    assert_eq!(f.body, b"not json at all");
}

#[test]
fn filter_refuses_input_after_finish_or_error() {
    let p = policy_docker();
    let mut f = p.catalog_filter("/api/v4/packages");
    let mut out = Vec::new();
    assert!(f.push(b"[x", &mut out).is_err());
    assert_eq!(
        f.push(b"]", &mut out).unwrap_err().code,
        "catalog.filter.finished"
    );
    let mut f = p.catalog_filter("/api/v4/packages");
    f.push(b"[]", &mut out).unwrap();
    f.finish(&mut out).unwrap();
    assert_eq!(
        f.push(b" ", &mut out).unwrap_err().code,
        "catalog.filter.finished"
    );
}

/// Found by the `catalog_incremental` fuzz target: a syntax error before an
/// invalid UTF-8 byte must be reported the same whatever the chunking (the
/// earliest error in the input wins).
#[test]
fn regression_error_precedence_does_not_depend_on_chunks() {
    let feed: &[u8] = b"\x5b\x7b\x22\x7b\x22\x63\x6f\x64\x65\x22\x3a\x37\x2c\x22\x62\x75\x79\x00\x29\x72\x6c\x22\x3a\x6c\x9b\x8c\x94\xd1\x9c\x90\x92\xd5\x78\x22\x7d\x5d\x74\x6c\x6b\x69";
    let policy =
        Policy::from_json(r#"{"shop_url":"https://shop.com","extensions":{"docker":{}}}"#).unwrap();
    let one = policy.filter_catalog("/api/v4/packages", feed).unwrap_err();
    assert_eq!(one.code, "catalog.json.invalid");
    for size in 1..feed.len() {
        let cuts: Vec<usize> = (size..feed.len()).step_by(size).collect();
        let split = chunked(&policy, "/api/v4/packages", feed, &cuts).unwrap_err();
        assert_eq!(split, one.to_string(), "chunks of {size}");
    }
}

/// Found by the `catalog_incremental` fuzz target: invalid UTF-8 followed
/// by a byte that cannot continue it, cut between the two.
#[test]
fn regression_utf8_error_found_before_the_next_syntax_error() {
    let feed: &[u8] = b"\x5b\x7b\x22\x63\x6f\x64\x65\x22\x3a\x22\x73\x65\x6f\x22\x2c\x22\x62\x75\x79\x5f\x75\x72\x6c\x22\x3a\x22\x68\x74\x74\x70\x73\x3a\x62\x75\x22\x7d\x2c\x7b\x22\x63\x6f\x64\x65\x22\x3a\x22\x73\x65\x6f\x22\x2c\x22\x62\x75\x79\x5f\x75\x72\x6c\x22\x3a\x22\x68\x74\x74\x70\x73\x3a\x62\x75\x3a\xf4\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x73\x6b\x2e\x63\x6f\x6d\x73\x65\x6f\x22\x7d\x2c\x7b\x22\x22\x62\x75\x79\x5f\x75\x72\x96\x22\x3a\x22\x68\x74\x74\x70\x73\x3a\x62\x75\x79\x5f\x75\x6f\x6d";
    let policy =
        Policy::from_json(r#"{"shop_url":"https://shop.com","extensions":{"docker":{}}}"#).unwrap();
    let one = policy
        .filter_catalog("/api/v4/packages", feed)
        .unwrap_err()
        .to_string();
    for size in 1..feed.len() {
        let cuts: Vec<usize> = (size..feed.len()).step_by(size).collect();
        assert_eq!(
            chunked(&policy, "/api/v4/packages", feed, &cuts).unwrap_err(),
            one,
            "chunks of {size}"
        );
    }
    let cut = feed.iter().position(|&b| b == 0xf4).unwrap() + 1;
    assert_eq!(
        chunked(&policy, "/api/v4/packages", feed, &[cut, cut + 1]).unwrap_err(),
        one
    );
}

fn chunked(policy: &Policy, path: &str, bytes: &[u8], cuts: &[usize]) -> Result<Vec<u8>, String> {
    let mut f = policy.catalog_filter(path);
    let mut out = Vec::new();
    let mut last = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    for c in cuts.into_iter().chain([bytes.len()]) {
        f.push(&bytes[last..c], &mut out)
            .map_err(|e| e.to_string())?;
        last = c;
    }
    f.finish(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

#[test]
fn byte_by_byte_equals_one_shot() {
    let policy = whitelist_policy(r#", "catalog": {"rewrite_buy_urls": true}"#);
    for (path, bytes) in [
        ("/api/v4/packages", &PACKAGES[..60_000]),
        ("/api/v4/categories", CATEGORIES),
    ] {
        let bytes = if path.ends_with("packages") {
            // A valid prefix of the fixture: cut after an item and close the array.
            let cut = bytes.windows(3).rposition(|w| w == b"},{").unwrap() + 1;
            [&bytes[..cut], b"]"].concat()
        } else {
            bytes.to_vec()
        };
        let one = policy.filter_catalog(path, &bytes).unwrap().body;
        let mut f = policy.catalog_filter(path);
        let mut out = Vec::new();
        for b in bytes.chunks(1) {
            f.push(b, &mut out).unwrap();
        }
        f.finish(&mut out).unwrap();
        assert_eq!(out, one, "{path}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any split of the fixture gives the one-shot output.
    #[test]
    fn random_splits_equal_one_shot(cuts in prop::collection::vec(any::<usize>(), 0..40)) {
        let policy = whitelist_policy(r#", "catalog": {"rewrite_buy_urls": true}"#);
        let one = policy.filter_catalog("/api/v4/packages", PACKAGES).unwrap().body;
        prop_assert_eq!(chunked(&policy, "/api/v4/packages", PACKAGES, &cuts).unwrap(), one);
        let one = policy.filter_catalog("/api/v4/categories", CATEGORIES).unwrap().body;
        prop_assert_eq!(chunked(&policy, "/api/v4/categories", CATEGORIES, &cuts).unwrap(), one);
    }

    /// Generated feeds: free and ISV items are never dropped, output items are
    /// the input's bytes in order, filtering twice equals filtering once, and
    /// any split gives the same answer.
    #[test]
    fn generated_feeds(items in prop::collection::vec((0usize..6, 0usize..4, any::<bool>(), 0usize..3), 0..30), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let codes = ["docker", "seo", "imunify360", "wp\\u002dtoolkit", "a\\\"b", "x"];
        let urls = ["\"https://go.plesk.com/buy-plesk-ext/x\"", "\"https:\\/\\/GO.plesk.com.\\/x\"", "\"https://go.plesk.com.vendor.example/\"", "null"];
        let ws = ["", " ", "\n  "];
        let mut feed = String::from("[");
        for (n, (c, u, has_url, w)) in items.iter().enumerate() {
            if n > 0 { feed.push(','); }
            feed.push_str(ws[*w]);
            feed.push_str(&format!("{{\"id\":{n},\"code\":\"{}\"", codes[*c]));
            if *has_url { feed.push_str(&format!(",{}\"buy_url\":{}", ws[*w], urls[*u])); }
            feed.push_str(",\"n\":[1.5e3,true,{\"buy_url\":\"https://go.plesk.com/\"}]}");
        }
        feed.push_str(" ]");
        let policy = Policy::from_json(r#"{"shop_url":"https://shop.com","extensions":{"docker":{}},"catalog":{"allow_patterns":["^imunify"]}}"#).unwrap();
        let out = policy.filter_catalog("/api/v4/packages", feed.as_bytes()).unwrap();
        let parsed_in: Vec<Value> = serde_json::from_str(&feed).unwrap();
        let raw_in = raw_items(feed.as_bytes());
        let raw_out = raw_items(&out.body);
        // Reference: the rule on parsed items.
        let sold = ["docker"];
        let expected: Vec<&String> = raw_in.iter().zip(&parsed_in).filter(|(_, v)| {
            let code = v["code"].as_str().unwrap_or("");
            reference_visible(&sold, v) || code.starts_with("imunify")
        }).map(|(r, _)| r).collect();
        prop_assert_eq!(raw_out.iter().collect::<Vec<_>>(), expected);
        let again = policy.filter_catalog("/api/v4/packages", &out.body).unwrap();
        prop_assert_eq!(&again.body, &out.body);
        prop_assert_eq!(chunked(&policy, "/api/v4/packages", feed.as_bytes(), &cuts).unwrap(), out.body);
    }

    /// Random bytes never panic, in one piece or split.
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300), cuts in prop::collection::vec(any::<usize>(), 0..6)) {
        let policy = policy_docker();
        let one = policy.filter_catalog("/api/v4/packages", &bytes).map(|f| f.body).map_err(|e| e.to_string());
        let split = chunked(&policy, "/api/v4/packages", &bytes, &cuts);
        prop_assert_eq!(one.is_ok(), split.is_ok());
        if let (Ok(a), Ok(b)) = (&one, &split) { prop_assert_eq!(a, b); }
        let _ = policy.filter_catalog("/api/v4/categories", &bytes);
    }
}
