//! Reconciliation: what GitHub's account listing says against what we hold.
//!
//! GitHub does not resend a failed webhook delivery, so a store can miss a
//! purchase, a plan change or a cancellation for good. GitHub's
//! `GET /marketplace_listing/plans/:id/accounts` answers each plan's current
//! accounts (read by [`super::listing::parse_accounts`]); [`reconcile`]
//! compares the listings of every plan with the stored entitlements and
//! answers each difference with the repair it implies, and the repaired
//! entitlements.
//!
//! | kind | stored | listed | repair |
//! |---|---|---|---|
//! | `missing` | none | the account | `create`: an active entitlement from the listing |
//! | `status` | cancelled | the account | `reactivate`: active again, as listed |
//! | `plan` | plan A | plan B | `set_plan` |
//! | `unit_count` | n units | m units | `set_unit_count` |
//! | `billing_cycle` | monthly | yearly (or the reverse) | `set_billing_cycle` |
//! | `free_trial` | on a trial | not (or the reverse) | `set_free_trial` |
//! | `pending_change` | none, or another | a pending change | `set_pending` |
//! | `pending_change` | a pending change | none | `clear_pending` |
//! | `unlisted` | active | not listed on any plan | `cancel`: cancelled, access ending at `listed_at` |
//!
//! The listing given must be complete: the accounts of every plan of the
//! listing, every page (an account we hold that is absent is taken as gone).
//! A repaired entitlement is marked as reconciled, not as an event:
//! `reconciled_at` and `as_of` are `listed_at` (when the listing was read)
//! and `last_event` is `reconciled@<listed_at>`, so a delivery that arrives
//! late with an older date is `event.stale` (the listing already holds it),
//! and one made after the listing still applies. Dates GitHub moves without
//! an event (the next billing date, the trial end) are taken from the listing
//! in a repaired entitlement but are not differences on their own.
//!
//! Pure: the caller fetches the listing and passes `listed_at`.

use serde::Serialize;
use serde_json::{json, Value};

use super::entitlement::{Entitlement, PendingChange, Status};
use super::event::Account;
use super::listing::{ListedAccount, ListedPendingChange};
use super::time::parse_now;
use crate::Error;

/// Most accounts in one reconciliation (listed or stored); GitHub pages its
/// listing by 100, so this is 10,000 pages.
pub const MAX_ACCOUNTS: usize = 1_000_000;

/// What differs for one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// Listed, but we hold nothing.
    Missing,
    /// We hold it as cancelled, GitHub lists it.
    Status,
    /// Another plan.
    Plan,
    /// Another unit (seat) count.
    UnitCount,
    /// Another billing cycle.
    BillingCycle,
    /// On a free trial on one side only.
    FreeTrial,
    /// Another pending change (or one on one side only).
    PendingChange,
    /// We hold it as active, GitHub no longer lists it.
    Unlisted,
}

/// The repair a difference implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Repair {
    /// Store the listed account as a new entitlement.
    Create,
    /// Make the cancelled entitlement active, as listed.
    Reactivate,
    /// Take the listed plan.
    SetPlan,
    /// Take the listed unit count.
    SetUnitCount,
    /// Take the listed billing cycle.
    SetBillingCycle,
    /// Take the listed trial flag and end.
    SetFreeTrial,
    /// Take the listed pending change.
    SetPending,
    /// Drop the pending change GitHub no longer lists.
    ClearPending,
    /// Cancel, access ending when the listing was read.
    Cancel,
}

/// One difference, with the values on each side (JSON, `null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Difference {
    /// The account.
    pub account_id: u64,
    /// Its login (from the listing when listed).
    pub login: String,
    /// What differs.
    pub kind: DifferenceKind,
    /// Our value.
    pub stored: Value,
    /// GitHub's value.
    pub listed: Value,
    /// What the repair does.
    pub repair: Repair,
}

/// Every difference (by account ID, then in the order of the table above)
/// and one repaired entitlement per account that had any.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reconciliation {
    /// The differences found.
    pub differences: Vec<Difference>,
    /// The entitlements to store, by account ID.
    pub repaired: Vec<Entitlement>,
}

fn pending_of(
    listed: &ListedPendingChange,
    cycle: Option<super::event::BillingCycle>,
) -> PendingChange {
    PendingChange {
        effective_date: listed.effective_date.clone(),
        plan: listed.plan.clone(),
        unit_count: listed.unit_count.unwrap_or(0),
        // The listing names no cycle for a pending change: the current one stays.
        billing_cycle: cycle,
    }
}

fn same_pending(a: &PendingChange, b: &PendingChange) -> bool {
    a.plan.id == b.plan.id
        && a.unit_count == b.unit_count
        && super::time::parse_rfc3339(&a.effective_date)
            == super::time::parse_rfc3339(&b.effective_date)
}

