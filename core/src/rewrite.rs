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
        // A link as Plesk writes it: the output allocated once, at its
        // size (through `rewrite_buy_url_into`, an empty `String` would
        // grow into it).
        if input.len() <= MAX_URL_BYTES {
            if let Some((id, query)) = canonical_buy_link(input) {
                let mut out = String::with_capacity(self.shop_link_len(id, query));
                self.write_shop_link(&mut out, id, query, true);
                return Ok(RewriteOutcome::Rewritten(out));
            }
        }
        let mut out = String::new();
        Ok(match self.rewrite_buy_url_into(input, &mut out)? {
            Ok(()) => RewriteOutcome::Rewritten(out),
            Err(reason) => RewriteOutcome::Unchanged(reason),
        })
    }

    /// [`Policy::rewrite_buy_url`] that appends the shop URL to `out`
    /// rather than allocating it, for callers that reuse one buffer (the C
    /// ABI writes into the caller's): `Ok(Ok(()))` when rewritten,
    /// `Ok(Err(reason))` when the link is left as it is (`out` untouched).
    ///
    /// ```
    /// use resale_core::{Policy, UnchangedReason};
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com"}"#).unwrap();
    /// let mut out = String::new();
    /// assert_eq!(policy.rewrite_buy_url_into("https://go.plesk.com/buy-plesk-ext/docker?kn=X", &mut out).unwrap(), Ok(()));
    /// assert_eq!(out, "https://shop.com/?extension-id=docker&kn=X");
    /// let other = policy.rewrite_buy_url_into("https://example.com/", &mut out).unwrap();
    /// assert_eq!(other, Err(UnchangedReason::NotPleskStore));
    /// ```
    pub fn rewrite_buy_url_into(
        &self,
        input: &str,
        out: &mut String,
    ) -> Result<Result<(), UnchangedReason>, Error> {
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
        if let Some((id, query)) = canonical_buy_link(input) {
            // Canonical bytes are none that a query encodes.
            self.write_shop_link(out, id, query, true);
            return Ok(Ok(()));
        }
        let url = Url::parse(input).map_err(|e| {
            Error::at_field("url.invalid", "url", format!("not an absolute URL: {e}"))
        })?;
        Ok(
            buy_link_extension_id(&url)
                .map(|id| self.write_shop_link(out, &id, url.query(), false)),
        )
    }

    /// [`Policy::rewrite_buy_url`] on an already parsed URL.
    pub fn rewrite_parsed(&self, url: &Url) -> RewriteOutcome {
        match buy_link_extension_id(url) {
            Ok(id) => {
                let mut out = String::new();
                self.write_shop_link(&mut out, &id, url.query(), false);
                RewriteOutcome::Rewritten(out)
            }
            Err(reason) => RewriteOutcome::Unchanged(reason),
        }
    }

    /// The rewritten link: the policy's shop URL with `extension-id=<id>`
    /// and then `query` appended to its own query. `query` is encoded
    /// as [`push_query_safe`] does, unless `plain` says it has no byte
    /// to encode.
    pub(crate) fn write_shop_link(
        &self,
        out: &mut String,
        id: &str,
        query: Option<&str>,
        plain: bool,
    ) {
        out.reserve(self.shop_link_len(id, query));
        out.push_str(self.buy_link_head());
        out.push_str(id);
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            out.push('&');
            if plain {
                out.push_str(q);
            } else {
                push_query_safe(out, q);
            }
        }
    }

    /// The length of [`Policy::write_shop_link`]'s link when nothing in
    /// `query` is encoded (its least).
    pub(crate) fn shop_link_len(&self, id: &str, query: Option<&str>) -> usize {
        // The head (the base, `?` or `&`, `extension-id=`), and the `&`
        // before the query.
        self.buy_link_head().len() + 1 + id.len() + query.map_or(0, str::len)
    }

    /// [`write_link`] to `target`, one of this policy's shop targets (the
    /// policy's own `shop_url` starts from its precomputed base).
    /// `plain` says that no part holds a byte to encode.
    pub(crate) fn write_target_link<'p>(
        &self,
        out: &mut String,
        target: &Url,
        parts: impl IntoIterator<Item = &'p str>,
        plain: bool,
    ) {
        let sep = if std::ptr::eq(target, self.shop_url()) {
            let (base, sep) = self.shop_link_base();
            out.push_str(base);
            sep
        } else {
            write_link_base(out, target)
        };
        write_parts(out, sep, parts, plain);
    }
}

