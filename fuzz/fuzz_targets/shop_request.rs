//! Shop-request check: any text gets an answer; accepted values carry no
//! control characters; the redirect stays on the shop.
#![no_main]
use libfuzzer_sys::fuzz_target;
use resale_core::Policy;
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        Policy::from_json(r#"{"shop_url":"https://shop.example/store?ref=plesk","extensions":{"docker":{},"wp-toolkit":{"products":["WPT_DELUXE"],"individual_offers":true}}}"#).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match policy().check_shop_request(text) {
        Ok(req) => {
            for v in [Some(req.extension_id()), Some(req.key_number()), req.token(), req.product_id(), req.coupon(), req.extension_key_number()].into_iter().flatten() {
                assert!(!v.chars().any(char::is_control));
            }
            assert!(policy().sells(req.extension_id()));
            let redirect = policy().shop_redirect_url(&req);
            assert!(redirect.starts_with("https://shop.example/store?ref=plesk&extension-id="), "{redirect}");
        }
        Err(r) => {
            assert!(!r.message.is_empty());
            assert!(r.code.contains('.'));
        }
    }
});
