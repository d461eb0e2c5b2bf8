//! The JSON shape of every answer, shared by all bindings.
//!
//! The command line prints these objects, the WebAssembly package returns
//! them, and `tests/vectors/` states expectations in them. Each answer is a
//! Rust type here, serialised by serde: defining them once is what makes the
//! bindings agree.
//!
//! Every answer has a `status`; failures add the [`Error`]'s stable `code`
//! and `message`, and the part of it that answer has always carried (the
//! shared vectors pin these shapes):
//!
//! | answer | failure shape |
//! |---|---|
//! | [`lint`] | `{"status":"error","code","path","message"}` (`path` is the error's field) |
//! | [`rewrite`], [`panel_ini`] | `{"status":"error","code","message"}` |
//! | [`filter_catalog`], [`explain_catalog_text`] | `{"status":"error","code","offset","message"}` |
//! | [`check`] | `{"status":"rejected","code","field","message"}` (`field` may be `null`) |
//! | license and marketplace answers | `{"status":"error","code","field","message"}` |

use serde::Serialize;
use serde_json::Value;

use crate::catalog::{CatalogKind, CategoryDecision, Explanation, Filtered, ItemDecision};
use crate::license::key_response::KeyInfo;
use crate::license::LicensePlan;
use crate::marketplace::entitlement::{Applied, Entitlement};
use crate::marketplace::questions::SeatAnswer;
use crate::{Error, RewriteOutcome, ShopRequest};

/// A failure as the license, marketplace and check answers carry it:
/// `field` is `null` when the input as a whole is at fault.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldFailure<'a> {
    /// The stable code.
    pub code: &'a str,
    /// The field at fault, or `null`.
    pub field: Option<&'a str>,
    /// For a person.
    pub message: &'a str,
}

impl<'a> From<&'a Error> for FieldFailure<'a> {
    fn from(e: &'a Error) -> FieldFailure<'a> {
        FieldFailure {
            code: e.code,
            field: e.field.as_deref(),
            message: &e.message,
        }
    }
}

/// A failure without a field or offset (rewrite, panel.ini).
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeFailure<'a> {
    /// The stable code.
    pub code: &'a str,
    /// For a person.
    pub message: &'a str,
}

impl<'a> From<&'a Error> for CodeFailure<'a> {
    fn from(e: &'a Error) -> CodeFailure<'a> {
        CodeFailure {
            code: e.code,
            message: &e.message,
        }
    }
}

/// [`lint`]'s answer.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum LintAnswer<'a> {
    /// The policy compiles.
    Ok,
    /// It does not.
    Error {
        /// The stable code.
        code: &'a str,
        /// The JSON path at fault (`$.shop_url`).
        path: &'a str,
        /// For a person.
        message: &'a str,
    },
}

/// `{"status":"ok"}` or `{"status":"error","code","path","message"}`.
///
/// ```
/// let e = resale_core::Policy::from_json("{}").unwrap_err();
/// let v = resale_core::report::lint(Err(&e));
/// assert_eq!(v["code"], "policy.key.missing");
/// assert_eq!(v["path"], "$.shop_url");
/// ```
pub fn lint(result: Result<(), &Error>) -> Value {
    to_value(&match result {
        Ok(()) => LintAnswer::Ok,
        Err(e) => LintAnswer::Error {
            code: e.code,
            path: e.field.as_deref().unwrap_or("$"),
            message: &e.message,
        },
    })
}

/// [`rewrite`]'s answer.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum RewriteAnswer<'a> {
    /// A Plesk buy link, now pointing at the shop.
    Rewritten {
        /// The shop's URL.
        url: &'a str,
    },
    /// Not a Plesk buy link: keep the original.
    Unchanged {
        /// Why (`host.not_plesk_store`, …).
        reason: &'static str,
        /// For a person.
        message: &'static str,
    },
    /// Not a URL.
    Error(CodeFailure<'a>),
}

