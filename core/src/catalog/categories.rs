//! The categories feed: each category's `top_packages` keeps only visible entries.
//!
//! A category arrives here whole and already validated by the scanner, so
//! this module walks it with a few small, trusting helpers. Every
//! `top_packages` member is filtered (a duplicated key cannot leave one
//! unfiltered copy for a reader that takes the first); everything else in a
//! category is copied byte for byte.
//!
//! **Entries without a `buy_url` of their own** are judged like a package
//! without one: free, so visible. The categories feed is filtered on its own
//! (the engine does no I/O, and a second upstream request per categories
//! response would couple the two feeds' failures and caches); an entry that
//! does not say it is sold through Plesk's store gives no ground to hide it,
//! and hiding what should be kept is the failure this product must not have.
//! Plesk's generated feeds carry `buy_url` on every entry.

use super::explain::{CategoryDecision, FeedEntry, HiddenEntry};
use super::json_string::unescape;
use super::rule::{verdict, Field, Rule, Verdict};
use super::separators::emit_lead;
use super::CatalogStats;
use crate::Policy;

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// `i` at an opening quote; returns the index after the closing quote.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    loop {
        match memchr::memchr2(b'"', b'\\', &b[i..]) {
            Some(k) if b[i + k] == b'\\' => i += k + 2,
            Some(k) => return i + k + 1,
            None => return b.len(),
        }
    }
}

/// `i` at the first byte of a value; returns the index after it.
fn skip_value(b: &[u8], i: usize) -> usize {
    match b[i] {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
            {
                j += 1;
            }
            j
        }
    }
}

/// The members of the object starting at `i` (`{`): (key, value start, value end).
fn members(b: &[u8], i: usize) -> Vec<(&[u8], usize, usize)> {
    let mut out = Vec::new();
    let mut j = skip_ws(b, i + 1);
    while j < b.len() && b[j] == b'"' {
        let key_end = skip_string(b, j);
        let key = &b[j + 1..key_end - 1];
        let v = skip_ws(b, skip_ws(b, key_end) + 1);
        let v_end = skip_value(b, v);
        out.push((key, v, v_end));
        j = skip_ws(b, v_end);
        if j < b.len() && b[j] == b',' {
            j = skip_ws(b, j + 1);
        }
    }
    out
}

fn field<'a>(b: &'a [u8], start: usize, end: usize) -> Field<'a> {
    match b[start] {
        b'"' => Field::Text(unescape(&b[start + 1..end - 1])),
        b'n' => Field::Null,
        _ => Field::Other,
    }
}

fn key_is(key: &[u8], name: &str) -> bool {
    key == name.as_bytes() || (key.contains(&b'\\') && unescape(key) == name)
}

/// Copy the category `cat` to `out`, filtering every `top_packages` array;
/// when explaining, push what it lost to `record`.
pub(crate) fn filter_category(
    policy: &Policy,
    cat: &[u8],
    out: &mut Vec<u8>,
    stats: &mut CatalogStats,
    record: Option<&mut Vec<CategoryDecision>>,
) {
    let members = members(cat, 0);
    let mut decision = record.is_some().then(|| {
        let text = |name: &str| {
            members
                .iter()
                .rev()
                .find(|(k, ..)| key_is(k, name))
                .and_then(|&(_, s, e)| field(cat, s, e).text())
        };
        CategoryDecision {
            entry: FeedEntry {
                index: stats.items - 1,
                code: text("code"),
                name: text("name"),
            },
            kept: 0,
            hidden: Vec::new(),
        }
    });
    let mut copied = 0;
    for &(key, start, end) in &members {
        if !key_is(key, "top_packages") || cat[start] != b'[' {
            continue;
        }
        out.extend_from_slice(&cat[copied..start]);
        filter_top_packages(policy, &cat[start..end], out, stats, decision.as_mut());
        copied = end;
    }
    out.extend_from_slice(&cat[copied..]);
    if let (Some(record), Some(d)) = (record, decision) {
        record.push(d);
    }
}

/// Rebuild one `top_packages` array without its hidden entries.
fn filter_top_packages(
    policy: &Policy,
    arr: &[u8],
    out: &mut Vec<u8>,
    stats: &mut CatalogStats,
    mut record: Option<&mut CategoryDecision>,
) {
    out.push(b'[');
    let mut index = 0u64;
    let mut kept_any = false;
    let mut lead_start = 1;
    let mut j = skip_ws(arr, 1);
    while j < arr.len() && arr[j] != b']' {
        let end = skip_value(arr, j);
        let (mut code, mut name) = (Field::Absent, Field::Absent);
        let visible = if arr[j] == b'{' {
            let mut buy_url = Field::Absent;
            for (key, s, e) in members(arr, j) {
                if key_is(key, "code") {
                    code = field(arr, s, e);
                } else if key_is(key, "buy_url") {
                    buy_url = field(arr, s, e);
                } else if record.is_some() && key_is(key, "name") {
                    name = field(arr, s, e);
                }
            }
            verdict(policy, &code, &buy_url).visible()
        } else {
            true
        };
        if visible {
            emit_lead(out, &arr[lead_start..j], &mut kept_any);
            out.extend_from_slice(&arr[j..end]);
            stats.top_packages_kept += 1;
            if let Some(d) = record.as_mut() {
                d.kept += 1;
            }
        } else {
            stats.top_packages_dropped += 1;
            if let Some(d) = record.as_mut() {
                d.hidden.push(HiddenEntry {
                    entry: FeedEntry {
                        index,
                        code: code.text(),
                        name: name.text(),
                    },
                    rule: Rule::of(Verdict::NotSold, policy, &code, &Field::Absent),
                });
            }
        }
        index += 1;
        lead_start = end;
        j = skip_ws(arr, end);
        if j < arr.len() && arr[j] == b',' {
            j = skip_ws(arr, j + 1);
        }
    }
    // Whitespace before `]`, and `]` (valid JSON has no comma there).
    out.extend_from_slice(&arr[lead_start..]);
}
