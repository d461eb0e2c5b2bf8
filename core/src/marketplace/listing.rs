//! GitHub's account listing (`GET /marketplace_listing/plans/:id/accounts`),
//! for reconciling state: GitHub does not resend failed deliveries.

use serde::{Deserialize, Serialize};

use super::event::{Account, Plan, Purchase};
use crate::Error;

/// One account of the listing. GitHub writes it as the account object of
/// a webhook event ([`Account`]: `type`, `id`, `login`, …) with the
/// purchase fields beside those; [`parse_accounts`] reads each entry as both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAccount {
    /// The account, in the webhook's shape.
    pub account: Account,
    /// The current purchase.
    pub marketplace_purchase: ListedPurchase,
    /// A change announced for later, if any.
    pub marketplace_pending_change: Option<ListedPendingChange>,
}

/// What an entry of the listing holds beside its account's fields.
#[derive(Deserialize)]
struct Holding {
    marketplace_purchase: ListedPurchase,
    #[serde(default)]
    marketplace_pending_change: Option<ListedPendingChange>,
}

/// The current purchase of a listed account: the webhook's [`Purchase`],
/// which here names no account (`account` is `None`: the listed account
/// is beside it, in [`ListedAccount`]), and whose `unit_count` is `null`
/// for flat-rate plans (reconciling keeps the stored count then).
pub type ListedPurchase = Purchase<Option<Account>>;

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

/// Parse the JSON array GitHub answers: `listing.invalid` naming the JSON
/// path of the field at fault (`$[0].marketplace_purchase.plan`).
///
/// Each entry is read twice, as an [`Account`] and as what it holds beside
/// it, so the account's shape is written once (in `event.rs`) and a field
/// at fault is still named by its path: `#[serde(flatten)]` would report
/// a mistyped account field at the entry and take the first of a field
/// written twice. Reconciling is not a hot path; both reads tolerate the
/// fields they do not use.
pub fn parse_accounts(json: &[u8]) -> Result<Vec<ListedAccount>, Error> {
    let accounts: Vec<Account> = parse(json)?;
    let holdings: Vec<Holding> = parse(json)?;
    Ok(accounts
        .into_iter()
        .zip(holdings)
        .map(|(account, h)| ListedAccount {
            account,
            marketplace_purchase: h.marketplace_purchase,
            marketplace_pending_change: h.marketplace_pending_change,
        })
        .collect())
}

fn parse<'de, T: Deserialize<'de>>(json: &'de [u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(json);
    serde_path_to_error::deserialize(de).map_err(|e| super::event::invalid_at("listing.invalid", e))
}

#[cfg(test)]
mod tests {
    use super::parse_accounts;

    const PURCHASE: &str = r#""marketplace_purchase":{"billing_cycle":"monthly","unit_count":null,
        "on_free_trial":false,"plan":{"id":9,"name":"Team","price_model":"FLAT_RATE"}}"#;

    fn field_of(entry: &str) -> String {
        let e = parse_accounts(format!("[{entry}]").as_bytes()).unwrap_err();
        assert_eq!(e.code, "listing.invalid");
        e.field.unwrap()
    }

    #[test]
    fn an_account_field_at_fault_is_named_by_its_path() {
        let ok = parse_accounts(
            format!(r#"[{{"type":"User","id":7,"login":"o",{PURCHASE}}}]"#).as_bytes(),
        )
        .unwrap();
        assert_eq!(
            (ok[0].account.id, ok[0].marketplace_purchase.unit_count),
            (7, None)
        );
        assert_eq!(ok[0].marketplace_purchase.account, None);
        assert_eq!(
            field_of(&format!(
                r#"{{"type":"User","id":"7","login":"o",{PURCHASE}}}"#
            )),
            "$[0].id"
        );
        assert_eq!(
            field_of(&format!(r#"{{"type":"User","login":"o",{PURCHASE}}}"#)),
            "$[0].id"
        );
        assert_eq!(
            field_of(r#"{"type":"User","id":7,"login":"o"}"#),
            "$[0].marketplace_purchase"
        );
    }

    #[test]
    fn a_field_written_twice_is_refused() {
        let twice = format!(r#"[{{"type":"User","id":7,"id":8,"login":"o",{PURCHASE}}}]"#);
        let e = parse_accounts(twice.as_bytes()).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("listing.invalid", Some("$[0]"))
        );
        assert!(e.message.contains("duplicate field `id`"), "{}", e.message);
    }
}
