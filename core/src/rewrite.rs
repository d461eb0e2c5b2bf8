//! The buy-link rewrite Plesk performs when `panel.ini` sets
//! `[extensions] buyUrl`.
//!
//! Plesk turns
//! `https://go.plesk.com/buy-plesk-ext/<id>?kn=…&token=…&product-id=…` into
//! `<buyUrl>?extension-id=<id>&kn=…&token=…&product-id=…`. This module does
//! the same, exactly, so that a shop, an edge worker or a catalog proxy can
//! produce the links Plesk would (and a test can predict them):
//!
//! - only links into Plesk's store ([`crate::host::is_plesk_store`]) whose
//!   path is `/buy-plesk-ext/<id>` are rewritten; ISV stores, look-alike
//!   hosts and other `go.plesk.com` pages are left alone, with a reason;
//! - the original parameters keep their order and their encoding
//!   (`token=U29NZVVuaXF1ZUdVSUQxMjM%3D` stays as is); the fragment is dropped;
//! - the result is the shop URL with its path and its own query, plus the
//!   parameters: it can never point anywhere but the shop.

use url::Url;

use crate::host::{is_plesk_store, BUY_PATH_PREFIX};
use crate::syntax::is_extension_code;
use crate::{Error, Policy};

/// Longest URL the rewrite accepts, in bytes.
pub const MAX_URL_BYTES: usize = 8192;

/// What the rewrite did with a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RewriteOutcome {
    /// A Plesk buy link, now pointing at the shop.
    Rewritten(String),
    /// Not a Plesk buy link: use the original URL.
    Unchanged(UnchangedReason),
}

/// Why a URL was left as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnchangedReason {
    /// The host is not Plesk's store (an ISV store, a look-alike host).
    NotPleskStore,
    /// Plesk's store, but not a `/buy-plesk-ext/<id>` link.
    NotBuyPath,
    /// A buy link whose extension ID is not an extension code.
    ExtensionIdMalformed,
}

impl UnchangedReason {
    /// Stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            UnchangedReason::NotPleskStore => "host.not_plesk_store",
            UnchangedReason::NotBuyPath => "path.not_buy_link",
            UnchangedReason::ExtensionIdMalformed => "extension_id.malformed",
        }
    }

    /// Explanation for a person.
    pub fn message(self) -> &'static str {
        match self {
            UnchangedReason::NotPleskStore => {
                "the link does not point at Plesk's store (go.plesk.com); extensions sold elsewhere keep their links"
            }
            UnchangedReason::NotBuyPath => {
                "the link points at Plesk's store but not at an extension buy page (/buy-plesk-ext/<extension-id>)"
            }
            UnchangedReason::ExtensionIdMalformed => {
                "the extension ID in the buy link is not an extension code"
            }
        }
    }
}

impl Policy {
    /// Rewrite a Plesk buy link to the shop, as Plesk does with `buyUrl` set.
    ///
    /// ```
    /// use resale_core::{Policy, RewriteOutcome};
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com"}"#).unwrap();
    /// let out = policy.rewrite_buy_url(
    ///     "https://go.plesk.com/buy-plesk-ext/some-extension-name?kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID",
    /// ).unwrap();
    /// assert_eq!(out, RewriteOutcome::Rewritten(
    ///     "https://shop.com/?extension-id=some-extension-name&kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID".into()));
    ///
    /// // Look-alike hosts are somebody else's store.
    /// let out = policy.rewrite_buy_url("https://go.plesk.com.evil.example/buy-plesk-ext/x").unwrap();
    /// assert!(matches!(out, RewriteOutcome::Unchanged(_)));
    /// ```
    pub fn rewrite_buy_url(&self, input: &str) -> Result<RewriteOutcome, Error> {
        if input.len() > MAX_URL_BYTES {
            return Err(Error::at_field(
                "url.too_long",
                "url",
                format!(
                    "the URL is {} bytes, the limit is {MAX_URL_BYTES}",
                    input.len()
                ),
            ));
        }
        if let Some(out) = self.rewrite_canonical(input) {
            return Ok(RewriteOutcome::Rewritten(out));
        }
        let url = Url::parse(input).map_err(|e| {
            Error::at_field("url.invalid", "url", format!("not an absolute URL: {e}"))
        })?;
        Ok(self.rewrite_parsed(&url))
    }

