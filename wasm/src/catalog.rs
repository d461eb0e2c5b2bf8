//! The catalog filter, one-shot and incremental.

use js_sys::Uint8Array;
use resale_core::report;
use wasm_bindgen::prelude::*;

use crate::bytes::bytes_out;
use crate::errors::{reply, throw};
use crate::policy::Policy;

/// The bytes of a body copied into the module at a time by
/// [`filter_in_pieces`]: small enough to stay in a core's L2 cache while
/// the filter reads them, large enough that the calls per piece cost
/// nothing.
const COPY_IN: usize = 256 * 1024;

/// [`resale_core::Policy::filter_catalog`] of a body that stays in
/// JavaScript (`filterCatalog`, `Gateway.catalogWhole`): copied into the
/// module [`COPY_IN`] bytes at a time, into one reused buffer, each piece
/// filtered while it is still in cache. A `&[u8]` argument copies the whole
/// body in first, a pass over memory that the filter then reads again. The
/// answer is the same: the filter gives the same bytes, counts, error code
/// and offset however its input is cut (the core's property tests).
pub(crate) fn filter_in_pieces(
    policy: &resale_core::Policy,
    path: &str,
    body: &Uint8Array,
) -> Result<Vec<u8>, resale_core::Error> {
    let n = body.length() as usize;
    let mut filter = policy.catalog_filter(path);
    let mut out = Vec::with_capacity(n);
    // Not zeroed first: each piece is written whole before it is read.
    let mut buffer: Vec<u8> = Vec::with_capacity(n.min(COPY_IN));
    let mut start = 0;
    while start < n {
        let end = (start + COPY_IN).min(n);
        // Both ends are at most a JavaScript length (below 2^32).
        let piece = body
            .subarray(start as u32, end as u32)
            .copy_to_uninit(&mut buffer.spare_capacity_mut()[..end - start]);
        filter.push(piece, &mut out)?;
        start = end;
    }
    filter.finish(&mut out)?;
    Ok(out)
}

#[wasm_bindgen]
impl Policy {
    /// `packages`, `categories` or `other`.
    #[wasm_bindgen(js_name = catalogKind)]
    pub fn catalog_kind(&self, path: &str) -> String {
        self.inner.catalog_kind(path).as_str().to_owned()
    }

    /// The filtered feed's bytes; throws the catalog error report.
    #[wasm_bindgen(js_name = filterCatalog)]
    pub fn filter_catalog(&self, path: &str, body: &Uint8Array) -> Result<Uint8Array, JsValue> {
        filter_in_pieces(&self.inner, path, body)
            .map(|out| bytes_out(&out))
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
