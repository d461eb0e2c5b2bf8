//! `resale marketplace …`: GitHub Marketplace webhooks and entitlements.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use resale_core::marketplace::entitlement::Entitlement;
use resale_core::marketplace::event::parse_event;
use resale_core::marketplace::listing::parse_accounts;
use resale_core::marketplace::reconcile::reconcile;
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
    /// Apply the marketplace_purchase event on stdin to a stored state; prints the answer
    /// (`{"status":"applied"|"ignored",…,"entitlement"}`), which is itself a valid --state.
    Apply {
        /// The account's current state, if any: the previous `apply` output, or the bare
        /// entitlement (JSON).
        #[arg(long)]
        state: Option<PathBuf>,
        /// The current time (RFC 3339), to answer "entitled?" and trial days left.
        #[arg(long)]
        now: Option<String>,
    },
    /// May seat N be taken? Also says whether the account is entitled and trial days left.
    Seat {
        /// The account's state: an `apply` output or the bare entitlement (JSON).
        #[arg(long)]
        state: PathBuf,
        /// The seat number (1-based).
        #[arg(long)]
        seat: u64,
        /// The current time (RFC 3339).
        #[arg(long)]
        now: String,
    },
    /// Compare GitHub's accounts listing with the stored entitlements; one JSON line per difference.
    Reconcile {
        /// GitHub's `GET /marketplace_listing/plans/:id/accounts` answers: one JSON array
        /// holding every plan's accounts, every page.
        #[arg(long)]
        accounts: PathBuf,
        /// The store: one `<account id>.json` entitlement per account.
        #[arg(long = "state-dir")]
        state_dir: PathBuf,
        /// When the listing was read (RFC 3339); default: now.
        #[arg(long)]
        now: Option<String>,
        /// Write the repaired entitlements into the state directory.
        #[arg(long)]
        apply: bool,
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
    Entitlement::from_json(&io::read_file(path)?)
        .map_err(|e| format!("{}: not an entitlement: {e}", path.display()))
}

/// The stored entitlements of a state directory (`<account id>.json`; other
/// files are not the store's), by account ID.
fn load_state_dir(dir: &Path) -> Result<Vec<Entitlement>, Failure> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut stored = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .path();
        let is_account = path.extension().is_some_and(|x| x == "json")
            && path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
        if is_account {
            stored.push(
                Entitlement::from_json(&io::read_file(&path)?)
                    .map_err(|e| format!("{}: {e}", path.display()))?,
            );
        }
    }
    stored.sort_by_key(|e| e.account.id);
    Ok(stored)
}

/// Replace `<dir>/<account id>.json` whole (written aside, then renamed).
fn write_state(dir: &Path, state: &Entitlement) -> Result<PathBuf, Failure> {
    let file = dir.join(format!("{}.json", state.account.id));
    let tmp = dir.join(format!(".{}.json.tmp", state.account.id));
    let text = serde_json::to_string(state).map_err(|e| e.to_string())?;
    std::fs::write(&tmp, text + "\n")
        .and_then(|()| std::fs::rename(&tmp, &file))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(file)
}

/// The system clock as RFC 3339 (UTC, whole seconds).
fn clock_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn reconcile_dir(
    accounts: &Path,
    dir: &Path,
    at: Option<String>,
    apply: bool,
) -> Result<(), Failure> {
    let listing =
        std::fs::read(accounts).map_err(|e| format!("cannot read {}: {e}", accounts.display()))?;
    let stored = load_state_dir(dir)?;
    let at = at.unwrap_or_else(clock_now);
    let result = parse_accounts(&listing).and_then(|l| reconcile(&l, &stored, &at));
    let r = match result {
        Ok(r) => r,
        Err(e) => return io::print_line(&report::marketplace_error(&e)),
    };
    for d in &r.differences {
        let mut line = serde_json::json!({"status": "difference"});
        line.as_object_mut().expect("an object").extend(
            serde_json::to_value(d)
                .map_err(|e| e.to_string())?
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        io::print_line(&line)?;
    }
    if apply {
        for state in &r.repaired {
            let file = write_state(dir, state)?;
            io::print_line(&serde_json::json!({
                "status": "repaired", "account_id": state.account.id, "file": file.display().to_string(),
            }))?;
        }
    }
    io::print_line(&serde_json::json!({
        "status": "ok", "listed_at": at, "differences": r.differences.len(),
        "repairs": r.repaired.len(), "applied": apply,
    }))
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
        Command::Reconcile {
            accounts,
            state_dir,
            now: at,
            apply,
        } => reconcile_dir(&accounts, &state_dir, at, apply),
    }
}
