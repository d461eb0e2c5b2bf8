//! `resale rewrite`: buy links to the shop.

use std::path::Path;

use resale_core::report;

use crate::io::{self, Failure};

pub fn run(policy: &Path, urls: Vec<String>) -> Result<(), Failure> {
    let policy = crate::policy::load(policy)?;
    for url in io::inputs(urls)? {
        io::print_line(&report::rewrite(&policy.rewrite_buy_url(&url)))?;
    }
    Ok(())
}
