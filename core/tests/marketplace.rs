//! The entitlement state machine, one test per row of the transition table
//! in `core/src/marketplace/entitlement.rs`, plus properties.

use proptest::prelude::*;
use resale_core::marketplace::entitlement::{Entitlement, Status};
use resale_core::marketplace::event::{parse_event, PurchaseEvent};
use resale_core::marketplace::listing::parse_accounts;
use resale_core::marketplace::questions::is_duplicate_purchase;
use resale_core::marketplace::setup_url::parse_setup_url;
use resale_core::marketplace::time::parse_rfc3339;

/// A purchase event's payload fields; `ev(action, date)` starts from plan 1,
/// 5 units, monthly, no trial, account 7 and no previous purchase, so each
/// test names only the fields its transition is about.
struct Ev {
    action: String,
    date: String,
    plan: u64,
    units: u64,
    cycle: String,
    trial: bool,
    account: u64,
    prev: Option<(u64, u64)>,
}

fn ev(action: &str, date: &str) -> Ev {
    Ev {
        action: action.into(),
        date: date.into(),
        plan: 1,
        units: 5,
        cycle: "monthly".into(),
        trial: false,
        account: 7,
        prev: None,
    }
}

impl Ev {
    fn plan(self, plan: u64) -> Self {
        Ev { plan, ..self }
    }
    fn units(self, units: u64) -> Self {
        Ev { units, ..self }
    }
    /// The billing cycle; "" writes `null`.
    fn cycle(self, cycle: &str) -> Self {
        Ev {
            cycle: cycle.into(),
            ..self
        }
    }
    fn trial(self, trial: bool) -> Self {
        Ev { trial, ..self }
    }
    fn account(self, account: u64) -> Self {
        Ev { account, ..self }
    }
    /// The previous purchase's plan and units.
    fn prev(self, plan: u64, units: u64) -> Self {
        Ev {
            prev: Some((plan, units)),
            ..self
        }
    }

