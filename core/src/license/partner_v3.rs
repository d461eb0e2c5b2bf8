//! KA Partner API 3.0 requests (REST, JSON, HTTP Basic authentication).
//!
//! Sources (Plesk's public documentation; `P3` is
//! <https://docs.plesk.com/en-US/obsidian/partner-api-3.0/>):
//! - Technology (P3 `…/technology.77837`): the request headers.
//! - Creating a License Key (P3 `…/creating-a-license-key.77841`): `POST
//!   /30/keys`, `return-key-state`, `201` with `Location`, the `items[]`
//!   example with `item` and `externalId`.
//! - Retrieving a License Key Structure (P3 `…/77844`): `GET
//!   /30/keys/<KEY_ID_OR_ACTIVATION_CODE>`, `200`; unmatched items "should be
//!   passed without changes when calling the Modify Key command".
//! - Modifying a License Key (P3 `…/modifying-a-license-key.77846`): `PUT`
//!   at the same path, the key structure as body, `200`.
//! - License Key Structure (Full) (P3 `…/license-key-structure-full.77843`):
//!   `ownerId` required when "creating a license key under the reseller
//!   account"; `keyIdentifiers` subfields `keyId`, `keyNumber`,
//!   `activationCode`.
//! - License Key Structure (Short): `keyId` is the "key number without
//!   prefix and version".
//! - The OpenAPI page <https://docs.webpros.cloud/api-docs/cloud-api.html>:
//!   HTTP Basic authentication; "License keys cannot be created for reseller
//!   accounts … the client account's ID must be passed via the ownerId field".

use serde::Serialize;
use serde_json::{json, Value};

use super::{err, Step};
use crate::Error;

/// Creating a License Key: `URL: /30/keys`, with the documented query
/// parameter `return-key-state` so that KA answers with the key structure
/// (key number, activation code); without it the body is empty.
pub const CREATE_KEY_PATH: &str = "/30/keys?return-key-state=yes";
/// Retrieving / Modifying a License Key: `URL: /30/keys/<KEY_ID_OR_ACTIVATION_CODE>`.
pub const KEY_PATH_PREFIX: &str = "/30/keys/";
/// Creating a License Key: "Success status code: 201".
pub const CREATE_STATUS: u16 = 201;
/// Retrieving and Modifying a License Key: "Success status code: 200".
pub const GET_STATUS: u16 = 200;
/// Modifying a License Key: "Success status code: 200".
pub const MODIFY_STATUS: u16 = 200;
/// License Key Structure (Full): the key to attach to. Its value is a
/// "Key identifiers" structure; the plans name the parent by `keyNumber`
/// (the reselling page: "pass this key number as the parent key number").
pub const PARENT_KEY_FIELD: &str = "parentKeyIdentifiers";
/// Key identifiers structure: the key number subfield.
pub const KEY_NUMBER_FIELD: &str = "keyNumber";
/// The owner's KA account ID (License Key Structure (Full), `ownerId`).
pub const OWNER_FIELD: &str = "ownerId";

/// Technology page, "Constraints on API Requests": `Content-Type` with the
/// `application/json` MIME type and the body's charset (the page's example
/// spells it `charset=UTF8`; the IANA name `UTF-8` is sent), `Accept` with
/// `application/json`, `Accept-Charset` with `UTF-8`, `Accept-Encoding`
/// with `gzip` (so the executor must decode gzip answers). `Content-Length`
/// is required too; the HTTP client sets it from the body. Authorization is
/// HTTP Basic with the caller's credentials, never in the plan.
pub const BODY_HEADERS: [(&str, &str); 4] = [
    ("Content-Type", "application/json; charset=UTF-8"),
    ("Accept", "application/json"),
    ("Accept-Charset", "UTF-8"),
    ("Accept-Encoding", "gzip"),
];

