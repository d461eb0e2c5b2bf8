//! Raw query strings, taken apart without being rewritten.
//!
//! Shops break on three classic query-string traps, and this module avoids
//! each of them:
//! - *form decoding*: `application/x-www-form-urlencoded` turns `+` into a
//!   space, but Plesk's base64 tokens contain `+`. Values here are only
//!   percent-decoded, and the raw text is kept for forwarding, so nothing is
//!   decoded and re-encoded on the way through;
//! - *parameter pollution*: `kn=A&kn=B` means different things to different
//!   frameworks (PHP takes the last, others the first). A repeated name is
//!   reported, never resolved;
//! - *smuggling*: invalid percent-encoding, invalid UTF-8 and control
//!   characters (CR/LF for header injection, NUL) are reported too.

use std::borrow::Cow;

/// Limits a query must respect; exceeding one is a coded rejection.
pub mod limits {
    /// Maximum length of the whole query string, in bytes.
    pub const MAX_QUERY_BYTES: usize = 8192;
    /// Maximum number of `name=value` pairs.
    pub const MAX_PARAMS: usize = 64;
    /// Maximum length of one raw (still percent-encoded) value, in bytes.
    /// Fields may set tighter limits of their own (the token does).
    pub const MAX_VALUE_BYTES: usize = 2048;
    /// Maximum length of a raw parameter name, in bytes.
    pub const MAX_NAME_BYTES: usize = 64;

    /// How an error names a parameter whose raw name may be longer than
    /// [`MAX_NAME_BYTES`]: its longest prefix within that limit that ends
    /// on a char boundary, so that no error carries more of a name than
    /// the limit allows.
    ///
    /// ```
    /// use resale_core::query::limits::{shown_name, MAX_NAME_BYTES};
    /// assert_eq!(shown_name("kn"), "kn");
    /// assert_eq!(shown_name(&"é".repeat(40)).len(), MAX_NAME_BYTES);
    /// ```
    pub fn shown_name(raw_name: &str) -> &str {
        if raw_name.len() <= MAX_NAME_BYTES {
            return raw_name;
        }
        let mut end = MAX_NAME_BYTES;
        while !raw_name.is_char_boundary(end) {
            end -= 1;
        }
        &raw_name[..end]
    }
}

/// One `name=value` pair of a query, raw and decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param<'a> {
    /// The name, percent-decoded.
    pub name: Cow<'a, str>,
    /// The value, percent-decoded (but `+` left as `+`); empty when the pair
    /// has no `=`.
    pub value: Cow<'a, str>,
    /// The whole pair exactly as it arrived (`token=abc%3D`).
    pub raw: &'a str,
    /// The value exactly as it arrived (`abc%3D`).
    pub raw_value: &'a str,
}

/// Why a query could not be taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// The query is longer than [`limits::MAX_QUERY_BYTES`].
    TooLong {
        /// The query's length in bytes.
        len: usize,
    },
    /// More than [`limits::MAX_PARAMS`] pairs.
    TooManyParams,
    /// A name occurs twice.
    Duplicate {
        /// The parameter's name.
        name: String,
    },
    /// A `%` not followed by two hex digits, or decoded bytes that are not UTF-8.
    BadEncoding {
        /// The parameter's name.
        name: String,
    },
    /// A control character, raw or percent-encoded.
    ControlChar {
        /// The parameter's name.
        name: String,
    },
    /// A name longer than [`limits::MAX_NAME_BYTES`] or a value longer than
    /// [`limits::MAX_VALUE_BYTES`].
    ParamTooLong {
        /// The parameter's name.
        name: String,
    },
}

/// Split `query` (without the leading `?`) into its pairs, in order.
///
/// Empty pieces (`a=1&&b=2`, a trailing `&`) are skipped. Each name must be
/// unique; every name and value must be valid percent-encoded UTF-8 with no
/// control characters.
///
/// ```
/// use resale_core::query::parse_query;
/// let params = parse_query("kn=PLSK.12345678.0001&token=a+b%3D").unwrap();
/// assert_eq!(params[1].value, "a+b="); // `+` is not a space
/// assert_eq!(params[1].raw_value, "a+b%3D");
/// assert!(parse_query("kn=1&kn=2").is_err());
/// ```
pub fn parse_query(query: &str) -> Result<Vec<Param<'_>>, QueryError> {
    let params = parse_pairs(query)?;
    ensure_unique(&params)?;
    Ok(params)
}

