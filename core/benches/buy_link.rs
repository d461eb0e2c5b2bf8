//! Per-call cost of the buy-link rewrite and the shop-request check, on the
//! example of Plesk's documentation. `make bench` puts these beside the peers
//! (pure PHP, pure JS) and a baseline (the `url` crate's parse of the same
//! link) measured in the same run.
//!
//! Two forms of each: the owned answers (`buy_link`, one call with both
//! answers in one allocation; and `rewrite_buy_url` then
//! `check_shop_request`: a `String` and a `ShopRequest` per call), and the
//! hot path the C ABI takes (`rewrite_buy_url_into` into a reused buffer,
//! `check_shop_request_ref` borrowing from the query, the redirect URL
//! written into a reused buffer).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use resale_core::Policy;

const LINK: &str = "https://go.plesk.com/buy-plesk-ext/some-extension-name?kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID";
const SHOP: &str = "https://shop.com/?extension-id=some-extension-name&kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID";

fn bench(c: &mut Criterion) {
    let policy =
        Policy::from_json(include_str!("../../tests/vectors/policies/shop-com.json")).unwrap();
    let mut g = c.benchmark_group("buy_link");
    g.bench_function("rewrite", |b| {
        b.iter(|| policy.rewrite_buy_url(black_box(LINK)))
    });
    g.bench_function("check", |b| {
        b.iter(|| policy.check_shop_request(black_box(SHOP)))
    });
    // The job in one call (`buy_link`: the rewrite and the check of what it
    // wrote, fused), and as the two calls it answers as.
    g.bench_function("rewrite+check", |b| {
        b.iter(|| policy.buy_link(black_box(LINK)))
    });
    g.bench_function("rewrite then check", |b| {
        b.iter(|| {
            let out = policy.rewrite_buy_url(black_box(LINK)).unwrap();
            let resale_core::RewriteOutcome::Rewritten(url) = out else {
                unreachable!()
            };
            policy.check_shop_request(&url)
        })
    });
    let (mut url, mut redirect) = (String::new(), String::new());
    g.bench_function("rewrite_into", |b| {
        b.iter(|| {
            url.clear();
            policy.rewrite_buy_url_into(black_box(LINK), &mut url)
        })
    });
    g.bench_function("check_ref+redirect", |b| {
        b.iter(|| {
            redirect.clear();
            let r = policy.check_shop_request_ref(black_box(SHOP)).unwrap();
            policy.write_shop_redirect_url(&r, &mut redirect);
        })
    });
    g.bench_function("rewrite+check+redirect borrowed", |b| {
        b.iter(|| {
            url.clear();
            redirect.clear();
            policy
                .rewrite_buy_url_into(black_box(LINK), &mut url)
                .unwrap()
                .unwrap();
            let r = policy.check_shop_request_ref(&url).unwrap();
            policy.write_shop_redirect_url(&r, &mut redirect);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);

fn parts(c: &mut Criterion) {
    let policy =
        Policy::from_json(include_str!("../../tests/vectors/policies/shop-com.json")).unwrap();
    let mut g = c.benchmark_group("parts");
    g.bench_function("kn_regex", |b| {
        b.iter(|| policy.is_key_number(black_box("PLESK.12345678.0001")))
    });
    g.bench_function("url_parse", |b| b.iter(|| url::Url::parse(black_box(LINK))));
    g.bench_function("parse_query", |b| {
        b.iter(|| resale_core::query::parse_query(black_box(&SHOP[18..])))
    });
    g.finish();
}
criterion_group!(parts_g, parts);
criterion_main!(benches, parts_g);
