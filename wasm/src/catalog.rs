//! The catalog filter, one-shot and incremental.

use js_sys::Uint8Array;
use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::bytes::bytes_out;
use crate::errors::{reply, throw};
use crate::policy::Policy;

#[wasm_bindgen]
impl Policy {
    /// `packages`, `categories` or `other`.
    #[wasm_bindgen(js_name = catalogKind)]
    pub fn catalog_kind(&self, path: &str) -> String {
        self.inner.catalog_kind(path).as_str().to_owned()
    }

    /// The filtered feed's bytes; throws the catalog error report.
    #[wasm_bindgen(js_name = filterCatalog)]
    pub fn filter_catalog(&self, path: &str, body: &[u8]) -> Result<Uint8Array, JsValue> {
        self.inner
            .filter_catalog(path, body)
            .map(|f| bytes_out(&f.body))
            .map_err(|e| throw(&e, report::catalog_error(&e)))
    }

    /// Every decision of the filter on `body` (`report::explain_catalog`)
    /// as JSON text; throws the catalog error report.
    #[wasm_bindgen(js_name = explainCatalog)]
    pub fn explain_catalog(&self, path: &str, body: &[u8]) -> Result<String, JsValue> {
        reply(
            &self.inner.explain_catalog(path, body),
            report::explain_catalog,
        )
    }

    /// An incremental filter for the request `path`.
    #[wasm_bindgen(js_name = catalogFilter)]
    pub fn catalog_filter(&self, path: &str) -> CatalogFilter {
        CatalogFilter {
            inner: self.inner.catalog_filter(path),
            out: Vec::new(),
            stats: None,
        }
    }
}

/// A catalog filter fed chunk by chunk (a `TransformStream` in the wrapper).
#[wasm_bindgen]
pub struct CatalogFilter {
    inner: resale_core::catalog::CatalogFilter,
    out: Vec<u8>,
    stats: Option<String>,
}

#[wasm_bindgen]
impl CatalogFilter {
    /// Read a chunk; returns the bytes decided so far (possibly empty).
    pub fn push(&mut self, chunk: &[u8]) -> Result<Uint8Array, JsValue> {
        self.out.clear();
        self.inner
            .push(chunk, &mut self.out)
            .map_err(|e| throw(&e, report::catalog_error(&e)))?;
        Ok(bytes_out(&self.out))
    }

    /// End of input: the last bytes; throws if the feed was incomplete.
    /// The counts are then available from `stats()`.
    pub fn finish(&mut self) -> Result<Uint8Array, JsValue> {
        self.out.clear();
        let stats = self
            .inner
            .finish(&mut self.out)
            .map_err(|e| throw(&e, report::catalog_error(&e)))?;
        self.stats = Some(serde_json::to_string(&stats).unwrap_or_default());
        Ok(bytes_out(&self.out))
    }

    /// The counts (`CatalogStats` as JSON text) once `finish` succeeded.
    pub fn stats(&self) -> Option<String> {
        self.stats.clone()
    }
}
