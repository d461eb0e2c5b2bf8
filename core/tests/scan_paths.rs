//! Every scanner path (SSE2, AVX2, simd128, wherever the machine has them)
//! against the scalar reference: the same output bytes, the same counts, the
//! same error code and offset, for random feeds cut at random places, and
//! for every byte value at every position of a 64-byte block.

use proptest::prelude::*;
use resale_core::catalog::{CatalogFilter, CatalogKind, ScanPath};
use resale_core::Policy;

fn policy() -> Policy {
    Policy::from_json(
        r#"{"shop_url": "https://shop.example.com/store", "extensions": {"docker": {}, "wp-toolkit": {}},
            "catalog": {"rewrite_buy_urls": true, "max_depth": 8}}"#,
    )
    .unwrap()
}

/// What a filter answered: output and counts, or the error (with the output
/// emitted before it) — everything a caller can see.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Done(Vec<u8>, String),
    Failed(&'static str, Option<u64>, Vec<u8>),
}

fn answer(
    policy: &Policy,
    kind: CatalogKind,
    path: ScanPath,
    feed: &[u8],
    cuts: &[usize],
) -> Answer {
    let mut filter = CatalogFilter::new(policy, kind)
        .with_scan_path(path)
        .expect("available");
    let mut out = Vec::new();
    let mut from = 0;
    for &cut in cuts.iter().chain([feed.len()].iter()) {
        let cut = cut.clamp(from, feed.len());
        if let Err(e) = filter.push(&feed[from..cut], &mut out) {
            return Answer::Failed(e.code, e.offset, out);
        }
        from = cut;
    }
    match filter.finish(&mut out) {
        Ok(stats) => Answer::Done(out, format!("{stats:?}")),
        Err(e) => Answer::Failed(e.code, e.offset, out),
    }
}

/// Every available path answers as the scalar scanner does, for the
/// packages and the categories feed; returns the packages answer.
fn same_on_every_path(feed: &[u8], cuts: &[usize]) -> Answer {
    same_for(
        &[CatalogKind::Packages, CatalogKind::Categories],
        feed,
        cuts,
    )
}

fn same_for(kinds: &[CatalogKind], feed: &[u8], cuts: &[usize]) -> Answer {
    let policy = policy();
    let mut reference = None;
    for &kind in kinds {
        let want = answer(&policy, kind, ScanPath::Scalar, feed, cuts);
        for path in ScanPath::available() {
            let got = answer(&policy, kind, path, feed, cuts);
            assert_eq!(
                got,
                want,
                "{path:?} {kind:?} cuts {cuts:?} feed {:?}",
                String::from_utf8_lossy(feed)
            );
        }
        reference.get_or_insert(want);
    }
    reference.unwrap()
}

/// A feed with one kept and one hidden item, each with escapes of every
/// kind, a surrogate pair, numbers, literals and nesting; 300 bytes, so
/// every byte position of a block is tried several times.
const FEED: &[u8] = r#"[ {"code":"docker","buy_url":"https:\/\/go.plesk.com\/buy-plesk-ext\/docker","n":-1.5e+3,"t":[true,false,null,{"x":"\ud83d\ude00"}]},
 {"code":"seo\u002d1","buy_url":"https://go.plesk.com/buy-plesk-ext/seo","d":"a\"b\\c\/\b\f\n\r\t\u00e9 caf\u00C9 \u20ac","v":0,"w":[12,{"a":[]}],"e":"","k":"é€𝄞"}
]"#
.as_bytes();

/// The comparisons below test a SIMD path only if the build has one: SSE2
/// on every x86_64, simd128 in the wasm32 build (`make test-wasm-paths`).
#[test]
fn the_build_runs_its_simd_path() {
    let paths = ScanPath::available();
    if cfg!(target_arch = "x86_64") {
        assert!(paths.contains(&ScanPath::Sse2), "{paths:?}");
    }
    if cfg!(target_arch = "wasm32") {
        assert!(paths.contains(&ScanPath::Simd128), "{paths:?}");
    }
}

#[test]
fn the_reference_feed_is_filtered() {
    let Answer::Done(out, _) = same_on_every_path(FEED, &[]) else {
        panic!("the feed is valid");
    };
    assert!(!String::from_utf8(out).unwrap().contains("seo"));
}

