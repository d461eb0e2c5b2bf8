//! Every shared vector (`tests/vectors/`) inside Fastly's runtime: a second
//! Compute program, for the tests only (`fastly.toml` publishes the service,
//! not this). POST it the vectors as `{"docs": [[file, doc], …], "policies":
//! {name: text}}` (what `wasm/tests/load-vectors.mjs` reads); it answers
//! `{"counts": {function: n}, "failures": […], "total": n}`.
//!
//! The service's routes only reach `check`, `filter_catalog` and the webhook
//! functions; this runs all of them on the same core build (wasm32-wasip1,
//! `default-features = false`) in the same runtime, with the core's own
//! runner's dispatch (`resale_core::vectors`) and the matching rule of
//! `tests/vectors/README.md`: equal once `message` is set aside, and any
//! `message` a non-empty sentence.

use std::collections::BTreeMap;

use fastly::http::StatusCode;
use fastly::{Request, Response};
use resale_core::vectors::{answer, matches};
use resale_core::Policy;
use serde_json::{json, Value};

fn main() {
    let mut req = Request::from_client();
    let answer = match serde_json::from_slice::<Value>(&req.take_body_bytes()) {
        Ok(bundle) => run(&bundle),
        Err(e) => {
            json!({"total": 0, "counts": {}, "failures": [format!("the bundle is not JSON: {e}")]})
        }
    };
    Response::from_status(StatusCode::OK)
        .with_header("content-type", "application/json")
        .with_body(answer.to_string())
        .send_to_client();
}

/// Run every case of every document; a malformed case is a failure, not a panic.
fn run(bundle: &Value) -> Value {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut policies: BTreeMap<String, Result<Policy, String>> = BTreeMap::new();
    let docs = bundle["docs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for pair in docs {
        let (file, doc) = (pair[0].as_str().unwrap_or("?"), &pair[1]);
        let function = doc["function"].as_str().unwrap_or("?");
        for case in doc["cases"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let name = case["name"].as_str().unwrap_or("?");
            let policy = match case["policy"].as_str().or(doc["policy"].as_str()) {
                None => None,
                Some(p) => {
                    let compiled = policies.entry(p.to_owned()).or_insert_with(|| {
                        let text = bundle["policies"][p].as_str().ok_or("no such policy")?;
                        Policy::from_json(text).map_err(|e| e.to_string())
                    });
                    match compiled {
                        Ok(policy) => Some(&*policy),
                        Err(e) => {
                            failures.push(format!("{file}: {name}: policy {p}: {e}"));
                            continue;
                        }
                    }
                }
            };
            match answer(function, policy, &case["input"]) {
                Ok(actual) => {
                    if let Err(e) = matches(&actual, &case["expect"]) {
                        failures.push(format!("{file}: {name}: {e}"));
                    }
                }
                Err(e) => failures.push(format!("{file}: {name}: {e}")),
            }
            *counts.entry(function.to_owned()).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    json!({"counts": counts, "failures": failures, "total": total})
}