/// What the executor must do to build a step's body from an earlier answer:
/// the `PUT` of an upgrade is the key's target state, made by
/// [`target_state`] from the `GET` answer of step `step`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TargetState {
    /// The step whose answer (the key structure) is the starting state.
    pub step: String,
    /// The items this upgrade replaces (the extension's other items).
    pub replace: Vec<String>,
    /// The item the key gets.
    pub item: String,
    /// The new item's `externalId` (the order).
    pub external_id: String,
}

impl TargetState {
    /// Read a step's `body_from` handed back by a binding;
    /// `license.spec.malformed` (field `spec`) when it is not one.
    pub fn from_json(text: &str) -> Result<TargetState, Error> {
        serde_json::from_str(text).map_err(|e| {
            err(
                "license.spec.malformed",
                "spec",
                format!("spec is not a step's body_from: {e}"),
            )
        })
    }
}

fn headers(with_body: bool) -> Vec<(String, String)> {
    BODY_HEADERS
        .iter()
        .filter(|(name, _)| with_body || *name != "Content-Type")
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn step(id: String, method: &'static str, path: String, body: String, status: u16) -> Step {
    let with_body = !body.is_empty();
    Step {
        id,
        method,
        path,
        auth: "basic",
        headers: headers(with_body),
        body,
        body_from: None,
        expect_status: status,
        expect_result_codes: Vec::new(),
        depends_on: Vec::new(),
        extension_id: None,
        product_id: None,
    }
}

/// `POST /30/keys?return-key-state=yes`: one key of `item`, owned by
/// `owner` when given, attached to the key number `parent` when given.
/// Only `item` and `externalId` are sent per item: the documented example
/// shows no other member (no `quantity`).
pub(crate) fn create_key(
    id: &str,
    item: &str,
    order_id: &str,
    owner: Option<&str>,
    parent: Option<&str>,
) -> Step {
    let mut body = json!({"items": [{"item": item, "externalId": order_id}]});
    if let Some(owner) = owner {
        body[OWNER_FIELD] = json!(owner);
    }
    if let Some(parent) = parent {
        body[PARENT_KEY_FIELD] = json!({ KEY_NUMBER_FIELD: parent });
    }
    step(
        id.to_owned(),
        "POST",
        CREATE_KEY_PATH.to_owned(),
        body.to_string(),
        CREATE_STATUS,
    )
}

/// `GET /30/keys/{keyId}`: the key's present state.
pub(crate) fn get_key(id: &str, key_id: &str) -> Step {
    step(
        id.to_owned(),
        "GET",
        format!("{KEY_PATH_PREFIX}{key_id}"),
        String::new(),
        GET_STATUS,
    )
}

/// `PUT /30/keys/{keyId}` whose body the executor builds with
/// [`target_state`] from the answer of `spec.step`.
pub(crate) fn modify_key(id: &str, key_id: &str, spec: TargetState) -> Step {
    let mut s = step(
        id.to_owned(),
        "PUT",
        format!("{KEY_PATH_PREFIX}{key_id}"),
        String::new(),
        MODIFY_STATUS,
    );
    s.headers = headers(true);
    s.depends_on = vec![spec.step.clone()];
    s.body_from = Some(spec);
    s
}

/// The `keyId` of a key number: the "key number without prefix and
/// version" (License Key Structure (Short)), as the number it is (the
/// Retrieving page's example has `keyId` 9467394 for
/// `PLSK.09467394.0000`). Bare digits (an `ekn` may be given so) are read
/// the same way. Anything else is `license.key_number.malformed`.
///
/// ```
/// use resale_core::license::partner_v3::key_id;
/// assert_eq!(key_id("EXT.12345678.0001", "ekn").unwrap(), "12345678");
/// assert_eq!(key_id("PLSK.09467394.0000", "ekn").unwrap(), "9467394");
/// assert_eq!(key_id("12345678", "ekn").unwrap(), "12345678");
/// assert_eq!(key_id("EXT.1234.x", "ekn").unwrap_err().code, "license.key_number.malformed");
/// ```
pub fn key_id(key_number: &str, field: &str) -> Result<String, Error> {
    let digits = match key_number.split('.').collect::<Vec<_>>().as_slice() {
        [prefix, digits, version]
            if !prefix.is_empty()
                && prefix.bytes().all(|b| b.is_ascii_alphanumeric())
                && version.len() == 4
                && version.bytes().all(|b| b.is_ascii_digit()) =>
        {
            *digits
        }
        [digits] => *digits,
        _ => "",
    };
    let ok = (1..=10).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    let id = digits.trim_start_matches('0');
    if !ok || id.is_empty() {
        return Err(err(
            "license.key_number.malformed",
            field,
            "a key number is PREFIX.DIGITS.VERSION (such as EXT.12345678.0001) or its digits; its keyId is the digits",
        ));
    }
    Ok(id.to_owned())
}

/// The body of an upgrade's `PUT`: the key's target state, from its
/// present state (`key_json`, the `GET` answer). Modifying a License Key
/// takes the key structure; the Retrieving page asks that items the
/// caller does not change be "passed without changes". So the whole
/// `items` list goes back, each item as KA gave it, except those in
/// `spec.replace`, which become `spec.item` (with `spec.external_id`).
/// `keyIdentifiers.keyId` is sent too: the Full structure says a modify
/// checks the identifiers it is given against the key. No other field is
/// sent (an omitted field means "no actions"; `ownerId` would be a move to
/// another owner, which conflicts with an upgrade).
///
/// Errors (`license.response.invalid` for an answer without `items`):
/// `license.upgrade.nothing_to_replace` when the key has none of the
/// replaced items, `license.upgrade.already` when it already has the
/// target item and nothing to replace.
///
/// ```
/// use resale_core::license::partner_v3::{target_state, TargetState};
/// let spec = TargetState { step: "get-key".into(), replace: vec!["EXT-WPT-LITE".into()],
///     item: "EXT-WPT-DELUXE".into(), external_id: "o-7".into() };
/// let body = target_state(r#"{"keyIdentifiers": {"keyId": 12345678},
///     "items": [{"item": "EXT-WPT-LITE", "externalId": "o-1"}, {"item": "UNMATCHED-FEATURE", "externalId": null}]}"#, &spec).unwrap();
/// assert_eq!(body, r#"{"items":[{"item":"EXT-WPT-DELUXE","externalId":"o-7"},{"item":"UNMATCHED-FEATURE","externalId":null}],"keyIdentifiers":{"keyId":12345678}}"#);
/// ```
pub fn target_state(key_json: &str, spec: &TargetState) -> Result<String, Error> {
    let key: Value = serde_json::from_str(key_json).map_err(|e| {
        err(
            "license.response.invalid",
            "$",
            format!("KA's answer is not JSON: {e}"),
        )
    })?;
    let items = key["items"].as_array().ok_or_else(|| {
        err(
            "license.response.invalid",
            "$.items",
            "KA's key structure has no `items` list",
        )
    })?;
    let mut replaced = false;
    let mut has_target = false;
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let name = it["item"].as_str().ok_or_else(|| {
            err(
                "license.response.invalid",
                &format!("$.items[{i}].item"),
                "an item of KA's key structure has no `item` string",
            )
        })?;
        if spec.replace.iter().any(|r| r == name) {
            if !replaced {
                out.push(json!({"item": spec.item, "externalId": spec.external_id}));
            }
            replaced = true;
        } else {
            has_target |= name == spec.item;
            out.push(it.clone());
        }
    }
    if !replaced {
        return Err(if has_target {
            err(
                "license.upgrade.already",
                "items",
                format!("the key already has `{}`", spec.item),
            )
        } else {
            err(
                "license.upgrade.nothing_to_replace",
                "items",
                format!(
                    "the key has none of the items this upgrade replaces ({})",
                    spec.replace.join(", ")
                ),
            )
        });
    }
    let mut body = json!({ "items": out });
    if !key["keyIdentifiers"]["keyId"].is_null() {
        body["keyIdentifiers"] = json!({"keyId": key["keyIdentifiers"]["keyId"]});
    }
    Ok(body.to_string())
}
