//! Writes the JSON Schema of every answer (`resale_core::report`) into
//! `tests/vectors/schema/`, one file per vector `function`, plus `explain_catalog` and the shapes
//! the bindings mirror (`shop_request`, `catalog_stats`, `error`). The
//! schemas are generated from the Rust types (schemars), so they cannot say
//! other than what serde writes; `make lint` runs this with `--check` and
//! fails when the committed files are not what the types give.
//!
//! ```text
//! cargo run -q -p resale-core --features schema --example schema            # write
//! cargo run -q -p resale-core --features schema --example schema -- --check  # compare
//! ```

use std::path::{Path, PathBuf};

use resale_core::catalog::CatalogStats;
use resale_core::report::{
    ActivationAnswer, ApplyAnswer, CatalogAnswer, CheckAnswer, ExplainAnswer, KeyInfoAnswer,
    LicensePlanAnswer, LintAnswer, PanelIniAnswer, ReconcileReport, RewriteAnswer,
    SeatAnswerReport, TargetStateAnswer, VerifyAnswer,
};
use resale_core::{Error, ShopRequest};
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;

/// A license plan's vector answers the plan, or the query's rejection when
/// the case gives a query that the policy refuses.
#[derive(JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code)]
enum LicensePlanVector<'a> {
    Plan(LicensePlanAnswer<'a>),
    Rejected(CheckAnswer<'a>),
}

fn schema<T: JsonSchema>() -> String {
    // Inlined rather than `$ref`: the answers hold no recursive type, and a
    // tagged variant's `status` then sits in the same object as its fields
    // (a `$ref` with sibling properties reads differently from tool to tool).
    let mut settings = SchemaSettings::draft2020_12().for_serialize();
    settings.inline_subschemas = true;
    let generator = settings.into_generator();
    let root = generator.into_root_schema_for::<T>();
    let mut text = serde_json::to_string_pretty(&root).expect("a schema is JSON");
    text.push('\n');
    text
}

fn schemas() -> Vec<(&'static str, String)> {
    vec![
        ("lint", schema::<LintAnswer>()),
        ("rewrite", schema::<RewriteAnswer>()),
        ("check", schema::<CheckAnswer>()),
        ("panel_ini", schema::<PanelIniAnswer>()),
        ("filter_catalog", schema::<CatalogAnswer>()),
        ("explain_catalog", schema::<ExplainAnswer>()),
        ("license_plan", schema::<LicensePlanVector>()),
        ("upgrade_target_state", schema::<TargetStateAnswer>()),
        ("activation_commands", schema::<ActivationAnswer>()),
        ("parse_key", schema::<KeyInfoAnswer>()),
        ("marketplace_verify", schema::<VerifyAnswer>()),
        ("marketplace_apply", schema::<ApplyAnswer>()),
        ("marketplace_replay", schema::<ApplyAnswer>()),
        ("marketplace_seat", schema::<SeatAnswerReport>()),
        ("marketplace_reconcile", schema::<ReconcileReport>()),
        ("shop_request", schema::<ShopRequest>()),
        ("catalog_stats", schema::<CatalogStats>()),
        ("error", schema::<Error>()),
    ]
}

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/schema");
    let mut stale = Vec::new();
    let wanted = schemas();
    for (name, text) in &wanted {
        let path = dir.join(format!("{name}.json"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != *text {
            if check {
                stale.push(format!("{name}.json"));
            } else {
                std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
    }
    // A schema file no type writes any more is drift too.
    let names: Vec<String> = wanted.iter().map(|(n, _)| format!("{n}.json")).collect();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.ends_with(".json") && !names.contains(&file) {
            if check {
                stale.push(format!("{file} (no type writes it)"));
            } else {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    if !stale.is_empty() {
        eprintln!(
            "schema: tests/vectors/schema/ differs from the answer types: {}\n  regenerate: cargo run -p resale-core --features schema --example schema",
            stale.join(", ")
        );
        std::process::exit(1);
    }
    if check {
        println!("schema: {} files match the answer types", wanted.len());
    }
}
