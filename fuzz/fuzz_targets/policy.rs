//! Policy compilation: any bytes give a policy or a coded error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match resale_core::Policy::from_json(text) {
            Ok(p) => assert!(matches!(p.shop_url().scheme(), "http" | "https")),
            Err(e) => {
                assert!(e.code.starts_with("policy."));
                assert!(e.field.as_deref().is_some_and(|f| f.starts_with('$')), "{e}");
                assert!(!e.message.is_empty());
            }
        }
    }
});
