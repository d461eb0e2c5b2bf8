//! Catalog SIMD: every scanner path this machine runs (SSE2, AVX2) against
//! the scalar reference, on a feed and cut points the fuzzer chooses: the
//! same output, counts, error code and offset.
#![no_main]
use libfuzzer_sys::fuzz_target;
use resale_core::catalog::{CatalogFilter, CatalogKind, ScanPath};
use resale_core::Policy;
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        Policy::from_json(r#"{"shop_url":"https://shop.com","extensions":{"docker":{}},"catalog":{"rewrite_buy_urls":true,"max_depth":6}}"#).unwrap()
    })
}

fn answer(kind: CatalogKind, path: ScanPath, feed: &[u8], size: usize) -> (Vec<u8>, Result<String, (&'static str, Option<u64>)>) {
    let mut filter = CatalogFilter::new(policy(), kind).with_scan_path(path).unwrap();
    let mut out = Vec::new();
    for chunk in feed.chunks(size) {
        if let Err(e) = filter.push(chunk, &mut out) {
            return (out, Err((e.code, e.offset)));
        }
    }
    let r = filter.finish(&mut out).map(|s| format!("{s:?}")).map_err(|e| (e.code, e.offset));
    (out, r)
}

fuzz_target!(|data: &[u8]| {
    // The first byte says where the feed is cut: every 1..=256 bytes.
    let Some((&seed, feed)) = data.split_first() else { return };
    let size = usize::from(seed) + 1;
    for kind in [CatalogKind::Packages, CatalogKind::Categories] {
        let want = answer(kind, ScanPath::Scalar, feed, size);
        for path in ScanPath::available() {
            assert_eq!(answer(kind, path, feed, size), want, "{path:?} {kind:?}");
        }
    }
});
