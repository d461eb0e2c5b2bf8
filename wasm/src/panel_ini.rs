//! panel.ini.

use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::policy::Policy;

#[wasm_bindgen]
impl Policy {
    /// The panel.ini report (`ok` with `text`, or `error`) as JSON text.
    #[wasm_bindgen(js_name = panelIni)]
    pub fn panel_ini(&self, catalog_url: Option<String>) -> String {
        report::panel_ini(&self.inner.panel_ini(catalog_url.as_deref())).to_string()
    }
}