/// Every byte value at every position of the feed (so at every position of
/// a block, inside and outside strings, in a kept and in a hidden item),
/// one shot and cut just after the byte.
#[test]
fn every_byte_value_at_every_position() {
    let mut errors = 0;
    for pos in 0..FEED.len() {
        for b in 0..=255u8 {
            let mut feed = FEED.to_vec();
            feed[pos] = b;
            for cuts in [&[][..], &[pos + 1][..]] {
                // The packages feed only: the scanner is the same for both,
                // and this test is the longest of `make test`.
                if let Answer::Failed(..) = same_for(&[CatalogKind::Packages], &feed, cuts) {
                    errors += 1;
                }
            }
        }
    }
    // Most single-byte changes break the feed; the test must have seen them.
    assert!(errors > FEED.len() * 100, "{errors}");
}

/// A bad value inside an item that is dropped still refuses the whole feed,
/// at the same offset on every path.
#[test]
fn strict_inside_hidden_items() {
    let hidden = FEED
        .windows(5)
        .position(|w| w == b"seo\\u")
        .expect("the hidden item");
    // The bytes put before `seo`, the code, and where the error is in them.
    for (bad, code, at) in [
        (&b"\x01"[..], "catalog.json.invalid", 0),
        (b"\\x", "catalog.json.invalid", 1),
        (b"\\ud800", "catalog.json.invalid", 6),
        (b"\xff", "catalog.utf8.invalid", 0),
    ] {
        let mut feed = FEED[..hidden].to_vec();
        feed.extend_from_slice(bad);
        feed.extend_from_slice(&FEED[hidden..]);
        for cuts in [
            vec![],
            vec![hidden + 1],
            (0..feed.len()).step_by(61).collect(),
        ] {
            match same_on_every_path(&feed, &cuts) {
                Answer::Failed(c, offset, _) => {
                    assert_eq!((c, offset), (code, Some((hidden + at) as u64)), "{bad:?}")
                }
                other => panic!("{bad:?} accepted: {other:?}"),
            }
        }
    }
}

/// Pieces of feeds, valid and not, long enough to span blocks.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just(" ".to_string()),
        Just("\n  ".to_string()),
        Just("\"code\":".to_string()),
        Just("\"buy_url\":".to_string()),
        Just("\"https:\\/\\/go.plesk.com\\/buy-plesk-ext\\/seo\"".to_string()),
        Just("\"https://go.plesk.com/buy-plesk-ext/docker\"".to_string()),
        Just("\"docker\"".to_string()),
        Just("\"\\\\\\\"\\\\\"".to_string()),
        Just("\"\\ud83d\\ude00\"".to_string()),
        Just("\"\\uD83D\"".to_string()),
        Just("-0.5e-7".to_string()),
        Just("12".to_string()),
        // Numbers whole, malformed and cut: the walk reads the first, the
        // machine the others, which must fail where the reference does.
        prop::sample::select(vec![
            "1.",
            "1.5.3",
            "-",
            "-0",
            "01",
            "1e+",
            "1E-05",
            "0.0e0",
            "1.e5",
            "2e",
            "-12.5E+3x"
        ])
        .prop_map(str::to_string),
        Just("true".to_string()),
        Just("null".to_string()),
        "\"[ -~]{0,90}\"",
        "\"[a-z\\\\\"/]{0,70}\"",
        "[\\\\\"{}:,\\[\\] a-z0-9\\t\\n]{0,40}",
        "\"\\PC{0,20}\"",
    ]
}

/// A feed built of whole items (mostly valid), then perhaps damaged.
fn feed() -> impl Strategy<Value = Vec<u8>> {
    let member = prop_oneof![
        (Just("\"code\":"), token()).prop_map(|(k, v)| format!("{k}{v}")),
        (Just("\"buy_url\":"), token()).prop_map(|(k, v)| format!("{k}{v}")),
        token(),
    ];
    let item = prop::collection::vec(member, 0..6).prop_map(|m| format!("{{{}}}", m.join(",")));
    feed_of(item, 6).prop_map(|(bytes, _)| bytes)
}

/// A feed of up to `most - 1` of `item`, then perhaps damaged by one byte
/// (and whether it was).
fn feed_of(
    item: impl Strategy<Value = String>,
    most: usize,
) -> impl Strategy<Value = (Vec<u8>, bool)> {
    (
        prop::collection::vec(item, 0..most),
        prop::option::of((any::<prop::sample::Index>(), any::<u8>())),
    )
        .prop_map(|(items, damage)| {
            let mut bytes = format!("[{}]", items.join(",\n")).into_bytes();
            if let Some((at, b)) = damage {
                let at = at.index(bytes.len());
                bytes[at] = b;
            }
            (bytes, damage.is_some())
        })
}

