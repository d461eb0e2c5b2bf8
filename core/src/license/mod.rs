//! License plans: what the shop asks Plesk's Key Administrator (KA) for after
//! a sale, and how the keys get activated. The engine plans; the shop does
//! the HTTP or XML-RPC calls (no I/O here; `Resale\License\Executor` in the
//! PHP package runs a plan).
//!
//! Three scenarios, from Plesk's reselling page ("Reselling Extensions") and
//! the Partner API references (each constant's page is named where it is
//! defined, in [`partner_v3`] and [`partner_v1`]):
//!
//! | scenario | when | Partner API 3.0 | Partner API 1.0 (obsolete) |
//! |---|---|---|---|
//! | **upsell** | a buy link from an existing Plesk (`kn`) | `POST /30/keys?return-key-state=yes`: the extension's item, `parentKeyIdentifiers.keyNumber` = `kn`, `ownerId` when given | `createKey` with `parentKeyNumber` = `kn` in CreationParameters |
//! | **upgrade** | `a=upgrade&ekn=…` | `GET /30/keys/{keyId}`, then `PUT /30/keys/{keyId}` with the key's target state ([`partner_v3::target_state`]) | `upgradeKey(auth, ekn, upgradePlan)` |
//! | **new instance** | the shop sells Plesk with extensions | `POST` the main key, then one `POST` per extension attached to `{{main-key.keyNumber}}` | one `createKey` with the extensions as additional keys |
//!
//! Every key activates with the main key's single activation code
//! (`plesk bin license --install <code>`); keys attached to an existing
//! instance arrive at its next license update, at once with
//! `plesk bin license --retrieve` ([`activation`]).

pub mod activation;
pub mod key_response;
pub mod order;
pub mod partner_v1;
pub mod partner_v3;

pub use order::OrderContext;

use serde::Serialize;

use crate::policy::ExtensionPolicy;
use crate::{syntax, Action, Error, Policy, ShopRequest};

/// Which KA Partner API to plan for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    pub fn from_name(text: &str) -> Result<PartnerApi, Error> {
        PartnerApi::parse(text)
            .ok_or_else(|| err("license.api.unknown", "api", "the API is v3 or v1"))
    }
}

/// What a plan does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Step {
    /// A name later steps refer to (`main-key`, `extension-key:wp-toolkit`).
    pub id: String,
    /// HTTP method (`POST`, `GET`, `PUT`); XML-RPC calls are `POST`.
    pub method: &'static str,
    /// Path (and query) on the Partner API endpoint.
    pub path: String,
    /// How the caller's KA credentials travel: `basic` (v3: HTTP Basic
    /// authentication) or `body` (v1: the `{{ka.login}}` and
    /// `{{ka.password}}` placeholders of AuthInfo, XML-escaped).
    pub auth: &'static str,
    /// Request headers, in order (`Content-Length` and `Authorization` are
    /// the HTTP client's).
    pub headers: Vec<(String, String)>,
    /// The request body (empty for a `GET`, or when [`Step::body_from`] is
    /// set). Placeholders `{{step-id.field}}` stand for a value of an
    /// earlier step's answer (`{{main-key.keyNumber}}`).
    pub body: String,
    /// The body is built from an earlier answer by
    /// [`partner_v3::target_state`] (the `PUT` of an upgrade).
    pub body_from: Option<partner_v3::TargetState>,
    /// The HTTP status KA answers on success.
    pub expect_status: u16,
    /// v1: the `resultCode` values that mean success (empty for v3).
    pub expect_result_codes: Vec<i32>,
    /// The steps whose answers this one needs.
    pub depends_on: Vec<String>,
    /// The extension this step orders, if any.
    pub extension_id: Option<String>,
    /// The Individual Offers product the customer chose.
    pub product_id: Option<String>,
}

/// The calls to make, in order, and what to do with the keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LicensePlan {
    /// The API planned for.
    pub api: PartnerApi,
    /// What the plan does.
    pub scenario: Scenario,
    /// The order context the plan was made for.
    pub order: OrderContext,
    /// The calls, in order.
    pub steps: Vec<Step>,
    /// How the keys reach the server once ordered.
    pub activation: &'static str,
}

pub(crate) fn err(code: &'static str, field: &str, message: impl Into<String>) -> Error {
    Error::at_field(code, field, message)
}

/// The reselling page says "Tools & Settings > License Information >
/// Retrieve Keys"; current Plesk names the page "License Management" (not
/// found in the pages consulted), so both names are given.
const ACTIVATION_ATTACHED: &str = "the key is attached to the existing Plesk license: Plesk installs it at its next license update (a day to a month), or at once with `plesk bin license --retrieve` or Tools & Settings > License Management (License Information in older Plesk) > Retrieve Keys";
const ACTIVATION_NEW: &str = "install the main key's activation code on the new server (`plesk bin license --install <code>`): it activates the attached extension keys too";