fn pending_json(p: Option<&PendingChange>) -> Value {
    p.map_or(Value::Null, |p| {
        json!({"effective_date": p.effective_date, "plan_id": p.plan.id, "unit_count": p.unit_count})
    })
}

/// The entitlement the listing describes, marked as reconciled at `listed_at`.
fn from_listing(l: &ListedAccount, previous: Option<&Entitlement>, listed_at: &str) -> Entitlement {
    let p = &l.marketplace_purchase;
    Entitlement {
        account: Account {
            organization_billing_email: l
                .account
                .organization_billing_email
                .clone()
                .or_else(|| previous.and_then(|e| e.account.organization_billing_email.clone())),
            ..l.account.clone()
        },
        status: Status::Active,
        plan: p.plan.clone(),
        unit_count: p
            .unit_count
            .unwrap_or_else(|| previous.map_or(0, |e| e.unit_count)),
        billing_cycle: p.billing_cycle,
        on_free_trial: p.on_free_trial,
        free_trial_ends_on: p.free_trial_ends_on.clone(),
        next_billing_date: p.next_billing_date.clone(),
        pending: l
            .marketplace_pending_change
            .as_ref()
            .map(|c| pending_of(c, p.billing_cycle)),
        ends_at: None,
        as_of: listed_at.to_owned(),
        last_event: format!("reconciled@{listed_at}"),
        reconciled_at: Some(listed_at.to_owned()),
    }
}

/// The differences between one listed account and what we hold for it.
fn compare(l: &ListedAccount, held: Option<&Entitlement>, out: &mut Vec<Difference>) {
    let mut push = |kind, stored: Value, listed: Value, repair| {
        out.push(Difference {
            account_id: l.account.id,
            login: l.account.login.clone(),
            kind,
            stored,
            listed,
            repair,
        });
    };
    let p = &l.marketplace_purchase;
    let Some(e) = held else {
        push(
            DifferenceKind::Missing,
            Value::Null,
            json!({"plan_id": p.plan.id, "unit_count": p.unit_count}),
            Repair::Create,
        );
        return;
    };
    if e.status == Status::Cancelled {
        push(
            DifferenceKind::Status,
            json!("cancelled"),
            json!("active"),
            Repair::Reactivate,
        );
    }
    if e.plan.id != p.plan.id {
        push(
            DifferenceKind::Plan,
            json!(e.plan.id),
            json!(p.plan.id),
            Repair::SetPlan,
        );
    }
    if let Some(units) = p.unit_count.filter(|&u| u != e.unit_count) {
        push(
            DifferenceKind::UnitCount,
            json!(e.unit_count),
            json!(units),
            Repair::SetUnitCount,
        );
    }
    if e.billing_cycle != p.billing_cycle {
        push(
            DifferenceKind::BillingCycle,
            json!(e.billing_cycle),
            json!(p.billing_cycle),
            Repair::SetBillingCycle,
        );
    }
    if e.on_free_trial != p.on_free_trial {
        push(
            DifferenceKind::FreeTrial,
            json!(e.on_free_trial),
            json!(p.on_free_trial),
            Repair::SetFreeTrial,
        );
    }
    let listed_pending = l
        .marketplace_pending_change
        .as_ref()
        .map(|c| pending_of(c, p.billing_cycle));
    match (e.pending.as_ref(), listed_pending.as_ref()) {
        (None, None) => {}
        (Some(a), Some(b)) if same_pending(a, b) => {}
        (stored, Some(listed)) => push(
            DifferenceKind::PendingChange,
            pending_json(stored),
            pending_json(Some(listed)),
            Repair::SetPending,
        ),
        (Some(stored), None) => push(
            DifferenceKind::PendingChange,
            pending_json(Some(stored)),
            Value::Null,
            Repair::ClearPending,
        ),
    }
}

fn too_many(field: &str) -> Error {
    Error::at_field(
        "reconcile.too_many_accounts",
        field,
        format!("more than {MAX_ACCOUNTS} accounts"),
    )
}

