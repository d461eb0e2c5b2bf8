//! License plans, KA answers and activation commands.

use resale_core::license::activation::{activation_commands, Os};
use resale_core::license::partner_v3::{target_state, TargetState};
use resale_core::license::OrderContext;
use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::errors::reply;
use crate::policy::Policy;
use crate::shop_request::AcceptedRequest;

#[wasm_bindgen]
impl Policy {
    /// The plan for an accepted request (from `acceptShopRequest`) as JSON
    /// text; `order` is the
    /// order context as JSON text (`{"order_id", "api", "owner_id"?,
    /// "server_ips"?}`). Throws the license error.
    #[wasm_bindgen(js_name = licensePlan)]
    pub fn license_plan(&self, request: &AcceptedRequest, order: &str) -> Result<String, JsValue> {
        reply(
            &OrderContext::from_json(order)
                .and_then(|order| self.inner.license_plan(&request.request, &order)),
            report::license_plan,
        )
    }

    /// The plan for a new instance (`extensions`: extension codes) as JSON text.
    #[wasm_bindgen(js_name = newInstancePlan)]
    pub fn new_instance_plan(
        &self,
        main_item: &str,
        extensions: Vec<String>,
        order: &str,
    ) -> Result<String, JsValue> {
        let codes: Vec<&str> = extensions.iter().map(String::as_str).collect();
        reply(
            &OrderContext::from_json(order)
                .and_then(|order| self.inner.new_instance_plan(main_item, &codes, &order)),
            report::license_plan,
        )
    }
}

/// The activation command lines for a code (`linux` or `windows`) as JSON text.
#[wasm_bindgen(js_name = activationCommands)]
pub fn activation(code: &str, os: &str) -> Result<String, JsValue> {
    reply(
        &Os::from_name(os).and_then(|os| activation_commands(code, os)),
        report::activation,
    )
}

/// KA's answer to a v3 key request (body, and `Location` or undefined) read, as JSON text.
#[wasm_bindgen(js_name = parseKey)]
pub fn parse_key(body: &str, location: Option<String>) -> Result<String, JsValue> {
    reply(
        &resale_core::license::key_response::parse_key(body, location.as_deref()),
        report::key_info,
    )
}

/// The PUT body of a v3 upgrade from KA's GET answer and the step's
/// `body_from` (JSON text), as JSON text.
#[wasm_bindgen(js_name = upgradeTargetState)]
pub fn upgrade_target_state(key: &str, spec: &str) -> Result<String, JsValue> {
    reply(
        &TargetState::from_json(spec).and_then(|spec| target_state(key, &spec)),
        report::target_state,
    )
}
