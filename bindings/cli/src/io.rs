//! What the commands share: reading files and inputs, printing JSON lines.

use std::io::{BufRead, Write};
use std::path::Path;

use serde_json::Value;

/// A command's failure to run (exit code 2), as a message for stderr.
pub type Failure = String;

/// Read a whole file as UTF-8, naming it on failure.
pub fn read_file(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The inputs given on the command line, or else stdin's lines (blank lines skipped).
pub fn inputs(args: Vec<String>) -> Result<Vec<String>, Failure> {
    if !args.is_empty() {
        return Ok(args);
    }
    let mut out = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("cannot read stdin: {e}"))?;
        let line = line.trim_end_matches('\r');
        if !line.trim().is_empty() {
            out.push(line.to_owned());
        }
    }
    Ok(out)
}

/// Print one JSON object as a line on stdout.
pub fn print_line(value: &Value) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}").map_err(|e| format!("cannot write stdout: {e}"))
}
