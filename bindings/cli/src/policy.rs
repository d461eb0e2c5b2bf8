//! `resale lint`, and loading the policy every other command needs.

use std::path::Path;

use resale_core::{report, Policy};

use crate::io::{self, Failure};

/// Compile the policy file, or fail (exit 2) with its coded error.
pub fn load(path: &Path) -> Result<Policy, Failure> {
    let text = io::read_file(path)?;
    Policy::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `resale lint POLICY`: the verdict on stdout; exit 0 whether or not it compiles.
pub fn lint(path: &Path) -> Result<(), Failure> {
    let text = io::read_file(path)?;
    let verdict = Policy::from_json(&text).map(|_| ());
    io::print_line(&report::lint(verdict.as_ref().map(|_| ())))
}