/// The extension ID and the query of a link written exactly as Plesk
/// writes it (`https://go.plesk.com/buy-plesk-ext/<code>[/][?<query>]`,
/// with nothing a URL parser would change), or `None` to let the full
/// parse decide. The host is decided as the parser would: the prefix ends
/// with the `/` that ends the authority, so `go.plesk.com.evil.example`
/// and `go.plesk.com@evil.example` never match, and every byte after it
/// is one the WHATWG path and query keep as they are. The property test
/// `canonical_fast_path_equals_full_parse` checks the answer against the
/// `url` crate. One pass over the bytes.
pub(crate) fn canonical_buy_link(input: &str) -> Option<(&str, Option<&str>)> {
    const CANONICAL_PREFIX: &str = "https://go.plesk.com/buy-plesk-ext/";
    let rest = input.strip_prefix(CANONICAL_PREFIX)?;
    // The path is an extension code (whose alphabet is canonical), perhaps
    // with one trailing `/`; the query is anything canonical.
    let (path, query) = match memchr::memchr(b'?', rest.as_bytes()) {
        Some(at) => {
            let q = &rest[at + 1..];
            if !all_in(&CANONICAL, q.as_bytes()) {
                return None;
            }
            (&rest[..at], Some(q))
        }
        None => (rest, None),
    };
    let id = path.strip_suffix('/').unwrap_or(path);
    is_extension_code(id).then_some((id, query))
}

/// Bytes every WHATWG path and query of a special URL keep as they are,
/// minus `\\` (a path separator for special schemes) and `#`: the
/// alphabet of [`canonical_buy_link`], as a table.
const CANONICAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let extra = b"-._~!$&()*+,;=:@/?%";
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

// Canonical bytes pass [`push_query_safe`] unchanged.
const _: () = {
    let mut b = 0;
    while b < 256 {
        assert!(!(CANONICAL[b] && QUERY_ENCODE[b]));
        b += 1;
    }
};

/// Append `parts` (empty ones skipped) as query parts, the first after
/// `sep`, encoded as [`push_query_safe`] does unless `plain` says no part
/// holds a byte to encode.
///
/// The parts come from a parsed URL's query or from validated parameters;
/// any byte that the URL standard would percent-encode in a query (space,
/// `"`, `#`, `'`, `<`, `>`, controls, non-ASCII) is encoded, so nothing
/// can leave the query component, and the shop URL (which has no
/// fragment, see the policy) stays in front.
fn write_parts<'p>(
    out: &mut String,
    mut sep: char,
    parts: impl IntoIterator<Item = &'p str>,
    plain: bool,
) {
    for part in parts {
        if part.is_empty() {
            continue;
        }
        out.push(sep);
        sep = '&';
        if plain {
            out.push_str(part);
        } else {
            push_query_safe(out, part);
        }
    }
}

/// Append `shop` up to and including its own query; answer the separator
/// the next part takes (`?`, or `&` after a query of its own).
pub(crate) fn write_link_base(out: &mut String, shop: &Url) -> char {
    let whole = shop.as_str();
    match shop.query() {
        Some(q) if !q.is_empty() => {
            out.push_str(&whole[..whole.len() - q.len() - 1]);
            out.push('?');
            push_query_safe(out, q);
            '&'
        }
        Some(q) => {
            out.push_str(&whole[..whole.len() - q.len() - 1]);
            '?'
        }
        None => {
            out.push_str(whole);
            '?'
        }
    }
}

