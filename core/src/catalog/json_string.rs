//! Reading a JSON string's contents (between its quotes), escapes resolved.
//!
//! Feeds written by PHP escape `/` as `\/` and non-ASCII as `\uXXXX`; a code
//! may even arrive as `wp\u002dtoolkit`. Decisions are taken on the text the
//! feed's reader (Plesk, through PHP's `json_decode`) would see.

use std::borrow::Cow;

/// Unescape the raw bytes between a string's quotes. The scanner has already
/// validated the escapes, surrogate pairs and UTF-8.
pub(crate) fn unescape(raw: &[u8]) -> Cow<'_, str> {
    if !raw.contains(&b'\\') {
        // The feed's UTF-8 is checked: this is the common, borrowing case.
        return std::str::from_utf8(raw)
            .map_or_else(|_| String::from_utf8_lossy(raw), Cow::Borrowed);
    }
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            let next = raw[i..]
                .iter()
                .position(|&c| c == b'\\')
                .map_or(raw.len(), |k| i + k);
            match std::str::from_utf8(&raw[i..next]) {
                Ok(text) => out.push_str(text),
                Err(_) => out.push_str(&String::from_utf8_lossy(&raw[i..next])),
            }
            i = next;
            continue;
        }
        let e = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        match e {
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
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
                out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            other => out.push(other as char),
        }
    }
    Cow::Owned(out)
}

fn hex4(raw: &[u8], at: usize) -> u32 {
    raw.get(at..at + 4)
        .and_then(|h| std::str::from_utf8(h).ok())
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .unwrap_or(0xFFFD)
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
    }

    #[test]
    fn escape_round_trip() {
        let mut out = Vec::new();
        escape_into(&mut out, "https://s/?a=\"b\"\\", true);
        assert_eq!(out, br#"https:\/\/s\/?a=\"b\"\\"#);
        assert_eq!(unescape(&out), "https://s/?a=\"b\"\\");
    }
}