/// What an order needs from the policy for one extension, per API.
struct Constants<'p> {
    code: &'p str,
    entry: &'p ExtensionPolicy,
    product: Option<&'p str>,
}

fn no_item(code: &str, what: &str) -> Error {
    err(
        "license.no_partner_item",
        "extension-id",
        format!("the policy gives no `{what}` for `{code}`: KA cannot be asked for it"),
    )
}

impl Constants<'_> {
    /// The v3 item ordered: the product's `partner_api_item`, else the extension's.
    fn v3_item(&self) -> Result<&str, Error> {
        self.product
            .and_then(|p| self.entry.product_partner_items.get(p))
            .or(self.entry.partner_api_item.as_ref())
            .map(String::as_str)
            .ok_or_else(|| no_item(self.code, "partner_api_item"))
    }

    /// Every v3 item the policy knows for the extension except `target`.
    fn v3_others(&self, target: &str) -> Vec<String> {
        let mut all: Vec<String> = self
            .entry
            .partner_api_item
            .iter()
            .chain(self.entry.product_partner_items.values())
            .filter(|i| *i != target)
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    }

    fn v1(
        &self,
        pick: impl Fn(&crate::policy::PartnerApiV1) -> Option<&String>,
        what: &str,
    ) -> Result<&str, Error> {
        self.product
            .and_then(|p| self.entry.product_partner_v1.get(p))
            .and_then(&pick)
            .or_else(|| pick(&self.entry.partner_api_v1))
            .map(String::as_str)
            .ok_or_else(|| no_item(self.code, what))
    }

    fn v1_keytype(&self) -> Result<&str, Error> {
        self.v1(|v| v.keytype.as_ref(), "partner_api_v1.keytype")
    }

    fn v1_upgrade_plan(&self) -> Result<&str, Error> {
        self.v1(|v| v.upgrade_plan.as_ref(), "partner_api_v1.upgrade_plan")
    }
}

/// v1 `createKey` needs the client ID (parameter 3) and the server's
/// addresses (parameter 2): "all command parameters … are required".
fn v1_owner_and_server(order: &OrderContext) -> Result<(&str, &[String]), Error> {
    let owner = order.owner_id.as_deref().ok_or_else(|| {
        err(
            "license.owner_id.missing",
            "owner_id",
            "Partner API 1.0 createKey needs the ID of the client who will own the key (owner_id)",
        )
    })?;
    if order.server_ips.is_empty() {
        return Err(err(
            "license.server_ips.missing",
            "server_ips",
            "Partner API 1.0 createKey needs the server's addresses (server_ips)",
        ));
    }
    Ok((owner, &order.server_ips))
}

