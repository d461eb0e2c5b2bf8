//! License plans: what the shop asks Plesk's Key Administrator (KA) for after
//! a sale, and how the keys get activated. The engine plans; the shop does
//! the HTTP or XML-RPC calls (no I/O here).
//!
//! Three scenarios, from Plesk's reseller documentation:
//!
//! | scenario | when | Partner API v3 (one key per call) | Partner API v1 (obsolete) |
//! |---|---|---|---|
//! | **upsell** | a buy link from an existing Plesk (`kn`) | one `POST /30/keys`: the extension key, attached to `kn` | one `createKey`, `parentKeyNumber` = `kn` |
//! | **upgrade** | `a=upgrade&ekn=…` | one `PUT /30/keys/{ekn}` with the new item | one `upgradeKey` on `ekn` |
//! | **new instance** | the shop sells Plesk with extensions | `POST /30/keys` for the main key first, then one per extension, each attached to the main key's number from the first answer | one `createKey` with the main key and the extension keys |
//!
//! Every key activates with the main key's single activation code
//! (`plesk bin license --install <code>`); keys attached to an existing
//! instance arrive at its next license update, at once with
//! `plesk bin license --retrieve` ([`activation`]).
//!
//! KA's field and method names that the public documentation leaves
//! uncertain live in one place each ([`partner_v3::PARENT_KEY_FIELD`],
//! [`partner_v1::CREATE_KEY_METHOD`], …) so that correcting one is a
//! one-line change.

pub mod activation;
pub mod key_response;
pub mod partner_v1;
pub mod partner_v3;

use std::fmt;

use serde::Serialize;

use crate::{syntax, Action, Policy, ShopRequest};

/// Which KA Partner API to plan for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PartnerApi {
    /// Partner API v3 (REST, JSON; recommended).
    V3,
    /// Partner API v1 (XML-RPC; obsolete).
    V1,
}

impl PartnerApi {
    /// `v3` or `v1`.
    pub fn parse(text: &str) -> Option<PartnerApi> {
        match text {
            "v3" | "3" => Some(PartnerApi::V3),
            "v1" | "1" => Some(PartnerApi::V1),
            _ => None,
        }
    }

    /// [`PartnerApi::parse`], refusing anything else with `license.api.unknown` (field `api`).
    ///
    /// ```
    /// use resale_core::license::PartnerApi;
    /// assert_eq!(PartnerApi::from_name("v3"), Ok(PartnerApi::V3));
    /// assert_eq!(PartnerApi::from_name("v2").unwrap_err().code, "license.api.unknown");
    /// ```
    pub fn from_name(text: &str) -> Result<PartnerApi, LicenseError> {
        PartnerApi::parse(text)
            .ok_or_else(|| err("license.api.unknown", "api", "the API is v3 or v1"))
    }
}

/// What a plan does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// An extension key for an existing Plesk, attached to `kn`.
    Upsell,
    /// An existing extension key (`ekn`) upgraded.
    Upgrade,
    /// A new Plesk: the main key, then extension keys attached to it.
    NewInstance,
}

/// One call to KA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// A name later steps refer to (`main-key`, `extension-key:wp-toolkit`).
    pub id: String,
    /// HTTP method (`POST`, `PUT`); XML-RPC calls are `POST`.
    pub method: &'static str,
    /// Path on the Partner API endpoint.
    pub path: String,
    /// `application/json` or `text/xml`.
    pub content_type: &'static str,
    /// The request body. Placeholders `{{step-id.field}}` stand for values of
    /// an earlier step's answer (e.g. `{{main-key.keyNumber}}`); `{{ka.login}}`
    /// and `{{ka.password}}` for the shop's KA credentials (v1 only; v3 uses
    /// HTTP Basic authentication).
    pub body: String,
    /// The steps whose answers this one needs.
    pub depends_on: Vec<String>,
    /// The extension this step orders, if any.
    pub extension_id: Option<String>,
    /// The Individual Offers product the customer chose, kept for the shop's
    /// records (KA is ordered the policy's `partner_api_item`).
    pub product_id: Option<String>,
}

/// The calls to make, in order, and what to do with the keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicensePlan {
    /// The API planned for.
    pub api: PartnerApi,
    /// What the plan does.
    pub scenario: Scenario,
    /// The shop's order ID, sent as `externalId`.
    pub order_id: String,
    /// The calls, in order.
    pub steps: Vec<Step>,
    /// How the keys reach the server once ordered.
    pub activation: &'static str,
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseError {
    /// Stable code: `license.no_partner_item`, `license.order_id.malformed`,
    /// `license.main_item.malformed`, `license.extension.not_sold`,
    /// `license.activation_code.malformed`,
    /// `license.response.invalid`.
    pub code: &'static str,
    /// The field at fault.
    pub field: Option<String>,
    /// Explanation for a person.
    pub message: String,
}

impl fmt::Display for LicenseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for LicenseError {}

pub(crate) fn err(code: &'static str, field: &str, message: impl Into<String>) -> LicenseError {
    LicenseError {
        code,
        field: Some(field.to_owned()),
        message: message.into(),
    }
}

const ACTIVATION_ATTACHED: &str = "the key is attached to the existing Plesk license: Plesk installs it at its next license update (a day to a month), or at once with `plesk bin license --retrieve` or Tools & Settings > License Information > Retrieve Keys";
const ACTIVATION_NEW: &str = "install the main key's activation code on the new server (`plesk bin license --install <code>`): it activates the attached extension keys too";

/// Longest order ID (`externalId`) accepted.
pub const MAX_ORDER_ID_BYTES: usize = 64;

