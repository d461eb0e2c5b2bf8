//! Which URLs belong to Plesk's own store.
//!
//! Both the buy-link rewrite and the catalog filter ask the same question —
//! "is this link sold through Plesk's store?" — so the answer lives here, once.
//! The question is answered on a parsed URL (WHATWG rules, via the `url`
//! crate), never on the string: `https://go.plesk.com.evil.example/` starts
//! with `https://go.plesk.com` but is somebody else's host, and
//! `https://GO.Plesk.com./` is Plesk's host although it does not.

use url::{Host, Url};

/// The host name of Plesk's store, as Plesk documents it.
pub const PLESK_STORE_HOST: &str = "go.plesk.com";

/// Path prefix of the extension buy links Plesk generates
/// (`https://go.plesk.com/buy-plesk-ext/<extension-id>`).
pub const BUY_PATH_PREFIX: &str = "/buy-plesk-ext/";

/// Is `url` a link into Plesk's store?
///
/// True when the scheme is `http` or `https` and the host, after WHATWG
/// parsing (lower-cased, IDNA-mapped, percent-decoded), is exactly
/// `go.plesk.com`, with or without one trailing dot (the fully qualified form
/// of the same name). The port and any userinfo do not matter: the browser
/// still talks to Plesk's host.
///
/// ```
/// use url::Url;
/// use resale_core::host::is_plesk_store;
///
/// assert!(is_plesk_store(&Url::parse("https://GO.plesk.com./buy-plesk-ext/x").unwrap()));
/// assert!(!is_plesk_store(&Url::parse("https://go.plesk.com.evil.example/").unwrap()));
/// assert!(!is_plesk_store(&Url::parse("https://evil.example/?go.plesk.com").unwrap()));
/// ```
pub fn is_plesk_store(url: &Url) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.strip_suffix('.').unwrap_or(domain);
            domain == PLESK_STORE_HOST
        }
        _ => false,
    }
}

/// Parse `text` as an absolute URL and tell whether it is a Plesk store link.
///
/// Anything that does not parse is not Plesk's store (a free extension's
/// empty `buy_url`, for instance).
///
/// ```
/// use resale_core::host::is_plesk_store_str;
/// assert!(is_plesk_store_str("https://go.plesk.com/buy-plesk-ext/docker"));
/// assert!(!is_plesk_store_str(""));
/// assert!(!is_plesk_store_str("https://go.plesk.com@evil.example/"));
/// ```
pub fn is_plesk_store_str(text: &str) -> bool {
    match canonical_host(text) {
        Some(host) => host.strip_suffix('.').unwrap_or(host) == PLESK_STORE_HOST,
        None => Url::parse(text)
            .map(|u| is_plesk_store(&u))
            .unwrap_or(false),
    }
}

/// The host of `http(s)://host[/?#…]` when it is written the way a URL
/// parser would leave it (lower-case ASCII letters, digits, `.`, `-`), or
/// `None` to let the full parser decide. Catalog feeds carry thousands of
/// such links; this spares each a full parse. The property test
/// `canonical_host_agrees_with_the_parser` checks it against the `url` crate.
fn canonical_host(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    let plain = host
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    plain.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(s: &str) -> bool {
        is_plesk_store_str(s)
    }

    #[test]
    fn the_store_in_its_spellings() {
        for s in [
            "https://go.plesk.com/buy-plesk-ext/x",
            "http://go.plesk.com/",
            "HTTPS://GO.PLESK.COM/",
            "https://go.plesk.com./",
            "https://go.plesk.com:443/",
            "https://go.plesk.com:8443/",
            "https://user:pw@go.plesk.com/",
            "https://go%2Eplesk.com/",
            "https://go.ple\tsk.com/",
            "https:\\\\go.plesk.com\\buy-plesk-ext\\x",
            "https:go.plesk.com/",
            "https://ｇｏ.plesk.com/",
        ] {
            assert!(store(s), "{s} should be the store");
        }
    }

    #[test]
    fn look_alikes_and_others() {
        for s in [
            "https://go.plesk.com.evil.example/",
            "https://go.plesk.com.vendor.example/cart",
            "https://evil.example/?go.plesk.com",
            "https://evil.example/go.plesk.com",
            "https://evil.example/#go.plesk.com",
            "https://go.plesk.com@evil.example/",
            "https://go-plesk.com/",
            "https://xgo.plesk.com/",
            "https://plesk.com/",
            "https://go.plesk.com../",
            "ftp://go.plesk.com/",
            "//go.plesk.com/",
            "go.plesk.com/buy-plesk-ext/x",
            "https://127.0.0.1/",
            "",
        ] {
            assert!(!store(s), "{s} should not be the store");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]
        /// The shortcut for plainly written hosts agrees with the full parse.
        #[test]
        fn canonical_host_agrees_with_the_parser(
            scheme in proptest::sample::select(vec!["https://", "http://", "HTTP://", "ftp://", ""]),
            host in "(go|GO|xn--go|1|0x7f)?[.]?(plesk|ple-sk|plesk[.]com)?[.a-z0-9:@%-]{0,6}",
            tail in "[/?#a-z]{0,3}",
        ) {
            let text = format!("{scheme}{host}{tail}");
            let full = Url::parse(&text).map(|u| is_plesk_store(&u)).unwrap_or(false);
            proptest::prop_assert_eq!(is_plesk_store_str(&text), full, "{}", text);
        }
    }
}
