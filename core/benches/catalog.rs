//! Catalog filter throughput, beside serde_json validating the same bytes
//! (`from_slice::<IgnoredAny>`, no tree built): the ratio says what filtering
//! costs over merely checking the JSON. The 10 MB feed is generated into
//! target/bench/ by `gen_catalog.py packages --items 4500 --seed 7` when
//! missing (the generator is committed in `tests/fixtures/tools/`).
//!
//! Paired, not one subject after the other: on a shared machine the time a
//! subject takes moves by tens of percent from one second to the next (other
//! processes, the host's other tenants), and a ratio of two means taken
//! seconds apart mostly measures that. So each round times every subject
//! twice, milliseconds apart, forward then backward through the list from a
//! start that rotates from round to round, and a subject's figure is the median over the rounds of its ratio
//! to the baseline **in the same round**, with the quartiles of that ratio
//! beside it (how much the machine moved it). Times are medians too.
//!
//! ```text
//! cargo bench -p resale-core --bench catalog                    # about 10 s a feed
//! cargo bench -p resale-core --bench catalog -- --seconds 2     # shorter
//! cargo bench -p resale-core --bench catalog -- --json FILE     # also as JSON (make bench)
//! cargo bench -p resale-core --bench catalog -- --only filter_one_shot --feeds fixture-672k
//! ```

use std::path::Path;
use std::time::Duration;

use resale_core::catalog::{CatalogFilter, ScanPath};
use resale_core::Policy;

#[path = "common/paired.rs"]
mod paired;
use paired::{feed_report, filter_one_shot, option, paired, serde_json_validate, Subject};

#[path = "../tests/support/whitelist.rs"]
mod whitelist;
use whitelist::whitelist_policy;

fn big_feed(root: &Path) -> Option<(Vec<u8>, String)> {
    let dir = root.join("target/bench");
    let (feed, wl) = (
        dir.join("packages-4500.json"),
        dir.join("whitelist-4500.txt"),
    );
    if !feed.exists() {
        let gen = root.join("tests/fixtures/tools/gen_catalog.py");
        if !gen.exists() {
            return None;
        }
        std::fs::create_dir_all(&dir).ok()?;
        for (what, path) in [("packages", &feed), ("whitelist", &wl)] {
            let out = std::process::Command::new("python3")
                .arg(&gen)
                .args([what, "--items", "4500", "--seed", "7"])
                .output()
                .ok()?;
            std::fs::write(path, out.stdout).ok()?;
        }
    }
    Some((std::fs::read(feed).ok()?, std::fs::read_to_string(wl).ok()?))
}

/// The subjects of one feed: the baseline first.
fn subjects<'a>(policy: &'a Policy, feed: &'a [u8]) -> Vec<Subject<'a>> {
    let mut all: Vec<Subject<'a>> = vec![
        serde_json_validate(feed),
        filter_one_shot("filter_one_shot", policy, feed),
        Subject {
            name: "filter_64k_chunks".into(),
            run: Box::new(move || {
                let mut f = policy.catalog_filter("/api/v4/packages");
                let mut out = Vec::with_capacity(feed.len());
                for chunk in std::hint::black_box(feed).chunks(64 * 1024) {
                    f.push(chunk, &mut out).expect("the feed filters");
                }
                f.finish(&mut out).expect("the feed is complete");
                out.len()
            }),
        },
    ];
    // Each scanner path this machine runs, one shot (the rows of `make
    // bench` per path; `filter_one_shot` is the detected one).
    for path in ScanPath::available() {
        all.push(Subject {
            name: format!("path_{}", path.as_str()),
            run: Box::new(move || {
                let kind = policy.catalog_kind("/api/v4/packages");
                let mut f = CatalogFilter::new(policy, kind)
                    .with_scan_path(path)
                    .expect("an available path");
                let mut out = Vec::with_capacity(feed.len());
                f.push(std::hint::black_box(feed), &mut out)
                    .expect("the feed filters");
                f.finish(&mut out).expect("the feed is complete");
                out.len()
            }),
        });
    }
    all
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| option(&args, name);
    let seconds: f64 = opt("--seconds").map_or(10.0, |s| s.parse().expect("--seconds N"));
    let json = opt("--json");
    // --only filter_one_shot: those subjects (and the baseline) alone;
    // --feeds fixture-672k: that feed alone (bench.py's wasm pairing).
    let list = |name: &str| opt(name).map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>());
    let (only, only_feeds) = (list("--only"), list("--feeds"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut feeds = vec![(
        "fixture-672k",
        std::fs::read(root.join("tests/fixtures/packages.json")).expect("the fixture"),
        std::fs::read_to_string(root.join("tests/fixtures/whitelist.txt")).expect("its whitelist"),
    )];
    if let Some((feed, wl)) = big_feed(&root) {
        feeds.push(("generated-10m", feed, wl));
    }
    let mut report = Vec::new();
    for (name, feed, wl) in &feeds {
        if only_feeds
            .as_ref()
            .is_some_and(|o| !o.iter().any(|f| f == name))
        {
            continue;
        }
        let policy = whitelist_policy(wl, "");
        let mut chosen = subjects(&policy, feed);
        if let Some(only) = &only {
            let mut k = 0;
            chosen.retain(|s| {
                k += 1;
                k == 1 || only.contains(&s.name)
            });
        }
        let figures = paired(&chosen, Duration::from_secs_f64(seconds));
        report.push(feed_report(name, feed.len(), &figures));
    }
    if let Some(path) = json {
        std::fs::write(path, format!("[{}]\n", report.join(","))).expect("the JSON file");
    }
}
