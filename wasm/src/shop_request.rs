//! Shop entry.

use resale_core::{report, Error, ShopRequest};
use wasm_bindgen::prelude::*;

use crate::errors::throw;
use crate::policy::Policy;

/// An accepted shop request, for `licensePlan`. Only `licensePlan` makes
/// one (`acceptShopRequest`) and frees it at once: `checkShopRequest` hands
/// out no handle, because a wasm object per answer, freed only when the
/// garbage collector finalizes the answer, made each check cost 25–140 µs
/// in Node (the wasm heap and the finalization registry grow between
/// collections) instead of about 4 µs.
#[wasm_bindgen]
pub struct AcceptedRequest {
    pub(crate) request: ShopRequest,
}

impl Policy {
    /// The checked request, or the rejection thrown.
    fn accept(&self, query_or_url: &str) -> Result<ShopRequest, JsValue> {
        self.inner
            .check_shop_request(query_or_url)
            .map_err(|e: Error| throw(&e, report::rejection(&e)))
    }
}

#[wasm_bindgen]
impl Policy {
    /// Check a query (or path with a query, or URL): the check report
    /// (`accepted` with `request` and `redirect_url`) as JSON text, or the
    /// rejection thrown.
    #[wasm_bindgen(js_name = checkShopRequest)]
    pub fn check_shop_request(&self, query_or_url: &str) -> Result<String, JsValue> {
        let request = self.accept(query_or_url)?;
        let redirect = self.inner.shop_redirect_url(&request);
        Ok(report::check_text(&Ok(request), Some(&redirect)))
    }

    /// The accepted request of a query, for `licensePlan`; the rejection
    /// thrown as `checkShopRequest` throws it.
    #[wasm_bindgen(js_name = acceptShopRequest)]
    pub fn accept_shop_request(&self, query_or_url: &str) -> Result<AcceptedRequest, JsValue> {
        self.accept(query_or_url)
            .map(|request| AcceptedRequest { request })
    }
}