/// Compare GitHub's listing (`listed`: the accounts of every plan, every
/// page) with the stored entitlements (`stored`, one per account) as of
/// `listed_at` (RFC 3339, when the listing was read).
///
/// Errors: `time.invalid` (field `now`), `reconcile.duplicate_account`
/// (an account listed twice, or stored twice: field `accounts[i]` or
/// `stored[i]`), `reconcile.too_many_accounts`.
///
/// ```
/// use resale_core::marketplace::{listing::parse_accounts, reconcile::{reconcile, Repair}};
/// let listed = parse_accounts(br#"[{"type":"User","id":7,"login":"octo",
///   "marketplace_purchase":{"billing_cycle":"monthly","unit_count":3,"on_free_trial":false,
///   "plan":{"id":9,"name":"Team","price_model":"PER_UNIT"}}}]"#).unwrap();
/// let r = reconcile(&listed, &[], "2026-05-01T00:00:00Z").unwrap();
/// assert_eq!(r.differences[0].repair, Repair::Create);
/// assert_eq!(r.repaired[0].unit_count, 3);
/// assert_eq!(r.repaired[0].reconciled_at.as_deref(), Some("2026-05-01T00:00:00Z"));
/// ```
pub fn reconcile(
    listed: &[ListedAccount],
    stored: &[Entitlement],
    listed_at: &str,
) -> Result<Reconciliation, Error> {
    parse_now(listed_at)?;
    if listed.len() > MAX_ACCOUNTS {
        return Err(too_many("accounts"));
    }
    if stored.len() > MAX_ACCOUNTS {
        return Err(too_many("stored"));
    }
    let mut held = std::collections::BTreeMap::new();
    for (i, e) in stored.iter().enumerate() {
        if held.insert(e.account.id, e).is_some() {
            return Err(Error::at_field(
                "reconcile.duplicate_account",
                format!("stored[{i}]"),
                format!("account {} is stored twice", e.account.id),
            ));
        }
    }
    let mut by_id = std::collections::BTreeMap::new();
    for (i, l) in listed.iter().enumerate() {
        if by_id.insert(l.account.id, l).is_some() {
            return Err(Error::at_field(
                "reconcile.duplicate_account",
                format!("accounts[{i}]"),
                format!(
                    "account {} is listed twice (on two plans, or on two pages)",
                    l.account.id
                ),
            ));
        }
    }
    let mut differences = Vec::new();
    let mut repaired = Vec::new();
    let ids: std::collections::BTreeSet<u64> = held.keys().chain(by_id.keys()).copied().collect();
    for id in ids {
        let before = differences.len();
        match (by_id.get(&id), held.get(&id).copied()) {
            (Some(l), e) => {
                compare(l, e, &mut differences);
                if differences.len() > before {
                    repaired.push(from_listing(l, e, listed_at));
                }
            }
            (None, Some(e)) if e.status == Status::Active => {
                differences.push(Difference {
                    account_id: id,
                    login: e.account.login.clone(),
                    kind: DifferenceKind::Unlisted,
                    stored: json!("active"),
                    listed: Value::Null,
                    repair: Repair::Cancel,
                });
                let mut next = e.clone();
                next.status = Status::Cancelled;
                next.ends_at = Some(listed_at.to_owned());
                next.pending = None;
                next.on_free_trial = false;
                next.as_of = listed_at.to_owned();
                next.last_event = format!("reconciled@{listed_at}");
                next.reconciled_at = Some(listed_at.to_owned());
                repaired.push(next);
            }
            (None, _) => {}
        }
    }
    Ok(Reconciliation {
        differences,
        repaired,
    })
}

