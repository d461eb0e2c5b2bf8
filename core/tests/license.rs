//! Properties of license plans and activation commands.

use proptest::prelude::*;
use resale_core::license::activation::{activation_commands, Os};
use resale_core::license::PartnerApi;
use resale_core::Policy;

fn policy() -> Policy {
    Policy::from_json(include_str!("../../tests/vectors/policies/example.json")).unwrap()
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

    /// An upsell plan's v3 body is JSON that names the request's `kn` as the
    /// parent and the policy's item, whatever valid key number arrives.
    #[test]
    fn upsell_attaches_to_kn(kn in "(PLSK|PLESK|EXT)\\.[0-9]{8,10}\\.[0-9]{4}", order in "[A-Za-z0-9_.:-]{1,64}") {
        let p = policy();
        let req = p.check_shop_request(&format!("extension-id=wp-toolkit&kn={kn}&token=QUJD&product-id=WPT_DELUXE")).unwrap();
        let plan = p.license_plan(&req, PartnerApi::V3, &order).unwrap();
        prop_assert_eq!(plan.steps.len(), 1);
        let body: serde_json::Value = serde_json::from_str(&plan.steps[0].body).unwrap();
        prop_assert_eq!(&body["parentKeyIdentifiers"]["keyNumber"], &serde_json::Value::from(kn));
        prop_assert_eq!(&body["items"][0]["item"], "EXT-WP-TOOLKIT");
        prop_assert_eq!(&body["items"][0]["externalId"], &serde_json::Value::from(order));
        let v1 = p.license_plan(&req, PartnerApi::V1, "o-1").unwrap();
        let parent = format!("<name>parentKeyNumber</name><value><string>{}</string></value>", req.key_number);
        prop_assert!(v1.steps[0].body.contains(&parent));
    }
}

#[test]
fn new_instance_v1_is_one_call_with_additional_keys() {
    let plan = policy()
        .new_instance_plan("PLESK-WEB-HOST", &["wp-toolkit"], PartnerApi::V1, "o-9")
        .unwrap();
    assert_eq!(plan.steps.len(), 1);
    let body = &plan.steps[0].body;
    assert!(body.contains("<name>keyType</name><value><string>PLESK-WEB-HOST</string></value>"));
    assert!(body.contains("<name>upgradePlans</name><value><array><data><value><string>EXT-WP-TOOLKIT</string></value></data></array></value>"));
    assert!(!body.contains("parentKeyNumber"));
}
