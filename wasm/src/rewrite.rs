//! Buy links.

use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::policy::Policy;

#[wasm_bindgen]
impl Policy {
    /// The rewrite report (`rewritten`, `unchanged` or `error`) as JSON text.
    #[wasm_bindgen(js_name = rewriteBuyUrl)]
    pub fn rewrite_buy_url(&self, url: &str) -> String {
        report::rewrite_text(&self.inner.rewrite_buy_url(url))
    }
}
