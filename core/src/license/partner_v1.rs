//! KA Partner API 1.0 requests (XML-RPC; obsolete but still in use).
//!
//! Sources (`P1` is <https://docs.plesk.com/en-US/obsidian/partner-api-1.0/>):
//! - Introduction (P1 `…/introduction.77524`): XML-RPC over HTTPS POST; the
//!   endpoint is `https://ka.plesk.com:7050` (tests: `https://ka.demo.plesk.com:7050`);
//!   "by default, all command parameters and structure fields are required".
//! - `partner10.createKey(struct, struct, string, string, array, struct, array, struct)`
//!   (P1 `…/77748`): positional parameters AuthInfo, ServerAddress, client
//!   ID, keytype, upgrade plans, CreationParameters (with `parentKeyNumber`
//!   to attach the new key), additional keytypes, their CreationParameters;
//!   result codes 100 (created) and 101 (additional key created and attached).
//! - `partner10.attachKey` (P1 `…/partner10attachkey.77740`): AuthInfo, main
//!   key number, additional key number; result code 100.
//! - `partner10.upgradeKey (struct, string, string)` (P1 `…/77772`):
//!   AuthInfo, key number, upgrade plan name; result code 100 (110 is "already
//!   has" and is not a success).
//! - The Java example (P1 `…/java.77820`): AuthInfo members `login` and
//!   `password`; ServerAddress member `ips` (an array of strings).
//!
//! Not documented, and therefore chosen here: the HTTP status of an XML-RPC
//! answer (the XML-RPC specification's `200 OK` is expected) and its content
//! type (`text/xml`, from the XML-RPC specification). None of the three
//! methods has a field for the shop's order ID, so v1 plans do not send it.

use super::Step;
use crate::markup;

/// `createKey`: creates a key (and additional keys), attached to
/// `parentKeyNumber` when given.
pub const CREATE_KEY_METHOD: &str = "partner10.createKey";
/// `attachKey`: attaches an additional key to a main key.
pub const ATTACH_KEY_METHOD: &str = "partner10.attachKey";
/// `upgradeKey`: applies an upgrade plan to a key.
pub const UPGRADE_KEY_METHOD: &str = "partner10.upgradeKey";
/// CreationParameters' member naming the key to attach the new key to.
pub const PARENT_KEY_FIELD: &str = "parentKeyNumber";
/// The endpoint is the root of `https://ka.plesk.com:7050` (Introduction);
/// the documentation names no other path.
pub const ENDPOINT_PATH: &str = "/";
/// createKey's success codes: 100 (key created, additional keys attached)
/// and 101 (additional key created and attached to the main key).
pub const CREATE_KEY_OK: [i32; 2] = [100, 101];
/// attachKey's and upgradeKey's success code.
pub const ATTACH_KEY_OK: [i32; 1] = [100];
/// upgradeKey's success code (110, "already has … feature", is a refusal).
pub const UPGRADE_KEY_OK: [i32; 1] = [100];
/// XML-RPC answers `200 OK` unless the HTTP layer fails (XML-RPC
/// specification; Plesk's pages do not say).
pub const HTTP_STATUS: u16 = 200;

fn string(text: &str) -> String {
    format!("<value><string>{}</string></value>", markup::escape(text))
}

fn array(values: &[String]) -> String {
    format!(
        "<value><array><data>{}</data></array></value>",
        values.concat()
    )
}

fn strukt(members: &[(&str, String)]) -> String {
    let members: String = members
        .iter()
        .map(|(name, value)| {
            format!(
                "<member><name>{}</name>{value}</member>",
                markup::escape(name)
            )
        })
        .collect();
    format!("<value><struct>{members}</struct></value>")
}

/// AuthInfo: the caller's credentials, as placeholders the executor fills
/// (XML-escaped) and never logs.
fn auth() -> String {
    strukt(&[
        ("login", string("{{ka.login}}")),
        ("password", string("{{ka.password}}")),
    ])
}

