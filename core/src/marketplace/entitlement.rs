//! What an account is entitled to: a pure state machine over purchase events.
//!
//! GitHub's rules (Marketplace documentation): purchases and upgrades take
//! effect at once (`changed`; monthly to yearly is an upgrade; a failed
//! upgrade payment is reverted by another `changed`); downgrades and
//! cancellations are announced by `pending_change` and take effect at
//! `effective_date`, the next billing cycle, when GitHub sends
//! `changed`/`cancelled`; `pending_change_cancelled` withdraws them;
//! cancelling a free trial sends `cancelled` at once; when a trial ends
//! GitHub sends `changed` and the account is on the paid plan. GitHub does
//! not resend failed deliveries, so an event for an unknown account is
//! taken as the truth it carries.
//!
//! | row | state before | event | state after |
//! |---|---|---|---|
//! | T1 | none | `purchased` | active: plan, units, cycle, trial from the event |
//! | T2 | any | `purchased` | active with the new purchase; flagged as a duplicate purchase when the account was still entitled |
//! | T3 | active | `changed` | active with the event's plan, units, cycle, trial, at once; any pending change cleared |
//! | T4 | active | `pending_change` | unchanged; the change is recorded as pending, for its effective date |
//! | T5 | active, change pending | `pending_change_cancelled` | the pending change withdrawn |
//! | T6 | active | `cancelled` | cancelled, access ending at the effective date (at once for a trial); pending cleared |
//! | T7 | any | an event dated before the state (or at the moment of a reconciled state's listing) | ignored: `event.stale` (out-of-order delivery) |
//! | T8 | any | the event last applied, again | ignored: `event.duplicate` (idempotent) |
//! | T9 | none | `changed`, `pending_change_cancelled`, `cancelled` | the state the event describes (a missed delivery recovered) |
//! | T10 | none | `pending_change` | active as `previous_marketplace_purchase`, the change pending; `entitlement.missing` without it, `event.account_mismatch` when it is another account's |
//! | T11 | cancelled | `pending_change`, `pending_change_cancelled` | ignored: `event.after_cancel` |
//! | T12 | another account's | any | error `event.account_mismatch` |
//!
//! Each row has a test named after it (`t1_…` to `t12_…`).

use serde::{Deserialize, Serialize};

use super::event::{Account, BillingCycle, Plan, Purchase, PurchaseAction, PurchaseEvent};
use super::time::parse_rfc3339;
use crate::Error;

/// Active or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The account has its plan.
    Active,
    /// The purchase ended (access ends at `ends_at`).
    Cancelled,
}

/// A change announced for a later date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PendingChange {
    /// When it takes effect.
    pub effective_date: String,
    /// The plan from then on.
    pub plan: Plan,
    /// Units from then on.
    pub unit_count: u64,
    /// Billing cycle from then on.
    pub billing_cycle: Option<BillingCycle>,
}

/// What one account is entitled to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Entitlement {
    /// The account.
    pub account: Account,
    /// Active or cancelled.
    pub status: Status,
    /// The current plan.
    pub plan: Plan,
    /// Units (seats) bought.
    pub unit_count: u64,
    /// Billing cycle (`null` for free plans).
    pub billing_cycle: Option<BillingCycle>,
    /// On a free trial?
    pub on_free_trial: bool,
    /// When the free trial ends.
    pub free_trial_ends_on: Option<String>,
    /// Next billing date.
    pub next_billing_date: Option<String>,
    /// A downgrade or cancellation announced for later.
    pub pending: Option<PendingChange>,
    /// For a cancelled purchase, when access ends.
    pub ends_at: Option<String>,
    /// The effective date of the last event that took effect.
    pub as_of: String,
    /// The last event applied (action and effective date), for idempotence;
    /// `reconciled@<date>` after a repair by [`super::reconcile`].
    pub last_event: String,
    /// When [`super::reconcile`] last repaired this state from GitHub's
    /// listing (absent for states that only events made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled_at: Option<String>,
}

