//! `Policy`: compiled once, then asked everything.

use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::errors::throw;

/// A compiled shop policy.
#[wasm_bindgen]
pub struct Policy {
    pub(crate) inner: resale_core::Policy,
}

#[wasm_bindgen]
impl Policy {
    /// Compile a policy from its JSON text; throws the error (lint report) on failure.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: &str) -> Result<Policy, JsValue> {
        resale_core::Policy::from_json(text)
            .map(|inner| Policy { inner })
            .map_err(|e| throw(&e, report::lint(Err(&e))))
    }
}
