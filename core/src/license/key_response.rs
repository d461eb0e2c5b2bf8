//! KA v3 key structures: what the shop needs from KA's answer.

use serde::Serialize;
use serde_json::Value;

use super::{err, LicenseError};

/// The parts of a KA v3 key structure the shop needs next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// `keyIdentifiers.keyId`, as text.
    pub key_id: Option<String>,
    /// `keyIdentifiers.keyNumber`.
    pub key_number: String,
    /// `keyIdentifiers.activationCode`, when KA returned it.
    pub activation_code: Option<String>,
    /// `parentKeyIdentifiers.keyNumber`, for an attached key.
    pub parent_key_number: Option<String>,
    /// `status`, when given.
    pub status: Option<String>,
}

fn text(v: &Value, path: &str) -> Result<Option<String>, LicenseError> {
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

/// Read a KA v3 key structure (the body of `POST /30/keys?return-key-state=yes`
/// or `GET /30/keys/{id}`).
///
/// ```
/// use resale_core::license::key_response::parse_key;
/// let key = parse_key(r#"{"keyIdentifiers": {"keyId": 1042, "keyNumber": "EXT.12345678.0001",
///     "activationCode": "A1B2C3-D4E5F6-G7H8J9-K0L1M2-N3P4Q5"},
///     "parentKeyIdentifiers": {"keyNumber": "PLSK.12345678.0001"}, "status": "OK"}"#).unwrap();
/// assert_eq!(key.key_number, "EXT.12345678.0001");
/// assert_eq!(key.parent_key_number.as_deref(), Some("PLSK.12345678.0001"));
/// ```
pub fn parse_key(json: &str) -> Result<KeyInfo, LicenseError> {
    let v: Value = serde_json::from_str(json).map_err(|e| {
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
    Ok(KeyInfo {
        key_id: text(&ids["keyId"], "$.keyIdentifiers.keyId")?,
        key_number,
        activation_code: text(&ids["activationCode"], "$.keyIdentifiers.activationCode")?,
        parent_key_number: text(
            &v["parentKeyIdentifiers"]["keyNumber"],
            "$.parentKeyIdentifiers.keyNumber",
        )?,
        status: text(&v["status"], "$.status")?,
    })
}