/// Refuse a list of pairs in which a name occurs twice.
pub fn ensure_unique(params: &[Param<'_>]) -> Result<(), QueryError> {
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.name == p.name) {
            return Err(QueryError::Duplicate {
                name: p.name.to_string(),
            });
        }
    }
    Ok(())
}

/// [`parse_query`] without the duplicate check, for callers that first set
/// aside pairs they know (the shop URL's own query).
pub fn parse_pairs(query: &str) -> Result<Vec<Param<'_>>, QueryError> {
    check_length(query)?;
    let mut params: Vec<Param<'_>> = Vec::with_capacity(8);
    for pair in pairs(query) {
        if params.len() == limits::MAX_PARAMS {
            return Err(QueryError::TooManyParams);
        }
        let name = pair.name()?;
        let value = pair.value(&name)?;
        params.push(Param {
            name,
            value,
            raw: pair.raw,
            raw_value: pair.raw_value,
        });
    }
    Ok(params)
}

/// Refuse a query longer than [`limits::MAX_QUERY_BYTES`].
pub(crate) fn check_length(query: &str) -> Result<(), QueryError> {
    if query.len() > limits::MAX_QUERY_BYTES {
        return Err(QueryError::TooLong { len: query.len() });
    }
    Ok(())
}

/// One non-empty `&`-separated pair as the pass over the query found it:
/// its raw parts and what kinds of byte ([`BYTE_CLASS`]) each contains, so
/// that decoding needs no second look at bytes that need no decoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawPair<'q> {
    /// The whole pair (`token=abc%3D`).
    pub raw: &'q str,
    /// Before the first `=` (the whole pair when there is none).
    pub raw_name: &'q str,
    /// After the first `=` (empty when there is none).
    pub raw_value: &'q str,
    name_class: u8,
    value_class: u8,
}

impl<'q> RawPair<'q> {
    /// The decoded name, or why it is refused (under its raw, truncated
    /// form, as a name that does not decode has no other): the first two
    /// of the per-pair checks, in [`parse_pairs`]' order.
    #[inline]
    pub(crate) fn name(&self) -> Result<Cow<'q, str>, QueryError> {
        // Most names are plain and short: borrowed without a call.
        if self.name_class & (PERCENT | CONTROL_LEAD) == 0
            && self.raw_name.len() <= limits::MAX_NAME_BYTES
        {
            return Ok(Cow::Borrowed(self.raw_name));
        }
        self.decode_name()
    }

    /// [`RawPair::name`] of a name to decode, or to refuse.
    #[inline(never)]
    fn decode_name(&self) -> Result<Cow<'q, str>, QueryError> {
        let shown = || limits::shown_name(self.raw_name).to_owned();
        let name =
            decode_classified(self.raw_name, self.name_class).map_err(|e| e.for_name(shown()))?;
        if self.raw_name.len() > limits::MAX_NAME_BYTES {
            return Err(QueryError::ParamTooLong { name: shown() });
        }
        Ok(name)
    }

    /// The decoded value of the pair named `name`, or why it is refused:
    /// the last two per-pair checks, after [`RawPair::name`].
    #[inline]
    pub(crate) fn value(&self, name: &str) -> Result<Cow<'q, str>, QueryError> {
        // Most values are plain: borrowed without a call.
        if self.value_class & (PERCENT | CONTROL_LEAD) == 0
            && self.raw_value.len() <= limits::MAX_VALUE_BYTES
        {
            return Ok(Cow::Borrowed(self.raw_value));
        }
        self.decode_value(name)
    }

    /// [`RawPair::value`] of a value to decode, or to refuse.
    #[inline(never)]
    fn decode_value(&self, name: &str) -> Result<Cow<'q, str>, QueryError> {
        self.check_value_length(name)?;
        decode_classified(self.raw_value, self.value_class).map_err(|e| e.for_name(name.to_owned()))
    }

    /// Does the value hold a `%` (so that reading it decodes)?
    pub(crate) fn is_escaped(&self) -> bool {
        self.value_class & PERCENT != 0
    }

    /// [`RawPair::value`] with a decoded value appended to `text`
    /// rather than allocated: the same checks and errors.
    #[inline]
    pub(crate) fn value_in(
        &self,
        name: &str,
        text: &mut String,
    ) -> Result<ValueIn<'q>, QueryError> {
        if self.value_class & PERCENT == 0 {
            return self.value(name).map(|_| ValueIn::Raw(self.raw_value));
        }
        self.decode_value_in(name, text)
    }

    /// [`RawPair::value_in`] of a value to decode, or to refuse.
    #[inline(never)]
    fn decode_value_in(&self, name: &str, text: &mut String) -> Result<ValueIn<'q>, QueryError> {
        self.check_value_length(name)?;
        let start = text.len();
        decode_escaped_into(self.raw_value, self.value_class, text)
            .map_err(|e| e.for_name(name.to_owned()))?;
        Ok(ValueIn::At(start..text.len()))
    }

    /// [`RawPair::value`] for a value nobody reads (a parameter the
    /// engine does not know): the same checks, and no copy when the value
    /// needs no decoding.
    pub(crate) fn validate_value(&self, name: &str) -> Result<(), QueryError> {
        self.value(name).map(drop)
    }

    /// Does the raw pair hold a byte a link must percent-encode (so that
    /// forwarding it as it is would need the encoding pass)?
    pub(crate) fn needs_encoding(&self) -> bool {
        (self.name_class | self.value_class) & ENCODE != 0
    }

    fn check_value_length(&self, name: &str) -> Result<(), QueryError> {
        if self.raw_value.len() > limits::MAX_VALUE_BYTES {
            return Err(QueryError::ParamTooLong {
                name: name.to_owned(),
            });
        }
        Ok(())
    }
}