fn call(method: &str, params: &[String]) -> String {
    let params: String = params
        .iter()
        .map(|p| format!("<param>{p}</param>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>{}</methodName><params>{params}</params></methodCall>",
        markup::escape(method)
    )
}

fn step(id: String, body: String, ok: &[i32]) -> Step {
    Step {
        id,
        method: "POST",
        path: ENDPOINT_PATH.to_owned(),
        auth: "body",
        headers: vec![("Content-Type".to_owned(), "text/xml".to_owned())],
        body,
        body_from: None,
        expect_status: HTTP_STATUS,
        expect_result_codes: ok.to_vec(),
        depends_on: Vec::new(),
        extension_id: None,
        product_id: None,
    }
}

/// `createKey(AuthInfo, ServerAddress, clientID, keytype, [], {parentKeyNumber?}, additional, {})`.
pub(crate) fn create_key(
    id: String,
    server_ips: &[String],
    client_id: &str,
    keytype: &str,
    parent: Option<&str>,
    additional: &[&str],
) -> Step {
    let ips: Vec<String> = server_ips.iter().map(|ip| string(ip)).collect();
    let creation = match parent {
        Some(p) => strukt(&[(PARENT_KEY_FIELD, string(p))]),
        None => strukt(&[]),
    };
    let additional: Vec<String> = additional.iter().map(|k| string(k)).collect();
    let params = [
        auth(),
        strukt(&[("ips", array(&ips))]),
        string(client_id),
        string(keytype),
        array(&[]),
        creation,
        array(&additional),
        strukt(&[]),
    ];
    step(id, call(CREATE_KEY_METHOD, &params), &CREATE_KEY_OK)
}

/// `attachKey(AuthInfo, mainKeyNumber, additionalKeyNumber)`.
///
/// The plans do not need it: createKey attaches the keys it creates
/// (`parentKeyNumber`, or the additional keys of a bundle). It is here for
/// shops that attach a key they already have.
///
/// ```
/// let s = resale_core::license::partner_v1::attach_key("PLSK.12345678.0001", "EXT.12345678.0002");
/// assert!(s.body.contains("<methodName>partner10.attachKey</methodName><params><param><value><struct>"));
/// assert!(s.body.ends_with("<param><value><string>PLSK.12345678.0001</string></value></param><param><value><string>EXT.12345678.0002</string></value></param></params></methodCall>"));
/// assert_eq!(s.expect_result_codes, vec![100]);
/// ```
pub fn attach_key(main: &str, additional: &str) -> Step {
    let params = [auth(), string(main), string(additional)];
    step(
        format!("attach-key:{additional}"),
        call(ATTACH_KEY_METHOD, &params),
        &ATTACH_KEY_OK,
    )
}

/// `upgradeKey(AuthInfo, keyNumber, upgradePlanName)`.
pub(crate) fn upgrade_key(ekn: &str, upgrade_plan: &str) -> Step {
    let params = [auth(), string(ekn), string(upgrade_plan)];
    step(
        format!("upgrade-key:{ekn}"),
        call(UPGRADE_KEY_METHOD, &params),
        &UPGRADE_KEY_OK,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_xml_and_keeps_positions() {
        assert_eq!(markup::escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
        let s = create_key(
            "extension-key:x".into(),
            &["192.0.2.1".into()],
            "12345",
            "EXT<1>",
            Some("PLSK.12345678.0001"),
            &[],
        );
        let params: Vec<&str> = s.body.split("<param>").skip(1).collect();
        assert_eq!(
            params.len(),
            8,
            "createKey takes eight positional parameters"
        );
        assert!(params[1]
            .contains("<name>ips</name><value><array><data><value><string>192.0.2.1</string>"));
        assert!(params[2].starts_with("<value><string>12345</string>"));
        assert!(params[3].starts_with("<value><string>EXT&lt;1&gt;</string>"));
        assert!(params[5]
            .contains("<name>parentKeyNumber</name><value><string>PLSK.12345678.0001</string>"));
        assert!(params[6].starts_with("<value><array><data></data></array>"));
    }
}