impl<'a> From<&'a Result<RewriteOutcome, Error>> for RewriteAnswer<'a> {
    fn from(result: &'a Result<RewriteOutcome, Error>) -> RewriteAnswer<'a> {
        match result {
            Ok(RewriteOutcome::Rewritten(url)) => RewriteAnswer::Rewritten { url },
            Ok(RewriteOutcome::Unchanged(r)) => RewriteAnswer::Unchanged {
                reason: r.code(),
                message: r.message(),
            },
            Err(e) => RewriteAnswer::Error(e.into()),
        }
    }
}

/// `{"status":"rewritten","url"}`, `{"status":"unchanged","reason","message"}`
/// or `{"status":"error","code","message"}`.
pub fn rewrite(result: &Result<RewriteOutcome, Error>) -> Value {
    to_value(&RewriteAnswer::from(result))
}

/// [`rewrite`] as JSON text, without building a [`Value`] (bindings that
/// answer text, such as the WebAssembly package, call this per request).
pub fn rewrite_text(result: &Result<RewriteOutcome, Error>) -> String {
    to_text(&RewriteAnswer::from(result))
}

/// [`check`]'s answer.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum CheckAnswer<'a> {
    /// The request may go on to the shop.
    Accepted {
        /// The request, typed.
        request: &'a ShopRequest,
        /// Where the shop entry redirects (absent when not asked).
        #[serde(skip_serializing_if = "Option::is_none")]
        redirect_url: Option<&'a str>,
    },
    /// Refused by a rule.
    Rejected(FieldFailure<'a>),
}

impl<'a> CheckAnswer<'a> {
    fn new(result: &'a Result<ShopRequest, Error>, redirect_url: Option<&'a str>) -> Self {
        match result {
            Ok(request) => CheckAnswer::Accepted {
                request,
                redirect_url,
            },
            Err(r) => CheckAnswer::Rejected(r.into()),
        }
    }
}

/// `{"status":"accepted","request":{…},"redirect_url"}` or
/// `{"status":"rejected","code","field","message"}`. Absent values are `null`.
pub fn check(result: &Result<ShopRequest, Error>, redirect_url: Option<&str>) -> Value {
    to_value(&CheckAnswer::new(result, redirect_url))
}

/// [`check`] as JSON text, without building a [`Value`].
///
/// ```
/// use resale_core::{report, Policy};
/// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com", "extensions": {"docker": {}}}"#).unwrap();
/// let result = policy.check_shop_request("extension-id=docker&kn=PLSK.12345678.0001");
/// let redirect = result.as_ref().ok().map(|r| policy.shop_redirect_url(r));
/// assert_eq!(report::check_text(&result, redirect.as_deref()),
///            report::check(&result, redirect.as_deref()).to_string());
/// ```
pub fn check_text(result: &Result<ShopRequest, Error>, redirect_url: Option<&str>) -> String {
    to_text(&CheckAnswer::new(result, redirect_url))
}

/// `{"status":"rejected","code","field","message"}`: a shop request's
/// refusal where another answer was asked for (a license plan's query).
pub fn rejection(r: &Error) -> Value {
    to_value(&CheckAnswer::Rejected(r.into()))
}

/// [`panel_ini`]'s answer.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum PanelIniAnswer<'a> {
    /// The `[extensions]` section.
    Ok {
        /// Its text.
        text: &'a str,
    },
    /// The catalog URL cannot go into panel.ini.
    Error(CodeFailure<'a>),
}

/// `{"status":"ok","text"}` or `{"status":"error","code","message"}`.
pub fn panel_ini(result: &Result<String, Error>) -> Value {
    to_value(&match result {
        Ok(text) => PanelIniAnswer::Ok { text },
        Err(e) => PanelIniAnswer::Error(e.into()),
    })
}