/// A value as [`RawPair::value_in`] gives it: the raw value, which needed
/// no decoding, or where its decoded form lies in the caller's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValueIn<'q> {
    Raw(&'q str),
    At(std::ops::Range<usize>),
}

impl ValueIn<'_> {
    /// The value's text: the raw value, or its decoded form in `text` (the
    /// caller's text it was decoded into; empty if `text` does not hold it).
    #[inline(always)]
    pub(crate) fn read<'a>(&'a self, text: &'a str) -> &'a str {
        match self {
            ValueIn::Raw(v) => v,
            ValueIn::At(at) => text.get(at.clone()).unwrap_or_default(),
        }
    }
}

/// The non-empty `&`-separated pairs of `query`, in order, split at their
/// first `=` and classified: one table-driven pass over the bytes (queries
/// are short, and calling `memchr` per pair and per `=` cost more than the
/// scan).
pub(crate) fn pairs(query: &str) -> impl Iterator<Item = RawPair<'_>> {
    pairs_in::<false>(query)
}

/// [`pairs`] of a query that may still carry its `#fragment`: the pairs end
/// at the first `#`. The shop request's pass cuts the fragment this way, on
/// the scan it makes anyway (`#` is a byte the scan stops at), rather than
/// with a search of its own.
pub(crate) fn pairs_before_fragment(query: &str) -> impl Iterator<Item = RawPair<'_>> {
    pairs_in::<true>(query)
}

fn pairs_in<const FRAGMENT: bool>(query: &str) -> Pairs<'_, FRAGMENT> {
    Pairs {
        query,
        start: 0,
        len: query.len(),
    }
}

/// The iterator of [`pairs_in`]: a type of its own rather than a closure,
/// so that its `next` is inlined into the shop-request pass (which has two
/// instances, one per [`RawPair::value`] and [`RawPair::value_in`]).
pub(crate) struct Pairs<'q, const FRAGMENT: bool> {
    query: &'q str,
    start: usize,
    /// Where the pairs end: the query's end, or its `#` once met.
    len: usize,
}

impl<'q, const FRAGMENT: bool> Iterator for Pairs<'q, FRAGMENT> {
    type Item = RawPair<'q>;

