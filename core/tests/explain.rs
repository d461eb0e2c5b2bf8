//! Explain against the filter: on every shared catalog vector and on fresh
//! feeds from `gen_catalog.py`, the items explain calls kept are exactly the
//! items in the filtered feed (byte for byte), every hidden item (and
//! `top_packages` entry) names `not_sold`, every kept one another rule, the
//! counts are the filter's, and every scanner path explains the same.

use std::path::{Path, PathBuf};
use std::process::Command;

use resale_core::catalog::{Decision, Explanation, Rule, ScanPath};
use resale_core::Policy;
use serde_json::value::RawValue;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn raw_items(bytes: &[u8]) -> Vec<String> {
    let v: Vec<&RawValue> = serde_json::from_slice(bytes).unwrap();
    v.into_iter().map(|r| r.get().to_owned()).collect()
}

/// Explain `body` and check it against the filter's own output.
fn check(policy: &Policy, path: &str, body: &[u8], what: &str) -> Explanation {
    let filtered = policy.filter_catalog(path, body);
    let explained = policy.explain_catalog(path, body);
    let (filtered, e) = match (filtered, explained) {
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "{what}: the same error");
            return Explanation {
                kind: policy.catalog_kind(path),
                items: vec![],
                categories: vec![],
                summary: Default::default(),
            };
        }
        (Ok(f), Ok(e)) => (f, e),
        (f, e) => panic!("{what}: filter {f:?} but explain {e:?}"),
    };
    assert_eq!(e.summary, filtered.stats, "{what}: counts");
    for scan in ScanPath::available() {
        let mut f = policy
            .catalog_filter(path)
            .with_scan_path(scan)
            .unwrap()
            .explaining();
        let mut out = Vec::new();
        for chunk in body.chunks(61) {
            f.push(chunk, &mut out).unwrap();
        }
        f.finish(&mut out).unwrap();
        assert_eq!(out, filtered.body, "{what}: {scan:?} output");
        assert_eq!(
            f.explanation().unwrap(),
            e,
            "{what}: {scan:?} explains the same"
        );
    }
    let rewrites = policy.catalog().rewrite_buy_urls;
    match e.kind {
        resale_core::catalog::CatalogKind::Packages => {
            let input = raw_items(body);
            assert_eq!(e.items.len(), input.len(), "{what}: one line per item");
            for (k, item) in e.items.iter().enumerate() {
                assert_eq!(item.entry.index, k as u64);
                assert_eq!(
                    item.decision == Decision::Hidden,
                    item.rule == Rule::NotSold,
                    "{what}: item {k} decision and rule"
                );
            }
            let kept: Vec<&String> = e
                .items
                .iter()
                .filter(|i| i.decision == Decision::Kept)
                .map(|i| &input[i.entry.index as usize])
                .collect();
            let output = raw_items(&filtered.body);
            assert_eq!(kept.len(), output.len(), "{what}: kept set size");
            if !rewrites {
                assert_eq!(
                    kept.into_iter().cloned().collect::<Vec<_>>(),
                    output,
                    "{what}: kept set"
                );
            }
        }
        resale_core::catalog::CatalogKind::Categories => {
            let input: Vec<Value> = serde_json::from_slice(body).unwrap();
            let output: Vec<Value> = serde_json::from_slice(&filtered.body).unwrap();
            assert_eq!(e.categories.len(), input.len());
            for (c, (i, o)) in e.categories.iter().zip(input.iter().zip(&output)) {
                let hidden: Vec<u64> = c.hidden.iter().map(|h| h.entry.index).collect();
                assert!(c.hidden.iter().all(|h| h.rule == Rule::NotSold));
                if let (Some(Value::Array(all)), Some(Value::Array(left))) =
                    (i.get("top_packages"), o.get("top_packages"))
                {
                    let expected: Vec<&Value> = all
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| !hidden.contains(&(*k as u64)))
                        .map(|(_, v)| v)
                        .collect();
                    assert_eq!(
                        expected,
                        left.iter().collect::<Vec<_>>(),
                        "{what}: category {}",
                        c.entry.index
                    );
                    assert_eq!(c.kept as usize, left.len());
                }
            }
        }
        resale_core::catalog::CatalogKind::Other => {
            assert!(e.items.is_empty() && e.categories.is_empty())
        }
    }
    e
}

