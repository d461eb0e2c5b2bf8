//! GitHub's account listing (`GET /marketplace_listing/plans/:id/accounts`),
//! for reconciling state: GitHub does not resend failed deliveries.

use serde::{Deserialize, Serialize};

use super::event::{BillingCycle, Plan};
use crate::Error;

/// One account of the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedAccount {
    /// `User` or `Organization`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Account ID.
    pub id: u64,
    /// Login.
    pub login: String,
    /// For organizations, the billing email GitHub shares.
    #[serde(default)]
    pub organization_billing_email: Option<String>,
    /// The current purchase.
    pub marketplace_purchase: ListedPurchase,
    /// A change announced for later, if any.
    #[serde(default)]
    pub marketplace_pending_change: Option<ListedPendingChange>,
}

/// The current purchase of a listed account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedPurchase {
    /// Billing cycle.
    #[serde(default)]
    pub billing_cycle: Option<BillingCycle>,
    /// Units.
    #[serde(default)]
    pub unit_count: Option<u64>,
    /// On a trial?
    #[serde(default)]
    pub on_free_trial: bool,
    /// Trial end.
    #[serde(default)]
    pub free_trial_ends_on: Option<String>,
    /// Next billing date.
    #[serde(default)]
    pub next_billing_date: Option<String>,
    /// The plan.
    pub plan: Plan,
}

/// A pending change of a listed account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedPendingChange {
    /// When it takes effect.
    pub effective_date: String,
    /// Units from then on.
    #[serde(default)]
    pub unit_count: Option<u64>,
    /// The plan from then on.
    pub plan: Plan,
}

/// Parse the JSON array GitHub answers.
pub fn parse_accounts(json: &[u8]) -> Result<Vec<ListedAccount>, Error> {
    let de = &mut serde_json::Deserializer::from_slice(json);
    serde_path_to_error::deserialize(de).map_err(|e| super::event::invalid_at("listing.invalid", e))
}
