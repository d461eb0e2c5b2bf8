//! `resale filter`: a catalog feed through the filter, stdin to stdout.

use std::io::{Read, Write};
use std::path::Path;

use resale_core::report;

use crate::io::Failure;

/// Stream stdin through the filter for `path`. On a feed error the output
/// written so far is not a feed: the coded error goes to stderr as JSON and
/// the exit code is 1, so a caller never mistakes it for success.
pub fn run(policy: &Path, path: &str, stats: bool) -> Result<bool, Failure> {
    let policy = crate::policy::load(policy)?;
    let mut filter = policy.catalog_filter(path);
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(128 * 1024);
    let fail = |e: &resale_core::Error| {
        eprintln!("{}", report::catalog_error(e));
        Ok(false)
    };
    loop {
        let n = input
            .read(&mut buf)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        if n == 0 {
            break;
        }
        if let Err(e) = filter.push(&buf[..n], &mut out) {
            return fail(&e);
        }
        output
            .write_all(&out)
            .map_err(|e| format!("cannot write stdout: {e}"))?;
        out.clear();
    }
    let counts = match filter.finish(&mut out) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    output
        .write_all(&out)
        .and_then(|()| output.flush())
        .map_err(|e| format!("cannot write stdout: {e}"))?;
    if stats {
        eprintln!(
            "{}",
            serde_json::to_string(&counts).map_err(|e| e.to_string())?
        );
    }
    Ok(true)
}
