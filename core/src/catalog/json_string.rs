//! Reading a JSON string's contents (between its quotes), escapes resolved.
//!
//! Feeds written by PHP escape `/` as `\/` and non-ASCII as `\uXXXX`; a code
//! may even arrive as `wp\u002dtoolkit`. Decisions are taken on the text the
//! feed's reader (Plesk, through PHP's `json_decode`) would see.

use std::borrow::Cow;

/// Unescape the raw bytes between a string's quotes. The scanner has already
/// validated the escapes, surrogate pairs and UTF-8.
///
/// The text is built as bytes (runs between escapes copied whole) and
/// checked as UTF-8 once: a PHP-written URL has an escape every few bytes,
/// and a check per run cost more than the copy (`make profile-scan`).
pub(crate) fn unescape(raw: &[u8]) -> Cow<'_, str> {
    let Some(first) = raw.iter().position(|&c| c == b'\\') else {
        // The feed's UTF-8 is checked: this is the common, borrowing case.
        return std::str::from_utf8(raw)
            .map_or_else(|_| String::from_utf8_lossy(raw), Cow::Borrowed);
    };
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(&raw[..first]);
    // At a backslash.
    let mut i = first;
    while i < raw.len() {
        let e = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let c = match e {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(raw, i);
                i += 4;
                let c = if (0xD800..0xDC00).contains(&hi) && raw.get(i) == Some(&b'\\') {
                    let lo = hex4(raw, i + 2);
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3ff)
                } else {
                    hi
                };
                char::from_u32(c).unwrap_or('\u{FFFD}')
            }
            other => other as char,
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        // The plain bytes up to the next escape.
        let Some(rest) = raw.get(i..) else { break };
        let next = rest
            .iter()
            .position(|&c| c == b'\\')
            .map_or(raw.len(), |k| i + k);
        out.extend_from_slice(&raw[i..next]);
        i = next;
    }
    // Escapes give whole characters, so the bytes are UTF-8 where the runs
    // between them are (and a lossy reading of the whole is that of each run).
    Cow::Owned(
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// The four hex digits at `raw[at..]`, or U+FFFD.
fn hex4(raw: &[u8], at: usize) -> u32 {
    let digits = raw.get(at..at + 4).and_then(|h| {
        h.iter()
            .try_fold(0u32, |v, &c| Some(v << 4 | char::from(c).to_digit(16)?))
    });
    // `from_str_radix` also reads a sign (the scanner lets none through).
    digits.unwrap_or_else(|| {
        raw.get(at..at + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .unwrap_or(0xFFFD)
    })
}

/// Write `text` as the contents of a JSON string (without quotes), escaping
/// `/` as `\/` when `php_style` (to match a PHP-written feed).
pub(crate) fn escape_into(out: &mut Vec<u8>, text: &str, php_style: bool) {
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '/' if php_style => out.extend_from_slice(b"\\/"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_escapes() {
        assert_eq!(
            unescape(br"https:\/\/go.plesk.com\/x"),
            "https://go.plesk.com/x"
        );
        assert_eq!(unescape(br"wp\u002dtoolkit"), "wp-toolkit");
        assert_eq!(unescape(br"\u0067o"), "go");
        assert_eq!(unescape(br"a\ud834\udd1eb"), "a\u{1D11E}b");
        assert_eq!(unescape(br#"q\"\\\n"#), "q\"\\\n");
        assert_eq!(unescape(b"plain"), "plain");
        // Cut or invalid escapes (the scanner lets none through) read as before.
        assert_eq!(unescape(br"a\u12"), "a\u{FFFD}");
        assert_eq!(unescape(br"a\u+12ab"), "a\u{12a}b");
        assert_eq!(unescape(br"a\"), "a\\");
        assert_eq!(unescape(b"\\/\xff\\u00e9"), "/\u{FFFD}\u{e9}");
    }

    #[test]
    fn escape_round_trip() {
        let mut out = Vec::new();
        escape_into(&mut out, "https://s/?a=\"b\"\\", true);
        assert_eq!(out, br#"https:\/\/s\/?a=\"b\"\\"#);
        assert_eq!(unescape(&out), "https://s/?a=\"b\"\\");
    }
}
