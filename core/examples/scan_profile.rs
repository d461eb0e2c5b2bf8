//! Filter a feed with one scanner path, for instruction counts under
//! callgrind (`make profile-scan`):
//!
//!     cargo build --profile profiling -p resale-core --example scan_profile
//!     valgrind --tool=callgrind target/profiling/examples/scan_profile avx2 tests/fixtures/packages.json
use resale_core::catalog::{CatalogFilter, CatalogKind, ScanPath};
use resale_core::Policy;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, feed, ..] = &args[..] else {
        eprintln!("usage: scan_profile scalar|sse2|avx2 FEED [ROUNDS]");
        std::process::exit(2);
    };
    let path = ScanPath::available()
        .into_iter()
        .find(|p| p.as_str() == path)
        .expect("a path this machine runs");
    let rounds: usize = args.get(3).map_or(1, |r| r.parse().expect("rounds"));
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
