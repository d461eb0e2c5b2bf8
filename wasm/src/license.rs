//! License plans and activation commands.

use resale_core::license::activation::{activation_commands, Os};
use resale_core::license::PartnerApi;
use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::policy::Policy;

#[wasm_bindgen]
impl Policy {
    /// The plan for an accepted query (or its rejection) as JSON text.
    #[wasm_bindgen(js_name = licensePlan)]
    pub fn license_plan(&self, query: &str, api: &str, order_id: &str) -> String {
        let api = match PartnerApi::from_name(api) {
            Ok(api) => api,
            Err(e) => return report::license_error(&e).to_string(),
        };
        match self.inner.check_shop_request(query) {
            Ok(req) => report::license_plan(&self.inner.license_plan(&req, api, order_id)),
            Err(r) => report::rejection(&r),
        }
        .to_string()
    }

    /// The plan for a new instance (`extensions`: a JSON array of codes) as JSON text.
    #[wasm_bindgen(js_name = newInstancePlan)]
    pub fn new_instance_plan(
        &self,
        main_item: &str,
        extensions: Vec<String>,
        api: &str,
        order_id: &str,
    ) -> String {
        let api = match PartnerApi::from_name(api) {
            Ok(api) => api,
            Err(e) => return report::license_error(&e).to_string(),
        };
        let codes: Vec<&str> = extensions.iter().map(String::as_str).collect();
        report::license_plan(
            &self
                .inner
                .new_instance_plan(main_item, &codes, api, order_id),
        )
        .to_string()
    }
}

/// The activation command lines for a code (`linux` or `windows`) as JSON text.
#[wasm_bindgen(js_name = activationCommands)]
pub fn activation(code: &str, os: &str) -> String {
    report::activation(&Os::from_name(os).and_then(|os| activation_commands(code, os))).to_string()
}

/// A KA v3 key structure read, as JSON text.
#[wasm_bindgen(js_name = parseKey)]
pub fn parse_key(json: &str) -> String {
    report::key_info(&resale_core::license::key_response::parse_key(json)).to_string()
}
