//! License plans against Plesk's Partner API documentation: each test pins
//! one documented fact that the plans before issue 16 got wrong (the page
//! is named in the test), plus properties of activation commands.

use proptest::prelude::*;
use resale_core::license::activation::{activation_commands, Os};
use resale_core::license::{LicensePlan, OrderContext};
use resale_core::Policy;
use serde_json::Value;

fn policy() -> Policy {
    Policy::from_json(include_str!("../../tests/vectors/policies/ka.json")).unwrap()
}

const UPSELL: &str =
    "extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=QUJD&product-id=WPT_DELUXE";
const UPGRADE: &str = "extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=QUJD&product-id=WPT_DELUXE&ekn=EXT.12345678.0002&a=upgrade";

fn order(json: &str) -> OrderContext {
    OrderContext::from_json(json).unwrap()
}

fn plan_for(query: &str, order_json: &str) -> LicensePlan {
    let p = policy();
    p.license_plan(&p.check_shop_request(query).unwrap(), &order(order_json))
        .unwrap()
}

fn v3() -> &'static str {
    r#"{"order_id": "o-1", "api": "v3", "owner_id": "12345"}"#
}

fn v1() -> &'static str {
    r#"{"order_id": "o-1", "api": "v1", "owner_id": "12345", "server_ips": ["203.0.113.7"]}"#
}

/// Modifying / Retrieving a License Key address `/30/keys/<KEY_ID…>`;
/// `keyId` is the key number without prefix and version (Short structure).
/// Today's plans sent `PUT /30/keys/EXT.12345678.0002`.
#[test]
fn v3_upgrade_addresses_the_key_by_key_id_and_reads_it_first() {
    let plan = plan_for(UPGRADE, v3());
    let paths: Vec<(&str, &str)> = plan
        .steps
        .iter()
        .map(|s| (s.method, s.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [("GET", "/30/keys/12345678"), ("PUT", "/30/keys/12345678")]
    );
    let put = &plan.steps[1];
    assert_eq!(put.depends_on, [plan.steps[0].id.clone()]);
    let spec = put
        .body_from
        .as_ref()
        .expect("the PUT body is the target state");
    assert_eq!(spec.step, plan.steps[0].id);
    assert_eq!(spec.item, "EXT-WP-TOOLKIT-DELUXE-1M");
    assert_eq!(spec.replace, ["EXT-WP-TOOLKIT-LITE-1M"]);
}

/// Modifying a License Key: the body is the key's target state; items the
/// caller does not change are passed back as they are (Retrieving page).
#[test]
fn v3_target_state_keeps_unchanged_items() {
    let spec = plan_for(UPGRADE, v3()).steps[1].body_from.clone().unwrap();
    let answer = r#"{"keyIdentifiers": {"keyId": 12345678}, "items": [
        {"externalId": null, "item": "PLESK-12-WEB-ADMIN-1M"},
        {"externalId": "old", "item": "EXT-WP-TOOLKIT-LITE-1M"}]}"#;
    let body: Value = serde_json::from_str(
        &resale_core::license::partner_v3::target_state(answer, &spec).unwrap(),
    )
    .unwrap();
    let items: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, ["PLESK-12-WEB-ADMIN-1M", "EXT-WP-TOOLKIT-DELUXE-1M"]);
    assert_eq!(body["items"][1]["externalId"], "o-1");
    assert!(
        body.get("ownerId").is_none(),
        "a move of owner conflicts with an upgrade"
    );
}

