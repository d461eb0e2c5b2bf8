//! RFC 3339 timestamps and dates to Unix seconds, without a clock.
//!
//! GitHub writes `2017-10-25T00:00:00+00:00`, sometimes `…Z` or a bare
//! `2017-11-05`. The engine never reads the clock: the caller passes "now".
//! A dependency such as `chrono` would cost more in the WebAssembly build
//! than these few lines.

/// Seconds since 1970-01-01T00:00:00Z.
pub type Timestamp = i64;

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// "Now" as a caller passes it: RFC 3339, or `time.invalid` (field `now`).
///
/// ```
/// use resale_core::marketplace::time::parse_now;
/// assert_eq!(parse_now("1970-01-02T00:00:00Z"), Ok(86_400));
/// assert_eq!(parse_now("yesterday").unwrap_err().code, "time.invalid");
/// ```
pub fn parse_now(text: &str) -> Result<Timestamp, crate::Error> {
    parse_rfc3339(text).ok_or_else(|| {
        crate::Error::at_field("time.invalid", "now", "`now` is not an RFC 3339 date")
    })
}

/// Parse `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` (`t`, `z`
/// and a space for `T` accepted), to Unix seconds (fractions dropped).
///
/// ```
/// use resale_core::marketplace::time::parse_rfc3339;
/// assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
/// assert_eq!(parse_rfc3339("2017-10-25T00:00:00+00:00"), Some(1_508_889_600));
/// assert_eq!(parse_rfc3339("2017-10-25T02:00:00+02:00"), Some(1_508_889_600));
/// assert_eq!(parse_rfc3339("2017-10-25"), Some(1_508_889_600));
/// assert_eq!(parse_rfc3339("2017-02-29"), None);
/// ```
pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    // Slicing below assumes one byte per character.
    if !text.is_ascii() || b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(&text[0..4])?, num(&text[5..7])?, num(&text[8..10])?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if b.len() == 10 {
        return Some(days * 86_400);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hh, mm, ss) = (
        num(&text[11..13])?,
        num(&text[14..16])?,
        num(&text[17..19])?,
    );
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                return None;
            }
            let (oh, om) = (num(&rest[1..3])?, num(&rest[4..6])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let sign = if rb[0] == b'-' { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(parse_rfc3339("1900-02-29"), None);
        assert_eq!(
            parse_rfc3339("2024-12-31T23:59:59.999Z"),
            Some(1_735_689_599)
        );
        assert_eq!(
            parse_rfc3339("2024-01-01T00:00:00-05:30"),
            Some(1_704_067_200 + 19_800)
        );
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
        for bad in [
            "",
            "2024-1-01",
            "2024-13-01",
            "2024-01-32",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00.Z",
            "２０２４-01-01",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
