//! The `marketplace_purchase` webhook payload, typed.
//!
//! Tolerant of fields it does not use (GitHub adds fields; `sender` and
//! `installation` are not needed), strict on those it does: a missing or
//! mistyped field is an error naming its JSON path, and a used field written
//! twice is an error too (a duplicate must not choose a plan).
//!
//! Real payloads spell the price model `FLAT_RATE`, `flat-rate`, `PER_UNIT`,
//! `per-unit`, `FREE`: all are read as [`PriceModel`]. Free plans have a
//! `null` billing cycle and next billing date.

use serde::{Deserialize, Deserializer, Serialize};

use super::time::{parse_rfc3339, Timestamp};
use crate::Error;

/// Largest payload parsed, in bytes (GitHub caps webhook payloads at 25 MB;
/// a marketplace event is a few KB).
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// What happened to the purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PurchaseAction {
    /// A new purchase (or free trial).
    Purchased,
    /// A downgrade or cancellation announced for the next billing cycle.
    PendingChange,
    /// The announced change was withdrawn.
    PendingChangeCancelled,
    /// The plan, units or cycle changed (upgrades at once; downgrades and
    /// trial ends at their effective date).
    Changed,
    /// The purchase ended.
    Cancelled,
}

impl PurchaseAction {
    /// The action as GitHub spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseAction::Purchased => "purchased",
            PurchaseAction::PendingChange => "pending_change",
            PurchaseAction::PendingChangeCancelled => "pending_change_cancelled",
            PurchaseAction::Changed => "changed",
            PurchaseAction::Cancelled => "cancelled",
        }
    }
}

/// How a plan is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PriceModel {
    /// One price for the account (all organization members).
    FlatRate,
    /// A price per unit (seat).
    PerUnit,
    /// No charge.
    Free,
}

impl<'de> Deserialize<'de> for PriceModel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.to_ascii_uppercase().replace('-', "_").as_str() {
            "FLAT_RATE" => Ok(PriceModel::FlatRate),
            "PER_UNIT" => Ok(PriceModel::PerUnit),
            "FREE" => Ok(PriceModel::Free),
            _ => Err(serde::de::Error::custom(format_args!(
                "unknown price_model `{text}`"
            ))),
        }
    }
}

/// Monthly or yearly billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum BillingCycle {
    /// Billed every month.
    Monthly,
    /// Billed every year.
    Yearly,
}

impl<'de> Deserialize<'de> for BillingCycle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.to_ascii_lowercase().as_str() {
            "monthly" => Ok(BillingCycle::Monthly),
            "yearly" => Ok(BillingCycle::Yearly),
            _ => Err(serde::de::Error::custom(format_args!(
                "unknown billing_cycle `{text}`"
            ))),
        }
    }
}

/// The account that bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Account {
    /// `User` or `Organization`.
    #[serde(rename = "type")]
    pub kind: String,
    /// GitHub's account ID.
    pub id: u64,
    /// The account's login.
    pub login: String,
    /// For organizations, the billing email GitHub shares.
    #[serde(default)]
    pub organization_billing_email: Option<String>,
}

/// A listing plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Plan {
    /// GitHub's plan ID (`marketplace_listing_plan_id`).
    pub id: u64,
    /// The plan's name.
    pub name: String,
    /// Monthly price, in cents.
    #[serde(default)]
    pub monthly_price_in_cents: u64,
    /// Yearly price, in cents.
    #[serde(default)]
    pub yearly_price_in_cents: u64,
    /// How the plan is priced.
    pub price_model: PriceModel,
    /// The unit of a per-unit plan (`seat`).
    #[serde(default)]
    pub unit_name: Option<String>,
    /// Whether the plan offers a free trial.
    #[serde(default)]
    pub has_free_trial: bool,
    /// The plan's selling points.
    #[serde(default)]
    pub bullets: Vec<String>,
}

/// A purchase: what an account has (or will have). GitHub writes it in two
/// places, one shape: a webhook event's purchase names its buyer
/// (`Purchase`, `account` an [`Account`]); the account listing's sits beside
/// the listed account and names none (`Purchase<Option<Account>>`, see
/// [`super::listing::ListedAccount`]). One type, so both read the same
/// fields the same way and a parse error names the same JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Purchase<A = Account> {
    /// The buyer.
    pub account: A,
    /// `monthly`, `yearly`, or `null` for free plans.
    #[serde(default)]
    pub billing_cycle: Option<BillingCycle>,
    /// Units bought (seats for per-unit plans); the listing answers `null`
    /// for flat-rate plans. Absent or `null` in an event is
    /// [`Purchase::units`] 0.
    #[serde(default)]
    pub unit_count: Option<u64>,
    /// On a free trial?
    #[serde(default)]
    pub on_free_trial: bool,
    /// When the free trial ends.
    #[serde(default)]
    pub free_trial_ends_on: Option<String>,
    /// Next billing date (`null` for free plans).
    #[serde(default)]
    pub next_billing_date: Option<String>,
    /// The plan.
    pub plan: Plan,
}