/// [`filter_catalog`]'s answer.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum CatalogAnswer<'a> {
    /// The filtered feed.
    Ok {
        /// Which feed the path asked for.
        kind: CatalogKind,
        /// The filtered feed, as text.
        body: std::borrow::Cow<'a, str>,
        /// Elements kept.
        kept: u64,
        /// Elements dropped.
        dropped: u64,
    },
    /// The feed cannot be filtered.
    Error {
        /// The stable code.
        code: &'a str,
        /// Byte offset in the feed.
        offset: u64,
        /// For a person.
        message: &'a str,
    },
}

impl<'a> CatalogAnswer<'a> {
    fn error(e: &'a Error) -> CatalogAnswer<'a> {
        CatalogAnswer::Error {
            code: e.code,
            offset: e.offset.unwrap_or(0),
            message: &e.message,
        }
    }
}

/// `{"status":"ok","kind","body","kept","dropped"}` (the body as text; the
/// full counts are `CatalogStats`) or `{"status":"error","code","offset","message"}`.
pub fn filter_catalog(result: &Result<Filtered, Error>) -> Value {
    to_value(&match result {
        Ok(f) => CatalogAnswer::Ok {
            kind: f.kind,
            body: String::from_utf8_lossy(&f.body),
            kept: f.stats.kept,
            dropped: f.stats.dropped,
        },
        Err(e) => CatalogAnswer::error(e),
    })
}

/// `{"status":"error","code","offset","message"}`.
pub fn catalog_error(e: &Error) -> Value {
    to_value(&CatalogAnswer::error(e))
}

/// [`explain_catalog_text`]'s answer.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ExplainAnswer<'a> {
    /// Every decision of the filter.
    Ok {
        /// Which feed the path asked for.
        kind: CatalogKind,
        /// Per item: index, code, name, decision, rule (and host or pattern).
        items: &'a [ItemDecision],
        /// Per category: the `top_packages` entries kept and hidden.
        categories: &'a [CategoryDecision],
        /// The filter's counts (`CatalogStats`).
        summary: &'a crate::catalog::CatalogStats,
    },
    /// The feed cannot be filtered.
    #[serde(untagged)]
    Error(CatalogAnswer<'a>),
}

impl<'a> From<&'a Result<Explanation, Error>> for ExplainAnswer<'a> {
    fn from(result: &'a Result<Explanation, Error>) -> ExplainAnswer<'a> {
        match result {
            Ok(e) => ExplainAnswer::Ok {
                kind: e.kind,
                items: &e.items,
                categories: &e.categories,
                summary: &e.summary,
            },
            Err(e) => ExplainAnswer::Error(CatalogAnswer::error(e)),
        }
    }
}

/// `{"status":"ok","kind","items":[…],"categories":[…],"summary":{…}}` or
/// [`filter_catalog`]'s error, as JSON text (the wasm package, the C ABI).
///
/// ```
/// use resale_core::{report, Policy};
/// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com"}"#).unwrap();
/// let text = report::explain_catalog_text(&policy.explain_catalog("/api/v4/packages", b"[{\"code\":\"a\"}]"));
/// assert_eq!(text, r#"{"status":"ok","kind":"packages","items":[{"index":0,"code":"a","name":null,"decision":"kept","rule":"free"}],"categories":[],"summary":{"kind":"packages","items":1,"kept":1,"dropped":0,"kept_free":1,"kept_elsewhere":0,"kept_sold":0,"rewritten":0,"top_packages_kept":0,"top_packages_dropped":0,"bytes_in":14,"bytes_out":14}}"#);
/// let text = report::explain_catalog_text(&policy.explain_catalog("/api/v4/packages", b"{}"));
/// assert!(text.starts_with(r#"{"status":"error","code":"catalog.json.not_array","offset":0,"#));
/// ```
pub fn explain_catalog_text(result: &Result<Explanation, Error>) -> String {
    to_text(&ExplainAnswer::from(result))
}

/// [`explain_catalog_text`] as a [`Value`].
pub fn explain_catalog(result: &Result<Explanation, Error>) -> Value {
    to_value(&ExplainAnswer::from(result))
}

/// A license or marketplace answer: the success's own fields beside
/// `"status":"ok"`, or `{"status":"error","code","field","message"}`.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum FieldAnswer<'a, T: Serialize> {
    /// Done.
    Ok(T),
    /// Refused.
    Error(FieldFailure<'a>),
}

impl<'a, T: Serialize> FieldAnswer<'a, T> {
    fn of<U>(result: &'a Result<U, Error>, ok: impl FnOnce(&'a U) -> T) -> Self {
        match result {
            Ok(u) => FieldAnswer::Ok(ok(u)),
            Err(e) => FieldAnswer::Error(e.into()),
        }
    }
}

