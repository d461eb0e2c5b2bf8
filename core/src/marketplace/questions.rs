//! The questions an app asks of an entitlement, "now" passed in.

use serde::Serialize;

use super::entitlement::{Entitlement, Status};
use super::event::{PriceModel, PurchaseAction, PurchaseEvent};
use super::time::{parse_rfc3339, Timestamp};

impl Entitlement {
    /// May the account use the app at `now`? Active plans (trials included:
    /// GitHub sends `changed` or `cancelled` when a trial ends) and cancelled
    /// ones until their end.
    pub fn is_entitled(&self, now: Timestamp) -> bool {
        match self.status {
            Status::Active => true,
            Status::Cancelled => self
                .ends_at
                .as_deref()
                .and_then(parse_rfc3339)
                .is_some_and(|end| now < end),
        }
    }

    /// Whole days left in the free trial (rounded up), for the app's banner;
    /// `None` when not on a trial.
    ///
    /// ```
    /// # use resale_core::marketplace::{entitlement::Entitlement, event::parse_event, time::parse_rfc3339};
    /// let e = parse_event(br#"{"action":"purchased","effective_date":"2026-03-01T00:00:00Z",
    ///   "marketplace_purchase":{"account":{"type":"User","id":1,"login":"a"},"billing_cycle":"monthly",
    ///   "unit_count":1,"on_free_trial":true,"free_trial_ends_on":"2026-03-15T00:00:00Z",
    ///   "plan":{"id":2,"name":"Pro","price_model":"FLAT_RATE","has_free_trial":true}}}"#).unwrap();
    /// let state = Entitlement::apply(None, &e).unwrap().entitlement;
    /// assert_eq!(state.trial_days_remaining(parse_rfc3339("2026-03-10T12:00:00Z").unwrap()), Some(5));
    /// ```
    pub fn trial_days_remaining(&self, now: Timestamp) -> Option<u64> {
        if self.status != Status::Active || !self.on_free_trial {
            return None;
        }
        let end = parse_rfc3339(self.free_trial_ends_on.as_deref()?)?;
        let left = (end - now).max(0) as u64;
        Some(left.div_ceil(86_400))
    }

    /// May seat number `seat` (1-based) be taken at `now`?
    pub fn seat(&self, seat: u64, now: Timestamp) -> SeatAnswer {
        if !self.is_entitled(now) {
            return SeatAnswer {
                allowed: false,
                reason: "seat.not_entitled",
                limit: Some(0),
            };
        }
        match self.plan.price_model {
            PriceModel::PerUnit if seat == 0 || seat > self.unit_count => SeatAnswer {
                allowed: false,
                reason: "seat.over_limit",
                limit: Some(self.unit_count),
            },
            PriceModel::PerUnit => SeatAnswer {
                allowed: true,
                reason: "seat.per_unit",
                limit: Some(self.unit_count),
            },
            PriceModel::FlatRate => SeatAnswer {
                allowed: true,
                reason: "seat.flat_rate",
                limit: None,
            },
            PriceModel::Free => SeatAnswer {
                allowed: true,
                reason: "seat.free",
                limit: None,
            },
        }
    }
}

/// The answer to "may this seat be taken?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SeatAnswer {
    /// Yes or no.
    pub allowed: bool,
    /// Why: `seat.per_unit`, `seat.over_limit`, `seat.flat_rate` (all
    /// organization members), `seat.free`, `seat.not_entitled`.
    pub reason: &'static str,
    /// The number of seats, when limited.
    pub limit: Option<u64>,
}

/// Is `event` a purchase by an account that is already entitled? GitHub asks
/// apps to report such duplicate purchases to GitHub Support.
pub fn is_duplicate_purchase(previous: Option<&Entitlement>, event: &PurchaseEvent) -> bool {
    event.action == PurchaseAction::Purchased
        && previous.is_some_and(|e| e.is_entitled(event.effective_at()))
}