impl<A> Purchase<A> {
    /// The units bought, 0 when the purchase names none.
    pub fn units(&self) -> u64 {
        self.unit_count.unwrap_or(0)
    }
}

/// A `marketplace_purchase` webhook event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PurchaseEvent {
    /// What happened.
    pub action: PurchaseAction,
    /// When it takes (or took) effect, RFC 3339.
    pub effective_date: String,
    /// The purchase after the event.
    pub marketplace_purchase: Purchase,
    /// The purchase before the event (`changed`, `pending_change`, …).
    #[serde(default)]
    pub previous_marketplace_purchase: Option<Purchase>,
}

impl PurchaseEvent {
    /// `effective_date` in Unix seconds.
    pub fn effective_at(&self) -> Timestamp {
        parse_rfc3339(&self.effective_date).unwrap_or(i64::MIN)
    }
}

/// Turn a serde path into `$`-rooted form for error messages.
pub(crate) fn path_of(path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p == "." || p.is_empty() {
        "$".into()
    } else if p.starts_with('[') {
        format!("${p}")
    } else {
        format!("$.{p}")
    }
}

/// A serde error as `code` at the JSON path of the field at fault (a
/// missing field is reported at its parent by serde: this names the field
/// itself).
pub(crate) fn invalid_at(
    code: &'static str,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> Error {
    let path = path_of(e.path());
    let msg = e.into_inner().to_string();
    let path = match msg
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        Some(field) if path == "$" => format!("$.{field}"),
        Some(field) => format!("{path}.{field}"),
        None => path,
    };
    Error::at_field(code, &path, msg)
}

/// Parse the payload of a `marketplace_purchase` webhook.
///
/// ```
/// use resale_core::marketplace::event::{parse_event, PurchaseAction, PriceModel};
/// let e = parse_event(br#"{"action":"purchased","effective_date":"2017-10-25T00:00:00+00:00",
///   "marketplace_purchase":{"account":{"type":"User","id":1,"login":"octo"},"billing_cycle":null,
///   "unit_count":1,"on_free_trial":false,"free_trial_ends_on":null,"next_billing_date":null,
///   "plan":{"id":7,"name":"Free","price_model":"free"}}}"#).unwrap();
/// assert_eq!(e.action, PurchaseAction::Purchased);
/// assert_eq!(e.marketplace_purchase.plan.price_model, PriceModel::Free);
///
/// let err = parse_event(br#"{"action":"purchased"}"#).unwrap_err();
/// assert_eq!((err.code, err.field.as_deref().unwrap()), ("event.invalid", "$.effective_date"));
/// ```
pub fn parse_event(body: &[u8]) -> Result<PurchaseEvent, Error> {
    if body.len() > MAX_PAYLOAD_BYTES {
        return Err(Error::at_field(
            "event.too_large",
            "$",
            format!("the payload is larger than {MAX_PAYLOAD_BYTES} bytes"),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let event: PurchaseEvent =
        serde_path_to_error::deserialize(&mut de).map_err(|e| invalid_at("event.invalid", e))?;
    de.end()
        .map_err(|e| Error::at_field("event.invalid", "$", e.to_string()))?;
    for (field, value) in [
        ("$.effective_date", Some(&event.effective_date)),
        (
            "$.marketplace_purchase.free_trial_ends_on",
            event.marketplace_purchase.free_trial_ends_on.as_ref(),
        ),
        (
            "$.marketplace_purchase.next_billing_date",
            event.marketplace_purchase.next_billing_date.as_ref(),
        ),
    ] {
        if let Some(v) = value {
            if parse_rfc3339(v).is_none() {
                return Err(Error::at_field(
                    "event.invalid",
                    field,
                    format!("`{v}` is not an RFC 3339 date"),
                ));
            }
        }
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::parse_event;

    fn event(units: &str) -> String {
        format!(
            r#"{{"action":"purchased","effective_date":"2026-01-01T00:00:00Z","marketplace_purchase":
            {{"account":{{"type":"User","id":1,"login":"o"}},{units}"plan":{{"id":7,"name":"Free","price_model":"FREE"}}}}}}"#
        )
    }

    #[test]
    fn units_absent_or_null_are_none_and_count_zero() {
        for units in ["", r#""unit_count":null,"#] {
            let p = parse_event(event(units).as_bytes())
                .unwrap()
                .marketplace_purchase;
            assert_eq!((p.unit_count, p.units()), (None, 0), "{units}");
        }
        let p = parse_event(event(r#""unit_count":3,"#).as_bytes()).unwrap();
        assert_eq!(p.marketplace_purchase.units(), 3);
        let e = parse_event(event(r#""unit_count":"3","#).as_bytes()).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("event.invalid", Some("$.marketplace_purchase.unit_count"))
        );
    }
}