impl Policy {
    fn constants<'p>(
        &'p self,
        code: &'p str,
        product: Option<&'p str>,
    ) -> Result<Constants<'p>, Error> {
        let entry = self.extension(code).ok_or_else(|| {
            err(
                "license.extension.not_sold",
                "extension-id",
                format!("this shop does not sell `{code}`"),
            )
        })?;
        Ok(Constants {
            code,
            entry,
            product,
        })
    }

    /// The plan for an accepted shop request: an upsell to the Plesk `kn`,
    /// or, with `a=upgrade`, an upgrade of the extension key `ekn`.
    ///
    /// ```
    /// use resale_core::{Policy, license::{OrderContext, Scenario}};
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com",
    ///     "extensions": {"wp-toolkit": {"partner_api_item": "EXT-WP-TOOLKIT"}}}"#).unwrap();
    /// let req = policy.check_shop_request("extension-id=wp-toolkit&kn=PLSK.12345678.0001").unwrap();
    /// let order = OrderContext::from_json(r#"{"order_id": "order-42", "api": "v3", "owner_id": "12345"}"#).unwrap();
    /// let plan = policy.license_plan(&req, &order).unwrap();
    /// assert_eq!(plan.scenario, Scenario::Upsell);
    /// let step = &plan.steps[0];
    /// assert_eq!((step.method, step.path.as_str(), step.expect_status), ("POST", "/30/keys?return-key-state=yes", 201));
    /// assert_eq!(step.body, r#"{"items":[{"item":"EXT-WP-TOOLKIT","externalId":"order-42"}],"ownerId":"12345","parentKeyIdentifiers":{"keyNumber":"PLSK.12345678.0001"}}"#);
    /// ```
    pub fn license_plan(
        &self,
        request: &ShopRequest,
        order: &OrderContext,
    ) -> Result<LicensePlan, Error> {
        let ext = request.extension_id();
        let c = self.constants(ext, request.product_id())?;
        let owner = order.owner_id.as_deref();
        let (scenario, steps) = match (request.action(), request.extension_key_number()) {
            (Action::Upgrade, Some(ekn)) => (
                Scenario::Upgrade,
                match order.api {
                    PartnerApi::V3 => {
                        let item = c.v3_item()?;
                        let replace = c.v3_others(item);
                        if replace.is_empty() {
                            return Err(err(
                            "license.upgrade.nothing_to_replace",
                            "extension-id",
                            format!("the policy knows no other Partner API 3.0 item of `{ext}` for `{item}` to replace (give each product its partner_api_item)"),
                        ));
                        }
                        let key_id = partner_v3::key_id(ekn, "ekn")?;
                        let get = format!("get-key:{key_id}");
                        vec![
                            partner_v3::get_key(&get, &key_id),
                            partner_v3::modify_key(
                                &format!("upgrade-key:{key_id}"),
                                &key_id,
                                partner_v3::TargetState {
                                    step: get.clone(),
                                    replace,
                                    item: item.to_owned(),
                                    external_id: order.order_id.clone(),
                                },
                            ),
                        ]
                    }
                    PartnerApi::V1 => {
                        let plan = match &order.upgrade_plan {
                            Some(plan) => plan.as_str(),
                            None => c.v1_upgrade_plan()?,
                        };
                        if syntax::is_bare_key_digits(ekn) {
                            return Err(err(
                            "license.key_number.malformed",
                            "ekn",
                            "Partner API 1.0 upgradeKey takes a whole key number (such as EXT.12345678.0001), not its digits",
                        ));
                        }
                        vec![partner_v1::upgrade_key(ekn, plan)]
                    }
                },
            ),
            _ => (
                Scenario::Upsell,
                vec![match order.api {
                    PartnerApi::V3 => partner_v3::create_key(
                        &format!("extension-key:{ext}"),
                        c.v3_item()?,
                        &order.order_id,
                        owner,
                        Some(request.key_number()),
                    ),
                    PartnerApi::V1 => {
                        let keytype = c.v1_keytype()?;
                        let (owner, ips) = v1_owner_and_server(order)?;
                        partner_v1::create_key(
                            format!("extension-key:{ext}"),
                            ips,
                            owner,
                            keytype,
                            Some(request.key_number()),
                            &[],
                        )
                    }
                }],
            ),
        };
        let steps = steps
            .into_iter()
            .map(|step| Step {
                extension_id: Some(ext.to_owned()),
                product_id: request.product_id().map(str::to_owned),
                ..step
            })
            .collect();
        Ok(LicensePlan {
            api: order.api,
            scenario,
            order: order.clone(),
            steps,
            activation: ACTIVATION_ATTACHED,
        })
    }

    /// The plan for a new Plesk instance sold with extensions: the main key
    /// (`main_item`, a constant of the order's API) first, then the
    /// extension keys attached to it.
    ///
    /// ```
    /// use resale_core::{Policy, license::OrderContext};
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com",
    ///     "extensions": {"wp-toolkit": {"partner_api_item": "EXT-WP-TOOLKIT"}}}"#).unwrap();
    /// let order = OrderContext::from_json(r#"{"order_id": "order-43", "api": "v3"}"#).unwrap();
    /// let plan = policy.new_instance_plan("PLESK-12-WEB-ADMIN-1M", &["wp-toolkit"], &order).unwrap();
    /// assert_eq!(plan.steps[0].id, "main-key");
    /// assert_eq!(plan.steps[1].depends_on, vec!["main-key".to_string()]);
    /// assert!(plan.steps[1].body.contains("{{main-key.keyNumber}}"));
    /// ```
    pub fn new_instance_plan(
        &self,
        main_item: &str,
        extensions: &[&str],
        order: &OrderContext,
    ) -> Result<LicensePlan, Error> {
        if !syntax::is_partner_api_item(main_item) {
            return Err(err(
                "license.main_item.malformed",
                "main_item",
                "the main key's item is not a Partner API constant",
            ));
        }
        let consts = extensions
            .iter()
            .map(|code| self.constants(code, None))
            .collect::<Result<Vec<_>, _>>()?;
        let owner = order.owner_id.as_deref();
        let steps = match order.api {
            PartnerApi::V3 => {
                let mut steps = vec![partner_v3::create_key(
                    "main-key",
                    main_item,
                    &order.order_id,
                    owner,
                    None,
                )];
                for c in &consts {
                    let step = partner_v3::create_key(
                        &format!("extension-key:{}", c.code),
                        c.v3_item()?,
                        &order.order_id,
                        owner,
                        Some("{{main-key.keyNumber}}"),
                    );
                    steps.push(Step {
                        depends_on: vec!["main-key".into()],
                        extension_id: Some(c.code.to_owned()),
                        ..step
                    });
                }
                steps
            }
            PartnerApi::V1 => {
                let keytypes = consts
                    .iter()
                    .map(Constants::v1_keytype)
                    .collect::<Result<Vec<_>, _>>()?;
                let (owner, ips) = v1_owner_and_server(order)?;
                vec![partner_v1::create_key(
                    "main-key".into(),
                    ips,
                    owner,
                    main_item,
                    None,
                    &keytypes,
                )]
            }
        };
        Ok(LicensePlan {
            api: order.api,
            scenario: Scenario::NewInstance,
            order: order.clone(),
            steps,
            activation: ACTIVATION_NEW,
        })
    }
}
