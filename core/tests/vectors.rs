//! Runs every shared vector of `tests/vectors/` against the core.
//!
//! The same files drive every binding's tests; see `tests/vectors/README.md`
//! for the format and the matching rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use resale_core::license::activation::{activation_commands, Os};
use resale_core::license::key_response::parse_key;
use resale_core::license::PartnerApi;
use resale_core::marketplace::entitlement::Entitlement;
use resale_core::marketplace::event::parse_event;
use resale_core::marketplace::signature;
use resale_core::marketplace::time::parse_rfc3339;
use resale_core::{report, Policy};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn load_policy(name: &str) -> Policy {
    let path = vectors_dir().join("policies").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Policy::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `*.json` below `tests/vectors/` but the policies.
fn vector_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![vectors_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().unwrap() != "policies" {
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

/// The answer of the core for one case, in the shared JSON shape.
fn answer(function: &str, policy: Option<&Policy>, input: &Value) -> Value {
    let policy = || policy.expect("this function needs a policy");
    let text = || input.as_str().expect("input must be a string");
    match function {
        "lint" => {
            let result = Policy::from_json(text()).map(|_| ());
            report::lint(result.as_ref().map(|_| ()))
        }
        "rewrite" => {
            let result = policy().rewrite_buy_url(text());
            let value = report::rewrite(&result);
            // The text form (what the WebAssembly package answers) is the same JSON.
            assert_eq!(report::rewrite_text(&result), value.to_string());
            value
        }
        "check" => {
            let p = policy();
            let result = p.check_shop_request(text());
            let redirect = result.as_ref().ok().map(|r| p.shop_redirect_url(r));
            let value = report::check(&result, redirect.as_deref());
            assert_eq!(
                report::check_text(&result, redirect.as_deref()),
                value.to_string()
            );
            value
        }
        "panel_ini" => report::panel_ini(&policy().panel_ini(input["catalog_url"].as_str())),
        "filter_catalog" => {
            let body = input["body"].as_str().expect("body");
            let path = input["path"].as_str().expect("path");
            report::filter_catalog(&policy().filter_catalog(path, body.as_bytes()))
        }
        "license_plan" => {
            let p = policy();
            let api = PartnerApi::parse(input["api"].as_str().expect("api")).expect("v1 or v3");
            let order = input["order_id"].as_str().expect("order_id");
            if let Some(main) = input["main_item"].as_str() {
                let exts: Vec<&str> = input["extensions"]
                    .as_array()
                    .expect("extensions")
                    .iter()
                    .map(|e| e.as_str().unwrap())
                    .collect();
                report::license_plan(&p.new_instance_plan(main, &exts, api, order))
            } else {
                match p.check_shop_request(input["query"].as_str().expect("query")) {
                    Ok(req) => report::license_plan(&p.license_plan(&req, api, order)),
                    Err(r) => report::rejection(&r),
                }
            }
        }
        "activation_commands" => {
            let os = Os::parse(input["os"].as_str().expect("os")).expect("linux or windows");
            report::activation(&activation_commands(
                input["code"].as_str().expect("code"),
                os,
            ))
        }
        "parse_key" => report::key_info(&parse_key(text())),
        "marketplace_verify" => {
            let secrets: Vec<&[u8]> = input["secrets"]
                .as_array()
                .expect("secrets")
                .iter()
                .map(|s| s.as_str().unwrap().as_bytes())
                .collect();
            let body = input["body"].as_str().expect("body").as_bytes();
            report::marketplace_verify(&signature::verify(
                body,
                input["signature"].as_str(),
                &secrets,
            ))
        }
        "marketplace_apply" => {
            let state: Option<Entitlement> =
                serde_json::from_value(input["state"].clone()).expect("state");
            let body = serde_json::to_vec(&input["event"]).unwrap();
            let result = parse_event(&body).and_then(|e| Entitlement::apply(state.as_ref(), &e));
            report::marketplace_apply(&result)
        }
        "marketplace_seat" => {
            let state: Entitlement = serde_json::from_value(input["state"].clone()).expect("state");
            let now = parse_rfc3339(input["now"].as_str().expect("now")).expect("RFC 3339 now");
            report::marketplace_seat(&state, input["seat"].as_u64().expect("seat"), now)
        }
        other => {
            panic!("no runner for vector function `{other}`: add it here and in every binding")
        }
    }
}

/// Compare an answer with an expectation: equal once `message` is set aside,
/// and any `message` present is a non-empty sentence.
fn matches(actual: &Value, expect: &Value) -> Result<(), String> {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("message");
        }
        v
    };
    if let Some(m) = actual.get("message") {
        if m.as_str().is_none_or(|s| s.trim().is_empty()) {
            return Err(format!("empty message in {actual}"));
        }
    }
    if strip(actual) == strip(expect) {
        Ok(())
    } else {
        Err(format!("\n  expected {expect}\n  actual   {actual}"))
    }
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
            let actual = answer(function, policy.as_ref(), &case["input"]);
            if let Err(e) = matches(&actual, &case["expect"]) {
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