/// Whitespace between tokens: none (as Plesk writes), a space, or a
/// pretty-printer's line break and indent.
fn gap() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just(""), 1 => Just(" "), 1 => Just("\n    ")]
}

/// A valid JSON string, short or running over several blocks, with the
/// escapes a PHP-written feed has (`\/`, `\"`, `\u0411`, a surrogate pair).
fn string() -> impl Strategy<Value = String> {
    "\"([a-z <>.:-]|\\\\/|\\\\\"|\\\\u04[0-9a-f]{2}|\\\\ud83d\\\\ude00|\\\\n|é){0,160}\""
}

/// A valid JSON value of up to 4 levels: scalars of every kind, nested
/// objects (keys among them the two the filter reads) and arrays, with
/// whitespace anywhere a pretty-printer puts it.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        any::<i32>().prop_map(|n| n.to_string()),
        Just("1.02".to_string()),
        Just("-0.5e-7".to_string()),
        string(),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        let key = prop_oneof![
            Just("\"code\"".to_string()),
            Just("\"buy_url\"".to_string()),
            Just("\"co\\u0064e\"".to_string()),
            string(),
        ];
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..5), gap())
                .prop_map(|(v, g)| { format!("[{g}{}{g}]", v.join(&format!(",{g}"))) }),
            (prop::collection::vec((key, inner), 0..5), gap()).prop_map(|(m, g)| {
                let m: Vec<String> = m.iter().map(|(k, v)| format!("{k}{g}:{g}{v}")).collect();
                format!("{{{g}{}{g}}}", m.join(&format!(",{g}")))
            }),
        ]
    })
}

/// A valid feed of items whose members are nested values (the walk of
/// the block path through objects and arrays, short and long strings and
/// whitespace), then perhaps damaged by one byte.
fn nested_feed() -> impl Strategy<Value = (Vec<u8>, bool)> {
    let code = prop_oneof![
        Just("\"docker\"".to_string()),
        Just("\"seo\"".to_string()),
        string()
    ];
    let url = prop_oneof![
        Just("\"https:\\/\\/go.plesk.com\\/buy-plesk-ext\\/docker\"".to_string()),
        Just("\"https://apps.example.net/buy\"".to_string()),
        string(),
    ];
    let item = (
        prop::collection::vec((string(), value()), 0..6),
        code,
        url,
        gap(),
    )
        .prop_map(|(members, code, url, g)| {
            let mut m: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{k}{g}:{g}{v}"))
                .collect();
            m.insert(m.len() / 2, format!("\"code\":{g}{code}"));
            m.push(format!("\"buy_url\":{g}{url}"));
            format!("{{{g}{}{g}}}", m.join(&format!(",{g}")))
        });
    feed_of(item, 5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_feeds_random_cuts(feed in feed(), cuts in prop::collection::vec(0usize..600, 0..6)) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        same_on_every_path(&feed, &cuts);
    }

    #[test]
    fn valid_nested_feeds_random_cuts((feed, damaged) in nested_feed(), cuts in prop::collection::vec(0usize..3000, 0..4)) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        let answer = same_on_every_path(&feed, &cuts);
        // The generator writes valid feeds: undamaged, every path keeps it.
        prop_assert!(damaged || matches!(answer, Answer::Done(..)), "{answer:?}");
    }

    #[test]
    fn random_bytes(feed in prop::collection::vec(any::<u8>(), 0..300), cut in 0usize..300) {
        same_on_every_path(&feed, &[cut]);
    }
}

/// The committed fixtures, one shot and in chunks of every size around a block.
#[test]
fn fixtures_in_chunks() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
    for name in [
        "packages.json",
        "categories.json",
        "styles/packages-php.json",
        "styles/packages-pretty.json",
    ] {
        let feed = std::fs::read(format!("{root}{name}")).unwrap();
        for size in [1, 63, 64, 65, 4096, 65536] {
            let cuts: Vec<usize> = (size..feed.len()).step_by(size).collect();
            assert!(
                matches!(same_on_every_path(&feed, &cuts), Answer::Done(..)),
                "{name}"
            );
        }
    }
}