#[test]
fn every_shared_catalog_vector() {
    let dir = repo().join("tests/vectors/catalog");
    let mut cases = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        for case in file["cases"].as_array().unwrap() {
            let name = case["policy"].as_str().or(file["policy"].as_str()).unwrap();
            let text =
                std::fs::read_to_string(repo().join(format!("tests/vectors/policies/{name}.json")))
                    .unwrap();
            let policy = Policy::from_json(&text).unwrap();
            let input = &case["input"];
            check(
                &policy,
                input["path"].as_str().unwrap(),
                input["body"].as_str().unwrap().as_bytes(),
                case["name"].as_str().unwrap(),
            );
            cases += 1;
        }
    }
    assert!(cases >= 30, "{cases} vectors read");
}

fn generate(args: &[&str]) -> Vec<u8> {
    let out = Command::new("python3")
        .arg(repo().join("tests/fixtures/tools/gen_catalog.py"))
        .args(args)
        .output()
        .expect("python3 runs gen_catalog.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The whitelist policy, with an allow pattern so every rule occurs.
fn policy_for(whitelist: &[u8], extra: &str) -> Policy {
    let exts: Vec<String> = String::from_utf8_lossy(whitelist)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|c| format!("{c:?}: {{}}"))
        .collect();
    Policy::from_json(&format!(
        r#"{{"shop_url": "https://shop.example.com/store", "extensions": {{ {} }},
             "catalog": {{"allow_patterns": ["^backup", "-7$"] {extra} }} }}"#,
        exts.join(",")
    ))
    .unwrap()
}

#[test]
fn fresh_generated_feeds() {
    for (seed, style, items) in [
        ("11", "php", "400"),
        ("23", "plain", "250"),
        ("5", "pretty", "120"),
    ] {
        let common = ["--items", items, "--seed", seed, "--style", style];
        let args = |kind: &'static str| {
            let mut a = vec![kind];
            a.extend_from_slice(&common);
            if kind == "whitelist" {
                a.truncate(5);
            }
            generate(&a)
        };
        let whitelist = args("whitelist");
        let packages = args("packages");
        let categories = args("categories");
        for extra in ["", r#", "rewrite_buy_urls": true"#] {
            let policy = policy_for(&whitelist, extra);
            let what = format!("seed {seed} {style}{extra}");
            let e = check(&policy, "/api/v4/packages?platform=unix", &packages, &what);
            let rules: std::collections::BTreeSet<&str> =
                e.items.iter().map(|i| i.rule.name()).collect();
            assert_eq!(
                rules.len(),
                5,
                "{what}: every rule occurs (free, sold_elsewhere, sold_by_shop, allowed_by_pattern, not_sold): {rules:?}"
            );
            for i in &e.items {
                assert!(
                    i.entry.name.is_some(),
                    "{what}: item {} has its name",
                    i.entry.index
                );
                match &i.rule {
                    Rule::SoldElsewhere { host } => {
                        assert_ne!(
                            host.as_deref().map(|h| h.trim_end_matches('.')),
                            Some("go.plesk.com")
                        )
                    }
                    Rule::AllowedByPattern { pattern } => {
                        assert!(["^backup", "-7$"].contains(&pattern.as_str()))
                    }
                    _ => {}
                }
            }
            let c = check(&policy, "/api/v4/categories", &categories, &what);
            assert!(
                c.categories.iter().any(|c| !c.hidden.is_empty()),
                "{what}: a category lost entries"
            );
        }
    }
}
