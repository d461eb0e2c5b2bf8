//! Shop entry.

use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::policy::Policy;

#[wasm_bindgen]
impl Policy {
    /// The check report (`accepted` with `redirect_url`, or `rejected`) as JSON text.
    #[wasm_bindgen(js_name = checkShopRequest)]
    pub fn check_shop_request(&self, query_or_url: &str) -> String {
        let result = self.inner.check_shop_request(query_or_url);
        let redirect = result
            .as_ref()
            .ok()
            .map(|r| self.inner.shop_redirect_url(r));
        report::check_text(&result, redirect.as_deref())
    }
}
