//! An account's deliveries folded in event order, whatever order they
//! arrived in.
//!
//! [`Entitlement::apply`] takes one event against the state before it. When
//! deliveries for one account arrive concurrently or out of order (GitHub
//! retries, a `pending_change` right behind a purchase), applying each as it
//! arrives gives an answer that depends on the arrival order: a late
//! `changed` clears a pending change announced after it. A store that keeps
//! the account's deliveries instead, and folds them with [`replay`] each time
//! one arrives, holds the same entitlement for every arrival order: the
//! events are sorted by effective date, then by action (`purchased`,
//! `pending_change`, `pending_change_cancelled`, `changed`, `cancelled`: a
//! change announced for a date comes before the change made at that date),
//! then by arrival (stable), and applied one by one from `base`.
//!
//! `base` is the state before the first kept delivery: `None`, or the state
//! [`super::reconcile`] repaired (deliveries dated before it are then
//! `event.stale`). An earlier delivery the fold cannot apply (the account of
//! another state, a pending change for an unknown account) is skipped with
//! its code as the reason; the last delivery's error is the answer.

use serde_json::value::RawValue;

use super::entitlement::{Applied, Entitlement};
use super::event::{parse_event, PurchaseAction, PurchaseEvent};
use crate::Error;

/// Most deliveries folded for one account. A store keeping more folds the
/// oldest into its `base` (see [`replay`]).
pub const MAX_EVENTS: usize = 1024;

fn rank(action: PurchaseAction) -> u8 {
    match action {
        PurchaseAction::Purchased => 0,
        PurchaseAction::PendingChange => 1,
        PurchaseAction::PendingChangeCancelled => 2,
        PurchaseAction::Changed => 3,
        PurchaseAction::Cancelled => 4,
    }
}

/// Fold `events` (the account's deliveries, the newest arrival last) in
/// event order from `base`. The answer is the last delivery's: applied or
/// ignored (with its reason) within the fold, a duplicate purchase or not,
/// and the entitlement after every delivery.
///
/// Errors: the last delivery's own error (`event.invalid`,
/// `event.account_mismatch`, …), `replay.empty`, `replay.too_many_events`.
///
/// ```
/// use resale_core::marketplace::{event::parse_event, replay::replay};
/// let event = |action: &str, date: &str, units: u32| parse_event(format!(r#"{{"action":"{action}","effective_date":"{date}",
///   "marketplace_purchase":{{"account":{{"type":"User","id":1,"login":"a"}},"billing_cycle":"monthly",
///   "unit_count":{units},"on_free_trial":false,"plan":{{"id":2,"name":"Pro","price_model":"PER_UNIT"}}}}}}"#).as_bytes()).unwrap();
/// let bought = event("purchased", "2026-01-01T00:00:00Z", 1);
/// let grown = event("changed", "2026-02-01T00:00:00Z", 5);
/// // The change arrived first: the purchase, dated before it, still comes first in the fold.
/// let answer = replay(None, &[grown, bought]).unwrap();
/// assert_eq!(answer.entitlement.unit_count, 5);
/// assert_eq!(answer.ignored, None);
/// ```
pub fn replay(base: Option<&Entitlement>, events: &[PurchaseEvent]) -> Result<Applied, Error> {
    let last = events
        .len()
        .checked_sub(1)
        .ok_or_else(|| Error::at_field("replay.empty", "events", "no delivery to fold"))?;
    if events.len() > MAX_EVENTS {
        return Err(Error::at_field(
            "replay.too_many_events",
            "events",
            format!("more than {MAX_EVENTS} deliveries for one account"),
        ));
    }
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| (events[i].effective_at(), rank(events[i].action)));
    let mut state = base.cloned();
    let mut answer = None;
    for i in order {
        match Entitlement::apply(state.as_ref(), &events[i]) {
            Ok(applied) => {
                if i == last {
                    answer = Some((applied.ignored, applied.duplicate_purchase));
                }
                state = Some(applied.entitlement);
            }
            Err(e) if i == last => return Err(e),
            Err(_) => {}
        }
    }
    let (ignored, duplicate_purchase) = answer.unwrap_or_default();
    Ok(Applied {
        entitlement: state.expect("the last delivery was applied or ignored"),
        ignored,
        duplicate_purchase,
    })
}

