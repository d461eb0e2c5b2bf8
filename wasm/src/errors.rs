//! How answers and failures cross into JavaScript: one channel each.
//!
//! A call that succeeds returns its answer as JSON text; a call that fails
//! throws, always, a JSON text holding the core's [`Error`] (`code`,
//! `field`, `offset`, `message`), its `domain`, and the failure's `report`
//! (the answer shape of `resale_core::report`). The wrapper (`js/api.js`)
//! turns that into one `ResaleError`.

use resale_core::report::{FieldAnswer, Nothing};
use resale_core::{Domain, Error};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::JsValue;

/// What is thrown: the error, its domain and the report.
#[derive(Serialize)]
struct Thrown<'a> {
    #[serde(flatten)]
    error: &'a Error,
    domain: Domain,
    report: Value,
}

/// The thrown value for `error`, whose answer is `report`.
pub(crate) fn throw(error: &Error, report: Value) -> JsValue {
    let thrown = Thrown {
        error,
        domain: error.domain(),
        report,
    };
    JsValue::from_str(&serde_json::to_string(&thrown).unwrap_or_default())
}

/// A core result as the call's answer: the `report` of a success as text,
/// or the report of a failure thrown with its error.
pub(crate) fn reply<T>(
    result: &Result<T, Error>,
    report: impl Fn(&Result<T, Error>) -> Value,
) -> Result<String, JsValue> {
    match result {
        Ok(_) => Ok(report(result).to_string()),
        Err(e) => Err(throw(e, report(result))),
    }
}

/// A binding called wrongly: `argument.<what>` at `field`, thrown with the
/// field answer (`{"status":"error","code","field","message"}`), so that a
/// malformed argument is a refusal with a code, never dropped in silence.
pub(crate) fn argument(code: &'static str, field: &str, message: String) -> JsValue {
    let e = Error::at_field(code, field, message);
    let report = serde_json::to_value(FieldAnswer::<Nothing>::Error((&e).into()));
    throw(&e, report.unwrap_or_default())
}
