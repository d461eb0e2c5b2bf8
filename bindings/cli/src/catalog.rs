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

/// How `resale explain` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line: items, categories, then the summary.
    Json,
    /// Aligned columns for people: hidden items first, then totals.
    Table,
}

/// Read stdin through an explaining filter for `path` and print its
/// decisions. An invalid feed prints nothing on stdout: the coded error
/// goes to stderr and the exit code is 1, as for `resale filter`.
pub fn explain(policy: &Path, path: &str, format: Format) -> Result<bool, Failure> {
    let policy = crate::policy::load(policy)?;
    let mut feed = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut feed)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    let explained = match policy.explain_catalog(path, &feed) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{}", report::catalog_error(&e));
            return Ok(false);
        }
    };
    let text = match format {
        Format::Json => explained.json_lines(),
        Format::Table => explained.table(),
    };
    let mut output = std::io::stdout().lock();
    output
        .write_all(text.as_bytes())
        .and_then(|()| output.flush())
        .map_err(|e| format!("cannot write stdout: {e}"))?;
    Ok(true)
}