    #[inline(always)]
    fn next(&mut self) -> Option<RawPair<'q>> {
        let query = self.query;
        let bytes = query.as_bytes();
        while self.start < self.len {
            let start = self.start;
            let mut eq = None;
            let mut seen = 0u8;
            let mut name_class = 0u8;
            let mut end = start;
            loop {
                end = skip_plain(bytes, end);
                let Some(&b) = bytes.get(end) else { break };
                let class = BYTE_CLASS[b as usize];
                if b == b'&' {
                    break;
                }
                if FRAGMENT && b == b'#' {
                    self.len = end;
                    break;
                }
                if b == b'=' && eq.is_none() {
                    eq = Some(end);
                    name_class = seen;
                    seen = 0;
                }
                seen |= class;
                end += 1;
            }
            // `&` and `=` are ASCII: the cuts are on char boundaries.
            let raw = &query[start..end];
            self.start = end + 1;
            if raw.is_empty() {
                continue;
            }
            return Some(match eq {
                Some(i) => RawPair {
                    raw,
                    raw_name: &query[start..i],
                    raw_value: &query[i + 1..end],
                    name_class,
                    value_class: seen,
                },
                None => RawPair {
                    raw,
                    raw_name: raw,
                    raw_value: "",
                    name_class: seen,
                    value_class: 0,
                },
            });
        }
        None
    }
}

/// A position from `i` on, no later than the first byte that is not plain
/// (`BYTE_CLASS` 0: a separator, `%` or a possible control), or the end:
/// eight bytes per step as one word. The word test ([`maybe_special`])
/// may also stop at `!` or `$`, which the caller's look at the byte then
/// finds plain; it never passes a byte that is not.
fn skip_plain(bytes: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let flags = maybe_special(u64::from_le_bytes(word));
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && BYTE_CLASS[bytes[i] as usize] == 0 {
        i += 1;
    }
    i
}

/// The high bit of each byte of `x` (eight bytes, the first lowest) that
/// may not be plain: below `(` (controls, space, `"`, `#`, `%`, `&`, `'`,
/// and the plain `!` and `$`), `<`, `=`, `>`, DEL, or not ASCII. Bits above
/// the lowest may be spurious (a borrow carries up); the lowest is exact,
/// which is all [`skip_plain`] reads.
#[inline]
fn maybe_special(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `v` below `n` (n <= 0x80).
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    (x & HIGH)
        | below(x, b'(')
        | below(x ^ (ONES * u64::from(b'<')), 3)
        | below(x ^ (ONES * 0x7f), 1)
}

/// Why a query component did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    Encoding,
    Control,
}

impl DecodeError {
    fn for_name(self, name: String) -> QueryError {
        match self {
            DecodeError::Encoding => QueryError::BadEncoding { name },
            DecodeError::Control => QueryError::ControlChar { name },
        }
    }
}

/// Percent-decode (only `%XX`; `+` stays `+`), requiring UTF-8 and refusing
/// control characters (C0, DEL and C1). Borrowed unless there is a `%`.
pub(crate) fn decode_component(raw: &str) -> Result<Cow<'_, str>, DecodeError> {
    let seen = raw
        .bytes()
        .fold(0u8, |seen, b| seen | BYTE_CLASS[b as usize]);
    decode_classified(raw, seen)
}

/// [`decode_component`] of `raw` whose bytes' [`BYTE_CLASS`] bits, or-ed
/// together, are `seen` (the pass that split the query computed them).
fn decode_classified(raw: &str, seen: u8) -> Result<Cow<'_, str>, DecodeError> {
    let bytes = raw.as_bytes();
    if seen & PERCENT == 0 {
        // `raw` is a &str, so already UTF-8.
        return if seen & CONTROL_LEAD != 0 && has_control(bytes) {
            Err(DecodeError::Control)
        } else {
            Ok(Cow::Borrowed(raw))
        };
    }
    let mut out = String::with_capacity(bytes.len());
    decode_escaped_into(raw, seen, &mut out)?;
    Ok(Cow::Owned(out))
}

