//! Shop entry.

use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::errors::throw;
use crate::policy::Policy;

#[wasm_bindgen]
impl Policy {
    /// The check report (`accepted` with `redirect_url`) as JSON text;
    /// throws the rejection.
    #[wasm_bindgen(js_name = checkShopRequest)]
    pub fn check_shop_request(&self, query_or_url: &str) -> Result<String, JsValue> {
        match self.inner.check_shop_request(query_or_url) {
            Ok(request) => {
                let redirect = self.inner.shop_redirect_url(&request);
                Ok(report::check_text(&Ok(request), Some(&redirect)))
            }
            Err(e) => Err(throw(&e, report::rejection(&e))),
        }
    }
}
