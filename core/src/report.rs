//! The JSON shape of every answer, shared by all bindings.
//!
//! The command line prints these objects, the WebAssembly package returns
//! them, the C ABI hands them out, and `tests/vectors/` states expectations
//! in them. Defining them once here is what makes the bindings agree.
//!
//! Every object has a `status`; failures add a stable `code` and a `message`.

use serde::Serialize;
use serde_json::{json, Value};

use crate::{PolicyError, Rejection, RewriteError, RewriteOutcome, ShopRequest};

/// `{"status":"ok"}` or `{"status":"error","code","path","message"}`.
///
/// ```
/// let e = resale_core::Policy::from_json("{}").unwrap_err();
/// let v = resale_core::report::lint(Err(&e));
/// assert_eq!(v["code"], "policy.key.missing");
/// assert_eq!(v["path"], "$.shop_url");
/// ```
pub fn lint(result: Result<(), &PolicyError>) -> Value {
    match result {
        Ok(()) => json!({"status": "ok"}),
        Err(e) => json!({"status": "error", "code": e.code, "path": e.path, "message": e.message}),
    }
}

/// The rewrite's answer, typed: serialised straight to text on the hot path
/// ([`rewrite_text`]) and to a [`Value`] elsewhere ([`rewrite`]), one shape.
#[derive(Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
enum RewriteReport<'a> {
    Rewritten {
        url: &'a str,
    },
    Unchanged {
        reason: &'static str,
        message: &'static str,
    },
    Error {
        code: &'static str,
        message: &'a str,
    },
}

impl<'a> From<&'a Result<RewriteOutcome, RewriteError>> for RewriteReport<'a> {
    fn from(result: &'a Result<RewriteOutcome, RewriteError>) -> RewriteReport<'a> {
        match result {
            Ok(RewriteOutcome::Rewritten(url)) => RewriteReport::Rewritten { url },
            Ok(RewriteOutcome::Unchanged(r)) => RewriteReport::Unchanged {
                reason: r.code(),
                message: r.message(),
            },
            Err(e) => RewriteReport::Error {
                code: e.code,
                message: &e.message,
            },
        }
    }
}

/// `{"status":"rewritten","url"}`, `{"status":"unchanged","reason","message"}`
/// or `{"status":"error","code","message"}`.
pub fn rewrite(result: &Result<RewriteOutcome, RewriteError>) -> Value {
    to_value(&RewriteReport::from(result))
}

/// [`rewrite`] as JSON text, without building a [`Value`] (bindings that
/// answer text, such as the WebAssembly package, call this per request).
pub fn rewrite_text(result: &Result<RewriteOutcome, RewriteError>) -> String {
    to_text(&RewriteReport::from(result))
}

/// The check's answer, typed (see [`RewriteReport`]).
#[derive(Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
enum CheckReport<'a> {
    Accepted {
        request: &'a ShopRequest,
        #[serde(skip_serializing_if = "Option::is_none")]
        redirect_url: Option<&'a str>,
    },
    Rejected {
        code: &'static str,
        field: Option<&'a str>,
        message: &'a str,
    },
}

impl<'a> CheckReport<'a> {
    fn new(result: &'a Result<ShopRequest, Rejection>, redirect_url: Option<&'a str>) -> Self {
        match result {
            Ok(request) => CheckReport::Accepted {
                request,
                redirect_url,
            },
            Err(r) => CheckReport::Rejected {
                code: r.code,
                field: r.field.as_deref(),
                message: &r.message,
            },
        }
    }
}