/// [`decode_classified`] of `raw`, which holds a `%`, appended to `out`
/// (which is left as it was on an error); the owned shop-request check
/// decodes into its answer's text this way, with no buffer of its own.
#[inline(always)]
fn decode_escaped_into(raw: &str, seen: u8, out: &mut String) -> Result<(), DecodeError> {
    // Copy the runs between triplets whole (slices of `raw` cut at the
    // ASCII `%`, so each is UTF-8), and look at the output again for
    // control characters only when a raw or a decoded byte may be one.
    // While every decoded byte is ASCII the output is UTF-8 by
    // construction, so it is built as a `String` and never revalidated;
    // only a decoded byte of 0x80 or more sends it through `from_utf8`.
    let start = out.len();
    let mut suspect_control = seen & CONTROL_LEAD != 0;
    let mut rest = raw;
    // A value often ends with its escape (base64 padding, `%3D`): the
    // search is not called for the empty rest.
    while let Some(at) = (!rest.is_empty())
        .then(|| memchr::memchr(b'%', rest.as_bytes()))
        .flatten()
    {
        out.push_str(&rest[..at]);
        let Some(b) = escaped(rest.as_bytes(), at) else {
            out.truncate(start);
            return Err(DecodeError::Encoding);
        };
        suspect_control |= BYTE_CLASS[b as usize] & CONTROL_LEAD != 0;
        // `%XX` is three ASCII bytes: the cut is on a char boundary.
        rest = &rest[at + 3..];
        if b >= 0x80 {
            // The bytes decoded so far, as the start of a byte buffer (the
            // whole of `out` when it held nothing before).
            let done = if start == 0 {
                std::mem::take(out).into_bytes()
            } else {
                let done = out.as_bytes()[start..].to_vec();
                out.truncate(start);
                done
            };
            let decoded = decode_bytes(done, b, rest.as_bytes(), suspect_control)?;
            out.push_str(&decoded);
            return Ok(());
        }
        out.push(char::from(b));
    }
    out.push_str(rest);
    if suspect_control && has_control(&out.as_bytes()[start..]) {
        out.truncate(start);
        return Err(DecodeError::Control);
    }
    Ok(())
}

/// The byte the triplet `%XX` at `at` in `bytes` stands for, `None` when
/// `XX` is not two hex digits.
fn escaped(bytes: &[u8], at: usize) -> Option<u8> {
    let hi = bytes.get(at + 1).and_then(|b| hex(*b))?;
    let lo = bytes.get(at + 2).and_then(|b| hex(*b))?;
    Some(hi << 4 | lo)
}

/// The rest of [`decode_classified`] once a decoded byte (`first`, to be
/// appended to `out`) is not ASCII: byte by byte, the result checked as
/// UTF-8 at the end.
fn decode_bytes(
    mut out: Vec<u8>,
    first: u8,
    mut rest: &[u8],
    mut suspect_control: bool,
) -> Result<Cow<'static, str>, DecodeError> {
    out.push(first);
    while let Some(at) = memchr::memchr(b'%', rest) {
        out.extend_from_slice(&rest[..at]);
        let b = escaped(rest, at).ok_or(DecodeError::Encoding)?;
        suspect_control |= BYTE_CLASS[b as usize] & CONTROL_LEAD != 0;
        out.push(b);
        rest = &rest[at + 3..];
    }
    out.extend_from_slice(rest);
    if suspect_control && has_control(&out) {
        return Err(DecodeError::Control);
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| DecodeError::Encoding)
}

/// `BYTE_CLASS` bits: `%`, a byte that is or may start a control
/// character (C0, DEL, or `C2`, the lead byte of C1 controls), the
/// separators `&` and `=`, and a byte a link to the shop must
/// percent-encode ([`crate::rewrite::QUERY_ENCODE`]).
const PERCENT: u8 = 1;
const CONTROL_LEAD: u8 = 2;
const SEPARATOR: u8 = 4;
const ENCODE: u8 = 8;
const BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if b < 0x20 || b == 0x7f || b == 0xc2 {
            t[b] = CONTROL_LEAD;
        }
        if crate::rewrite::QUERY_ENCODE[b] {
            t[b] |= ENCODE;
        }
        b += 1;
    }
    t[b'%' as usize] = PERCENT;
    t[b'&' as usize] = SEPARATOR;
    t[b'=' as usize] = SEPARATOR;
    t
};