    /// The fast path for links exactly as Plesk writes them
    /// (`https://go.plesk.com/buy-plesk-ext/<code>?<query>` with nothing a
    /// URL parser would change): the answer the full parse would give, or
    /// `None` to let the full parse decide. It only ever answers for input
    /// whose WHATWG parse is the identity on every byte it reads, which the
    /// property test `canonical_fast_path_equals_full_parse` checks against
    /// the `url` crate.
    fn rewrite_canonical(&self, input: &str) -> Option<String> {
        const CANONICAL_PREFIX: &str = "https://go.plesk.com/buy-plesk-ext/";
        let rest = input.strip_prefix(CANONICAL_PREFIX)?;
        // Bytes every WHATWG path and query keep as they are, minus `\\`
        // (a path separator for special schemes), `#` and `%` in the path.
        let plain = |b: u8| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.'
                        | b'_'
                        | b'~'
                        | b'!'
                        | b'$'
                        | b'&'
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b';'
                        | b'='
                        | b':'
                        | b'@'
                        | b'/'
                        | b'?'
                        | b'%'
                )
        };
        if !rest.bytes().all(plain) {
            return None;
        }
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let id = path.strip_suffix('/').unwrap_or(path);
        if !is_extension_code(id) {
            return None;
        }
        let mut first = String::with_capacity(13 + id.len());
        first.push_str("extension-id=");
        first.push_str(id);
        Some(self.shop_link(&first, query))
    }

    /// [`Policy::rewrite_buy_url`] on an already parsed URL.
    pub fn rewrite_parsed(&self, url: &Url) -> RewriteOutcome {
        match buy_link_extension_id(url) {
            Ok(id) => RewriteOutcome::Rewritten(
                self.shop_link(&format!("extension-id={id}"), url.query()),
            ),
            Err(reason) => RewriteOutcome::Unchanged(reason),
        }
    }

    /// The policy's shop URL with `first` and then `rest` appended to its own query.
    pub(crate) fn shop_link(&self, first: &str, rest: Option<&str>) -> String {
        link_to(self.shop_url(), first, rest)
    }
}

/// `shop` (a shop target of the policy) with `first` and then `rest`
/// appended to its own query.
///
/// The parts come from a parsed URL's query or from validated parameters;
/// any byte that the URL standard would percent-encode in a query (space,
/// `"`, `#`, `'`, `<`, `>`, controls, non-ASCII) is encoded here, so
/// nothing can leave the query component, and the shop URL (which has no
/// fragment, see the policy) stays in front.
pub(crate) fn link_to(shop: &Url, first: &str, rest: Option<&str>) -> String {
    let whole = shop.as_str();
    let (base, own) = match shop.query() {
        Some(q) => (&whole[..whole.len() - q.len() - 1], Some(q)),
        None => (whole, None),
    };
    let mut out = String::with_capacity(whole.len() + first.len() + rest.map_or(0, str::len) + 3);
    out.push_str(base);
    let mut sep = '?';
    for part in [own, Some(first), rest].into_iter().flatten() {
        if part.is_empty() {
            continue;
        }
        out.push(sep);
        sep = '&';
        push_query_safe(&mut out, part);
    }
    out
}

/// Append `text`, percent-encoding what the URL standard's special-query
/// percent-encode set encodes (C0 controls, space, `"`, `#`, `'`, `<`, `>`,
/// DEL and every non-ASCII byte). Text that is already a serialised query
/// passes unchanged.
fn push_query_safe(out: &mut String, text: &str) {
    let needs = |b: u8| QUERY_ENCODE[b as usize];
    if !text.bytes().fold(false, |any, b| any | needs(b)) {
        out.push_str(text);
        return;
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        if needs(b) {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push(b as char);
        }
    }
}

/// The bytes [`push_query_safe`] percent-encodes, as a table (it runs on
/// every redirect).
const QUERY_ENCODE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b <= 0x20 || b >= 0x7f || matches!(b as u8, b'"' | b'#' | b'\'' | b'<' | b'>');
        b += 1;
    }
    t
};

