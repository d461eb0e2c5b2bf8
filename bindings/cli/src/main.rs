//! `resale`: the command-line binding of resale-core.
//!
//! Every command prints one JSON object per input on stdout (the shapes of
//! `resale_core::report`). The exit code says whether the command ran: 0 when
//! it did, even if inputs were rejected; 2 on a usage error or a policy that
//! does not compile, with a message on stderr.
//!
//! One file per core module: `policy.rs`, `rewrite.rs`, `shop_request.rs`,
//! `panel_ini.rs`, `catalog.rs`, `license.rs`, `marketplace.rs`; `io.rs` holds what they share (reading inputs, printing).

mod catalog;
mod io;
mod license;
mod marketplace;
mod panel_ini;
mod policy;
mod policy_test;
mod rewrite;
mod shop_request;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Policy engine for reselling Plesk extensions: buy links, shop entry, catalog, licenses.
#[derive(Parser)]
#[command(name = "resale", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a policy file: prints {"status":"ok"} or the coded error.
    Lint {
        /// The policy JSON file.
        policy: PathBuf,
    },
    /// Rewrite Plesk buy links to the shop, as panel.ini's buyUrl does.
    Rewrite {
        /// The policy JSON file.
        #[arg(long)]
        policy: PathBuf,
        /// URLs to rewrite; read from stdin, one per line, when none are given.
        urls: Vec<String>,
    },
    /// Check what arrives at the shop (a query string or a whole URL).
    Check {
        /// The policy JSON file.
        #[arg(long)]
        policy: PathBuf,
        /// Queries or URLs; read from stdin, one per line, when none are given.
        inputs: Vec<String>,
    },
    /// Filter a catalog feed (stdin) for a request path; the filtered feed goes to stdout.
    ///
    /// Exit 0 on success; on an invalid feed, exit 1 with the coded error as
    /// JSON on stderr (the partial stdout is then not a feed).
    Filter {
        /// The policy JSON file.
        #[arg(long)]
        policy: PathBuf,
        /// The request path, e.g. /api/v4/packages?platform=unix (decides the feed kind).
        #[arg(long)]
        path: String,
        /// Print the counts as JSON on stderr.
        #[arg(long)]
        stats: bool,
    },
    /// Explain the catalog filter: why each item of a feed (stdin) is kept or hidden.
    ///
    /// One JSON line per item (index, code, name, decision kept|hidden, rule:
    /// free, sold_elsewhere+host, sold_by_shop, allowed_by_pattern+pattern,
    /// not_sold), one per category (its hidden top_packages entries), and a
    /// last summary line. Exit 1 on an invalid feed, as filter.
    Explain {
        /// The policy JSON file.
        #[arg(long)]
        policy: PathBuf,
        /// The request path, e.g. /api/v4/packages (decides the feed kind).
        #[arg(long)]
        path: String,
        /// json (lines, for tools) or table (for people).
        #[arg(long, value_enum, default_value = "json")]
        format: catalog::Format,
    },
    /// Run policy test files (format: bindings/cli/policy-test.schema.json).
    ///
    /// PASS/FAIL per case with the differences, then "N passed, M failed";
    /// exit 1 when a case fails, 2 when a file cannot be read.
    Test {
        /// Test files (JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long)]
        junit: Option<PathBuf>,
    },
    /// Plan the Key Administrator calls for accepted shop requests (upsell or
    /// upgrade), or with --new-instance for a new Plesk with the extensions given.
    LicensePlan {
        /// The policy JSON file.
        #[arg(long)]
        policy: PathBuf,
        /// The order context, JSON: {"order_id", "api": "v3"|"v1", "owner_id"?, "server_ips"?}.
        #[arg(long)]
        order: String,
        /// Plan a new instance whose main key is this KA item; the arguments are then extension codes.
        #[arg(long)]
        new_instance: Option<String>,
        /// Queries or URLs (or extension codes with --new-instance); stdin when none.
        inputs: Vec<String>,
    },
    /// The command that activates an activation code on a Plesk server (no code: retrieve attached keys).
    Activation {
        /// linux or windows.
        #[arg(long, default_value = "linux")]
        os: String,
        /// The activation code.
        code: Option<String>,
    },
    /// Read KA's answer to a v3 key request (the body on stdin, possibly empty).
    ParseKey {
        /// The answer's Location header.
        #[arg(long)]
        location: Option<String>,
    },
    /// The PUT body of a v3 upgrade: KA's GET answer on stdin, the step's body_from as --spec.
    TargetState {
        /// The step's `body_from` object (JSON).
        #[arg(long)]
        spec: String,
    },
    /// GitHub Marketplace: verify webhooks, apply purchase events, answer seat questions, reconcile.
    #[command(subcommand)]
    Marketplace(marketplace::Command),
    /// Print panel.ini's [extensions] section for this shop, or read one back.
    PanelIni {
        /// The policy JSON file.
        #[arg(long, required_unless_present = "read")]
        policy: Option<PathBuf>,
        /// Also point Plesk's extension catalog at this proxy URL.
        #[arg(long)]
        catalog_url: Option<String>,
        /// Read buyUrl and catalog.url from this panel.ini instead (prints JSON).
        #[arg(long, conflicts_with_all = ["policy", "catalog_url"])]
        read: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ok(false): the command ran and its answer is a failure (a filter that
    // rejected its input, a policy test that failed): exit 1, as 2 is for
    // a command that could not run.
    let passed = |r: Result<(), _>| r.map(|()| true);
    let result = match cli.command {
        Command::LicensePlan {
            policy,
            order,
            new_instance,
            inputs,
        } => passed(license::plan(
            &policy,
            &order,
            new_instance.as_deref(),
            inputs,
        )),
        Command::Activation { os, code } => passed(license::activation(&os, code.as_deref())),
        Command::ParseKey { location } => passed(license::parse_key_stdin(location.as_deref())),
        Command::TargetState { spec } => passed(license::target_state_stdin(&spec)),
        Command::Marketplace(command) => passed(marketplace::run(command)),
        Command::Filter {
            policy,
            path,
            stats,
        } => catalog::run(&policy, &path, stats),
        Command::Explain {
            policy,
            path,
            format,
        } => catalog::explain(&policy, &path, format),
        Command::Test { files, junit } => policy_test::run(&files, junit.as_deref()),
        Command::Lint { policy } => passed(policy::lint(&policy)),
        Command::Rewrite { policy, urls } => passed(rewrite::run(&policy, urls)),
        Command::Check { policy, inputs } => passed(shop_request::run(&policy, inputs)),
        Command::PanelIni {
            policy,
            catalog_url,
            read,
        } => passed(panel_ini::run(
            policy.as_deref(),
            catalog_url.as_deref(),
            read.as_deref(),
        )),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("resale: {message}");
            ExitCode::from(2)
        }
    }
}