/// Append `text`, percent-encoding what the URL standard's special-query
/// percent-encode set encodes (C0 controls, space, `"`, `#`, `'`, `<`, `>`,
/// DEL and every non-ASCII byte). Text that is already a serialised query
/// passes unchanged.
fn push_query_safe(out: &mut String, text: &str) {
    let needs = |b: u8| QUERY_ENCODE[b as usize];
    if all_in(&QUERY_KEEP, text.as_bytes()) {
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
pub(crate) const QUERY_ENCODE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b <= 0x20 || b >= 0x7f || matches!(b as u8, b'"' | b'#' | b'\'' | b'<' | b'>');
        b += 1;
    }
    t
};

/// The bytes [`push_query_safe`] keeps as they are.
const QUERY_KEEP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = !QUERY_ENCODE[b];
        b += 1;
    }
    t
};

/// Is every byte of `bytes` in `table`? Eight bytes a step (links are
/// a hundred bytes or so, and this runs on each).
fn all_in(table: &[bool; 256], bytes: &[u8]) -> bool {
    // Each word's eight look-ups and-ed as a tree, not a chain: the
    // look-ups run side by side, and one (predictable) branch per word.
    let t = |b: u8| u8::from(table[b as usize]);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let all =
            (t(w[0]) & t(w[1])) & (t(w[2]) & t(w[3])) & ((t(w[4]) & t(w[5])) & (t(w[6]) & t(w[7])));
        if all == 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&b| table[b as usize])
}

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

    /// Every byte value at every position of texts up to 70 bytes, the
    /// other bytes kept by both tables: `all_in` answers what a byte-by-byte
    /// look does, in the 32-byte blocks and in the rest.
    #[test]
    fn all_in_is_the_byte_loop() {
        for table in [&CANONICAL, &QUERY_KEEP] {
            for len in [1, 7, 31, 32, 33, 64, 70] {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut bytes = vec![b'a'; len];
                        bytes[at] = b;
                        assert_eq!(
                            all_in(table, &bytes),
                            table[b as usize],
                            "{len} {at} {b:#x}"
                        );
                    }
                }
            }
            assert!(all_in(table, b""));
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
        for (url, code) in [
            (
                "https://go.plesk.com.evil.example/buy-plesk-ext/x",
                "host.not_plesk_store",
            ),
            ("https://evil.example/?go.plesk.com", "host.not_plesk_store"),
            (
                "https://go.plesk.com@evil.example/buy-plesk-ext/x",
                "host.not_plesk_store",
            ),
            (
                "https://www.imunify360.com/buy?ref=plesk",
                "host.not_plesk_store",
            ),
            ("https://go.plesk.com/", "path.not_buy_link"),
            ("https://go.plesk.com/buy-plesk-ext/", "path.not_buy_link"),
            (
                "https://go.plesk.com/buy-plesk-ext/a/b",
                "path.not_buy_link",
            ),
            (
                "https://go.plesk.com/buy-plesk-ext/../x",
                "path.not_buy_link",
            ),
            ("https://go.plesk.com/BUY-PLESK-EXT/x", "path.not_buy_link"),
            (
                "https://go.plesk.com/buy-plesk-ext/a%20b",
                "extension_id.malformed",
            ),
            (
                "https://go.plesk.com/buy-plesk-ext/a%2Fb",
                "extension_id.malformed",
            ),
        ] {
            assert_eq!(reason(&p, url), code, "{url}");
        }
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
            if let Some((id, query)) = canonical_buy_link(&input) {
                let mut fast = String::new();
                p.write_shop_link(&mut fast, id, query, true);
                proptest::prop_assert_eq!(Some(RewriteOutcome::Rewritten(fast)), full, "{}", input);
            }
        }
    }
}