/// `{"status":"accepted","request":{…},"redirect_url"}` or
/// `{"status":"rejected","code","field","message"}`. Absent values are `null`.
pub fn check(result: &Result<ShopRequest, Rejection>, redirect_url: Option<&str>) -> Value {
    to_value(&CheckReport::new(result, redirect_url))
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
pub fn check_text(result: &Result<ShopRequest, Rejection>, redirect_url: Option<&str>) -> String {
    to_text(&CheckReport::new(result, redirect_url))
}

/// A report as a [`Value`]. Serialising these plain structs cannot fail.
fn to_value(report: &impl Serialize) -> Value {
    serde_json::to_value(report).unwrap_or(Value::Null)
}

/// A report as JSON text. Serialising these plain structs cannot fail.
fn to_text(report: &impl Serialize) -> String {
    serde_json::to_string(report).unwrap_or_default()
}

/// `{"status":"rejected","code","field","message"}`.
pub fn rejection(r: &Rejection) -> Value {
    json!({"status": "rejected", "code": r.code, "field": r.field, "message": r.message})
}

/// `{"status":"ok","text"}` or `{"status":"error","code","message"}`.
pub fn panel_ini(result: &Result<String, crate::panel_ini::PanelIniError>) -> Value {
    match result {
        Ok(text) => json!({"status": "ok", "text": text}),
        Err(e) => json!({"status": "error", "code": e.code, "message": e.message}),
    }
}

/// `{"status":"ok","kind","body","kept","dropped"}` (the body as text; the
/// full counts are `CatalogStats`) or `{"status":"error","code","offset","message"}`.
pub fn filter_catalog(
    result: &Result<crate::catalog::Filtered, crate::catalog::CatalogError>,
) -> Value {
    match result {
        Ok(f) => json!({
            "status": "ok",
            "kind": f.kind,
            "body": String::from_utf8_lossy(&f.body),
            "kept": f.stats.kept,
            "dropped": f.stats.dropped,
        }),
        Err(e) => catalog_error(e),
    }
}

/// `{"status":"error","code","offset","message"}`.
pub fn catalog_error(e: &crate::catalog::CatalogError) -> Value {
    json!({"status": "error", "code": e.code(), "offset": e.offset, "message": e.message})
}

/// `{"status":"error","code","field","message"}` for a license error.
pub fn license_error(e: &crate::license::LicenseError) -> Value {
    json!({"status": "error", "code": e.code, "field": e.field, "message": e.message})
}

/// `{"status":"ok","plan":{…}}` or a license error.
pub fn license_plan(
    result: &Result<crate::license::LicensePlan, crate::license::LicenseError>,
) -> Value {
    match result {
        Ok(plan) => json!({"status": "ok", "plan": plan}),
        Err(e) => license_error(e),
    }
}

/// `{"status":"ok","body":"…"}` (the `PUT` body of an upgrade) or a license error.
pub fn target_state(result: &Result<String, crate::license::LicenseError>) -> Value {
    match result {
        Ok(body) => json!({"status": "ok", "body": body}),
        Err(e) => license_error(e),
    }
}

/// `{"status":"ok","commands":[…]}` or a license error.
pub fn activation(result: &Result<Vec<String>, crate::license::LicenseError>) -> Value {
    match result {
        Ok(commands) => json!({"status": "ok", "commands": commands}),
        Err(e) => license_error(e),
    }
}

/// `{"status":"ok","key":{…}}` or a license error.
pub fn key_info(
    result: &Result<crate::license::key_response::KeyInfo, crate::license::LicenseError>,
) -> Value {
    match result {
        Ok(key) => json!({"status": "ok", "key": key}),
        Err(e) => license_error(e),
    }
}

/// `{"status":"error","code","field","message"}` for a marketplace error.
pub fn marketplace_error(e: &crate::marketplace::MarketplaceError) -> Value {
    json!({"status": "error", "code": e.code, "field": e.field, "message": e.message})
}

/// `{"status":"ok"}` or a marketplace error.
pub fn marketplace_verify(result: &Result<(), crate::marketplace::MarketplaceError>) -> Value {
    match result {
        Ok(()) => json!({"status": "ok"}),
        Err(e) => marketplace_error(e),
    }
}

/// `{"status":"applied"|"ignored","reason","duplicate_purchase","entitlement"}`
/// or a marketplace error.
pub fn marketplace_apply(
    result: &Result<crate::marketplace::entitlement::Applied, crate::marketplace::MarketplaceError>,
) -> Value {
    match result {
        Ok(a) => json!({
            "status": if a.ignored.is_some() { "ignored" } else { "applied" },
            "reason": a.ignored,
            "duplicate_purchase": a.duplicate_purchase,
            "entitlement": a.entitlement,
        }),
        Err(e) => marketplace_error(e),
    }
}

/// `{"status":"ok","differences":[{account_id,login,kind,stored,listed,repair}],"repaired":[entitlement]}`
/// or a marketplace error.
pub fn marketplace_reconcile(
    result: &Result<
        crate::marketplace::reconcile::Reconciliation,
        crate::marketplace::MarketplaceError,
    >,
) -> Value {
    match result {
        Ok(r) => json!({"status": "ok", "differences": r.differences, "repaired": r.repaired}),
        Err(e) => marketplace_error(e),
    }
}

/// `{"status":"ok","entitled","trial_days_remaining","seat":{allowed,reason,limit}}`.
pub fn marketplace_seat(
    e: &crate::marketplace::entitlement::Entitlement,
    seat: u64,
    now: i64,
) -> Value {
    json!({
        "status": "ok",
        "entitled": e.is_entitled(now),
        "trial_days_remaining": e.trial_days_remaining(now),
        "seat": e.seat(seat, now),
    })
}
