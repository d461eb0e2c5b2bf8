//! The lexical shape of the identifiers the engine handles.
//!
//! These are deliberately narrow: every identifier here ends up in a URL, a
//! Partner API call or a shell command line, so anything outside the expected
//! alphabet is refused rather than escaped.

/// Longest extension code accepted, in bytes.
pub const MAX_EXTENSION_CODE_BYTES: usize = 64;
/// Longest product ID accepted, in bytes.
pub const MAX_PRODUCT_ID_BYTES: usize = 128;
/// Longest coupon code accepted, in bytes.
pub const MAX_COUPON_BYTES: usize = 64;
/// Longest token accepted (after percent-decoding), in bytes.
pub const MAX_TOKEN_BYTES: usize = 1024;
/// Longest bare extension key number (`ekn=123456`), in digits.
pub const MAX_BARE_KEY_DIGITS: usize = 12;

fn word(s: &str, max: usize, first_alnum: bool) -> bool {
    !s.is_empty()
        && s.len() <= max
        && (!first_alnum || s.as_bytes()[0].is_ascii_alphanumeric())
        && s.bytes().fold(true, |all, b| all & WORD[b as usize])
}

/// The alphabet of [`word`] (ASCII letters, digits, `-`, `_`, `.`) as a
/// table, and-ed over the bytes without a branch each: codes are checked
/// on every buy link and every shop request.
const WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric() || matches!(b as u8, b'-' | b'_' | b'.');
        b += 1;
    }
    t
};

/// An extension code (`wp-toolkit`, `imunify360`): ASCII letters, digits,
/// `-`, `_`, `.`, starting with a letter or digit, at most 64 bytes.
///
/// ```
/// use resale_core::syntax::is_extension_code;
/// assert!(is_extension_code("wp-toolkit"));
/// assert!(!is_extension_code("../etc"));
/// assert!(!is_extension_code("a b"));
/// ```
pub fn is_extension_code(s: &str) -> bool {
    word(s, MAX_EXTENSION_CODE_BYTES, true)
}

/// A product ID (`WPT_DELUXE`): same alphabet as codes, at most 128 bytes.
pub fn is_product_id(s: &str) -> bool {
    word(s, MAX_PRODUCT_ID_BYTES, false)
}

/// A Partner API item constant (`EXT-WP-TOOLKIT`), same alphabet, at most 128 bytes.
pub fn is_partner_api_item(s: &str) -> bool {
    word(s, MAX_PRODUCT_ID_BYTES, false)
}

/// A coupon code (`buyUrlCoupon`): same alphabet, at most 64 bytes.
pub fn is_coupon(s: &str) -> bool {
    word(s, MAX_COUPON_BYTES, false)
}

/// A bare extension key number as the extension SDK's example shows it
/// (`ekn=123456`): 1 to 12 digits.
pub fn is_bare_key_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_BARE_KEY_DIGITS && s.bytes().all(|b| b.is_ascii_digit())
}

/// Does `s` match [`crate::policy::DEFAULT_KEY_NUMBER_PATTERN`]
/// (`^[A-Z][A-Z0-9]{1,9}\.[0-9]{8,10}\.[0-9]{4}$`, e.g. `PLSK.12345678.0001`)?
/// Equal to the regex on every input (a property test says so), without one.
///
/// ```
/// use resale_core::syntax::is_default_key_number;
/// assert!(is_default_key_number("PLSK.12345678.0001"));
/// assert!(is_default_key_number("PLESK.1234567890.0001"));
/// assert!(!is_default_key_number("plsk.12345678.0001"));
/// assert!(!is_default_key_number("PLSK.12345678.0001\n"));
/// ```
pub fn is_default_key_number(s: &str) -> bool {
    // One pass: `[A-Z][A-Z0-9]{1,9}` `.` `[0-9]{8,10}` `.` `[0-9]{4}`.
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    let mut i = 1;
    while i < b.len() && (b[i].is_ascii_uppercase() || b[i].is_ascii_digit()) {
        i += 1;
    }
    if !(2..=10).contains(&i) || b.get(i) != Some(&b'.') {
        return false;
    }
    let digits = i + 1;
    i = digits;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if !(8..=10).contains(&(i - digits)) || b.get(i) != Some(&b'.') {
        return false;
    }
    let suffix = &b[i + 1..];
    suffix.len() == 4 && suffix.iter().all(u8::is_ascii_digit)
}

/// Is `s` base64 (standard `+/` or URL-safe `-_` alphabet, not mixed), with
/// padding either absent or correct?
///
/// ```
/// use resale_core::syntax::is_base64;
/// assert!(is_base64("U29NZVVuaXF1ZUdVSUQxMjM="));
/// assert!(is_base64("U29NZVVuaXF1ZUdVSUQxMjM"));
/// assert!(!is_base64("U29NZVVuaXF1ZUdVSUQxMjM=="));
/// assert!(!is_base64("a b="));
/// ```
pub fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    let pad = s.len() - body.len();
    if body.is_empty() || pad > 2 {
        return false;
    }
    // One pass: the alphabets each byte belongs to, and-ed together.
    let alphabets = body
        .bytes()
        .fold(BASE64_STD | BASE64_URL, |acc, b| acc & BASE64[b as usize]);
    if alphabets == 0 {
        return false;
    }
    match body.len() % 4 {
        1 => false,
        // With padding, the padded length must be a multiple of four.
        rem => pad == 0 || (rem + pad).is_multiple_of(4) && rem != 0,
    }
}

/// `BASE64` bits: the byte belongs to the standard (`+/`) or the URL-safe
/// (`-_`) alphabet.
const BASE64_STD: u8 = 1;
const BASE64_URL: u8 = 2;
const BASE64: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = BASE64_STD | BASE64_URL;
        }
        b += 1;
    }
    t[b'+' as usize] = BASE64_STD;
    t[b'/' as usize] = BASE64_STD;
    t[b'-' as usize] = BASE64_URL;
    t[b'_' as usize] = BASE64_URL;
    t
};

/// A JSON-path-friendly identifier (used to print `$.a.b` rather than `$["a"]`).
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_padding() {
        assert!(is_base64("QQ=="));
        assert!(is_base64("QUI="));
        assert!(is_base64("QUJD"));
        assert!(is_base64("QQ"));
        assert!(is_base64("a+b/"));
        assert!(is_base64("a-b_"));
        assert!(!is_base64("a+b_"));
        assert!(!is_base64("QUJD="));
        assert!(!is_base64("Q"));
        assert!(!is_base64("="));
        assert!(!is_base64(""));
        assert!(!is_base64("QQ=A"));
    }

    #[test]
    fn identifiers() {
        assert!(is_extension_code("a"));
        assert!(!is_extension_code("-a"));
        assert!(!is_extension_code(&"a".repeat(65)));
        assert!(is_product_id("_PRO"));
        assert!(is_bare_key_digits("123456"));
        assert!(!is_bare_key_digits("12a"));
        assert!(is_coupon("SPRING-2026"));
        assert!(!is_coupon("a&b"));
    }
}
