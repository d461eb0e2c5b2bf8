//! KA Partner API v1 requests (XML-RPC, obsolete but still in use).
//!
//! One `createKey` call orders a main key and its additional keys at once;
//! an extension for an existing Plesk names it as `parentKeyNumber`.
//! Credentials travel in the call: the body carries `{{ka.login}}` and
//! `{{ka.password}}` placeholders for the shop to fill.

use super::Step;

/// The XML-RPC method that creates keys.
pub const CREATE_KEY_METHOD: &str = "partner10.createKey";
/// The XML-RPC method that upgrades a key.
pub const UPGRADE_KEY_METHOD: &str = "partner10.upgradeKey";
/// The member naming the key to attach to.
pub const PARENT_KEY_FIELD: &str = "parentKeyNumber";
/// The path of the XML-RPC endpoint.
pub const ENDPOINT_PATH: &str = "/xmlrpc";

/// Escape text for an XML element.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn member(name: &str, value: &str) -> String {
    format!(
        "<member><name>{}</name><value>{value}</value></member>",
        xml(name)
    )
}

fn string(text: &str) -> String {
    format!("<string>{}</string>", xml(text))
}

fn call(method: &str, members: &[String]) -> String {
    let auth = format!(
        "<struct>{}{}</struct>",
        member("login", &string("{{ka.login}}")),
        member("password", &string("{{ka.password}}"))
    );
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>{}</methodName><params><param><value>{auth}</value></param><param><value><struct>{}</struct></value></param></params></methodCall>",
        xml(method),
        members.concat()
    )
}

fn step(id: String, body: String) -> Step {
    Step {
        id,
        method: "POST",
        path: ENDPOINT_PATH.to_owned(),
        content_type: "text/xml",
        body,
        depends_on: Vec::new(),
        extension_id: None,
        product_id: None,
    }
}

/// `createKey`: a key of `item` (with `additional` keys), attached to `parent` when given.
pub(crate) fn create_key(
    item: &str,
    order_id: &str,
    parent: Option<&str>,
    additional: &[&str],
) -> Step {
    let mut members = vec![
        member("keyType", &string(item)),
        member("clientIdentifier", &string(order_id)),
    ];
    if let Some(parent) = parent {
        members.push(member(PARENT_KEY_FIELD, &string(parent)));
    }
    if !additional.is_empty() {
        let values: String = additional
            .iter()
            .map(|a| format!("<value>{}</value>", string(a)))
            .collect();
        members.push(member(
            "upgradePlans",
            &format!("<array><data>{values}</data></array>"),
        ));
    }
    let id = if parent.is_some() {
        format!("extension-key:{item}")
    } else {
        "main-key".to_owned()
    };
    step(id, call(CREATE_KEY_METHOD, &members))
}

/// `upgradeKey`: the key `ekn` gets `item`.
pub(crate) fn upgrade_key(ekn: &str, item: &str, order_id: &str) -> Step {
    let members = vec![
        member("keyNumber", &string(ekn)),
        member("upgradePlan", &string(item)),
        member("clientIdentifier", &string(order_id)),
    ];
    step(
        format!("upgrade-key:{ekn}"),
        call(UPGRADE_KEY_METHOD, &members),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_xml() {
        assert_eq!(xml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        let s = create_key("EXT", "o-1", Some("PLSK.12345678.0001"), &[]);
        assert!(s.body.contains(
            "<name>parentKeyNumber</name><value><string>PLSK.12345678.0001</string></value>"
        ));
        assert!(s.body.starts_with(
            "<?xml version=\"1.0\"?><methodCall><methodName>partner10.createKey</methodName>"
        ));
    }
}
