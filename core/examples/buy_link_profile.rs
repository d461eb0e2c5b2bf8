//! The buy-link hot path (rewrite a Plesk buy link, then check the query
//! it brings to the shop) in a loop, for instruction counts under callgrind,
//! which repeat exactly from run to run where timings on a shared machine
//! do not:
//!
//!     cargo build --profile profiling -p resale-core --example buy_link_profile
//!     valgrind --tool=callgrind target/profiling/examples/buy_link_profile owned 10000
//!
//! `owned` calls `rewrite_buy_url` and `check_shop_request` (owned
//! answers); `fused` `buy_link` (the same answers from one call); `ref` what the C ABI calls (`rewrite_buy_url_into` and
//! `check_shop_request_ref`, the redirect URL written out, buffers reused).
//! The inputs are those of `benches/buy_link.rs`.
use resale_core::{Policy, RewriteOutcome};

const LINK: &str = "https://go.plesk.com/buy-plesk-ext/some-extension-name?kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("owned", String::as_str);
    let rounds: usize = args.get(2).map_or(10_000, |r| r.parse().expect("rounds"));
    let policy = Policy::from_json(include_str!("../../tests/vectors/policies/shop-com.json"))
        .expect("policy");
    let mut accepted = 0;
    let (mut url, mut redirect) = (String::new(), String::new());
    for _ in 0..rounds {
        let link = std::hint::black_box(LINK);
        match mode {
            "owned" => {
                let RewriteOutcome::Rewritten(url) = policy.rewrite_buy_url(link).expect("a URL")
                else {
                    panic!("not rewritten")
                };
                accepted += usize::from(policy.check_shop_request(&url).is_ok());
            }
            "fused" => {
                let done = policy.buy_link(link).expect("a URL");
                accepted += usize::from(std::hint::black_box(done).is_ok());
            }
            "ref" => {
                url.clear();
                redirect.clear();
                let done = policy.rewrite_buy_url_into(link, &mut url).expect("a URL");
                assert!(done.is_ok(), "not rewritten");
                if let Ok(request) = policy.check_shop_request_ref(&url) {
                    policy.write_shop_redirect_url(&request, &mut redirect);
                    accepted += 1;
                }
            }
            _ => panic!("usage: buy_link_profile owned|fused|ref [ROUNDS]"),
        }
    }
    println!("{mode}: {accepted} of {rounds} accepted");
}
