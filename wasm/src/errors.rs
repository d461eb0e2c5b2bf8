//! How failures cross into JavaScript: thrown as the report JSON text, which
//! the wrapper (`js/api.js`) turns into a `ResaleError` with `code`, `field`
//! and `offset`.

use serde_json::Value;
use wasm_bindgen::JsValue;

/// A report object, thrown.
pub(crate) fn throw(report: Value) -> JsValue {
    JsValue::from_str(&report.to_string())
}
