//! The shared test vectors' runner (`tests/vectors/`): what each vector
//! `function` calls, and the rule an answer must meet. The Rust bindings'
//! vector suites (the core's own, and the Fastly service's inside Viceroy)
//! call these, so the dispatch is written once; bindings in other languages
//! mirror it.

use serde_json::Value;

use crate::license::activation::{activation_commands, Os};
use crate::license::key_response::parse_key;
use crate::license::partner_v3::{target_state, TargetState};
use crate::license::OrderContext;
use crate::marketplace::entitlement::Entitlement;
use crate::marketplace::event::parse_event;
use crate::marketplace::reconcile::reconcile_json;
use crate::marketplace::replay::replay_json;
use crate::marketplace::signature;
use crate::marketplace::time::parse_rfc3339;
use crate::{report, Policy};

/// The core's answer for one case of `function` (a vector file's
/// `function`), in the shared JSON shape of [`crate::report`]. A case the
/// runner cannot read (a missing field, an unknown function) is an `Err`.
///
/// ```
/// use resale_core::{vectors, Policy};
/// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com"}"#).unwrap();
/// let answer = vectors::answer("rewrite", Some(&policy), &"https://example.com/".into()).unwrap();
/// assert_eq!(answer["status"], "unchanged");
/// assert!(vectors::matches(&answer, &serde_json::json!({"status": "unchanged", "reason": "host.not_plesk_store"})).is_ok());
/// ```
pub fn answer(function: &str, policy: Option<&Policy>, input: &Value) -> Result<Value, String> {
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
            let order = match OrderContext::from_json(&input["order"].to_string()) {
                Ok(order) => order,
                Err(e) => return Ok(report::license_error(&e)),
            };
            if let Some(main) = input["main_item"].as_str() {
                let exts: Vec<&str> = input["extensions"]
                    .as_array()
                    .ok_or("extensions")?
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                report::license_plan(&p.new_instance_plan(main, &exts, &order))
            } else {
                match p.check_shop_request(&text(&input["query"])?) {
                    Ok(req) => report::license_plan(&p.license_plan(&req, &order)),
                    Err(r) => report::rejection(&r),
                }
            }
        }
        "upgrade_target_state" => {
            let key = text(&input["key"])?;
            report::target_state(
                &TargetState::from_json(&input["spec"].to_string())
                    .and_then(|spec| target_state(&key, &spec)),
            )
        }
        "activation_commands" => {
            let os = Os::parse(&text(&input["os"])?).ok_or("os is linux or windows")?;
            report::activation(&activation_commands(&text(&input["code"])?, os))
        }
        "parse_key" => report::key_info(&parse_key(
            &text(&input["body"])?,
            input["location"].as_str(),
        )),
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
        "marketplace_replay" => {
            let base = match &input["base"] {
                Value::Null => None,
                v => Some(v.to_string()),
            };
            let events = input["events"].to_string();
            report::marketplace_apply(&replay_json(base.as_deref(), &events))
        }
        "marketplace_reconcile" => {
            let accounts = serde_json::to_vec(&input["accounts"]).map_err(|e| e.to_string())?;
            let stored = input["stored"].to_string();
            report::marketplace_reconcile(&reconcile_json(
                &accounts,
                &stored,
                &text(&input["now"])?,
            ))
        }
        other => return Err(format!("no runner for vector function `{other}`")),
    })
}

/// The matching rule of `tests/vectors/README.md`: equal once the top-level
/// `message` is set aside on both sides, and any `message` the answer has is
/// a non-empty sentence.
pub fn matches(actual: &Value, expect: &Value) -> Result<(), String> {
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
