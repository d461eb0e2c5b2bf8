//! `resale test FILE…`: a policy's test files (format: `policy-test.schema.json`).
//!
//! Each case asks the core the question a binding would ask and compares
//! the answer, as `resale_core::report` shapes it, with the case's
//! `expect`: every key written in `expect` must be in the answer with that
//! value (objects recursively, arrays item by item and of the same length);
//! keys left out are not compared, nor is any `message`. So a case states
//! only what it cares about, and a reworded message never breaks a test.
//!
//! Output: `PASS`/`FAIL <file> <kind>/<name>` per case, the differences of a
//! failure under it (JSON path, expected, actual), and `N passed, M failed`.
//! Exit 1 when a case fails, 2 when a file cannot be read.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use resale_core::catalog::Decision;
use resale_core::license::OrderContext;
use resale_core::marketplace::entitlement::{Applied, Entitlement};
use resale_core::marketplace::event::parse_event;
use resale_core::marketplace::signature;
use resale_core::{report, Policy};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::io::Failure;

/// One test file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    #[serde(rename = "$schema", default)]
    _schema: Option<String>,
    /// The policy, relative to the test file.
    policy: PathBuf,
    #[serde(default)]
    buy_links: Vec<BuyLink>,
    #[serde(default)]
    shop_queries: Vec<ShopQuery>,
    #[serde(default)]
    catalogs: Vec<Catalog>,
    #[serde(default)]
    license_plans: Vec<LicensePlan>,
    #[serde(default)]
    webhooks: Vec<Webhooks>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuyLink {
    name: String,
    url: String,
    expect: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShopQuery {
    name: String,
    query: String,
    expect: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalog {
    name: String,
    #[serde(default = "packages_path")]
    path: String,
    /// The feed inline: a JSON array, or a string holding the feed's text.
    #[serde(default)]
    feed: Option<Value>,
    /// Or a file holding the feed, relative to the test file.
    #[serde(default)]
    feed_file: Option<PathBuf>,
    expect: CatalogExpect,
}

fn packages_path() -> String {
    "/api/v4/packages".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogExpect {
    #[serde(default)]
    kept: Option<Vec<String>>,
    #[serde(default)]
    hidden: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LicensePlan {
    name: String,
    query: String,
    order: Value,
    expect: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Webhooks {
    name: String,
    /// The webhook secret the deliveries are signed with.
    secret: String,
    deliveries: Vec<Delivery>,
    expect: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Delivery {
    /// The raw body, as GitHub sends it.
    body: String,
    /// The `X-Hub-Signature-256` header; default: the body signed with the case's secret.
    #[serde(default)]
    signature: Option<String>,
}

/// One case's result.
struct Outcome {
    kind: &'static str,
    name: String,
    /// The differences; empty when the case passed.
    diff: Vec<String>,
}

/// Run every file; print the results; write JUnit XML when asked.
pub fn run(files: &[PathBuf], junit: Option<&Path>) -> Result<bool, Failure> {
    let mut suites = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let outcomes = run_file(file)?;
        for o in &outcomes {
            if o.diff.is_empty() {
                passed += 1;
                println!("PASS {} {}/{}", file.display(), o.kind, o.name);
            } else {
                failed += 1;
                println!("FAIL {} {}/{}", file.display(), o.kind, o.name);
                for line in &o.diff {
                    println!("    {line}");
                }
            }
        }
        suites.push((file.display().to_string(), outcomes));
    }
    println!("{passed} passed, {failed} failed");
    if let Some(path) = junit {
        std::fs::write(path, junit_xml(&suites))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(failed == 0)
}

fn run_file(file: &Path) -> Result<Vec<Outcome>, Failure> {
    let text = crate::io::read_file(file)?;
    let t: TestFile = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a policy test file: {e}", file.display()))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let policy = crate::policy::load(&dir.join(&t.policy))?;
    let mut out = Vec::new();
    let mut push = |kind, name: &str, diff| {
        out.push(Outcome {
            kind,
            name: name.to_owned(),
            diff,
        })
    };
    for c in &t.buy_links {
        let answer = report::rewrite(&policy.rewrite_buy_url(&c.url));
        push("buy_links", &c.name, compare(&c.expect, &answer));
    }
    for c in &t.shop_queries {
        let result = policy.check_shop_request(&c.query);
        let redirect = result.as_ref().ok().map(|r| policy.shop_redirect_url(r));
        let answer = report::check(&result, redirect.as_deref());
        push("shop_queries", &c.name, compare(&c.expect, &answer));
    }
    for c in &t.catalogs {
        push("catalogs", &c.name, catalog_case(&policy, dir, c)?);
    }
    for c in &t.license_plans {
        let answer = match OrderContext::from_json(&c.order.to_string()) {
            Err(e) => report::license_error(&e),
            Ok(order) => match policy.check_shop_request(&c.query) {
                Ok(req) => report::license_plan(&policy.license_plan(&req, &order)),
                Err(r) => report::rejection(&r),
            },
        };
        push("license_plans", &c.name, compare(&c.expect, &answer));
    }
    for c in &t.webhooks {
        push("webhooks", &c.name, compare(&c.expect, &webhooks(c)));
    }
    Ok(out)
}

/// Explain the feed and compare the kept and hidden codes, in feed order.
fn catalog_case(policy: &Policy, dir: &Path, c: &Catalog) -> Result<Vec<String>, Failure> {
    let feed = match (&c.feed, &c.feed_file) {
        (Some(Value::String(s)), None) => s.clone(),
        (Some(v), None) => v.to_string(),
        (None, Some(f)) => crate::io::read_file(&dir.join(f))?,
        _ => return Err(format!("catalogs/{}: give feed or feed_file", c.name)),
    };
    let e = match policy.explain_catalog(&c.path, feed.as_bytes()) {
        Ok(e) => e,
        Err(e) => return Ok(vec![format!("the feed is invalid: {e}")]),
    };
    let codes = |d: Decision| -> Vec<Value> {
        let items = e
            .items
            .iter()
            .filter(|i| i.decision == d)
            .map(|i| &i.entry.code);
        let entries = e
            .categories
            .iter()
            .flat_map(|c| &c.hidden)
            .map(|h| &h.entry.code)
            .filter(|_| d == Decision::Hidden);
        items.chain(entries).map(|c| json!(c)).collect()
    };
    let mut diff = Vec::new();
    if let Some(kept) = &c.expect.kept {
        diff.extend(compare_at(
            "$.kept",
            &json!(kept),
            &Value::Array(codes(Decision::Kept)),
        ));
    }
    if let Some(hidden) = &c.expect.hidden {
        diff.extend(compare_at(
            "$.hidden",
            &json!(hidden),
            &Value::Array(codes(Decision::Hidden)),
        ));
    }
    Ok(diff)
}

/// Verify and apply each delivery in turn; the answer of the last one, or
/// the first refusal.
fn webhooks(c: &Webhooks) -> Value {
    let mut state: Option<Entitlement> = None;
    let mut last: Option<Applied> = None;
    for d in &c.deliveries {
        let sig = d
            .signature
            .clone()
            .unwrap_or_else(|| signature::sign(d.body.as_bytes(), c.secret.as_bytes()));
        let applied = signature::verify(d.body.as_bytes(), Some(&sig), &[c.secret.as_bytes()])
            .and_then(|()| parse_event(d.body.as_bytes()))
            .and_then(|event| Entitlement::apply(state.as_ref(), &event));
        match applied {
            Ok(a) => {
                state = Some(a.entitlement.clone());
                last = Some(a);
            }
            Err(e) => return report::marketplace_error(&e),
        }
    }
    match last {
        Some(a) => report::marketplace_apply(&Ok(a)),
        None => json!({"status": "ok"}),
    }
}

fn compare(expect: &Value, actual: &Value) -> Vec<String> {
    compare_at("$", expect, actual)
}

/// Where `actual` differs from what `expect` states, one line per place.
fn compare_at(at: &str, expect: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(at, expect, actual, &mut out);
    out
}

fn walk(at: &str, expect: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expect, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                if k == "message" {
                    continue;
                }
                match a.get(k) {
                    Some(av) => walk(&format!("{at}.{k}"), ev, av, out),
                    None => out.push(format!("at {at}.{k}: expected {ev}, the answer has no {k}")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                walk(&format!("{at}[{i}]"), ev, av, out);
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            let missing: Vec<&Value> = e.iter().filter(|v| !a.contains(v)).collect();
            let extra: Vec<&Value> = a.iter().filter(|v| !e.contains(v)).collect();
            let mut line = format!("at {at}: expected {} items, got {}", e.len(), a.len());
            if !missing.is_empty() {
                let _ = write!(line, "; missing {}", json!(missing));
            }
            if !extra.is_empty() {
                let _ = write!(line, "; unexpected {}", json!(extra));
            }
            out.push(line);
        }
        (e, a) if e == a => {}
        (e, a) => out.push(format!(
            "at {at}:\n      - expected {e}\n      + actual   {a}"
        )),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: a `testsuite` per file, a `testcase` per case, a `failure`
/// holding the differences.
fn junit_xml(suites: &[(String, Vec<Outcome>)]) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (file, outcomes) in suites {
        let failures = outcomes.iter().filter(|o| !o.diff.is_empty()).count();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            xml_escape(file),
            outcomes.len()
        );
        for o in outcomes {
            let _ = write!(
                x,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml_escape(o.kind),
                xml_escape(&o.name)
            );
            if o.diff.is_empty() {
                x.push_str("/>\n");
            } else {
                let _ = writeln!(
                    x,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    xml_escape(o.diff[0].lines().next().unwrap_or("")),
                    xml_escape(&o.diff.join("\n"))
                );
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON Schema of a test file, committed beside the code.
    const SCHEMA: &str = include_str!("../policy-test.schema.json");

    /// The schema names exactly the keys these types accept.
    #[test]
    fn schema_matches_the_types() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let keys = |v: &Value| -> Vec<String> {
            let mut k: Vec<String> = v["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            k.sort();
            k
        };
        assert_eq!(
            keys(&schema),
            [
                "$schema",
                "buy_links",
                "catalogs",
                "license_plans",
                "policy",
                "shop_queries",
                "webhooks"
            ]
        );
        let defs = &schema["$defs"];
        let cases: [(&str, &[&str]); 7] = [
            ("buy_link", &["expect", "name", "url"]),
            ("shop_query", &["expect", "name", "query"]),
            ("catalog", &["expect", "feed", "feed_file", "name", "path"]),
            ("catalog_expect", &["hidden", "kept"]),
            ("license_plan", &["expect", "name", "order", "query"]),
            ("webhooks", &["deliveries", "expect", "name", "secret"]),
            ("delivery", &["body", "signature"]),
        ];
        for (def, fields) in cases {
            assert_eq!(keys(&defs[def]), fields, "$defs.{def}");
            assert_eq!(defs[def]["additionalProperties"], false, "$defs.{def}");
        }
        // And the types refuse what the schema refuses.
        let extra = r#"{"policy": "p.json", "buy_links": [{"name": "a", "url": "u", "expect": {}, "other": 1}]}"#;
        assert!(serde_json::from_str::<TestFile>(extra).is_err());
        let all = r#"{"$schema": "s", "policy": "p.json", "buy_links": [], "shop_queries": [], "catalogs": [],
                      "license_plans": [], "webhooks": []}"#;
        assert!(serde_json::from_str::<TestFile>(all).is_ok());
    }

    #[test]
    fn differences_name_the_path() {
        let d = compare(
            &json!({"status": "rewritten", "url": "a", "message": "x"}),
            &json!({"status": "unchanged", "reason": "host.not_plesk_store", "message": "y"}),
        );
        assert_eq!(d.len(), 2);
        assert!(d[0].starts_with("at $.status:") && d[0].contains("- expected \"rewritten\""));
        assert!(d[1].contains("the answer has no url"));
        let d = compare_at("$.kept", &json!(["a", "b"]), &json!(["a", "c", "d"]));
        assert_eq!(
            d,
            ["at $.kept: expected 2 items, got 3; missing [\"b\"]; unexpected [\"c\",\"d\"]"]
        );
    }
}