/// `{"plan"}` beside `"status":"ok"`.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanAnswer<'a> {
    /// The plan.
    pub plan: &'a LicensePlan,
}

/// `{"commands"}` beside `"status":"ok"`.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommandsAnswer<'a> {
    /// The command lines.
    pub commands: &'a [String],
}

/// `{"key"}` beside `"status":"ok"`.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyAnswer<'a> {
    /// The key's parts.
    pub key: &'a KeyInfo,
}

/// Nothing beside `"status":"ok"`.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Nothing {}

/// [`license_plan`]'s answer (and [`new_instance_plan`](crate::Policy::new_instance_plan)'s).
pub type LicensePlanAnswer<'a> = FieldAnswer<'a, PlanAnswer<'a>>;
/// [`target_state`]'s answer.
pub type TargetStateAnswer<'a> = FieldAnswer<'a, BodyAnswer<'a>>;
/// [`activation`]'s answer.
pub type ActivationAnswer<'a> = FieldAnswer<'a, CommandsAnswer<'a>>;
/// [`key_info`]'s answer.
pub type KeyInfoAnswer<'a> = FieldAnswer<'a, KeyAnswer<'a>>;
/// [`marketplace_verify`]'s answer.
pub type VerifyAnswer<'a> = FieldAnswer<'a, Nothing>;
/// [`marketplace_reconcile`]'s answer.
pub type ReconcileReport<'a> = FieldAnswer<'a, ReconcileAnswer<'a>>;
/// [`marketplace_seat`]'s answer.
pub type SeatAnswerReport<'a> = FieldAnswer<'a, SeatReport>;

/// `{"status":"error","code","field","message"}` for a license error.
pub fn license_error(e: &Error) -> Value {
    to_value(&FieldAnswer::<Nothing>::Error(e.into()))
}

/// `{"status":"ok","plan":{…}}` or a license error.
pub fn license_plan(result: &Result<LicensePlan, Error>) -> Value {
    to_value(&FieldAnswer::of(result, |plan| PlanAnswer { plan }))
}

/// `{"body"}` beside `"status":"ok"`.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BodyAnswer<'a> {
    /// The `PUT` body of an upgrade.
    pub body: &'a str,
}

/// `{"status":"ok","body":"…"}` (the `PUT` body of an upgrade) or a license error.
pub fn target_state(result: &Result<String, Error>) -> Value {
    to_value(&FieldAnswer::of(result, |body| BodyAnswer { body }))
}

/// `{"status":"ok","commands":[…]}` or a license error.
pub fn activation(result: &Result<Vec<String>, Error>) -> Value {
    to_value(&FieldAnswer::of(result, |commands| CommandsAnswer {
        commands,
    }))
}

/// `{"status":"ok","key":{…}}` or a license error.
pub fn key_info(result: &Result<KeyInfo, Error>) -> Value {
    to_value(&FieldAnswer::of(result, |key| KeyAnswer { key }))
}

/// `{"status":"error","code","field","message"}` for a marketplace error.
pub fn marketplace_error(e: &Error) -> Value {
    license_error(e)
}

/// `{"status":"ok"}` or a marketplace error.
pub fn marketplace_verify(result: &Result<(), Error>) -> Value {
    to_value(&FieldAnswer::of(result, |()| Nothing {}))
}

