//! License plans: the Key Administrator calls a purchase needs, and the
//! commands that activate the keys. A plan or a key is its core type as
//! JSON, with no `status` around it: the C status is the only status.

use std::ffi::c_char;

use resale_core::license::activation::{activation_commands, Os};
use resale_core::license::key_response::parse_key;
use resale_core::license::partner_v3::{target_state, TargetState};
use resale_core::license::OrderContext;

use crate::answer::{args, with_output, with_policy_output};
use crate::errors::{resale_error, resale_status};
use crate::policy::resale_policy;
use crate::shop_request::resale_shop_request;
use crate::string::{lines, resale_buffer};

/// The plan for an accepted shop request (an upsell, or an upgrade with
/// `a=upgrade`): `*out` receives the plan, `{"api", "scenario", "order",
/// "steps", "activation"}` (`resale_core::license::LicensePlan`). `order` is
/// the order context as JSON, `{"order_id", "api": "v3"|"v1", "owner_id"?,
/// "server_ips"?}` (the same object in every binding). A plan that cannot
/// be made (`license.no_partner_item`, `license.order.malformed`,
/// `license.order_id.malformed`, `license.api.unknown`, …) is
/// `RESALE_STATUS_REJECTED`.
///
/// # Safety
/// `policy` from `resale_policy_new`; `request` from
/// `resale_check_shop_request` (with the same policy), not yet freed; each
/// text valid for reads of its length; `out` a buffer filled only by this
/// library; `error` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_license_plan(
    policy_: *const resale_policy,
    request: *const resale_shop_request,
    order: *const c_char,
    order_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_policy_output(error, policy_, out, |policy, out| {
            let (request, order) = args!(arg(request), text(order, order_len));
            let order = OrderContext::from_json(order)?;
            out.json(&policy.license_plan(request.request(), &order)?)
        })
    }
}

/// The plan for a new Plesk instance: the main key (`main_item`), then the
/// extension keys (`extensions`: codes separated by `\n`) attached to it.
/// `*out` receives the plan, as [`resale_license_plan`]'s.
///
/// # Safety
/// As [`resale_license_plan`].
#[no_mangle]
pub unsafe extern "C" fn resale_new_instance_plan(
    policy_: *const resale_policy,
    main_item: *const c_char,
    main_item_len: usize,
    extensions: *const c_char,
    extensions_len: usize,
    order: *const c_char,
    order_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_policy_output(error, policy_, out, |policy, out| {
            let (main_item, extensions, order) = args!(
                text(main_item, main_item_len),
                text(extensions, extensions_len),
                text(order, order_len)
            );
            let order = OrderContext::from_json(order)?;
            out.json(&policy.new_instance_plan(main_item, &lines(extensions), &order)?)
        })
    }
}

/// The command lines that install an activation code on a server (`os`:
/// `linux` or `windows`), one per line (each ended by `\n`) in `*out`. The
/// code is checked, not quoted: only `A`-`Z`, `0`-`9` and `-` pass.
///
/// # Safety
/// Each text valid for reads of its length; `out` a buffer filled only by
/// this library; `error` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn resale_activation_commands(
    code: *const c_char,
    code_len: usize,
    os: *const c_char,
    os_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, out, "out", |out| {
            let (code, os) = args!(text(code, code_len), text(os, os_len));
            let commands = activation_commands(code, Os::from_name(os)?)?;
            out.fill(|v| {
                for c in &commands {
                    v.extend_from_slice(c.as_bytes());
                    v.push(b'\n');
                }
            });
            Ok(())
        })
    }
}

/// Read Key Administrator's answer to a v3 key request: its body (`json`,
/// may be empty) and its `Location` header (`location` NULL when absent):
/// `*out` receives the key, `{"key_id", "key_number", "activation_code",
/// "parent_key_number", "status", "location"}` (`status` is KA's, the key's).
///
/// # Safety
/// As [`resale_activation_commands`]; `location` NULL or valid for reads
/// of `location_len`.
#[no_mangle]
pub unsafe extern "C" fn resale_parse_key(
    json: *const c_char,
    json_len: usize,
    location: *const c_char,
    location_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, out, "out", |out| {
            let (json, location) =
                args!(text(json, json_len), optional_text(location, location_len));
            out.json(&parse_key(json, location)?)
        })
    }
}

/// The `PUT` body of a v3 upgrade: `key` is KA's answer to the plan's `GET`
/// step, `spec` the `body_from` object of the `PUT` step (JSON). `*out`
/// receives the body itself (JSON text to send); `license.upgrade.already`,
/// `license.upgrade.nothing_to_replace`, `license.response.invalid` are
/// `RESALE_STATUS_REJECTED`.
///
/// # Safety
/// As [`resale_activation_commands`].
#[no_mangle]
pub unsafe extern "C" fn resale_upgrade_target_state(
    key: *const c_char,
    key_len: usize,
    spec: *const c_char,
    spec_len: usize,
    out: *mut resale_buffer,
    error: *mut *mut resale_error,
) -> resale_status {
    unsafe {
        with_output(error, out, "out", |out| {
            let (key, spec) = args!(text(key, key_len), text(spec, spec_len));
            out.set(target_state(key, &TargetState::from_json(spec)?)?.as_bytes())
        })
    }
}
