//! Runs every shared vector of `tests/vectors/` against the core.
//!
//! The same files drive every binding's tests; see `tests/vectors/README.md`
//! for the format and the matching rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use resale_core::{report, vectors, Policy};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn load_policy(name: &str) -> Policy {
    let path = vectors_dir().join("policies").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Policy::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `*.json` below `tests/vectors/` but the policies, the gateway's
/// and the answers' schemas.
fn vector_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![vectors_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // gateway/: HTTP exchanges, run over HTTP by each edge;
                // schema/: the answers' JSON Schema, not cases.
                if !["policies", "gateway", "schema"]
                    .iter()
                    .any(|d| path.file_name().unwrap() == *d)
                {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The core's answer for one case (`resale_core::vectors::answer`), and for
/// the rewrite and the check, that their text form (what the WebAssembly
/// package answers) is the same JSON.
fn answer(function: &str, policy: Option<&Policy>, input: &Value) -> Result<Value, String> {
    let value = vectors::answer(function, policy, input)?;
    if let (Some(policy), Some(text)) = (policy, input.as_str()) {
        match function {
            "rewrite" => {
                assert_eq!(
                    report::rewrite_text(&policy.rewrite_buy_url(text)),
                    value.to_string()
                );
            }
            "check" => {
                let result = policy.check_shop_request(text);
                let redirect = result.as_ref().ok().map(|r| policy.shop_redirect_url(r));
                assert_eq!(
                    report::check_text(&result, redirect.as_deref()),
                    value.to_string()
                );
            }
            _ => {}
        }
    }
    Ok(value)
}

#[test]
fn shared_vectors() {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut policies: BTreeMap<String, Policy> = BTreeMap::new();
    for file in vector_files() {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let function = doc["function"].as_str().expect("`function`");
        let cases = doc["cases"].as_array().expect("`cases`");
        assert!(!cases.is_empty(), "{}: no cases", file.display());
        for case in cases {
            let name = case["name"].as_str().expect("`name`");
            let policy = case["policy"].as_str().or(doc["policy"].as_str()).map(|p| {
                policies
                    .entry(p.to_owned())
                    .or_insert_with(|| load_policy(p))
                    .clone()
            });
            let result = answer(function, policy.as_ref(), &case["input"])
                .and_then(|actual| vectors::matches(&actual, &case["expect"]));
            if let Err(e) = result {
                failures.push(format!("{}: {name}: {e}", file.display()));
            }
            *counts.entry(function.to_owned()).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    eprintln!("vectors (rust core): {total} run, by function {counts:?}");
    record_count("rust core", total, failures.len());
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total > 0);
}

/// Write this binding's count for `make test`'s per-binding summary
/// (scripts/vector-summary.sh compares them).
fn record_count(binding: &str, total: usize, failed: usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/vector-counts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{}.txt", binding.replace(' ', "-"))),
        format!("{binding}\t{total}\t{failed}\n"),
    )
    .unwrap();
}

/// Every vector `function` has its answer's JSON Schema in
/// `tests/vectors/schema/` (written from the types by `examples/schema.rs`;
/// `make lint` checks they are current), so no answer goes undescribed.
#[test]
fn every_vector_function_has_a_schema() {
    let mut missing = Vec::new();
    for file in vector_files() {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let function = doc["function"].as_str().expect("`function`");
        let schema = vectors_dir()
            .join("schema")
            .join(format!("{function}.json"));
        if !schema.is_file() {
            missing.push(format!("{} ({})", schema.display(), file.display()));
        }
    }
    assert!(missing.is_empty(), "no schema for: {}", missing.join(", "));
}
