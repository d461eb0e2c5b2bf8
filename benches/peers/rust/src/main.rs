//! The catalog filter beside the Rust JSON parsers built on SIMD, on the
//! same feeds and in the same paired rounds as `core/benches/catalog.rs`
//! (whose timing this includes), the baseline again serde_json's
//! validate-only parse:
//!
//! - `simd_json_tape`: simd-json's lightest parse that validates everything
//!   (stage 1 and its tape, no values built). It parses in place, so each
//!   iteration first copies the feed into a mutable buffer, as a caller
//!   holding a body it may not change must.
//! - `sonic_rs_validate`: sonic-rs into `IgnoredAny`, the baseline's own
//!   work done by sonic-rs.
//!
//! sonic-rs uses SIMD only when compiled for it, so `make bench` builds
//! this with `-C target-cpu=native`: every subject here (the baseline and
//! resale too) is compiled for this CPU, each at its best.
//!
//! ```text
//! RUSTFLAGS="-C target-cpu=native" cargo run --release \
//!     --manifest-path benches/peers/rust/Cargo.toml -- --seconds 8 --json FILE
//! ```

use std::path::Path;
use std::time::Duration;

use resale_core::Policy;

#[path = "../../../../core/benches/common/paired.rs"]
mod paired;
use paired::{feed_report, filter_one_shot, option, paired, serde_json_validate, Subject};

#[path = "../../../../core/tests/support/whitelist.rs"]
mod whitelist;
use whitelist::whitelist_policy;

/// The subjects of one feed: the baseline first.
fn subjects<'a>(policy: &'a Policy, feed: &'a [u8]) -> Vec<Subject<'a>> {
    let scratch = std::cell::RefCell::new((feed.to_vec(), simd_json::Buffers::new(feed.len())));
    vec![
        serde_json_validate(feed),
        filter_one_shot("resale_filter_one_shot", policy, feed),
        Subject {
            name: "simd_json_tape".into(),
            run: Box::new(move || {
                let (buf, buffers) = &mut *scratch.borrow_mut();
                buf.copy_from_slice(std::hint::black_box(feed));
                simd_json::to_tape_with_buffers(buf, buffers)
                    .expect("the feed is valid JSON")
                    .0
                    .len()
            }),
        },
        Subject {
            name: "sonic_rs_validate".into(),
            run: Box::new(move || {
                sonic_rs::from_slice::<serde::de::IgnoredAny>(std::hint::black_box(feed))
                    .map(|_| 1)
                    .expect("the feed is valid JSON")
            }),
        },
    ]
}

/// Feeds each one wrong in one way: which of them a subject takes as valid
/// is printed beside its speed, since a parser that checks less can be
/// faster for it (serde_json's `IgnoredAny` skips strings without checking
/// their UTF-8).
const INVALID: &[(&str, &[u8])] = &[
    ("invalid UTF-8", b"[{\"a\":\"\xff\"}]"),
    ("unknown escape", br#"[{"a":"\q"}]"#),
    ("non-hex \\u escape", br#"[{"a":"\u12G4"}]"#),
    ("lone surrogate", br#"[{"a":"\ud800"}]"#),
    ("raw control byte", b"[{\"a\":\"\x01\"}]"),
    ("leading zero", br#"[{"a":01}]"#),
    ("trailing comma", br#"[{"a":[1,2,]}]"#),
    ("mismatched bracket", br#"[{"a":[1}]]"#),
];

/// The names of the [`INVALID`] feeds `subject` takes as valid.
fn accepted(subject: &str, policy: &Policy) -> Vec<&'static str> {
    INVALID
        .iter()
        .filter(|(_, feed)| match subject {
            "serde_json_validate" => serde_json::from_slice::<serde::de::IgnoredAny>(feed).is_ok(),
            "resale_filter_one_shot" => policy.filter_catalog("/api/v4/packages", feed).is_ok(),
            "simd_json_tape" => simd_json::to_tape(&mut feed.to_vec()).is_ok(),
            "sonic_rs_validate" => sonic_rs::from_slice::<serde::de::IgnoredAny>(feed).is_ok(),
            other => panic!("no such subject: {other}"),
        })
        .map(|(name, _)| *name)
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| option(&args, name);
    let seconds: f64 = opt("--seconds").map_or(10.0, |s| s.parse().expect("--seconds N"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let read = |p: &str| std::fs::read(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let text = |p: &str| String::from_utf8(read(p)).expect("a UTF-8 whitelist");
    // The 10 MB feed is the catalog bench's, which generates it first.
    let mut feeds = vec![(
        "fixture-672k",
        read("tests/fixtures/packages.json"),
        text("tests/fixtures/whitelist.txt"),
    )];
    if root.join("target/bench/packages-4500.json").exists() {
        feeds.push((
            "generated-10m",
            read("target/bench/packages-4500.json"),
            text("target/bench/whitelist-4500.txt"),
        ));
    }
    let policy = whitelist_policy("", "");
    let mut strictness = Vec::new();
    println!("invalid feeds taken as valid:");
    for s in subjects(&policy, b"[]") {
        let took = accepted(&s.name, &policy);
        println!(
            "  {:<22} {}",
            s.name,
            if took.is_empty() {
                "none".into()
            } else {
                took.join(", ")
            }
        );
        let list: Vec<String> = took.iter().map(|t| format!("{t:?}")).collect();
        strictness.push(format!(r#"{:?}:[{}]"#, s.name, list.join(",")));
    }
    let mut report = Vec::new();
    for (name, feed, wl) in &feeds {
        let policy = whitelist_policy(wl, "");
        let figures = paired(&subjects(&policy, feed), Duration::from_secs_f64(seconds));
        report.push(feed_report(name, feed.len(), &figures));
    }
    if let Some(path) = opt("--json") {
        let json = format!(
            "{{\"accepts_invalid\":{{{}}},\"feeds\":[{}]}}\n",
            strictness.join(","),
            report.join(",")
        );
        std::fs::write(path, json).expect("the JSON file");
    }
}
