//! The paired timing of the catalog benches (`catalog.rs`, and the peers
//! crate in `benches/peers/rust/`, which includes this file by `#[path]`),
//! so that every catalog ratio of `make bench` is taken the same way: each
//! round times every subject twice, forward then backward from a rotating
//! start, and a subject's figure is the median over the rounds of its ratio
//! to the first subject **in the same round**, with the quartiles beside it.
//! The baseline and the one-shot filter are written here once, for both.

use std::time::{Duration, Instant};

use resale_core::Policy;

/// One timed subject: a name and what one iteration does.
pub struct Subject<'a> {
    pub name: String,
    pub run: Box<dyn Fn() -> usize + 'a>,
}

/// The `q`-quantile of `v` (sorted here), by nearest rank.
fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// A subject's figures over the rounds.
pub struct Figures {
    pub name: String,
    pub ns_median: f64,
    pub ratio: [f64; 3],
}

/// Time every subject twice a round (forward, then backward), for
/// `budget`, from a rotating start.
pub fn paired(subjects: &[Subject<'_>], budget: Duration) -> Vec<Figures> {
    for s in subjects {
        for _ in 0..3 {
            std::hint::black_box((s.run)());
        }
    }
    let n = subjects.len();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); n];
    let started = Instant::now();
    let mut round = 0usize;
    // At least 10 rounds, however long the feed takes.
    while round < 10 || started.elapsed() < budget {
        // Forward then backward (A B C C B A), from a start that moves
        // round by round: whatever favours a place in the order (the feed
        // still in cache, the clock ramping) reaches every subject alike.
        let order: Vec<usize> = (0..n).map(|k| (k + round) % n).collect();
        let mut took = vec![0f64; n];
        for &i in order.iter().chain(order.iter().rev()) {
            let t = Instant::now();
            std::hint::black_box((subjects[i].run)());
            took[i] += t.elapsed().as_nanos() as f64;
        }
        for (i, t) in took.into_iter().enumerate() {
            times[i].push(t / 2.0);
        }
        round += 1;
    }
    (0..n)
        .map(|i| {
            let mut ratios: Vec<f64> = (0..round).map(|r| times[0][r] / times[i][r]).collect();
            let ratio = [0.25, 0.5, 0.75].map(|q| quantile(&mut ratios, q));
            Figures {
                name: subjects[i].name.clone(),
                ns_median: quantile(&mut times[i].clone(), 0.5),
                ratio,
            }
        })
        .collect()
}

/// The figures of one feed, printed as a table and returned as a JSON
/// object (`{"feed", "bytes", "subjects": [...]}`), the first subject the
/// baseline every ratio is to.
pub fn feed_report(name: &str, bytes: usize, figures: &[Figures]) -> String {
    let baseline = &figures[0].name;
    println!("catalog/{name} ({} bytes), paired rounds:", bytes);
    println!(
        "  {:<22} {:>10} {:>8}  ratio to {baseline} (q1 median q3)",
        "subject", "MB/s", "µs",
    );
    let mut rows = Vec::new();
    for f in figures {
        let mbps = bytes as f64 / f.ns_median * 1e3;
        println!(
            "  {:<22} {:>10.0} {:>8.0}  {:.2} {:.2} {:.2}",
            f.name,
            mbps,
            f.ns_median / 1e3,
            f.ratio[0],
            f.ratio[1],
            f.ratio[2]
        );
        rows.push(format!(
            r#"{{"subject":"{}","ns_median":{:.0},"mb_per_s":{:.1},"ratio_q1":{:.4},"ratio_median":{:.4},"ratio_q3":{:.4}}}"#,
            f.name, f.ns_median, mbps, f.ratio[0], f.ratio[1], f.ratio[2]
        ));
    }
    format!(
        r#"{{"feed":"{name}","bytes":{},"subjects":[{}]}}"#,
        bytes,
        rows.join(",")
    )
}

/// The baseline every catalog bench compares with: serde_json validating
/// the feed without building anything (`IgnoredAny`).
pub fn serde_json_validate(feed: &[u8]) -> Subject<'_> {
    Subject {
        name: "serde_json_validate".into(),
        run: Box::new(move || {
            serde_json::from_slice::<serde::de::IgnoredAny>(std::hint::black_box(feed))
                .map(|_| 1)
                .expect("the feed is valid JSON")
        }),
    }
}

/// The filter of `/api/v4/packages` on the whole feed in one call, its
/// output a new buffer, as `Policy::filter_catalog` gives it.
pub fn filter_one_shot<'a>(name: &str, policy: &'a Policy, feed: &'a [u8]) -> Subject<'a> {
    Subject {
        name: name.into(),
        run: Box::new(move || {
            policy
                .filter_catalog("/api/v4/packages", std::hint::black_box(feed))
                .expect("the feed filters")
                .body
                .len()
        }),
    }
}

/// The value after `name` among the command's arguments (`--seconds 8`).
pub fn option<'a>(args: &'a [String], name: &str) -> Option<&'a String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
}