/// Escapes the block path checks from its masks and skips (`\/`, `\uXXXX`,
/// runs of `\\`), and those it leaves to the state machine (surrogates,
/// `\uD7FF`, invalid ones), at every offset from a block's start, so that
/// each crosses a block boundary in every way; valid and damaged, one shot
/// and cut at the escape.
#[test]
fn escapes_across_block_boundaries() {
    for value in [
        r#"https:\/\/go.plesk.com\/buy-plesk-ext\/seo"#,
        r#"\u0411\u0435\u0437 \u00e9\u00C9\u20ac"#,
        r#"\\\\\\\"\\\/\\"#,
        r#"\ud83d\ude00 \uD7FF \uDBFF\uDFFF"#,
        r#"a\u12g4"#,
        r#"a\ud800b"#,
        r#"a\x"#,
        r#"a\u00"#,
    ] {
        for pad in 0..70 {
            let feed = format!(
                r#"[{{"code":"seo","p":"{}","buy_url":"{value}","k{value}":{value:?}}}]"#,
                "x".repeat(pad)
            );
            let at = feed.find(value).unwrap();
            for cuts in [vec![], vec![at + 1], vec![at + 2, at + 7]] {
                same_on_every_path(feed.as_bytes(), &cuts);
            }
        }
    }
}

/// Long strings (the block path skips their plain bytes) with a quote,
/// backslash, escape, control or non-ASCII byte at every offset, in a key
/// and in values of a kept and a hidden item; one shot and cut inside.
#[test]
fn specials_at_every_offset_of_long_strings() {
    for special in ["\\\"", "\\/", "\\u00e9", "\"", "\u{1}", "é", "\\"] {
        for len in [40, 64, 100, 200] {
            for at in 0..=len {
                let text = format!("{}{special}{}", "y".repeat(at), "z".repeat(len - at));
                let feed = format!(
                    r#"[{{"code":"docker","d":"{text}","buy_url":"https://go.plesk.com/buy-plesk-ext/docker"}},
{{"code":"seo","{text}":1,"buy_url":"https://go.plesk.com/buy-plesk-ext/seo","t":["{text}"]}}]"#
                );
                let cut = feed.find(special).unwrap() + 1;
                for cuts in [vec![], vec![cut], vec![cut.saturating_sub(40), cut + 33]] {
                    same_on_every_path(feed.as_bytes(), &cuts);
                }
            }
        }
    }
}

/// A chunk longer than the filter's scan batch (64 KiB) is read batch by
/// batch: one shot, it answers exactly as when it is cut into small
/// chunks; an error found in a later batch (structure or UTF-8, whichever
/// comes first) has the same code and offset, and the failed chunk leaves
/// none of its items in the output or the explanation.
#[test]
fn one_shot_is_read_in_batches() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
    let feed = std::fs::read(format!("{root}packages.json")).unwrap();
    assert!(feed.len() > 4 * 65536);
    let small: Vec<usize> = (1000..feed.len()).step_by(1000).collect();
    let whole = same_on_every_path(&feed, &[]);
    assert!(matches!(whole, Answer::Done(..)));
    assert_eq!(whole, same_on_every_path(&feed, &small));

    // Damage inside a string far past the first batch: a control byte, an
    // invalid UTF-8 byte, both (either first).
    let strings: Vec<usize> = (200_000..feed.len() - 1000)
        .filter(|&k| feed[k].is_ascii_alphabetic() && feed[k - 1].is_ascii_alphabetic())
        .step_by(40_000)
        .collect();
    let policy = policy();
    for (k, &at) in strings.iter().enumerate() {
        for damage in [&[0x01u8][..], &[0xff], &[0x01, 0xff], &[0xff, 0x01]] {
            let mut bad = feed.clone();
            bad[at..at + damage.len()].copy_from_slice(damage);
            let Answer::Failed(code, offset, out) = same_on_every_path(&bad, &[]) else {
                panic!("damage at {at} accepted");
            };
            assert!(out.is_empty(), "a failed chunk left {} bytes", out.len());
            let Answer::Failed(c, o, _) = same_on_every_path(&bad, &small) else {
                panic!("damage at {at} accepted in chunks");
            };
            assert_eq!((code, offset), (c, o), "damage {damage:?} at {at}");
            assert_eq!(offset, Some(at as u64));
            if k == 0 {
                let mut f = CatalogFilter::new(&policy, CatalogKind::Packages).explaining();
                assert!(f.push(&bad, &mut Vec::new()).is_err());
                let explained = f.explanation().unwrap();
                assert!(explained.items.is_empty());
                assert_eq!(explained.summary.items, 0);
            }
        }
    }
}