/// What [`Entitlement::apply`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Applied {
    /// The state after the event.
    pub entitlement: Entitlement,
    /// `None` when applied; the reason code when ignored.
    pub ignored: Option<&'static str>,
    /// A `purchased` event for an account still entitled (GitHub asks apps
    /// to report these to GitHub Support).
    pub duplicate_purchase: bool,
}

/// The persisted identity of an event (`last_event`), compared to
/// recognise a delivery seen before. Every part is written out here, never
/// taken from a type's `Debug` output, so a derive cannot change what
/// stored states contain; the spelling is the one states written by 0.1.0
/// carry (`…:cycle=Some(Monthly):…`), so they keep matching.
fn fingerprint(e: &PurchaseEvent) -> String {
    let p = &e.marketplace_purchase;
    let cycle = match p.billing_cycle {
        None => "None",
        Some(BillingCycle::Monthly) => "Some(Monthly)",
        Some(BillingCycle::Yearly) => "Some(Yearly)",
    };
    format!(
        "{}@{}:plan={}:units={}:cycle={cycle}:trial={}",
        e.action.as_str(),
        e.effective_date,
        p.plan.id,
        p.units(),
        p.on_free_trial
    )
}

impl Entitlement {
    /// A stored entitlement read back from its JSON, or
    /// `entitlement.invalid` (field `state`). The text is the bare
    /// entitlement or the whole `apply` answer
    /// (`{"status":"applied"|"ignored",…,"entitlement":{…}}`).
    ///
    /// ```
    /// use resale_core::marketplace::entitlement::Entitlement;
    /// assert_eq!(Entitlement::from_json("{}").unwrap_err().code, "entitlement.invalid");
    /// ```
    pub fn from_json(text: &str) -> Result<Entitlement, Error> {
        if text.len() > super::event::MAX_PAYLOAD_BYTES {
            return Err(Error::at_field(
                "entitlement.invalid",
                "state",
                "the stored entitlement is larger than the payload limit",
            ));
        }
        // The bare entitlement, or the whole answer of `apply` (what the
        // command line prints): a caller may store either.
        #[derive(Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum AnswerStatus {
            Applied,
            Ignored,
        }
        #[derive(Deserialize)]
        struct ApplyAnswer {
            #[allow(dead_code)]
            status: AnswerStatus,
            entitlement: Entitlement,
        }
        serde_json::from_str(text).or_else(|bare| {
            serde_json::from_str::<ApplyAnswer>(text)
                .map(|answer| answer.entitlement)
                .map_err(|_| Error::at_field("entitlement.invalid", "state", bare.to_string()))
        })
    }

    fn from_purchase(p: &Purchase, e: &PurchaseEvent, status: Status) -> Entitlement {
        Entitlement {
            account: p.account.clone(),
            status,
            plan: p.plan.clone(),
            unit_count: p.units(),
            billing_cycle: p.billing_cycle,
            on_free_trial: p.on_free_trial,
            free_trial_ends_on: p.free_trial_ends_on.clone(),
            next_billing_date: p.next_billing_date.clone(),
            pending: None,
            ends_at: (status == Status::Cancelled).then(|| e.effective_date.clone()),
            as_of: e.effective_date.clone(),
            last_event: fingerprint(e),
            reconciled_at: None,
        }
    }

    fn pending_from(p: &Purchase, e: &PurchaseEvent) -> PendingChange {
        PendingChange {
            effective_date: e.effective_date.clone(),
            plan: p.plan.clone(),
            unit_count: p.units(),
            billing_cycle: p.billing_cycle,
        }
    }

    /// Apply a purchase event to the account's previous state.
    ///
    /// ```
    /// use resale_core::marketplace::{entitlement::Entitlement, event::parse_event};
    /// let bought = parse_event(br#"{"action":"purchased","effective_date":"2026-01-01T00:00:00Z",
    ///   "marketplace_purchase":{"account":{"type":"Organization","id":9,"login":"acme"},
    ///   "billing_cycle":"monthly","unit_count":5,"on_free_trial":false,
    ///   "plan":{"id":1,"name":"Team","price_model":"PER_UNIT","unit_name":"seat"}}}"#).unwrap();
    /// let state = Entitlement::apply(None, &bought).unwrap();
    /// assert_eq!(state.entitlement.unit_count, 5);
    /// let again = Entitlement::apply(Some(&state.entitlement), &bought).unwrap();
    /// assert_eq!(again.ignored, Some("event.duplicate"));
    /// assert_eq!(again.entitlement, state.entitlement);
    /// ```
    pub fn apply(previous: Option<&Entitlement>, event: &PurchaseEvent) -> Result<Applied, Error> {
        let p = &event.marketplace_purchase;
        let at = event.effective_at();
        let ignore = |state: &Entitlement, reason| Applied {
            entitlement: state.clone(),
            ignored: Some(reason),
            duplicate_purchase: false,
        };
        let applied = |entitlement| Applied {
            entitlement,
            ignored: None,
            duplicate_purchase: false,
        };
        let Some(prev) = previous else {
            // T1, T9, T10: no state yet; the event carries the truth.
            return Ok(applied(match event.action {
                PurchaseAction::Purchased
                | PurchaseAction::Changed
                | PurchaseAction::PendingChangeCancelled => {
                    Entitlement::from_purchase(p, event, Status::Active)
                }
                PurchaseAction::Cancelled => {
                    Entitlement::from_purchase(p, event, Status::Cancelled)
                }
                PurchaseAction::PendingChange => {
                    let current =
                        event
                            .previous_marketplace_purchase
                            .as_ref()
                            .ok_or_else(|| {
                                Error::at_field(
                            "entitlement.missing",
                            "$.previous_marketplace_purchase",
                            "a pending change for an unknown account, without its current purchase",
                        )
                            })?;
                    if current.account.id != p.account.id {
                        return Err(Error::at_field(
                            "event.account_mismatch",
                            "$.previous_marketplace_purchase.account.id",
                            "the previous purchase is another account's",
                        ));
                    }
                    let mut e = Entitlement::from_purchase(current, event, Status::Active);
                    e.pending = Some(Self::pending_from(p, event));
                    e
                }
            }));
        };
        // T12
        if prev.account.id != p.account.id {
            return Err(Error::at_field(
                "event.account_mismatch",
                "$.marketplace_purchase.account.id",
                format!(
                    "the event is for account {}, the state for account {}",
                    p.account.id, prev.account.id
                ),
            ));
        }
        // T8, T7
        if fingerprint(event) == prev.last_event {
            return Ok(ignore(prev, "event.duplicate"));
        }
        // A state repaired from GitHub's listing holds every event dated up
        // to the moment the listing was read, that moment included.
        let as_of = parse_rfc3339(&prev.as_of).unwrap_or(i64::MIN);
        if at < as_of || (at == as_of && prev.last_event.starts_with("reconciled@")) {
            return Ok(ignore(prev, "event.stale"));
        }
        let mut next = prev.clone();
        next.last_event = fingerprint(event);
        match event.action {
            // T2
            PurchaseAction::Purchased => {
                let duplicate = prev.is_entitled(at);
                let mut e = Entitlement::from_purchase(p, event, Status::Active);
                e.last_event = fingerprint(event);
                return Ok(Applied {
                    entitlement: e,
                    ignored: None,
                    duplicate_purchase: duplicate,
                });
            }
            // T3 (and T9's "changed" on a cancelled state reactivates: GitHub is the truth)
            PurchaseAction::Changed => {
                next = Entitlement::from_purchase(p, event, Status::Active);
            }
            // T4, T11
            PurchaseAction::PendingChange => {
                if prev.status == Status::Cancelled {
                    return Ok(ignore(prev, "event.after_cancel"));
                }
                next.pending = Some(Self::pending_from(p, event));
            }
            // T5, T11
            PurchaseAction::PendingChangeCancelled => {
                if prev.status == Status::Cancelled {
                    return Ok(ignore(prev, "event.after_cancel"));
                }
                next.pending = None;
                next.as_of = event.effective_date.clone();
            }
            // T6
            PurchaseAction::Cancelled => {
                next.status = Status::Cancelled;
                next.ends_at = Some(event.effective_date.clone());
                next.pending = None;
                next.on_free_trial = false;
                next.as_of = event.effective_date.clone();
            }
        }
        Ok(applied(next))
    }
}
