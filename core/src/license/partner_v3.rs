//! KA Partner API v3 requests (REST, JSON, HTTP Basic authentication).

use serde_json::json;

use super::Step;

/// Where keys are created; `return-key-state=yes` makes KA answer with the
/// key structure (key number, activation code) rather than only `Location`.
pub const CREATE_KEY_PATH: &str = "/30/keys?return-key-state=yes";
/// The key structure's field for the key to attach to.
pub const PARENT_KEY_FIELD: &str = "parentKeyIdentifiers";
/// The field of an identifiers object that holds a key number.
pub const KEY_NUMBER_FIELD: &str = "keyNumber";
/// Keys are modified (upgraded) at this path, `{key}` being the key's identifier.
pub const MODIFY_KEY_PATH: &str = "/30/keys/{key}";

fn item(item: &str, order_id: &str) -> serde_json::Value {
    json!({"item": item, "externalId": order_id, "quantity": 1})
}

/// `POST /30/keys`: one key of `item`, attached to `parent` when given.
pub(crate) fn create_key(id: &str, item_name: &str, order_id: &str, parent: Option<&str>) -> Step {
    let mut body = json!({"items": [item(item_name, order_id)]});
    if let Some(parent) = parent {
        body[PARENT_KEY_FIELD] = json!({ KEY_NUMBER_FIELD: parent });
    }
    Step {
        id: id.to_owned(),
        method: "POST",
        path: CREATE_KEY_PATH.to_owned(),
        content_type: "application/json",
        body: body.to_string(),
        depends_on: Vec::new(),
        extension_id: None,
        product_id: None,
    }
}

/// `PUT /30/keys/{ekn}`: the existing extension key gets `item`.
pub(crate) fn upgrade_key(ekn: &str, item_name: &str, order_id: &str) -> Step {
    Step {
        id: format!("upgrade-key:{ekn}"),
        method: "PUT",
        path: MODIFY_KEY_PATH.replace("{key}", ekn),
        content_type: "application/json",
        body: json!({"items": [item(item_name, order_id)]}).to_string(),
        depends_on: Vec::new(),
        extension_id: None,
        product_id: None,
    }
}
