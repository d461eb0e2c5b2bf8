//! Shop entry.

use resale_core::{report, ShopRequest};
use wasm_bindgen::prelude::*;

use crate::errors::throw;
use crate::policy::Policy;

/// An accepted shop request, kept so that `licensePlan` takes it as it is
/// (no second check of the query). The wrapper (`js/api.js`) holds it for
/// the answer object `checkShopRequest` returns and frees it with that
/// object.
#[wasm_bindgen]
pub struct AcceptedRequest {
    pub(crate) request: ShopRequest,
    answer: String,
}

#[wasm_bindgen]
impl AcceptedRequest {
    /// The check report (`accepted` with `request` and `redirect_url`) as JSON text.
    pub fn answer(&self) -> String {
        self.answer.clone()
    }
}

#[wasm_bindgen]
impl Policy {
    /// Check a query (or path with a query, or URL): the accepted request,
    /// or the rejection thrown.
    #[wasm_bindgen(js_name = checkShopRequest)]
    pub fn check_shop_request(&self, query_or_url: &str) -> Result<AcceptedRequest, JsValue> {
        let result = self.inner.check_shop_request(query_or_url);
        let redirect = match &result {
            Ok(request) => self.inner.shop_redirect_url(request),
            Err(e) => return Err(throw(e, report::rejection(e))),
        };
        let answer = report::check_text(&result, Some(&redirect));
        result
            .map(|request| AcceptedRequest { request, answer })
            .map_err(|e| throw(&e, report::rejection(&e)))
    }
}
