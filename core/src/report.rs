//! The JSON shape of every answer, shared by all bindings.
//!
//! The command line prints these objects, the WebAssembly package returns
//! them, the C ABI hands them out, and `tests/vectors/` states expectations
//! in them. Defining them once here is what makes the bindings agree.
//!
//! Every object has a `status`; failures add a stable `code` and a `message`.

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

/// `{"status":"rewritten","url"}`, `{"status":"unchanged","reason","message"}`
/// or `{"status":"error","code","message"}`.
pub fn rewrite(result: &Result<RewriteOutcome, RewriteError>) -> Value {
    match result {
        Ok(RewriteOutcome::Rewritten(url)) => json!({"status": "rewritten", "url": url}),
        Ok(RewriteOutcome::Unchanged(r)) => {
            json!({"status": "unchanged", "reason": r.code(), "message": r.message()})
        }
        Err(e) => json!({"status": "error", "code": e.code, "message": e.message}),
    }
}

/// `{"status":"accepted","request":{…},"redirect_url"}` or
/// `{"status":"rejected","code","field","message"}`. Absent values are `null`.
pub fn check(result: &Result<ShopRequest, Rejection>, redirect_url: Option<&str>) -> Value {
    match result {
        Ok(req) => {
            let mut v = json!({"status": "accepted", "request": req});
            if let Some(url) = redirect_url {
                v["redirect_url"] = Value::from(url);
            }
            v
        }
        Err(r) => rejection(r),
    }
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
