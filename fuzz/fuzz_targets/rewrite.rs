//! Buy-link rewrite: a rewritten link never leaves the shop, never carries a
//! control character, and is accepted back by the shop check when its own
//! parameters are valid.
#![no_main]
use libfuzzer_sys::fuzz_target;
use resale_core::{Policy, RewriteOutcome};
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        Policy::from_json(r#"{"shop_url":"https://shop.example/cart.php?a=add&gid=7","extensions":{"docker":{}}}"#).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(RewriteOutcome::Rewritten(out)) = policy().rewrite_buy_url(text) {
        assert!(out.starts_with("https://shop.example/cart.php?a=add&gid=7&extension-id="), "{out}");
        assert!(!out.chars().any(char::is_control), "{out:?}");
        assert!(!out.contains('#'), "{out}");
        let parsed = url::Url::parse(&out).unwrap();
        assert_eq!(parsed.host_str(), Some("shop.example"));
    }
});
