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
    // Read from the fixed end: the length bounds (16 to 26 bytes), `.dddd`,
    // then the first `.` of the rest ends the prefix (which has none) and
    // starts the digits (which have none either).
    let b = s.as_bytes();
    let n = b.len();
    if !(16..=26).contains(&n) || b[n - 5] != b'.' || !all_digits(&b[n - 4..]) {
        return false;
    }
    let head = &b[..n - 5];
    let Some(dot) = head.iter().position(|&c| c == b'.') else {
        return false;
    };
    let (prefix, digits) = (&head[..dot], &head[dot + 1..]);
    (2..=10).contains(&prefix.len())
        && (8..=10).contains(&digits.len())
        && prefix[0].is_ascii_uppercase()
        && prefix[1..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && all_digits(digits)
}

/// Are all bytes of `b` ASCII digits? Eight a step, as one word (a key
/// number's digits are read on every shop request): a byte fails when it
/// is not ASCII, below `0` (the subtraction sets its high bit) or above
/// `9` (the addition does). The lowest failing byte is always flagged, as
/// no borrow or carry reaches it from the valid bytes below; bytes above
/// it may be flagged or not, which does not change the answer.
fn all_digits(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(8);
    let words_ok = words.by_ref().all(|word| {
        <[u8; 8]>::try_from(word).is_ok_and(|word| {
            let x = u64::from_le_bytes(word);
            (x | x.wrapping_sub(ONES * 0x30) | x.wrapping_add(ONES * 0x46)) & HIGH == 0
        })
    });
    words_ok && words.remainder().iter().all(u8::is_ascii_digit)
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

    /// Every byte value at every position of every length up to 17, the
    /// other bytes digits: the word test answers what a byte loop does.
    #[test]
    fn all_digits_is_the_byte_loop() {
        for len in 0..=17 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'7'; len];
                    bytes[at] = b;
                    assert_eq!(all_digits(&bytes), b.is_ascii_digit(), "{len} {at} {b:#x}");
                }
            }
        }
        assert!(all_digits(b""));
    }

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
