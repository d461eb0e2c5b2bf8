//! KA v3 key structures: what the shop needs from KA's answer.
//!
//! Creating a License Key answers `201` with a `Location` header "pointing
//! exactly to the created key" (e.g. `https://api.central.plesk.com/30/keys/12345678`)
//! and, with `return-key-state`, the key structure as body; Retrieving
//! answers the structure (`keyIdentifiers`: `keyId`, `keyNumber`,
//! `activationCode`; `parentKeyIdentifiers`; `status`). See
//! [`super::partner_v3`] for the pages.

use serde::Serialize;
use serde_json::Value;

use super::err;
use crate::Error;

/// The parts of a KA v3 key structure the shop needs next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyInfo {
    /// `keyIdentifiers.keyId`, as text.
    pub key_id: Option<String>,
    /// `keyIdentifiers.keyNumber` (absent when KA sent no body).
    pub key_number: Option<String>,
    /// `keyIdentifiers.activationCode`, when KA returned it.
    pub activation_code: Option<String>,
    /// `parentKeyIdentifiers.keyNumber`, for an attached key.
    pub parent_key_number: Option<String>,
    /// `status`, when given.
    pub status: Option<String>,
    /// The `Location` header, when given.
    pub location: Option<String>,
}

/// The `keyId` a `Location` names: its last path segment, digits.
fn location_key_id(location: &str) -> Result<String, Error> {
    let path = location.split(['?', '#']).next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    let is_key_path = path.trim_end_matches(last).ends_with("/30/keys/");
    if is_key_path
        && !last.is_empty()
        && last.len() <= 20
        && last.bytes().all(|b| b.is_ascii_digit())
    {
        Ok(last.to_owned())
    } else {
        Err(err(
            "license.response.invalid",
            "Location",
            "KA's `Location` does not point to /30/keys/<keyId>",
        ))
    }
}

fn text(v: &Value, path: &str) -> Result<Option<String>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => Err(err(
            "license.response.invalid",
            path,
            format!("`{path}` should be a string"),
        )),
    }
}

/// Read KA's answer to a v3 key request: the body (a key structure, or
/// empty when `return-key-state` was not asked) and the `Location` header
/// of a create. With both, the `keyId` of the body and of `Location` must
/// agree.
///
/// ```
/// use resale_core::license::key_response::parse_key;
/// let key = parse_key(r#"{"keyIdentifiers": {"keyId": 12345678, "keyNumber": "EXT.12345678.0001",
///     "activationCode": "A1B2C3-D4E5F6-G7H8J9-K0L1M2-N3P4Q5"},
///     "parentKeyIdentifiers": {"keyNumber": "PLSK.12345678.0001"}, "status": "ACTIVE"}"#,
///     Some("https://api.central.plesk.com/30/keys/12345678")).unwrap();
/// assert_eq!(key.key_number.as_deref(), Some("EXT.12345678.0001"));
/// assert_eq!(key.parent_key_number.as_deref(), Some("PLSK.12345678.0001"));
/// let bare = parse_key("", Some("https://api.central.plesk.com/30/keys/12345678")).unwrap();
/// assert_eq!((bare.key_id.as_deref(), bare.key_number), (Some("12345678"), None));
/// ```
pub fn parse_key(body: &str, location: Option<&str>) -> Result<KeyInfo, Error> {
    let location_id = location.map(location_key_id).transpose()?;
    if body.trim().is_empty() {
        return match location_id {
            Some(id) => Ok(KeyInfo {
                key_id: Some(id),
                key_number: None,
                activation_code: None,
                parent_key_number: None,
                status: None,
                location: location.map(str::to_owned),
            }),
            None => Err(err(
                "license.response.invalid",
                "$",
                "KA's answer has neither a body nor a `Location`",
            )),
        };
    }
    let v: Value = serde_json::from_str(body).map_err(|e| {
        err(
            "license.response.invalid",
            "$",
            format!("KA's answer is not JSON: {e}"),
        )
    })?;
    if !v.is_object() {
        return Err(err(
            "license.response.invalid",
            "$",
            "KA's answer is not a key structure (an object)",
        ));
    }
    let ids = &v["keyIdentifiers"];
    if !ids.is_object() {
        return Err(err(
            "license.response.invalid",
            "$.keyIdentifiers",
            "KA's answer has no `keyIdentifiers`",
        ));
    }
    let key_number = text(&ids["keyNumber"], "$.keyIdentifiers.keyNumber")?
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            err(
                "license.response.invalid",
                "$.keyIdentifiers.keyNumber",
                "KA's answer has no key number",
            )
        })?;
    let key_id = text(&ids["keyId"], "$.keyIdentifiers.keyId")?;
    if let (Some(a), Some(b)) = (&key_id, &location_id) {
        if a != b {
            return Err(err(
                "license.response.invalid",
                "Location",
                format!("`Location` names key {b}, the body key {a}"),
            ));
        }
    }
    Ok(KeyInfo {
        key_id: key_id.or(location_id),
        key_number: Some(key_number),
        activation_code: text(&ids["activationCode"], "$.keyIdentifiers.activationCode")?,
        parent_key_number: text(
            &v["parentKeyIdentifiers"]["keyNumber"],
            "$.parentKeyIdentifiers.keyNumber",
        )?,
        status: text(&v["status"], "$.status")?,
        location: location.map(str::to_owned),
    })
}
