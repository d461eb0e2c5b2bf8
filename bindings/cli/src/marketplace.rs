//! `resale marketplace …`: GitHub Marketplace webhooks and entitlements.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use resale_core::marketplace::entitlement::Entitlement;
use resale_core::marketplace::event::parse_event;
use resale_core::marketplace::signature;
use resale_core::marketplace::time::parse_rfc3339;
use resale_core::report;

use crate::io::{self, Failure};

#[derive(Subcommand)]
pub enum Command {
    /// Verify X-Hub-Signature-256 of the body on stdin; prints {"status":"ok"} or the coded error.
    Verify {
        /// A file holding a webhook secret; repeat it to accept several (rotation).
        #[arg(long = "secret-file", required = true)]
        secret_files: Vec<PathBuf>,
        /// The X-Hub-Signature-256 header value.
        #[arg(long)]
        signature: Option<String>,
    },
    /// Apply the marketplace_purchase event on stdin to a stored state; prints the new entitlement.
    Apply {
        /// The account's current entitlement (JSON), if any.
        #[arg(long)]
        state: Option<PathBuf>,
        /// The current time (RFC 3339), to answer "entitled?" and trial days left.
        #[arg(long)]
        now: Option<String>,
    },
    /// May seat N be taken? Also says whether the account is entitled and trial days left.
    Seat {
        /// The account's entitlement (JSON).
        #[arg(long)]
        state: PathBuf,
        /// The seat number (1-based).
        #[arg(long)]
        seat: u64,
        /// The current time (RFC 3339).
        #[arg(long)]
        now: String,
    },
}

fn stdin_bytes() -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(body)
}

fn now(text: &str) -> Result<i64, Failure> {
    parse_rfc3339(text).ok_or_else(|| format!("--now `{text}` is not an RFC 3339 date"))
}

fn load_state(path: &Path) -> Result<Entitlement, Failure> {
    serde_json::from_str(&io::read_file(path)?)
        .map_err(|e| format!("{}: not an entitlement: {e}", path.display()))
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Verify {
            secret_files,
            signature: header,
        } => {
            let secrets = secret_files
                .iter()
                .map(|p| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display())))
                .collect::<Result<Vec<_>, _>>()?;
            // A secret file usually ends with a newline that is not part of the secret.
            let secrets: Vec<&[u8]> = secrets
                .iter()
                .map(|s| s.strip_suffix(b"\n").unwrap_or(s))
                .collect();
            let body = stdin_bytes()?;
            io::print_line(&report::marketplace_verify(&signature::verify(
                &body,
                header.as_deref(),
                &secrets,
            )))
        }
        Command::Apply { state, now: at } => {
            let state = state.as_deref().map(load_state).transpose()?;
            let body = stdin_bytes()?;
            let result = parse_event(&body).and_then(|e| Entitlement::apply(state.as_ref(), &e));
            let mut answer = report::marketplace_apply(&result);
            if let (Some(at), Ok(applied)) = (at, &result) {
                let t = now(&at)?;
                answer["entitled"] = applied.entitlement.is_entitled(t).into();
                answer["trial_days_remaining"] =
                    serde_json::to_value(applied.entitlement.trial_days_remaining(t))
                        .unwrap_or_default();
            }
            io::print_line(&answer)
        }
        Command::Seat {
            state,
            seat,
            now: at,
        } => {
            let state = load_state(&state)?;
            io::print_line(&report::marketplace_seat(&state, seat, now(&at)?))
        }
    }
}
