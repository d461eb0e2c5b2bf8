//! Catalog incremental: the fuzzer chooses the feed and the split points; the
//! output (or the error) must equal the one-shot filter's.
#![no_main]
use libfuzzer_sys::fuzz_target;
use resale_core::Policy;
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        Policy::from_json(r#"{"shop_url":"https://shop.com","extensions":{"docker":{}},"catalog":{"rewrite_buy_urls":true}}"#).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    // The first byte says how the rest is cut: chunk sizes cycle through 1..=N.
    let Some((&seed, feed)) = data.split_first() else { return };
    let sizes = [1 + (seed as usize % 7), 1 + (seed as usize / 7 % 13), 64];
    for path in ["/api/v4/packages", "/api/v4/categories"] {
        let one = policy().filter_catalog(path, feed).map(|f| f.body).map_err(|e| e.code);
        let mut filter = policy().catalog_filter(path);
        let mut out = Vec::new();
        let mut rest = feed;
        let mut k = 0;
        let mut failed = None;
        while !rest.is_empty() {
            let n = sizes[k % sizes.len()].min(rest.len());
            if let Err(e) = filter.push(&rest[..n], &mut out) {
                failed = Some(e.code);
                break;
            }
            rest = &rest[n..];
            k += 1;
        }
        let split = match failed {
            Some(code) => Err(code),
            None => filter.finish(&mut out).map(|_| out).map_err(|e| e.code),
        };
        assert_eq!(one, split);
    }
});