fn check_order_id(order_id: &str) -> Result<(), LicenseError> {
    let ok = !order_id.is_empty()
        && order_id.len() <= MAX_ORDER_ID_BYTES
        && order_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(err(
            "license.order_id.malformed",
            "order_id",
            format!("the order ID must be 1 to {MAX_ORDER_ID_BYTES} letters, digits, `-`, `_`, `.` or `:`"),
        ))
    }
}

impl Policy {
    /// The KA item ordered for an extension the shop sells.
    fn partner_item(&self, code: &str) -> Result<&str, LicenseError> {
        let entry = self.extension(code).ok_or_else(|| {
            err(
                "license.extension.not_sold",
                "extension-id",
                format!("this shop does not sell `{code}`"),
            )
        })?;
        entry.partner_api_item.as_deref().ok_or_else(|| {
            err(
                "license.no_partner_item",
                "extension-id",
                format!("the policy gives no `partner_api_item` for `{code}`: KA cannot be asked for it"),
            )
        })
    }

    /// The plan for an accepted shop request: an upsell to the Plesk `kn`,
    /// or, with `a=upgrade`, an upgrade of the extension key `ekn`.
    ///
    /// ```
    /// use resale_core::{Policy, license::{PartnerApi, Scenario}};
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com",
    ///     "extensions": {"wp-toolkit": {"partner_api_item": "EXT-WP-TOOLKIT"}}}"#).unwrap();
    /// let req = policy.check_shop_request("extension-id=wp-toolkit&kn=PLSK.12345678.0001").unwrap();
    /// let plan = policy.license_plan(&req, PartnerApi::V3, "order-42").unwrap();
    /// assert_eq!(plan.scenario, Scenario::Upsell);
    /// assert_eq!((plan.steps.len(), plan.steps[0].method, plan.steps[0].path.as_str()), (1, "POST", "/30/keys?return-key-state=yes"));
    /// assert!(plan.steps[0].body.contains(r#""keyNumber":"PLSK.12345678.0001""#));
    /// ```
    pub fn license_plan(
        &self,
        request: &ShopRequest,
        api: PartnerApi,
        order_id: &str,
    ) -> Result<LicensePlan, LicenseError> {
        check_order_id(order_id)?;
        let item = self.partner_item(&request.extension_id)?;
        let ext = &request.extension_id;
        let (scenario, step) = match (request.action, request.extension_key_number.as_deref()) {
            (Action::Upgrade, Some(ekn)) => (
                Scenario::Upgrade,
                match api {
                    PartnerApi::V3 => partner_v3::upgrade_key(ekn, item, order_id),
                    PartnerApi::V1 => partner_v1::upgrade_key(ekn, item, order_id),
                },
            ),
            _ => (
                Scenario::Upsell,
                match api {
                    PartnerApi::V3 => partner_v3::create_key(
                        &format!("extension-key:{ext}"),
                        item,
                        order_id,
                        Some(&request.key_number),
                    ),
                    PartnerApi::V1 => {
                        partner_v1::create_key(item, order_id, Some(&request.key_number), &[])
                    }
                },
            ),
        };
        let step = Step {
            extension_id: Some(ext.clone()),
            product_id: request.product_id.clone(),
            ..step
        };
        Ok(LicensePlan {
            api,
            scenario,
            order_id: order_id.to_owned(),
            steps: vec![step],
            activation: ACTIVATION_ATTACHED,
        })
    }

    /// The plan for a new Plesk instance sold with extensions: the main key
    /// (`main_item`, a KA item constant) first, then the extension keys
    /// attached to it.
    ///
    /// ```
    /// use resale_core::{Policy, license::PartnerApi};
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com",
    ///     "extensions": {"wp-toolkit": {"partner_api_item": "EXT-WP-TOOLKIT"}}}"#).unwrap();
    /// let plan = policy.new_instance_plan("PLESK-WEB-PRO", &["wp-toolkit"], PartnerApi::V3, "order-43").unwrap();
    /// assert_eq!(plan.steps[0].id, "main-key");
    /// assert_eq!(plan.steps[1].depends_on, vec!["main-key".to_string()]);
    /// assert!(plan.steps[1].body.contains("{{main-key.keyNumber}}"));
    /// ```
    pub fn new_instance_plan(
        &self,
        main_item: &str,
        extensions: &[&str],
        api: PartnerApi,
        order_id: &str,
    ) -> Result<LicensePlan, LicenseError> {
        check_order_id(order_id)?;
        if !syntax::is_partner_api_item(main_item) {
            return Err(err(
                "license.main_item.malformed",
                "main_item",
                "the main key's item is not a Partner API item constant",
            ));
        }
        let items = extensions
            .iter()
            .map(|code| self.partner_item(code).map(|item| (*code, item)))
            .collect::<Result<Vec<_>, _>>()?;
        let steps = match api {
            PartnerApi::V3 => {
                let mut steps = vec![partner_v3::create_key(
                    "main-key", main_item, order_id, None,
                )];
                for (code, item) in items {
                    let parent = format!("{{{{{}.keyNumber}}}}", "main-key");
                    let step = partner_v3::create_key(
                        &format!("extension-key:{code}"),
                        item,
                        order_id,
                        Some(&parent),
                    );
                    steps.push(Step {
                        depends_on: vec!["main-key".into()],
                        extension_id: Some(code.to_owned()),
                        ..step
                    });
                }
                steps
            }
            PartnerApi::V1 => {
                let ext_items: Vec<&str> = items.iter().map(|(_, item)| *item).collect();
                vec![partner_v1::create_key(
                    main_item, order_id, None, &ext_items,
                )]
            }
        };
        Ok(LicensePlan {
            api,
            scenario: Scenario::NewInstance,
            order_id: order_id.to_owned(),
            steps,
            activation: ACTIVATION_NEW,
        })
    }
}
