//! Marketplace: any payload parses or gives a coded error; a parsed event
//! applies (or is refused with a code) from no state and from its own
//! result, and applying it twice changes nothing. Signature checks never
//! accept a header that is not the body's.
#![no_main]
use libfuzzer_sys::fuzz_target;
use resale_core::marketplace::{entitlement::Entitlement, event::parse_event, signature};

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = parse_event(data) {
        if let Ok(first) = Entitlement::apply(None, &event) {
            let again = Entitlement::apply(Some(&first.entitlement), &event).expect("same account");
            assert_eq!(again.entitlement, first.entitlement);
            let json = serde_json::to_string(&first.entitlement).unwrap();
            let back: Entitlement = serde_json::from_str(&json).unwrap();
            assert_eq!(back, first.entitlement);
        }
    }
    let header = std::str::from_utf8(data).ok();
    if signature::verify(b"fixed body", header, &[b"secret"]).is_ok() {
        assert_eq!(header, Some(signature::sign(b"fixed body", b"secret").as_str()));
    }
});
