//! Catalog one-shot: any bytes give a filtered feed or a coded error; a
//! filtered feed is valid JSON, and filtering it again changes nothing.
#![no_main]
use libfuzzer_sys::fuzz_target;
use resale_core::Policy;
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        Policy::from_json(r#"{"shop_url":"https://shop.com","extensions":{"docker":{}},"catalog":{"allow_patterns":["^imunify"],"max_depth":32}}"#).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    for path in ["/api/v4/packages", "/api/v4/categories"] {
        match policy().filter_catalog(path, data) {
            Ok(f) => {
                assert!(std::str::from_utf8(&f.body).is_ok());
                let again = policy().filter_catalog(path, &f.body).expect("output is a valid feed");
                assert_eq!(again.body, f.body, "filtering twice equals filtering once");
                assert!(f.body.len() <= data.len());
            }
            Err(e) => assert!(e.code.starts_with("catalog.") && e.offset.is_some_and(|o| o <= data.len() as u64)),
        }
    }
});
