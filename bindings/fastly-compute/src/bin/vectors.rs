//! Every shared vector (`tests/vectors/`) inside Fastly's runtime: a second
//! Compute program, for the tests only (`fastly.toml` publishes the service,
//! not this). POST it the vectors as `{"docs": [[file, doc], …], "policies":
//! {name: text}}` (what `wasm/tests/load-vectors.mjs` reads); it answers
//! `{"counts": {function: n}, "failures": […], "total": n}`.
//!
//! The service's routes only reach `check`, `filter_catalog` and the webhook
//! functions; this runs all of them on the same core build (wasm32-wasip1,
//! `default-features = false`) in the same runtime, with the core's own
//! runner's dispatch (`core/tests/vectors.rs`) and the matching rule of
//! `tests/vectors/README.md`: equal once `message` is set aside, and any
//! `message` a non-empty sentence.

use std::collections::BTreeMap;

use fastly::http::StatusCode;
use fastly::{Request, Response};
use resale_core::license::activation::{activation_commands, Os};
use resale_core::license::key_response::parse_key;
use resale_core::license::PartnerApi;
use resale_core::marketplace::entitlement::Entitlement;
use resale_core::marketplace::event::parse_event;
use resale_core::marketplace::signature;
use resale_core::marketplace::time::parse_rfc3339;
use resale_core::{report, Policy};
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

/// The core's answer for one case, in the shared JSON shape.
fn answer(function: &str, policy: Option<&Policy>, input: &Value) -> Result<Value, String> {
    let policy = || policy.ok_or("this function needs a policy");
    let text = |v: &Value| v.as_str().map(str::to_owned).ok_or("a string was expected");
    Ok(match function {
        "lint" => report::lint(Policy::from_json(&text(input)?).as_ref().map(|_| ())),
        "rewrite" => report::rewrite(&policy()?.rewrite_buy_url(&text(input)?)),
        "check" => {
            let p = policy()?;
            let result = p.check_shop_request(&text(input)?);
            let redirect = result.as_ref().ok().map(|r| p.shop_redirect_url(r));
            report::check(&result, redirect.as_deref())
        }
        "panel_ini" => report::panel_ini(&policy()?.panel_ini(input["catalog_url"].as_str())),
        "filter_catalog" => {
            let body = text(&input["body"])?;
            report::filter_catalog(
                &policy()?.filter_catalog(&text(&input["path"])?, body.as_bytes()),
            )
        }
        "license_plan" => {
            let p = policy()?;
            let api = PartnerApi::parse(&text(&input["api"])?).ok_or("api is v1 or v3")?;
            let order = text(&input["order_id"])?;
            if let Some(main) = input["main_item"].as_str() {
                let exts: Vec<&str> = input["extensions"]
                    .as_array()
                    .ok_or("extensions")?
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                report::license_plan(&p.new_instance_plan(main, &exts, api, &order))
            } else {
                match p.check_shop_request(&text(&input["query"])?) {
                    Ok(req) => report::license_plan(&p.license_plan(&req, api, &order)),
                    Err(r) => report::rejection(&r),
                }
            }
        }
        "activation_commands" => {
            let os = Os::parse(&text(&input["os"])?).ok_or("os is linux or windows")?;
            report::activation(&activation_commands(&text(&input["code"])?, os))
        }
        "parse_key" => report::key_info(&parse_key(&text(input)?)),
        "marketplace_verify" => {
            let secrets: Vec<&[u8]> = input["secrets"]
                .as_array()
                .ok_or("secrets")?
                .iter()
                .filter_map(|s| s.as_str().map(str::as_bytes))
                .collect();
            let body = text(&input["body"])?;
            report::marketplace_verify(&signature::verify(
                body.as_bytes(),
                input["signature"].as_str(),
                &secrets,
            ))
        }
        "marketplace_apply" => {
            let state: Option<Entitlement> =
                serde_json::from_value(input["state"].clone()).map_err(|e| e.to_string())?;
            let body = serde_json::to_vec(&input["event"]).map_err(|e| e.to_string())?;
            let result = parse_event(&body).and_then(|e| Entitlement::apply(state.as_ref(), &e));
            report::marketplace_apply(&result)
        }
        "marketplace_seat" => {
            let state: Entitlement =
                serde_json::from_value(input["state"].clone()).map_err(|e| e.to_string())?;
            let now = parse_rfc3339(&text(&input["now"])?).ok_or("now is not RFC 3339")?;
            let seat = input["seat"].as_u64().ok_or("seat")?;
            report::marketplace_seat(&state, seat, now)
        }
        other => return Err(format!("no runner for vector function `{other}`")),
    })
}

/// Equal once `message` is set aside; any `message` a non-empty sentence.
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
