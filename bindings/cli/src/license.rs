//! `resale license-plan`, `resale activation`, `resale parse-key`: KA plans.

use std::io::Read;
use std::path::Path;

use resale_core::license::activation::{activation_commands, retrieve_commands, Os};
use resale_core::license::key_response::parse_key;
use resale_core::license::partner_v3::{target_state, TargetState};
use resale_core::license::OrderContext;
use resale_core::report;

use crate::io::{self, Failure};

/// The plan for each query (upsell or upgrade), or, with `main_item`, for a
/// new instance with the `extensions` given.
pub fn plan(
    policy: &Path,
    order: &str,
    main_item: Option<&str>,
    inputs: Vec<String>,
) -> Result<(), Failure> {
    let policy = crate::policy::load(policy)?;
    let order = match OrderContext::from_json(order) {
        Ok(order) => order,
        Err(e) => return io::print_line(&report::license_error(&e)),
    };
    if let Some(main) = main_item {
        let exts: Vec<&str> = inputs.iter().map(String::as_str).collect();
        return io::print_line(&report::license_plan(
            &policy.new_instance_plan(main, &exts, &order),
        ));
    }
    for input in io::inputs(inputs)? {
        let answer = match policy.check_shop_request(&input) {
            Ok(req) => report::license_plan(&policy.license_plan(&req, &order)),
            Err(r) => report::rejection(&r),
        };
        io::print_line(&answer)?;
    }
    Ok(())
}

/// The activation command lines for a code (or, with no code, the retrieve command).
pub fn activation(os: &str, code: Option<&str>) -> Result<(), Failure> {
    let os = Os::parse(os).ok_or_else(|| format!("--os must be linux or windows, not `{os}`"))?;
    let answer = match code {
        Some(code) => report::activation(&activation_commands(code, os)),
        None => report::activation(&Ok(retrieve_commands(os))),
    };
    io::print_line(&answer)
}

fn stdin() -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(text)
}

/// Read KA's answer to a v3 key request on stdin (with its Location header).
pub fn parse_key_stdin(location: Option<&str>) -> Result<(), Failure> {
    io::print_line(&report::key_info(&parse_key(&stdin()?, location)))
}

/// The PUT body of an upgrade from KA's GET answer on stdin.
pub fn target_state_stdin(spec: &str) -> Result<(), Failure> {
    let key = stdin()?;
    io::print_line(&report::target_state(
        &TargetState::from_json(spec).and_then(|spec| target_state(&key, &spec)),
    ))
}