    /// The payload as GitHub sends it, through the core's parser.
    fn parse(&self) -> PurchaseEvent {
        let Ev {
            action,
            date,
            cycle,
            trial,
            account,
            ..
        } = self;
        let purchase = |plan: u64, units: u64| {
            format!(
                r#"{{"account":{{"type":"Organization","id":{account},"login":"acme"}},"billing_cycle":{cycle},"unit_count":{units},"on_free_trial":{trial},"free_trial_ends_on":{trial_end},"next_billing_date":null,"plan":{{"id":{plan},"name":"P{plan}","price_model":"per-unit","unit_name":"seat"}}}}"#,
                cycle = if cycle.is_empty() {
                    "null".into()
                } else {
                    format!("{cycle:?}")
                },
                trial_end = if *trial {
                    "\"2026-01-15T00:00:00Z\""
                } else {
                    "null"
                },
            )
        };
        let prev = self
            .prev
            .map(|(p, u)| format!(r#","previous_marketplace_purchase":{}"#, purchase(p, u)))
            .unwrap_or_default();
        parse_event(
            format!(
                r#"{{"action":"{action}","effective_date":"{date}","marketplace_purchase":{}{prev}}}"#,
                purchase(self.plan, self.units)
            )
            .as_bytes(),
        )
        .unwrap()
    }
}

/// The core's transition for the event `e` describes: the entitlement, the
/// reason it was ignored, and whether it is a duplicate purchase.
fn apply(state: Option<&Entitlement>, e: &Ev) -> (Entitlement, Option<&'static str>, bool) {
    let a = Entitlement::apply(state, &e.parse()).unwrap();
    (a.entitlement, a.ignored, a.duplicate_purchase)
}

/// The transition from [`bought`]'s entitlement.
fn after_purchase(e: &Ev) -> (Entitlement, Option<&'static str>, bool) {
    apply(Some(&bought()), e)
}

/// [`bought`] with a pending change to 2 seats on 2026-02-01.
fn pending_two_seats() -> Entitlement {
    after_purchase(
        &ev("pending_change", "2026-02-01T00:00:00Z")
            .units(2)
            .prev(1, 5),
    )
    .0
}

fn bought() -> Entitlement {
    apply(None, &ev("purchased", "2026-01-01T00:00:00Z")).0
}

#[test]
fn t1_purchase_creates_an_active_entitlement() {
    let e = bought();
    assert_eq!((e.status, e.plan.id, e.unit_count), (Status::Active, 1, 5));
}

#[test]
fn t2_purchase_while_entitled_is_flagged_duplicate() {
    let later = ev("purchased", "2026-01-09T00:00:00Z").plan(2).units(3);
    let (e, ignored, dup) = after_purchase(&later);
    assert_eq!((e.plan.id, ignored, dup), (2, None, true));
    assert!(is_duplicate_purchase(Some(&bought()), &later.parse()));
    assert!(!is_duplicate_purchase(None, &later.parse()));
}

#[test]
fn t3_changed_takes_effect_at_once() {
    let (e, ..) = after_purchase(
        &ev("changed", "2026-01-05T00:00:00Z")
            .units(10)
            .cycle("yearly")
            .prev(1, 5),
    );
    assert_eq!(
        (e.unit_count, format!("{:?}", e.billing_cycle)),
        (10, "Some(Yearly)".into())
    );
    // A failed upgrade payment is reverted by another `changed`.
    let (e, ..) = apply(Some(&e), &ev("changed", "2026-01-06T00:00:00Z").prev(1, 10));
    assert_eq!(e.unit_count, 5);
}

#[test]
fn t4_pending_change_waits_for_its_date() {
    let e = pending_two_seats();
    assert_eq!(e.unit_count, 5);
    let p = e.pending.unwrap();
    assert_eq!(
        (p.unit_count, p.effective_date.as_str()),
        (2, "2026-02-01T00:00:00Z")
    );
}

#[test]
fn t5_pending_change_cancelled_withdraws_it() {
    let e = pending_two_seats();
    let (e, ignored, _) = apply(
        Some(&e),
        &ev("pending_change_cancelled", "2026-01-20T00:00:00Z"),
    );
    assert_eq!((e.pending, ignored, e.unit_count), (None, None, 5));
}

#[test]
fn t6_cancelled_ends_access_at_its_date() {
    let (e, ..) = after_purchase(&ev("cancelled", "2026-02-01T00:00:00Z"));
    assert_eq!(e.status, Status::Cancelled);
    assert!(e.is_entitled(parse_rfc3339("2026-01-31T23:59:59Z").unwrap()));
    assert!(!e.is_entitled(parse_rfc3339("2026-02-01T00:00:00Z").unwrap()));
}

#[test]
fn t7_older_events_are_stale() {
    let (e, ..) = after_purchase(&ev("changed", "2026-01-10T00:00:00Z").units(9).prev(1, 5));
    let (after, ignored, _) = apply(
        Some(&e),
        &ev("changed", "2026-01-05T00:00:00Z").units(3).prev(1, 5),
    );
    assert_eq!((ignored, after), (Some("event.stale"), e));
}

#[test]
fn t8_the_same_event_twice_changes_nothing() {
    let e = bought();
    let (again, ignored, _) = apply(Some(&e), &ev("purchased", "2026-01-01T00:00:00Z"));
    assert_eq!((ignored, again), (Some("event.duplicate"), e));
}

#[test]
fn t9_missed_purchase_recovered_from_later_events() {
    let (e, ..) = apply(
        None,
        &ev("changed", "2026-01-05T00:00:00Z")
            .plan(3)
            .units(4)
            .prev(1, 5),
    );
    assert_eq!((e.status, e.plan.id), (Status::Active, 3));
    let (e, ..) = apply(
        None,
        &ev("cancelled", "2026-01-05T00:00:00Z").plan(3).units(4),
    );
    assert_eq!(e.status, Status::Cancelled);
}

#[test]
fn t10_pending_change_for_unknown_account() {
    let (e, ..) = apply(
        None,
        &ev("pending_change", "2026-02-01T00:00:00Z")
            .units(2)
            .prev(1, 5),
    );
    assert_eq!((e.unit_count, e.pending.unwrap().unit_count), (5, 2));
    let err = Entitlement::apply(
        None,
        &ev("pending_change", "2026-02-01T00:00:00Z")
            .units(2)
            .parse(),
    )
    .unwrap_err();
    assert_eq!(err.code, "entitlement.missing");
}

#[test]
fn t11_changes_after_cancel_are_ignored() {
    let (c, ..) = after_purchase(&ev("cancelled", "2026-02-01T00:00:00Z"));
    let (e, ignored, _) = apply(
        Some(&c),
        &ev("pending_change", "2026-03-01T00:00:00Z")
            .units(2)
            .prev(1, 5),
    );
    assert_eq!((ignored, e), (Some("event.after_cancel"), c));
}

#[test]
fn t12_another_accounts_state_is_an_error() {
    let err = Entitlement::apply(
        Some(&bought()),
        &ev("changed", "2026-01-05T00:00:00Z").account(8).parse(),
    )
    .unwrap_err();
    assert_eq!(err.code, "event.account_mismatch");
}

#[test]
fn free_trial_banner_and_trial_end() {
    let (t, ..) = apply(
        None,
        &ev("purchased", "2026-01-01T00:00:00Z").units(1).trial(true),
    );
    assert_eq!(
        t.trial_days_remaining(parse_rfc3339("2026-01-10T00:00:00Z").unwrap()),
        Some(5)
    );
    let (paid, ..) = apply(
        Some(&t),
        &ev("changed", "2026-01-15T00:00:00Z").units(1).prev(1, 1),
    );
    assert_eq!(
        paid.trial_days_remaining(parse_rfc3339("2026-01-16T00:00:00Z").unwrap()),
        None
    );
}

#[test]
fn entitlement_round_trips_as_json() {
    let e = bought();
    let back: Entitlement = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(back, e);
}

#[test]
fn duplicate_keys_in_used_fields_are_rejected() {
    let body = br#"{"action":"purchased","action":"cancelled","effective_date":"2026-01-01T00:00:00Z","marketplace_purchase":{"account":{"type":"User","id":1,"login":"a"},"plan":{"id":1,"name":"x","price_model":"FREE"}}}"#;
    let e = parse_event(body).unwrap_err();
    assert_eq!(e.code, "event.invalid");
    assert!(e.message.contains("duplicate"), "{}", e.message);
}

#[test]
fn setup_url_and_listing() {
    assert_eq!(
        parse_setup_url(
            "https://a.example/s?marketplace_listing_plan_id=1&marketplace_listing_plan_id=2"
        )
        .unwrap_err()
        .code,
        "param.duplicate"
    );
    assert_eq!(
        parse_setup_url("https://a.example/s?installation_id=x")
            .unwrap_err()
            .code,
        "setup_url.malformed"
    );
    assert_eq!(parse_setup_url("/setup").unwrap_err().code, "url.invalid");
    let accounts = parse_accounts(br#"[{"url":"u","type":"Organization","id":4,"login":"github","organization_billing_email":"b@example.com","marketplace_pending_change":{"effective_date":"2017-11-11T00:00:00Z","unit_count":null,"id":77,"plan":{"id":1111,"name":"Pro","price_model":"PER_UNIT","unit_name":"seat"}},"marketplace_purchase":{"billing_cycle":"monthly","next_billing_date":"2017-11-11T00:00:00Z","unit_count":null,"on_free_trial":true,"free_trial_ends_on":"2017-11-11T00:00:00Z","updated_at":"2017-11-02T01:12:12Z","plan":{"id":1313,"name":"Pro","price_model":"FLAT_RATE"}}}]"#).unwrap();
    assert_eq!(
        (
            accounts[0].account.id,
            accounts[0].marketplace_purchase.plan.id
        ),
        (4, 1313)
    );
    assert_eq!(parse_accounts(b"{}").unwrap_err().code, "listing.invalid");
}

fn arb_event() -> impl Strategy<Value = PurchaseEvent> {
    (
        prop::sample::select(vec![
            "purchased",
            "pending_change",
            "pending_change_cancelled",
            "changed",
            "cancelled",
        ]),
        1u32..28,
        1u64..4,
        0u64..20,
        prop::sample::select(vec!["monthly", "yearly", ""]),
        any::<bool>(),
    )
        .prop_map(|(action, day, plan, units, cycle, trial)| {
            ev(action, &format!("2026-01-{day:02}T00:00:00Z"))
                .plan(plan)
                .units(units)
                .cycle(cycle)
                .trial(trial)
                .prev(plan, units + 1)
                .parse()
        })
}

proptest! {
    /// Applying any event twice in a row changes nothing the second time.
    #[test]
    fn idempotent(events in prop::collection::vec(arb_event(), 1..12)) {
        let mut state: Option<Entitlement> = None;
        for e in &events {
            if let Ok(a) = Entitlement::apply(state.as_ref(), e) {
                let again = Entitlement::apply(Some(&a.entitlement), e).unwrap();
                prop_assert_eq!(&again.entitlement, &a.entitlement);
                state = Some(a.entitlement);
            }
        }
    }

    /// Where GitHub's dates order the events, delivery order does not matter:
    /// a purchase and a later change, in either order, end in the same state.
    #[test]
    fn order_insensitive_for_dated_changes(d1 in 1u32..14, d2 in 15u32..28, u1 in 1u64..9, u2 in 1u64..9) {
        let buy = ev("purchased", &format!("2026-01-{d1:02}T00:00:00Z")).units(u1);
        let change = ev("changed", &format!("2026-01-{d2:02}T00:00:00Z")).plan(2).units(u2).cycle("yearly").prev(1, u1);
        let a = apply(Some(&apply(None, &buy).0), &change).0;
        let b = apply(Some(&apply(None, &change).0), &buy).0;
        prop_assert_eq!(a, b);
    }

    /// Arbitrary JSON (and bytes) never panics the parser.
    #[test]
    fn arbitrary_payloads_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), text in "\\PC{0,200}") {
        let _ = parse_event(&bytes);
        let _ = parse_event(text.as_bytes());
        let _ = parse_accounts(&bytes);
        let _ = parse_setup_url(&text);
    }
}

/// States written by 0.1.0 (tests/fixtures/entitlement, never regenerated)
/// still load, bare or as the whole apply answer, and keep their identity:
/// the event that wrote them, applied again, is recognised as seen.
#[test]
fn states_written_by_0_1_0_load_and_recognise_their_event() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/entitlement/"
    );
    let read = |name: &str| std::fs::read_to_string(format!("{dir}{name}")).unwrap();
    let event = parse_event(read("pending-change-event.json").as_bytes()).unwrap();
    let bare = Entitlement::from_json(&read("v0-pending-change.json")).unwrap();
    let whole = Entitlement::from_json(&read("v0-apply-output.json")).unwrap();
    assert_eq!(bare, whole);
    assert!(
        bare.last_event.contains(":cycle=Some(Monthly):"),
        "{}",
        bare.last_event
    );
    let again = Entitlement::apply(Some(&bare), &event).unwrap();
    assert!(
        again.ignored.is_some(),
        "the same event must be recognised: {:?}",
        again.ignored
    );
    assert_eq!(again.entitlement, bare);
    let trial = Entitlement::from_json(&read("v0-trial.json")).unwrap();
    assert!(trial.on_free_trial);
}
