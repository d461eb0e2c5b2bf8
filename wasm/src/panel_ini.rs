//! panel.ini.

use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::errors::reply;
use crate::policy::Policy;

#[wasm_bindgen]
impl Policy {
    /// The panel.ini report (`ok` with `text`) as JSON text; throws for a bad catalog URL.
    #[wasm_bindgen(js_name = panelIni)]
    pub fn panel_ini(&self, catalog_url: Option<String>) -> Result<String, JsValue> {
        reply(
            &self.inner.panel_ini(catalog_url.as_deref()),
            report::panel_ini,
        )
    }
}
