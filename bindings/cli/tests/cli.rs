//! The `resale` binary as a user runs it: arguments, stdin, exit codes, and
//! the acceptance examples of the buy-link and shop-entry rules.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn resale(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_resale"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Written from a thread: a command that streams (filter) fills stdout's
    // pipe before it has read all of a large stdin.
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.unwrap_or("").as_bytes().to_vec();
    let writer = std::thread::spawn(move || input.write_all(&bytes));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn policy(name: &str) -> String {
    repo(&format!("tests/vectors/policies/{name}.json"))
        .display()
        .to_string()
}

const DOC_LINK: &str = "https://go.plesk.com/buy-plesk-ext/some-extension-name?kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID";
const DOC_SHOP: &str = "https://shop.com/?extension-id=some-extension-name&kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID";

#[test]
fn seed_example_round_trips_through_rewrite_and_check() {
    let p = policy("shop-com");
    let out = resale(&["rewrite", "--policy", &p, DOC_LINK], None);
    assert!(out.status.success());
    assert_eq!(
        lines(&out),
        vec![serde_json::json!({"status": "rewritten", "url": DOC_SHOP})]
    );

    let out = resale(&["check", "--policy", &p, DOC_SHOP], None);
    assert!(out.status.success());
    let v = &lines(&out)[0];
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["request"]["extension_id"], "some-extension-name");
    assert_eq!(v["request"]["key_number"], "PLESK.12345678.0001");
    assert_eq!(v["request"]["token"], "U29NZVVuaXF1ZUdVSUQxMjM=");
    assert_eq!(v["request"]["product_id"], "SomeProductID");
    assert_eq!(v["request"]["coupon"], Value::Null);
    assert_eq!(v["redirect_url"], DOC_SHOP);
}

#[test]
fn french_seed_example() {
    let p = policy("myownstore");
    let out = resale(
        &[
            "rewrite",
            "--policy",
            &p,
            "https://go.plesk.com/buy-plesk-ext/extension-name?kn=PLESK.1234567890.0001",
        ],
        None,
    );
    assert_eq!(
        lines(&out)[0]["url"],
        "https://myownstore.com/store?extension-id=extension-name&kn=PLESK.1234567890.0001"
    );
}

#[test]
fn look_alikes_are_unchanged_and_inputs_come_from_stdin() {
    let p = policy("shop-com");
    let out = resale(
        &["rewrite", "--policy", &p],
        Some("https://go.plesk.com.evil.example/buy-plesk-ext/x?kn=PLSK.12345678.0001\n\nhttps://evil.example/?go.plesk.com\r\nnot a url\n"),
    );
    assert!(out.status.success());
    let v = lines(&out);
    assert_eq!(v.len(), 3, "blank lines are skipped, CRLF tolerated");
    assert_eq!(
        (v[0]["status"].as_str(), v[0]["reason"].as_str()),
        (Some("unchanged"), Some("host.not_plesk_store"))
    );
    assert_eq!(
        (v[1]["status"].as_str(), v[1]["reason"].as_str()),
        (Some("unchanged"), Some("host.not_plesk_store"))
    );
    assert_eq!(
        (v[2]["status"].as_str(), v[2]["code"].as_str()),
        (Some("error"), Some("url.invalid"))
    );
}

#[test]
fn rejections_exit_zero_with_code_and_field() {
    let out = resale(
        &[
            "check",
            "--policy",
            &policy("shop-com"),
            "extension-id=x&kn=PLSK.12345678.0001&kn=PLSK.1.0001",
        ],
        None,
    );
    assert!(out.status.success());
    let v = &lines(&out)[0];
    assert_eq!(v["status"], "rejected");
    assert_eq!(v["code"], "param.duplicate");
    assert_eq!(v["field"], "kn");
    assert!(v["message"].as_str().unwrap().contains("kn"));
}