/// License Key Structure (Full) / the OpenAPI page: `ownerId` is mandatory
/// when the API account is a reseller's. Today's plans never sent it.
#[test]
fn v3_sends_owner_id_when_given() {
    for step in plan_for(UPSELL, v3()).steps {
        let body: Value = serde_json::from_str(&step.body).unwrap();
        assert_eq!(body["ownerId"], "12345");
    }
    let p = policy();
    let ni = p
        .new_instance_plan("PLESK-12-WEB-ADMIN-1M", &["wp-toolkit"], &order(v3()))
        .unwrap();
    assert!(ni
        .steps
        .iter()
        .all(|s| s.body.contains(r#""ownerId":"12345""#)));
    let anon = plan_for(UPSELL, r#"{"order_id": "o-1", "api": "v3"}"#);
    assert!(!anon.steps[0].body.contains("ownerId"));
}

/// Technology page: Content-Type with charset, Accept, Accept-Charset,
/// Accept-Encoding. Today's plans carried only a content type.
#[test]
fn v3_steps_carry_the_documented_headers() {
    let mut steps = plan_for(UPSELL, v3()).steps;
    steps.extend(plan_for(UPGRADE, v3()).steps);
    for s in &steps {
        let h = |name: &str| {
            s.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(h("Accept"), Some("application/json"), "{}", s.id);
        assert_eq!(h("Accept-Charset"), Some("UTF-8"));
        assert_eq!(h("Accept-Encoding"), Some("gzip"));
        let has_body = s.method != "GET";
        assert_eq!(
            h("Content-Type"),
            has_body.then_some("application/json; charset=UTF-8")
        );
        assert_eq!(s.auth, "basic");
    }
}

/// Creating a License Key answers 201 (with Location); Retrieving and
/// Modifying answer 200. Today's plans stated no status.
#[test]
fn v3_steps_state_the_documented_status() {
    assert_eq!(plan_for(UPSELL, v3()).steps[0].expect_status, 201);
    let up = plan_for(UPGRADE, v3());
    assert_eq!(
        (up.steps[0].expect_status, up.steps[1].expect_status),
        (200, 200)
    );
}

/// Creating a License Key's example items carry `item` and `externalId`
/// only. Today's plans sent `quantity: 1`.
#[test]
fn v3_items_have_no_quantity() {
    let body: Value = serde_json::from_str(&plan_for(UPSELL, v3()).steps[0].body).unwrap();
    let item = body["items"][0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["externalId", "item"]);
}

/// partner10.createKey takes eight positional parameters (AuthInfo,
/// ServerAddress, client ID, keytype, upgrade plans, CreationParameters with
/// parentKeyNumber, additional keys, their CreationParameters). Today's plans
/// sent two params, a struct with keyType/clientIdentifier/parentKeyNumber.
#[test]
fn v1_create_key_is_positional() {
    let body = &plan_for(UPSELL, v1()).steps[0].body;
    let params: Vec<&str> = body.split("<param>").skip(1).collect();
    assert_eq!(params.len(), 8);
    assert!(params[1].contains("<name>ips</name>"));
    assert!(params[2].starts_with("<value><string>12345</string>"));
    assert!(params[3].starts_with("<value><string>WP_TOOLKIT_DELUXE</string>"));
    assert!(params[5].contains("<name>parentKeyNumber</name><value><string>PLSK.12345678.0001"));
    assert!(!body.contains("clientIdentifier") && !body.contains("keyType"));
    // The order ID has no v1 field.
    assert!(!body.contains("o-1"));
    let p = policy();
    let ni = p
        .new_instance_plan("PLESK_12_WEB_ADMIN", &["wp-toolkit"], &order(v1()))
        .unwrap();
    let params: Vec<&str> = ni.steps[0].body.split("<param>").skip(1).collect();
    assert_eq!(params.len(), 8);
    assert!(
        params[6].contains("<string>WP_TOOLKIT_LITE</string>"),
        "additional keys in their own array"
    );
    assert!(!ni.steps[0].body.contains("parentKeyNumber"));
}

/// partner10.upgradeKey(AuthInfo, keyNumber, upgradePlanName): three
/// positional parameters, success code 100.
#[test]
fn v1_upgrade_key_is_positional() {
    let s = &plan_for(UPGRADE, v1()).steps[0];
    let params: Vec<&str> = s.body.split("<param>").skip(1).collect();
    assert_eq!(params.len(), 3);
    assert!(params[1].starts_with("<value><string>EXT.12345678.0002</string>"));
    assert!(params[2].starts_with("<value><string>WP_TOOLKIT_LITE_TO_DELUXE</string>"));
    assert_eq!(s.expect_result_codes, [100]);
}

/// Introduction to Partner API 3.0: v3 "does not support Partner API 1.0
/// constants". Today's plans sent `partner_api_item` to both APIs.
#[test]
fn v1_and_v3_use_their_own_constants() {
    let rest = plan_for(UPSELL, v3());
    let xmlrpc = plan_for(UPSELL, v1());
    assert!(rest.steps[0].body.contains("EXT-WP-TOOLKIT-DELUXE-1M"));
    assert!(!xmlrpc.steps[0].body.contains("EXT-WP-TOOLKIT"));
    let p = policy();
    let req = p
        .check_shop_request("extension-id=imunify360&kn=PLSK.12345678.0001")
        .unwrap();
    let e = p.license_plan(&req, &order(v1())).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        ("license.no_partner_item", Some("extension-id"))
    );
    assert!(e.message.contains("partner_api_v1"));
}

#[test]
fn retrieve_hint_names_license_management() {
    assert!(plan_for(UPSELL, v3())
        .activation
        .contains("License Management"));
}

proptest! {
    /// Whatever the text, an accepted activation code yields a command that
    /// contains it exactly once, after `--install`, and no shell metacharacter.
    #[test]
    fn activation_codes_cannot_inject(code in "\\PC{0,20}|[A-Z0-9-]{1,30}", windows in any::<bool>()) {
        let os = if windows { Os::Windows } else { Os::Linux };
        match activation_commands(&code, os) {
            Ok(cmds) => {
                prop_assert_eq!(cmds.len(), 1);
                let (head, tail) = cmds[0].split_once(" --install ").unwrap();
                prop_assert_eq!(tail, code.as_str());
                prop_assert!(tail.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'));
                prop_assert!(head == "plesk bin license" || head == "\"%plesk_cli%\\license.exe\"");
            }
            Err(e) => {
                prop_assert_eq!(e.code, "license.activation_code.malformed");
                prop_assert!(code.is_empty() || code.len() > 64 || code.bytes().any(|b| !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')));
            }
        }
    }

    /// An upsell's v3 body is JSON naming the request's `kn` as the parent,
    /// whatever valid key number and order ID arrive; the keyId of any key
    /// number is its digits without leading zeros.
    #[test]
    fn upsell_attaches_to_kn(kn in "(PLSK|PLESK|EXT)\\.[0-9]{8,10}\\.[0-9]{4}", order_id in "[A-Za-z0-9_.:-]{1,64}") {
        let p = policy();
        let req = p.check_shop_request(&format!("extension-id=wp-toolkit&kn={kn}&token=QUJD&product-id=WPT_DELUXE")).unwrap();
        let o = OrderContext::from_json(&serde_json::json!({"order_id": order_id, "api": "v3"}).to_string()).unwrap();
        let plan = p.license_plan(&req, &o).unwrap();
        let body: Value = serde_json::from_str(&plan.steps[0].body).unwrap();
        prop_assert_eq!(&body["parentKeyIdentifiers"]["keyNumber"], &Value::from(kn.clone()));
        prop_assert_eq!(&body["items"][0]["externalId"], &Value::from(order_id));
        let digits = kn.split('.').nth(1).unwrap().trim_start_matches('0');
        if !digits.is_empty() {
            prop_assert_eq!(resale_core::license::partner_v3::key_id(&kn, "kn").unwrap(), digits);
        }
    }
}
