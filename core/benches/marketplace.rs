//! Verify + parse + apply of a typical marketplace_purchase delivery (one of
//! GitHub's recorded payloads, ~3 KB with its `sender`). `make bench` puts it
//! beside octokit's `verify` in Node on the same payload.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use resale_core::marketplace::{entitlement::Entitlement, event::parse_event, signature};

fn bench(c: &mut Criterion) {
    let doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/fixtures/octokit/marketplace-payloads.json"
    ))
    .unwrap();
    let body = serde_json::to_vec(&doc["examples"][2]).unwrap();
    let secret = b"It's a Secret to Everybody";
    let header = signature::sign(&body, secret);
    let mut g = c.benchmark_group("marketplace");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("verify", |b| {
        b.iter(|| signature::verify(black_box(&body), Some(&header), &[secret]))
    });
    g.bench_function("verify+parse+apply", |b| {
        b.iter(|| {
            signature::verify(black_box(&body), Some(&header), &[secret]).unwrap();
            let e = parse_event(&body).unwrap();
            Entitlement::apply(None, &e).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