/// [`replay`] from text, as the bindings pass it: `base` (an entitlement's
/// JSON, or `None`) and `events`, a JSON array of the deliveries' raw
/// payloads, the newest arrival last. An earlier payload that does not
/// parse is skipped; the last one's parse error is the answer (with the
/// paths [`parse_event`] names). Adds `replay.invalid` (field `events`: not
/// a JSON array) and `entitlement.invalid` (field `state`).
///
/// ```
/// use resale_core::marketplace::replay::replay_json;
/// assert_eq!(replay_json(None, "{}").unwrap_err().code, "replay.invalid");
/// assert_eq!(replay_json(None, "[]").unwrap_err().code, "replay.empty");
/// ```
pub fn replay_json(base: Option<&str>, events: &str) -> Result<Applied, Error> {
    let base = base.map(Entitlement::from_json).transpose()?;
    let raw: Vec<&RawValue> = serde_json::from_str(events)
        .map_err(|e| Error::at_field("replay.invalid", "events", e.to_string()))?;
    if raw.len() > MAX_EVENTS {
        return Err(Error::at_field(
            "replay.too_many_events",
            "events",
            format!("more than {MAX_EVENTS} deliveries for one account"),
        ));
    }
    let last = raw.len().checked_sub(1);
    let mut parsed = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        match parse_event(r.get().as_bytes()) {
            Ok(e) => parsed.push(e),
            Err(e) if Some(i) == last => return Err(e),
            Err(_) => {}
        }
    }
    replay(base.as_ref(), &parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str, date: &str, plan: u64, units: u64) -> PurchaseEvent {
        parse_event(
            format!(
                r#"{{"action":"{action}","effective_date":"{date}",
                "marketplace_purchase":{{"account":{{"type":"User","id":1,"login":"a"}},
                "billing_cycle":"monthly","unit_count":{units},"on_free_trial":false,
                "plan":{{"id":{plan},"name":"P","price_model":"PER_UNIT"}}}}}}"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    fn in_order(events: &[PurchaseEvent]) -> Entitlement {
        let mut state: Option<Entitlement> = None;
        for e in events {
            state = Some(Entitlement::apply(state.as_ref(), e).unwrap().entitlement);
        }
        state.unwrap()
    }

    /// Every arrival order of a sequence with a pending change, its
    /// withdrawal and a cancellation folds to the in-order state.
    #[test]
    fn every_permutation_folds_to_the_in_order_state() {
        let seq = [
            event("purchased", "2026-01-01T00:00:00Z", 1, 3),
            event("changed", "2026-01-10T00:00:00Z", 2, 3),
            event("pending_change", "2026-02-01T00:00:00Z", 1, 3),
            event("changed", "2026-02-01T00:00:00Z", 1, 3),
            event("pending_change", "2026-03-01T00:00:00Z", 1, 1),
            event("cancelled", "2026-04-01T00:00:00Z", 1, 1),
        ];
        let want = in_order(&seq);
        let mut idx: Vec<usize> = (0..seq.len()).collect();
        let mut n = 0;
        // Heap's algorithm over all 720 orders.
        fn permute(k: usize, idx: &mut Vec<usize>, f: &mut dyn FnMut(&[usize])) {
            if k == 1 {
                return f(idx);
            }
            for i in 0..k {
                permute(k - 1, idx, f);
                let j = if k.is_multiple_of(2) { i } else { 0 };
                idx.swap(j, k - 1);
            }
        }
        permute(seq.len(), &mut idx, &mut |order| {
            let shuffled: Vec<PurchaseEvent> = order.iter().map(|&i| seq[i].clone()).collect();
            assert_eq!(
                replay(None, &shuffled).unwrap().entitlement,
                want,
                "{order:?}"
            );
            n += 1;
        });
        assert_eq!(n, 720);
    }

    #[test]
    fn the_answer_is_the_last_deliverys() {
        let bought = event("purchased", "2026-01-01T00:00:00Z", 1, 3);
        let a = replay(None, &[bought.clone(), bought.clone()]).unwrap();
        assert_eq!(a.ignored, Some("event.duplicate"));
        let later = event("changed", "2026-02-01T00:00:00Z", 2, 3);
        let a = replay(None, &[later, bought]).unwrap();
        // The purchase folds first and applies; the state is the change's.
        assert_eq!((a.ignored, a.entitlement.plan.id), (None, 2));
    }

    #[test]
    fn errors_of_earlier_deliveries_are_skipped_the_last_ones_answered() {
        let other = parse_event(
            br#"{"action":"purchased","effective_date":"2026-01-02T00:00:00Z",
            "marketplace_purchase":{"account":{"type":"User","id":9,"login":"b"},
            "billing_cycle":"monthly","unit_count":1,"on_free_trial":false,
            "plan":{"id":1,"name":"P","price_model":"PER_UNIT"}}}"#,
        )
        .unwrap();
        let mine = event("purchased", "2026-01-01T00:00:00Z", 1, 3);
        assert_eq!(
            replay(None, &[mine.clone(), other.clone()])
                .unwrap_err()
                .code,
            "event.account_mismatch"
        );
        assert_eq!(
            replay(None, &[other, mine]).unwrap().entitlement.account.id,
            1
        );
        let bodies = r#"[{"action":"nope"}, {"action":"purchased"}]"#;
        let e = replay_json(None, bodies).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref().unwrap()),
            ("event.invalid", "$.effective_date")
        );
    }
}