/// [`marketplace_apply`]'s answer.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ApplyAnswer<'a> {
    /// The event changed the entitlement.
    Applied(AppliedBody<'a>),
    /// The event was recognised and ignored (`reason`).
    Ignored(AppliedBody<'a>),
    /// The event or the state cannot be read.
    Error(FieldFailure<'a>),
}

/// What an applied or ignored event answers.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppliedBody<'a> {
    /// `null` when applied; why it was ignored otherwise.
    pub reason: Option<&'static str>,
    /// A `purchased` event for an account still entitled.
    pub duplicate_purchase: bool,
    /// The state after the event.
    pub entitlement: &'a Entitlement,
}

impl<'a> From<&'a Applied> for ApplyAnswer<'a> {
    fn from(a: &'a Applied) -> ApplyAnswer<'a> {
        let body = AppliedBody {
            reason: a.ignored,
            duplicate_purchase: a.duplicate_purchase,
            entitlement: &a.entitlement,
        };
        if a.ignored.is_some() {
            ApplyAnswer::Ignored(body)
        } else {
            ApplyAnswer::Applied(body)
        }
    }
}

/// `{"status":"applied"|"ignored","reason","duplicate_purchase","entitlement"}`
/// or a marketplace error.
pub fn marketplace_apply(result: &Result<Applied, Error>) -> Value {
    to_value(&match result {
        Ok(a) => ApplyAnswer::from(a),
        Err(e) => ApplyAnswer::Error(e.into()),
    })
}

/// `{"differences","repaired"}` beside `"status":"ok"`.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReconcileAnswer<'a> {
    /// Each difference between the listing and the stored states, with its repair.
    pub differences: &'a [crate::marketplace::reconcile::Difference],
    /// The repaired states.
    pub repaired: &'a [Entitlement],
}

/// `{"status":"ok","differences":[{account_id,login,kind,stored,listed,repair}],"repaired":[entitlement]}`
/// or a marketplace error.
pub fn marketplace_reconcile(
    result: &Result<crate::marketplace::reconcile::Reconciliation, Error>,
) -> Value {
    to_value(&FieldAnswer::of(result, ReconcileAnswer::from))
}

impl<'a> From<&'a crate::marketplace::reconcile::Reconciliation> for ReconcileAnswer<'a> {
    fn from(r: &'a crate::marketplace::reconcile::Reconciliation) -> ReconcileAnswer<'a> {
        ReconcileAnswer {
            differences: &r.differences,
            repaired: &r.repaired,
        }
    }
}

/// `{"entitled","trial_days_remaining","seat"}` beside `"status":"ok"`.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SeatReport {
    /// Entitled now?
    pub entitled: bool,
    /// Days of free trial left, if on one.
    pub trial_days_remaining: Option<u64>,
    /// May the seat be taken?
    pub seat: SeatAnswer,
}

/// `{"status":"ok","entitled","trial_days_remaining","seat":{allowed,reason,limit}}`.
pub fn marketplace_seat(e: &Entitlement, seat: u64, now: i64) -> Value {
    to_value(&FieldAnswer::<SeatReport>::Ok(SeatReport::new(
        e, seat, now,
    )))
}

impl SeatReport {
    /// The questions about seat number `seat` (1-based) of `e` at `now`.
    pub fn new(e: &Entitlement, seat: u64, now: i64) -> SeatReport {
        SeatReport {
            entitled: e.is_entitled(now),
            trial_days_remaining: e.trial_days_remaining(now),
            seat: e.seat(seat, now),
        }
    }
}

/// A report as a [`Value`]. Serialising these plain structs cannot fail.
fn to_value(report: &impl Serialize) -> Value {
    serde_json::to_value(report).unwrap_or(Value::Null)
}

/// A report as JSON text. Serialising these plain structs cannot fail.
fn to_text(report: &impl Serialize) -> String {
    serde_json::to_string(report).unwrap_or_default()
}
