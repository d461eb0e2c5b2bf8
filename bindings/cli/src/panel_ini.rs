//! `resale panel-ini`: Plesk's configuration for this shop.

use std::path::Path;

use resale_core::panel_ini::parse_panel_ini;

use crate::io::{self, Failure};

pub fn run(
    policy: Option<&Path>,
    catalog_url: Option<&str>,
    read: Option<&Path>,
) -> Result<(), Failure> {
    if let Some(path) = read {
        let keys = parse_panel_ini(&io::read_file(path)?);
        let value = serde_json::to_value(keys).map_err(|e| e.to_string())?;
        return io::print_line(&value);
    }
    let policy = crate::policy::load(policy.expect("clap requires --policy without --read"))?;
    let ini = policy.panel_ini(catalog_url).map_err(|e| e.to_string())?;
    print!("{ini}");
    Ok(())
}
