//! Filter a feed with one scanner path, for instruction counts under
//! callgrind (`make profile-scan`):
//!
//!     cargo build --profile profiling -p resale-core --example scan_profile
//!     valgrind --tool=callgrind target/profiling/examples/scan_profile avx2 tests/fixtures/packages.json
//!
//! `serde_json` in place of a path counts the bench's baseline.
use resale_core::catalog::{CatalogFilter, CatalogKind, ScanPath};
use resale_core::Policy;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, feed, ..] = &args[..] else {
        eprintln!("usage: scan_profile scalar|sse2|avx2|avx512|serde_json FEED [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.get(3).map_or(1, |r| r.parse().expect("rounds"));
    if path == "serde_json" {
        // The bench's baseline (validate only, no tree), for its count.
        let feed = std::fs::read(feed).expect("the feed");
        for _ in 0..rounds {
            serde_json::from_slice::<serde::de::IgnoredAny>(&feed).expect("valid JSON");
        }
        println!("serde_json");
        return;
    }
    let path = ScanPath::available()
        .into_iter()
        .find(|p| p.as_str() == path)
        .expect("a path this machine runs");
    let feed = std::fs::read(feed).expect("the feed");
    let policy = Policy::from_json(
        r#"{"shop_url": "https://shop.example.com", "extensions": {"docker": {}}}"#,
    )
    .expect("policy");
    let mut kept = 0;
    for _ in 0..rounds {
        let mut f = CatalogFilter::new(&policy, CatalogKind::Packages)
            .with_scan_path(path)
            .expect("available");
        let mut out = Vec::with_capacity(feed.len());
        f.push(&feed, &mut out).expect("a valid feed");
        kept = f.finish(&mut out).expect("a complete feed").kept;
    }
    println!("{} kept {kept}", path.as_str());
}
