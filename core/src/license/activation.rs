//! The command lines that activate keys on a Plesk server.
//!
//! An activation code ends up in a shell command run as root, so it is
//! checked, not quoted: only `A`–`Z`, `0`–`9` and `-` are accepted, which
//! leaves nothing a shell could interpret.

use serde::Serialize;

use super::err;
use crate::Error;

/// The server's operating system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// Plesk for Linux: `plesk bin license`.
    Linux,
    /// Plesk for Windows: `license.exe` in `%plesk_cli%`.
    Windows,
}

impl Os {
    /// `linux` or `windows`.
    pub fn parse(text: &str) -> Option<Os> {
        match text {
            "linux" => Some(Os::Linux),
            "windows" => Some(Os::Windows),
            _ => None,
        }
    }

    /// [`Os::parse`], refusing anything else with `license.os.unknown` (field `os`).
    pub fn from_name(text: &str) -> Result<Os, Error> {
        Os::parse(text).ok_or_else(|| err("license.os.unknown", "os", "the OS is linux or windows"))
    }

    fn utility(self) -> &'static str {
        match self {
            Os::Linux => "plesk bin license",
            Os::Windows => "\"%plesk_cli%\\license.exe\"",
        }
    }
}

/// Longest activation code accepted.
pub const MAX_ACTIVATION_CODE_BYTES: usize = 64;

/// Is `code` an activation code (A–Z, 0–9, `-`; 1 to 64 characters)?
pub fn is_activation_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_ACTIVATION_CODE_BYTES
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// The command that installs the keys of `activation_code`.
///
/// ```
/// use resale_core::license::activation::{activation_commands, Os};
/// assert_eq!(activation_commands("A1B2C3-D4E5F6", Os::Linux).unwrap(),
///            vec!["plesk bin license --install A1B2C3-D4E5F6".to_string()]);
/// assert_eq!(activation_commands("X; rm -rf /", Os::Linux).unwrap_err().code,
///            "license.activation_code.malformed");
/// ```
pub fn activation_commands(activation_code: &str, os: Os) -> Result<Vec<String>, Error> {
    if !is_activation_code(activation_code) {
        return Err(err(
            "license.activation_code.malformed",
            "activation_code",
            format!("an activation code has 1 to {MAX_ACTIVATION_CODE_BYTES} characters A–Z, 0–9 and `-`"),
        ));
    }
    Ok(vec![format!(
        "{} --install {activation_code}",
        os.utility()
    )])
}

/// The command that fetches keys attached to the server's license now,
/// rather than at the next daily-to-monthly license update.
pub fn retrieve_commands(os: Os) -> Vec<String> {
    vec![format!("{} --retrieve", os.utility())]
}
