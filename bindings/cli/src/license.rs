//! `resale license-plan`, `resale activation`, `resale parse-key`: KA plans.

use std::io::Read;
use std::path::Path;

use resale_core::license::activation::{activation_commands, retrieve_commands, Os};
use resale_core::license::key_response::parse_key;
use resale_core::license::PartnerApi;
use resale_core::report;

use crate::io::{self, Failure};

/// The plan for each query (upsell or upgrade), or, with `main_item`, for a
/// new instance with the `extensions` given.
pub fn plan(
    policy: &Path,
    api: &str,
    order: &str,
    main_item: Option<&str>,
    inputs: Vec<String>,
) -> Result<(), Failure> {
    let policy = crate::policy::load(policy)?;
    let api =
        PartnerApi::parse(api).ok_or_else(|| format!("--api must be v3 or v1, not `{api}`"))?;
    if let Some(main) = main_item {
        let exts: Vec<&str> = inputs.iter().map(String::as_str).collect();
        return io::print_line(&report::license_plan(
            &policy.new_instance_plan(main, &exts, api, order),
        ));
    }
    for input in io::inputs(inputs)? {
        let answer = match policy.check_shop_request(&input) {
            Ok(req) => report::license_plan(&policy.license_plan(&req, api, order)),
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

/// Read a KA v3 key structure on stdin.
pub fn parse_key_stdin() -> Result<(), Failure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    io::print_line(&report::key_info(&parse_key(&text)))
}
