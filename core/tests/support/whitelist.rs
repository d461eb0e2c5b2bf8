//! The policy that sells every extension code of a whitelist (one code a
//! line), shared by the catalog tests and the catalog bench so that both
//! filter with the same policy (`#[path]`-included: a tests/ subfolder is no
//! test target of its own).

use resale_core::Policy;

/// A policy selling each code of `whitelist` at the example shop, with
/// `extra` (`, "key": value…`) appended to its top-level object.
pub fn whitelist_policy(whitelist: &str, extra: &str) -> Policy {
    let exts: Vec<String> = whitelist
        .lines()
        .filter(|l| !l.is_empty())
        .map(|c| format!("{c:?}: {{}}"))
        .collect();
    Policy::from_json(&format!(
        r#"{{"shop_url": "https://shop.example.com/store", "extensions": {{ {} }} {extra} }}"#,
        exts.join(",")
    ))
    .unwrap()
}
