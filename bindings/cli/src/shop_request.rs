//! `resale check`: what arrives at the shop.

use std::path::Path;

use resale_core::report;

use crate::io::{self, Failure};

pub fn run(policy: &Path, inputs: Vec<String>) -> Result<(), Failure> {
    let policy = crate::policy::load(policy)?;
    for input in io::inputs(inputs)? {
        let result = policy.check_shop_request(&input);
        let redirect = result.as_ref().ok().map(|r| policy.shop_redirect_url(r));
        io::print_line(&report::check(&result, redirect.as_deref()))?;
    }
    Ok(())
}