#[test]
fn lint_reports_errors_on_stdout_and_exits_zero() {
    let dir = std::env::temp_dir().join(format!("resale-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"shop_url": "shop.com"}"#).unwrap();
    let out = resale(&["lint", bad.to_str().unwrap()], None);
    assert!(out.status.success());
    let v = &lines(&out)[0];
    assert_eq!(v["code"], "policy.shop_url.not_absolute");
    assert_eq!(v["path"], "$.shop_url");

    // A command that needs the policy fails with exit 2 and names the file.
    let out = resale(
        &["rewrite", "--policy", bad.to_str().unwrap(), DOC_LINK],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json") && err.contains("policy.shop_url.not_absolute"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = resale(&["lint", dir.join("missing.json").to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(resale(&["rewrite"], None).status.code(), Some(2));
    assert_eq!(resale(&["no-such-command"], None).status.code(), Some(2));
}

#[test]
fn panel_ini_writes_and_reads_back() {
    let out = resale(
        &[
            "panel-ini",
            "--policy",
            &policy("shop-com"),
            "--catalog-url",
            "http://10.1.2.3:8080",
        ],
        None,
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "[extensions]\nbuyUrl = \"https://shop.com\"\ncatalog.url = http://10.1.2.3:8080\n"
    );

    let ini = std::env::temp_dir().join(format!("resale-panel-{}.ini", std::process::id()));
    std::fs::write(&ini, format!("; existing file\n[general]\nx=1\n{text}")).unwrap();
    let out = resale(&["panel-ini", "--read", ini.to_str().unwrap()], None);
    assert_eq!(
        lines(&out)[0],
        serde_json::json!({"buyUrl": "https://shop.com", "catalog.url": "http://10.1.2.3:8080"})
    );

    let out = resale(
        &[
            "panel-ini",
            "--policy",
            &policy("shop-com"),
            "--catalog-url",
            "proxy",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}

/// The license commands take the order context as the same JSON as every
/// binding, and chain: the plan's `body_from` and KA's GET answer give the
/// upgrade's PUT body; parse-key reads the Location header.
#[test]
fn license_plan_target_state_and_parse_key() {
    let order = r#"{"order_id":"o-9","api":"v3","owner_id":"12345"}"#;
    let query = "extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=QUJD&product-id=WPT_DELUXE&ekn=EXT.12345678.0002&a=upgrade";
    let out = resale(
        &[
            "license-plan",
            "--policy",
            &policy("ka"),
            "--order",
            order,
            query,
        ],
        None,
    );
    assert!(out.status.success());
    let plan = &lines(&out)[0]["plan"];
    assert_eq!(plan["steps"][0]["path"], "/30/keys/12345678");
    let spec = plan["steps"][1]["body_from"].to_string();
    let got = r#"{"keyIdentifiers":{"keyId":12345678},"items":[{"item":"EXT-WP-TOOLKIT-LITE-1M","externalId":"o-1"}]}"#;
    let put = lines(&resale(&["target-state", "--spec", &spec], Some(got)));
    assert_eq!(
        put[0]["body"],
        r#"{"items":[{"item":"EXT-WP-TOOLKIT-DELUXE-1M","externalId":"o-9"}],"keyIdentifiers":{"keyId":12345678}}"#
    );
    let bad = lines(&resale(
        &[
            "license-plan",
            "--policy",
            &policy("ka"),
            "--order",
            r#"{"order_id":"o-9"}"#,
            query,
        ],
        None,
    ));
    assert_eq!(bad[0]["code"], "license.order.malformed");
    let key = lines(&resale(
        &[
            "parse-key",
            "--location",
            "https://api.central.plesk.com/30/keys/42",
        ],
        Some(""),
    ));
    assert_eq!(
        (&key[0]["key"]["key_id"], &key[0]["key"]["key_number"]),
        (&Value::from("42"), &Value::Null)
    );
}

/// `marketplace reconcile`: a state directory whose account GitHub lists on
/// another plan, and one GitHub no longer lists; `--apply` rewrites both
/// files, and a second run finds nothing to repair.
#[test]
fn marketplace_reconcile_reports_and_repairs_a_state_directory() {
    let dir = std::env::temp_dir().join(format!("resale-cli-reconcile-{}", std::process::id()));
    let states = dir.join("state");
    std::fs::create_dir_all(&states).unwrap();
    let bought = |id: u64, plan: u64| {
        format!(
            r#"{{"action":"purchased","effective_date":"2026-01-01T00:00:00Z","marketplace_purchase":{{"account":{{"type":"User","id":{id},"login":"u{id}"}},"billing_cycle":"monthly","unit_count":2,"on_free_trial":false,"plan":{{"id":{plan},"name":"P","price_model":"PER_UNIT"}}}}}}"#
        )
    };
    for id in [7, 8] {
        let out = resale(&["marketplace", "apply"], Some(&bought(id, 1)));
        let state = lines(&out)[0]["entitlement"].to_string();
        std::fs::write(states.join(format!("{id}.json")), state).unwrap();
    }
    std::fs::write(states.join("notes.txt"), "not an account").unwrap();
    let listing = dir.join("accounts.json");
    std::fs::write(
        &listing,
        r#"[{"type":"User","id":7,"login":"u7","marketplace_purchase":{"billing_cycle":"monthly","unit_count":2,"on_free_trial":false,"plan":{"id":2,"name":"Q","price_model":"PER_UNIT"}}}]"#,
    )
    .unwrap();
    let args = |apply: bool| {
        let mut a = vec![
            "marketplace",
            "reconcile",
            "--accounts",
            listing.to_str().unwrap(),
            "--state-dir",
            states.to_str().unwrap(),
            "--now",
            "2026-05-01T00:00:00Z",
        ];
        if apply {
            a.push("--apply");
        }
        a.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |apply: bool| {
        let a = args(apply);
        let out = resale(&a.iter().map(String::as_str).collect::<Vec<_>>(), None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        lines(&out)
    };
    let report = run(true);
    let kinds: Vec<(u64, &str, &str)> = report
        .iter()
        .filter(|l| l["status"] == "difference")
        .map(|l| {
            (
                l["account_id"].as_u64().unwrap(),
                l["kind"].as_str().unwrap(),
                l["repair"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [(7, "plan", "set_plan"), (8, "unlisted", "cancel")]);
    assert_eq!(
        report.iter().filter(|l| l["status"] == "repaired").count(),
        2
    );
    assert_eq!(report.last().unwrap()["differences"], 2);
    let seven: Value =
        serde_json::from_str(&std::fs::read_to_string(states.join("7.json")).unwrap()).unwrap();
    assert_eq!(
        (
            seven["plan"]["id"].as_u64(),
            seven["reconciled_at"].as_str()
        ),
        (Some(2), Some("2026-05-01T00:00:00Z"))
    );
    let again = run(false);
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0]["differences"], 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `marketplace apply --state`: the previous apply's output (as printed) and
/// the bare entitlement both read as the state; so do the states the
/// command line wrote before this (tests/fixtures/entitlement, 0.1.0).
#[test]
fn marketplace_apply_takes_its_own_output_as_state() {
    let purchased = r#"{"action":"purchased","effective_date":"2026-01-01T00:00:00Z","marketplace_purchase":{"account":{"type":"User","id":9,"login":"u9"},"billing_cycle":"monthly","unit_count":1,"on_free_trial":false,"plan":{"id":1,"name":"P","price_model":"FLAT_RATE"}}}"#;
    let cancelled = purchased
        .replace("\"purchased\"", "\"cancelled\"")
        .replace("2026-01-01", "2026-02-01");
    let out = resale(&["marketplace", "apply"], Some(purchased));
    assert!(out.status.success());
    let dir = std::env::temp_dir().join(format!("resale-cli-apply-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let answer = dir.join("answer.json");
    std::fs::write(&answer, &out.stdout).unwrap();
    let bare = dir.join("bare.json");
    std::fs::write(&bare, lines(&out)[0]["entitlement"].to_string()).unwrap();
    // `marketplace apply --state <state>` on `event`: it succeeds; its answer.
    let apply_on = |state: &std::path::Path, event: &str| {
        let out = resale(
            &["marketplace", "apply", "--state", state.to_str().unwrap()],
            Some(event),
        );
        assert!(
            out.status.success(),
            "{}: {}",
            state.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        lines(&out).remove(0)
    };
    for state in [&answer, &bare] {
        let v = &apply_on(state, &cancelled);
        assert_eq!(v["status"], "applied", "{v}");
        assert_eq!(v["entitlement"]["status"], "cancelled", "{v}");
    }
    std::fs::remove_dir_all(&dir).unwrap();

    // States written by 0.1.0: the whole answer and the bare entitlement.
    let event =
        std::fs::read_to_string(repo("tests/fixtures/entitlement/pending-change-event.json"))
            .unwrap();
    for old in ["v0-apply-output.json", "v0-pending-change.json"] {
        let path = repo(&format!("tests/fixtures/entitlement/{old}"));
        assert_eq!(
            apply_on(&path, &event)["status"],
            "ignored",
            "{old}: the same event again"
        );
    }
}

/// `resale explain` on the fixture feeds, against `resale filter` on the
/// same input: the kept codes are the filtered feed's, in order; every
/// hidden line says `not_sold`; the summary is the filter's `--stats`.
#[test]
fn explain_matches_filter_on_the_fixture_feeds() {
    let p = repo("examples/policy.json").display().to_string();
    let feed = std::fs::read_to_string(repo("tests/fixtures/packages.json")).unwrap();
    let path = "/api/v4/packages?platform=unix";
    let out = resale(&["explain", "--policy", &p, "--path", path], Some(&feed));
    assert!(out.status.success());
    let answer = lines(&out);
    let (summary, items) = answer.split_last().unwrap();
    assert_eq!(summary["line"], "summary");
    assert_eq!(items.len(), 300);
    assert!(items
        .iter()
        .all(|l| (l["decision"] == "hidden") == (l["rule"] == "not_sold")));
    let kept: Vec<&Value> = items
        .iter()
        .filter(|l| l["decision"] == "kept")
        .map(|l| &l["code"])
        .collect();
    let filtered = resale(
        &["filter", "--policy", &p, "--path", path, "--stats"],
        Some(&feed),
    );
    assert!(filtered.status.success());
    let body: Vec<Value> = serde_json::from_slice(&filtered.stdout).unwrap();
    assert_eq!(kept, body.iter().map(|i| &i["code"]).collect::<Vec<_>>());
    let mut stats: Value = serde_json::from_slice(&filtered.stderr).unwrap();
    stats["line"] = "summary".into();
    assert_eq!(summary, &stats);

    let table = resale(
        &[
            "explain", "--policy", &p, "--path", path, "--format", "table",
        ],
        Some(&feed),
    );
    let text = String::from_utf8(table.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("INDEX  DECISION  RULE"));
    assert!(
        rows[1..81].iter().all(|r| r.contains(" hidden ")),
        "hidden first"
    );
    assert!(text.ends_with("300 items: 220 kept (126 free, 55 sold elsewhere, 39 sold by the shop or allowed), 80 hidden\n"));

    let cats = std::fs::read_to_string(repo("tests/fixtures/categories.json")).unwrap();
    let out = resale(
        &["explain", "--policy", &p, "--path", "/api/v4/categories"],
        Some(&cats),
    );
    let answer = lines(&out);
    let hidden: u64 = answer
        .iter()
        .filter(|l| l["line"] == "category")
        .map(|l| l["hidden"].as_array().unwrap().len() as u64)
        .sum();
    assert_eq!(
        answer.last().unwrap()["top_packages_dropped"].as_u64(),
        Some(hidden)
    );

    let bad = resale(
        &["explain", "--policy", &p, "--path", path],
        Some("[{\"code\": 1,}]"),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(bad.stdout.is_empty());
    let e: Value = serde_json::from_slice(&bad.stderr).unwrap();
    assert_eq!(
        (e["code"].as_str(), e["offset"].as_u64()),
        (Some("catalog.json.invalid"), Some(12))
    );
}

/// `resale test` passes on examples/shop, and fails (exit 1, a FAIL line with
/// the difference, the closing count, a JUnit failure) on a planted wrong
/// expectation; an unreadable test file is exit 2.
#[test]
fn resale_test_passes_the_example_and_fails_a_planted_error() {
    let example = repo("examples/shop/shop.test.json").display().to_string();
    let out = resale(&["test", &example], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    assert!(text.ends_with("9 passed, 0 failed\n"), "{text}");

    let dir = std::env::temp_dir().join(format!("resale-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["policy.json", "feed.json"] {
        std::fs::copy(repo(&format!("examples/shop/{f}")), dir.join(f)).unwrap();
    }
    let mut t: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("examples/shop/shop.test.json")).unwrap(),
    )
    .unwrap();
    t["buy_links"][0]["expect"]["url"] = "https://wrong.example/".into();
    t["catalogs"][1]["expect"]["hidden"] = serde_json::json!(["seo-toolkit"]);
    let planted = dir.join("planted.test.json");
    std::fs::write(&planted, t.to_string()).unwrap();
    let junit = dir.join("junit.xml");
    let out = resale(
        &[
            "test",
            planted.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
        None,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL "), "{text}");
    assert!(text.contains("buy_links/plesk-link-goes-to-the-shop\n    at $.url:\n      - expected \"https://wrong.example/\"\n      + actual   \"https://shop.example.com/store?extension-id=docker"), "{text}");
    assert!(text.contains("catalogs/feed-file\n    at $.hidden: expected 1 items, got 2; unexpected [\"backup-pro\"]"), "{text}");
    assert!(text.ends_with("7 passed, 2 failed\n"), "{text}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("tests=\"9\" failures=\"2\""), "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 2);

    std::fs::write(&planted, r#"{"policy": "policy.json", "buy_link": []}"#).unwrap();
    let out = resale(&["test", planted.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("unknown field `buy_link`"));
    std::fs::remove_dir_all(&dir).unwrap();
}
