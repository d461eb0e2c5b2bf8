//! Catalog filter throughput, beside serde_json validating the same bytes
//! (`from_slice::<IgnoredAny>`, no tree built): the ratio says what filtering
//! costs over merely checking the JSON. The 10 MB feed is generated into
//! target/bench/ by `gen_catalog.py packages --items 4500 --seed 7` when
//! missing (the generator is committed in `tests/fixtures/tools/`).

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use resale_core::catalog::{CatalogFilter, ScanPath};

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

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut feeds = vec![(
        "fixture-672k",
        std::fs::read(root.join("tests/fixtures/packages.json")).unwrap(),
        std::fs::read_to_string(root.join("tests/fixtures/whitelist.txt")).unwrap(),
    )];
    if let Some((feed, wl)) = big_feed(&root) {
        feeds.push(("generated-10m", feed, wl));
    }
    for (name, feed, wl) in feeds {
        let policy = whitelist_policy(&wl, "");
        let mut g = c.benchmark_group(format!("catalog/{name}"));
        g.throughput(Throughput::Bytes(feed.len() as u64));
        g.bench_function("serde_json_validate", |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&feed)).unwrap())
        });
        g.bench_function("filter_one_shot", |b| {
            b.iter(|| {
                policy
                    .filter_catalog("/api/v4/packages", black_box(&feed))
                    .unwrap()
            })
        });
        g.bench_function("filter_64k_chunks", |b| {
            b.iter(|| {
                let mut f = policy.catalog_filter("/api/v4/packages");
                let mut out = Vec::with_capacity(feed.len());
                for chunk in black_box(&feed).chunks(64 * 1024) {
                    f.push(chunk, &mut out).unwrap();
                }
                f.finish(&mut out).unwrap();
                out
            })
        });
        // Each scanner path this machine runs, one shot (the rows of
        // `make bench` per path; `filter_one_shot` is the detected one).
        for path in ScanPath::available() {
            g.bench_function(format!("path_{}", path.as_str()), |b| {
                b.iter(|| {
                    let kind = policy.catalog_kind("/api/v4/packages");
                    let mut f = CatalogFilter::new(&policy, kind)
                        .with_scan_path(path)
                        .unwrap();
                    let mut out = Vec::with_capacity(feed.len());
                    f.push(black_box(&feed), &mut out).unwrap();
                    f.finish(&mut out).unwrap();
                    out
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