/// [`reconcile`] from text, as the bindings pass it: the listing (a JSON
/// array, GitHub's pages concatenated), the stored entitlements (a JSON
/// array of entitlements) and `listed_at`. Adds `listing.invalid` and
/// `entitlement.invalid` (field `stored` or `stored[i]`) to its errors.
///
/// ```
/// use resale_core::marketplace::reconcile::reconcile_json;
/// let r = reconcile_json(b"[]", "[]", "2026-05-01T00:00:00Z").unwrap();
/// assert!(r.differences.is_empty());
/// assert_eq!(reconcile_json(b"{}", "[]", "2026-05-01T00:00:00Z").unwrap_err().code, "listing.invalid");
/// ```
pub fn reconcile_json(
    accounts: &[u8],
    stored: &str,
    listed_at: &str,
) -> Result<Reconciliation, Error> {
    let listed = super::listing::parse_accounts(accounts)?;
    let items: Vec<Value> = serde_json::from_str(stored)
        .map_err(|e| Error::at_field("entitlement.invalid", "stored", e.to_string()))?;
    let stored = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| {
                Error::at_field("entitlement.invalid", format!("stored[{i}]"), e.to_string())
            })
        })
        .collect::<Result<Vec<Entitlement>, _>>()?;
    reconcile(&listed, &stored, listed_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::entitlement::Entitlement;
    use crate::marketplace::event::parse_event;
    use crate::marketplace::listing::parse_accounts;

    const AT: &str = "2026-05-01T00:00:00Z";

    fn held(plan: u64, units: u64) -> Entitlement {
        let body = format!(
            r#"{{"action":"purchased","effective_date":"2026-01-01T00:00:00Z",
            "marketplace_purchase":{{"account":{{"type":"Organization","id":7,"login":"acme"}},
            "billing_cycle":"monthly","unit_count":{units},"on_free_trial":false,
            "plan":{{"id":{plan},"name":"P","price_model":"PER_UNIT"}}}}}}"#
        );
        Entitlement::apply(None, &parse_event(body.as_bytes()).unwrap())
            .unwrap()
            .entitlement
    }

    fn listing(plan: u64, units: u64, pending: &str) -> Vec<ListedAccount> {
        parse_accounts(
            format!(
                r#"[{{"type":"Organization","id":7,"login":"acme",
                "marketplace_purchase":{{"billing_cycle":"monthly","unit_count":{units},
                "on_free_trial":false,"plan":{{"id":{plan},"name":"P","price_model":"PER_UNIT"}}}}
                {pending}}}]"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn equal_states_have_no_difference() {
        let r = reconcile(&listing(1, 5, ""), &[held(1, 5)], AT).unwrap();
        assert_eq!(r.differences, vec![]);
        assert_eq!(r.repaired, vec![]);
    }

    #[test]
    fn plan_and_units_are_two_differences_and_one_repair() {
        let r = reconcile(&listing(2, 9, ""), &[held(1, 5)], AT).unwrap();
        let kinds: Vec<_> = r.differences.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, [DifferenceKind::Plan, DifferenceKind::UnitCount]);
        assert_eq!(r.repaired.len(), 1);
        assert_eq!((r.repaired[0].plan.id, r.repaired[0].unit_count), (2, 9));
        assert_eq!(r.repaired[0].last_event, format!("reconciled@{AT}"));
    }

    #[test]
    fn a_late_older_delivery_is_stale_after_a_repair() {
        let r = reconcile(&listing(2, 9, ""), &[held(1, 5)], AT).unwrap();
        let late = r#"{"action":"changed","effective_date":"2026-04-01T00:00:00Z",
            "marketplace_purchase":{"account":{"type":"Organization","id":7,"login":"acme"},
            "billing_cycle":"monthly","unit_count":9,"on_free_trial":false,
            "plan":{"id":2,"name":"P","price_model":"PER_UNIT"}}}"#;
        let applied =
            Entitlement::apply(Some(&r.repaired[0]), &parse_event(late.as_bytes()).unwrap())
                .unwrap();
        assert_eq!(applied.ignored, Some("event.stale"));
        // Dated the very second the listing was read: the listing holds it too.
        let same = late.replace("2026-04-01T00:00:00Z", AT);
        let applied =
            Entitlement::apply(Some(&r.repaired[0]), &parse_event(same.as_bytes()).unwrap())
                .unwrap();
        assert_eq!(applied.ignored, Some("event.stale"));
    }

    #[test]
    fn pending_changes_are_compared_by_date_plan_and_units() {
        let pending = r#","marketplace_pending_change":{"effective_date":"2026-06-01T00:00:00+00:00",
            "unit_count":2,"plan":{"id":1,"name":"P","price_model":"PER_UNIT"}}"#;
        let r = reconcile(&listing(1, 5, pending), &[held(1, 5)], AT).unwrap();
        assert_eq!(r.differences[0].repair, Repair::SetPending);
        // The repaired state compared again: the same instant in another spelling is no difference.
        let mut again = r.repaired[0].clone();
        again.pending.as_mut().unwrap().effective_date = "2026-06-01T00:00:00Z".into();
        assert_eq!(
            reconcile(&listing(1, 5, pending), &[again], AT)
                .unwrap()
                .differences,
            vec![]
        );
        let r = reconcile(&listing(1, 5, ""), &[r.repaired[0].clone()], AT).unwrap();
        assert_eq!(r.differences[0].repair, Repair::ClearPending);
    }

    #[test]
    fn unlisted_active_is_cancelled_and_unlisted_cancelled_is_left() {
        let r = reconcile(&[], &[held(1, 5)], AT).unwrap();
        assert_eq!(r.differences[0].kind, DifferenceKind::Unlisted);
        assert_eq!(r.repaired[0].status, Status::Cancelled);
        assert_eq!(r.repaired[0].ends_at.as_deref(), Some(AT));
        assert_eq!(reconcile(&[], &r.repaired, AT).unwrap().differences, vec![]);
    }

    #[test]
    fn duplicates_and_bad_time_are_coded() {
        let mut two = listing(1, 5, "");
        two.extend(listing(2, 5, ""));
        let e = reconcile(&two, &[], AT).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref().unwrap()),
            ("reconcile.duplicate_account", "accounts[1]")
        );
        let e = reconcile(&[], &[held(1, 1), held(2, 2)], AT).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref().unwrap()),
            ("reconcile.duplicate_account", "stored[1]")
        );
        assert_eq!(
            reconcile(&[], &[], "soon").unwrap_err().code,
            "time.invalid"
        );
        let e = reconcile_json(b"[]", r#"[{"x":1}]"#, AT).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref().unwrap()),
            ("entitlement.invalid", "stored[0]")
        );
    }
}
