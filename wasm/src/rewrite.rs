//! Buy links.

use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::errors::throw;
use crate::policy::Policy;

#[wasm_bindgen]
impl Policy {
    /// The rewrite report (`rewritten` or `unchanged`) as JSON text;
    /// throws for input that is not a URL.
    #[wasm_bindgen(js_name = rewriteBuyUrl)]
    pub fn rewrite_buy_url(&self, url: &str) -> Result<String, JsValue> {
        let result = self.inner.rewrite_buy_url(url);
        match &result {
            Ok(_) => Ok(report::rewrite_text(&result)),
            Err(e) => Err(throw(e, report::rewrite(&result))),
        }
    }
}