/// The extension ID of a Plesk buy link, or why `url` is not one.
fn buy_link_extension_id(url: &Url) -> Result<String, UnchangedReason> {
    if !is_plesk_store(url) {
        return Err(UnchangedReason::NotPleskStore);
    }
    let rest = url
        .path()
        .strip_prefix(BUY_PATH_PREFIX)
        .ok_or(UnchangedReason::NotBuyPath)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() || rest.contains('/') {
        return Err(UnchangedReason::NotBuyPath);
    }
    let id =
        crate::query::decode_component(rest).map_err(|_| UnchangedReason::ExtensionIdMalformed)?;
    if !is_extension_code(&id) {
        return Err(UnchangedReason::ExtensionIdMalformed);
    }
    Ok(id.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(shop: &str) -> Policy {
        Policy::from_json(&format!(r#"{{"shop_url": {shop:?}}}"#)).unwrap()
    }

    fn rewritten(p: &Policy, url: &str) -> String {
        match p.rewrite_buy_url(url).unwrap() {
            RewriteOutcome::Rewritten(s) => s,
            other => panic!("{url}: {other:?}"),
        }
    }

    fn reason(p: &Policy, url: &str) -> &'static str {
        match p.rewrite_buy_url(url).unwrap() {
            RewriteOutcome::Unchanged(r) => r.code(),
            other => panic!("{url}: {other:?}"),
        }
    }

    #[test]
    fn documented_examples() {
        let shop = policy("https://shop.com");
        assert_eq!(
            rewritten(&shop, "https://go.plesk.com/buy-plesk-ext/some-extension-name?kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID"),
            "https://shop.com/?extension-id=some-extension-name&kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID"
        );
        let store = policy("https://myownstore.com/store");
        assert_eq!(
            rewritten(
                &store,
                "https://go.plesk.com/buy-plesk-ext/extension-name?kn=PLESK.1234567890.0001"
            ),
            "https://myownstore.com/store?extension-id=extension-name&kn=PLESK.1234567890.0001"
        );
    }

    #[test]
    fn shop_query_is_kept_and_extended() {
        let p = policy("https://shop.example/cart.php?a=add&pid=7");
        assert_eq!(
            rewritten(
                &p,
                "https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.12345678.0001"
            ),
            "https://shop.example/cart.php?a=add&pid=7&extension-id=docker&kn=PLSK.12345678.0001"
        );
        assert_eq!(
            rewritten(&p, "https://go.plesk.com/buy-plesk-ext/docker"),
            "https://shop.example/cart.php?a=add&pid=7&extension-id=docker"
        );
    }

    #[test]
    fn spellings_of_the_store_are_rewritten() {
        let p = policy("https://shop.com");
        for u in [
            "HTTPS://GO.PLESK.COM/buy-plesk-ext/docker?kn=X",
            "https://go.plesk.com./buy-plesk-ext/docker?kn=X",
            "https://go.plesk.com:443/buy-plesk-ext/docker?kn=X",
            "https:\\\\go.plesk.com\\buy-plesk-ext\\docker?kn=X",
            "https://go.plesk.com/buy-plesk-ext/docker/?kn=X#frag",
            "https://go.ple\nsk.com/buy-plesk-ext/do\tcker?kn=X",
            "https://go.plesk.com/buy-plesk-ext/%64ocker?kn=X",
        ] {
            assert_eq!(
                rewritten(&p, u),
                "https://shop.com/?extension-id=docker&kn=X",
                "{u}"
            );
        }
    }

    #[test]
    fn everything_else_is_unchanged() {
        let p = policy("https://shop.com");
        assert_eq!(
            reason(&p, "https://go.plesk.com.evil.example/buy-plesk-ext/x"),
            "host.not_plesk_store"
        );
        assert_eq!(
            reason(&p, "https://evil.example/?go.plesk.com"),
            "host.not_plesk_store"
        );
        assert_eq!(
            reason(&p, "https://go.plesk.com@evil.example/buy-plesk-ext/x"),
            "host.not_plesk_store"
        );
        assert_eq!(
            reason(&p, "https://www.imunify360.com/buy?ref=plesk"),
            "host.not_plesk_store"
        );
        assert_eq!(reason(&p, "https://go.plesk.com/"), "path.not_buy_link");
        assert_eq!(
            reason(&p, "https://go.plesk.com/buy-plesk-ext/"),
            "path.not_buy_link"
        );
        assert_eq!(
            reason(&p, "https://go.plesk.com/buy-plesk-ext/a/b"),
            "path.not_buy_link"
        );
        assert_eq!(
            reason(&p, "https://go.plesk.com/buy-plesk-ext/../x"),
            "path.not_buy_link"
        );
        assert_eq!(
            reason(&p, "https://go.plesk.com/BUY-PLESK-EXT/x"),
            "path.not_buy_link"
        );
        assert_eq!(
            reason(&p, "https://go.plesk.com/buy-plesk-ext/a%20b"),
            "extension_id.malformed"
        );
        assert_eq!(
            reason(&p, "https://go.plesk.com/buy-plesk-ext/a%2Fb"),
            "extension_id.malformed"
        );
    }

    #[test]
    fn not_urls_are_errors() {
        let p = policy("https://shop.com");
        assert_eq!(
            p.rewrite_buy_url("go.plesk.com/buy-plesk-ext/x")
                .unwrap_err()
                .code,
            "url.invalid"
        );
        assert_eq!(p.rewrite_buy_url("").unwrap_err().code, "url.invalid");
        let long = format!(
            "https://go.plesk.com/buy-plesk-ext/x?t={}",
            "a".repeat(MAX_URL_BYTES)
        );
        assert_eq!(p.rewrite_buy_url(&long).unwrap_err().code, "url.too_long");
    }

    #[test]
    fn query_characters_cannot_escape() {
        let p = policy("https://shop.com");
        let out = rewritten(
            &p,
            "https://go.plesk.com/buy-plesk-ext/x?kn=a b\"<>'&t=%0d%0a",
        );
        assert_eq!(
            out,
            "https://shop.com/?extension-id=x&kn=a%20b%22%3C%3E%27&t=%0d%0a"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]
        /// The canonical fast path answers exactly what the full WHATWG parse answers.
        #[test]
        fn canonical_fast_path_equals_full_parse(tail in "[a-zA-Z0-9./?%&=+#\\\\ '<>\"_~:@;,!$*()-]{0,40}", shop in proptest::sample::select(vec!["https://shop.com", "https://s.example/c.php?a=add"])) {
            let p = policy(shop);
            let input = format!("https://go.plesk.com/buy-plesk-ext/{tail}");
            let full = Url::parse(&input).map(|u| p.rewrite_parsed(&u)).ok();
            if let Some(fast) = p.rewrite_canonical(&input) {
                proptest::prop_assert_eq!(Some(RewriteOutcome::Rewritten(fast)), full, "{}", input);
            }
        }
    }
}
