//! The order context a plan is made for: the shop's order, who owns the
//! keys, the server (Partner API 1.0 only) and the API.
//!
//! Every binding hands the same JSON object to the core
//! ([`OrderContext::from_json`]), so the context is one shape in Rust, C,
//! wasm, PHP and the command line:
//!
//! ```json
//! {"order_id": "order-42", "api": "v3", "owner_id": "12345", "server_ips": ["203.0.113.7"], "upgrade_plan": null}
//! ```

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{err, PartnerApi};
use crate::Error;

/// Longest order ID (`externalId`) accepted.
pub const MAX_ORDER_ID_BYTES: usize = 64;
/// Longest owner (client) ID accepted.
pub const MAX_OWNER_ID_BYTES: usize = 64;
/// Most server addresses in one order.
pub const MAX_SERVER_IPS: usize = 16;
/// Largest order context document, in bytes.
pub const MAX_ORDER_BYTES: usize = 4096;

/// What the shop knows about the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderContext {
    /// The shop's order ID: every v3 item's `externalId`. Partner API 1.0
    /// has no field for it (none of `createKey`, `attachKey`, `upgradeKey`
    /// takes one), so v1 plans do not send it.
    pub order_id: String,
    /// The Partner API planned for.
    pub api: PartnerApi,
    /// The KA account that owns the keys: v3 `ownerId` ("mandatory if an API
    /// account belongs to a reseller"), v1 `createKey` parameter 3 ("ID of
    /// the client who will own the created key").
    pub owner_id: Option<String>,
    /// The server's addresses: v1 `createKey` parameter 2 (`ServerAddress`,
    /// member `ips`). v3 creates keys without them.
    pub server_ips: Vec<String>,
    /// v1 `upgradeKey`'s upgrade plan for this order, when the caller
    /// decides it; otherwise the policy's `partner_api_v1.upgrade_plan`.
    pub upgrade_plan: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrder {
    order_id: String,
    api: String,
    #[serde(default)]
    owner_id: Option<String>,
    #[serde(default)]
    server_ips: Vec<String>,
    #[serde(default)]
    upgrade_plan: Option<String>,
}

fn word(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

impl OrderContext {
    /// Read and check an order context. Errors: `license.order.malformed`
    /// (not the JSON object above; field `order`), `license.order_id.malformed`,
    /// `license.api.unknown`, `license.owner_id.malformed`,
    /// `license.server_ips.malformed`, `license.upgrade_plan.malformed`.
    ///
    /// ```
    /// use resale_core::license::{OrderContext, PartnerApi};
    /// let o = OrderContext::from_json(r#"{"order_id": "o-1", "api": "v1", "owner_id": "12345", "server_ips": ["192.0.2.1"]}"#).unwrap();
    /// assert_eq!((o.api, o.owner_id.as_deref()), (PartnerApi::V1, Some("12345")));
    /// assert_eq!(OrderContext::from_json(r#"{"order_id": "o 1", "api": "v3"}"#).unwrap_err().code, "license.order_id.malformed");
    /// assert_eq!(OrderContext::from_json(r#"{"order_id": "o-1", "api": "v3", "ip": "x"}"#).unwrap_err().code, "license.order.malformed");
    /// ```
    pub fn from_json(text: &str) -> Result<OrderContext, Error> {
        if text.len() > MAX_ORDER_BYTES {
            return Err(err(
                "license.order.malformed",
                "order",
                format!("the order context is larger than {MAX_ORDER_BYTES} bytes"),
            ));
        }
        let raw: RawOrder = serde_json::from_str(text).map_err(|e| {
            err(
                "license.order.malformed",
                "order",
                format!("the order context is not {{\"order_id\", \"api\", \"owner_id\"?, \"server_ips\"?}}: {e}"),
            )
        })?;
        let api = PartnerApi::from_name(&raw.api)?;
        let mut order =
            OrderContext::new(&raw.order_id, api, raw.owner_id.as_deref(), &raw.server_ips)?;
        if let Some(plan) = raw.upgrade_plan {
            if !crate::syntax::is_partner_api_item(&plan) {
                return Err(err(
                    "license.upgrade_plan.malformed",
                    "upgrade_plan",
                    "the upgrade plan is not a Partner API constant (letters, digits, `-`, `_`, `.`)",
                ));
            }
            order.upgrade_plan = Some(plan);
        }
        Ok(order)
    }

    /// Check the parts of an order context (see [`OrderContext::from_json`]).
    pub fn new(
        order_id: &str,
        api: PartnerApi,
        owner_id: Option<&str>,
        server_ips: &[String],
    ) -> Result<OrderContext, Error> {
        if !word(order_id, MAX_ORDER_ID_BYTES) {
            return Err(err(
                "license.order_id.malformed",
                "order_id",
                format!("the order ID must be 1 to {MAX_ORDER_ID_BYTES} letters, digits, `-`, `_`, `.` or `:`"),
            ));
        }
        if let Some(owner) = owner_id {
            if !word(owner, MAX_OWNER_ID_BYTES) {
                return Err(err(
                    "license.owner_id.malformed",
                    "owner_id",
                    format!("the owner ID must be 1 to {MAX_OWNER_ID_BYTES} letters, digits, `-`, `_`, `.` or `:`"),
                ));
            }
        }
        if server_ips.len() > MAX_SERVER_IPS
            || server_ips.iter().any(|ip| ip.parse::<IpAddr>().is_err())
        {
            return Err(err(
                "license.server_ips.malformed",
                "server_ips",
                format!("server_ips is a list of at most {MAX_SERVER_IPS} IP addresses"),
            ));
        }
        Ok(OrderContext {
            order_id: order_id.to_owned(),
            api,
            owner_id: owner_id.map(str::to_owned),
            server_ips: server_ips.to_vec(),
            upgrade_plan: None,
        })
    }
}