/// Does UTF-8 text contain a control character: C0 (`< 0x20`), DEL, or C1
/// (U+0080..U+009F, encoded `C2 80`..`C2 9F`)? Checked on bytes: this runs on
/// every parameter of every request.
fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| {
        b < 0x20 || b == 0x7f || (b == 0xc2 && matches!(bytes.get(i + 1), Some(0x80..=0x9f)))
    })
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoding into a text that already holds something appends what
    /// `decode_classified` answers, or the same error with the text left
    /// as it was (the owned shop-request check decodes into its answer).
    #[test]
    fn decoding_into_a_text_appends_the_decoded_value() {
        for raw in [
            "a%3D",
            "%41%C3%A9b",
            "%C3%A9",
            "x%e9",
            "%zz",
            "a%0d",
            "%C2%85",
            "%C3",
            "%41%",
        ] {
            let seen = raw.bytes().fold(0, |seen, b| seen | BYTE_CLASS[b as usize]);
            let mut text = String::from("before");
            let into = decode_escaped_into(raw, seen, &mut text);
            match decode_classified(raw, seen) {
                Ok(v) => {
                    assert_eq!(into, Ok(()), "{raw}");
                    assert_eq!(text, format!("before{v}"), "{raw}");
                }
                Err(e) => {
                    assert_eq!(into, Err(e), "{raw}");
                    assert_eq!(text, "before", "{raw}");
                }
            }
        }
    }

    /// Every byte value at every position of a word and of the tail:
    /// `skip_plain` passes only plain bytes, stops at the first one that is
    /// not, and stops early only at `!` or `$`.
    #[test]
    fn skip_plain_never_passes_a_special_byte() {
        for len in 1..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    let stop = skip_plain(&bytes, 0);
                    let first = bytes.iter().position(|&c| BYTE_CLASS[c as usize] != 0);
                    assert!(stop <= first.unwrap_or(len), "{len} {at} {b:#x}");
                    if stop < first.unwrap_or(len) {
                        assert!(matches!(bytes[stop], b'!' | b'$'), "{len} {at} {b:#x}");
                    }
                }
            }
        }
    }

    #[test]
    fn splits_in_order_and_keeps_raw() {
        let p = parse_query("a=1&&b=%41%2B&c&d=").unwrap();
        let names: Vec<_> = p.iter().map(|p| p.name.as_ref()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        assert_eq!(p[1].value, "A+");
        assert_eq!(p[1].raw, "b=%41%2B");
        assert_eq!(p[2].value, "");
        assert_eq!(p[2].raw, "c");
    }

    #[test]
    fn duplicates_even_when_encoded_differently() {
        assert_eq!(
            parse_query("kn=1&%6Bn=2"),
            Err(QueryError::Duplicate { name: "kn".into() })
        );
    }

    #[test]
    fn bad_encodings() {
        for q in ["a=%zz", "a=%4", "a=%ff"] {
            assert!(
                matches!(parse_query(q), Err(QueryError::BadEncoding { .. })),
                "{q}"
            );
        }
        for q in ["a=x%0d%0aSet-Cookie:1", "a=%00", "a=%C2%85"] {
            assert!(
                matches!(parse_query(q), Err(QueryError::ControlChar { .. })),
                "{q}"
            );
        }
    }

    #[test]
    fn limits_hold() {
        let long = "a=".to_string() + &"x".repeat(limits::MAX_QUERY_BYTES);
        assert!(matches!(
            parse_query(&long),
            Err(QueryError::TooLong { .. })
        ));
        let many: Vec<String> = (0..=limits::MAX_PARAMS)
            .map(|i| format!("p{i}=1"))
            .collect();
        assert_eq!(parse_query(&many.join("&")), Err(QueryError::TooManyParams));
        let name = "n".repeat(limits::MAX_NAME_BYTES + 1) + "=1";
        assert!(matches!(
            parse_query(&name),
            Err(QueryError::ParamTooLong { .. })
        ));
    }
}
