//! A resumable, validating JSON scanner for one top-level array.
//!
//! The catalog filter must read every byte once (a feed is megabytes), stop
//! anywhere (a chunk boundary may fall inside a string, an escape or a
//! number) and tell its caller only what matters: where each element of the
//! top-level array starts and ends, and the members of an element object
//! whose keys the caller reads (with their values). It validates as it goes (structure, strings, escapes
//! and surrogate pairs, numbers, literals, nesting depth) so that an invalid
//! feed is an error, never a partial answer. UTF-8 is checked separately
//! ([`super::utf8`]), on the raw stream.
//!
//! Two paths share the state machine and its state, so a filter may switch
//! between them anywhere:
//!
//! - the **scalar** path (the reference, and the fallback on CPUs without
//!   SIMD) reads byte by byte and skips inside strings to the next `"`, `\`
//!   or control byte eight bytes at a time;
//! - the **block** path ([`ScanPath::Sse2`], [`ScanPath::Avx2`],
//!   [`ScanPath::Avx512`], [`ScanPath::Simd128`]) classifies 64 bytes at
//!   once ([`super::blocks`]) and visits only structural positions, string
//!   ends and the first byte of each number or literal. The common steps of
//!   a feed are taken inline (a string's two quotes with the `:` or `,`
//!   after it; an integer, `true`, `false`, `null`); a block's escapes are
//!   checked from its masks and not visited. Anything else (a fraction, a
//!   surrogate, an invalid byte, a token cut by a chunk's end) is read by
//!   the state machine, which is where every error is found, so codes and
//!   offsets are the reference's.

use super::blocks::{layout, run_on, BlockLoop, Classify, ScanPath};
use super::error::{CatalogError, ErrorKind};

/// What the scanner reports, with absolute byte offsets in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// The `[` of the top-level array, at this offset.
    RootOpen(u64),
    /// An element of the top-level array starts here (its `{`).
    ElementStart(u64),
    /// A key of a member of an element object: the bytes between the quotes.
    Key { start: u64, end: u64 },
    /// The value of that member: its bytes (for a string, between the quotes).
    Value {
        kind: ValueKind,
        start: u64,
        end: u64,
    },
    /// The element that started last ends just before this offset.
    ElementEnd(u64),
    /// The `]` of the top-level array, at this offset.
    RootClose(u64),
}

/// The JSON type of a member value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    String,
    Null,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Array,
    Object,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the root: whitespace, then `[`.
    Start,
    /// Just after `[`: a value or `]`.
    ArrayFirst,
    /// After `,` in an array, or `:` in an object: a value.
    Value,
    /// Just after `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value in a container: `,` or the closing bracket.
    CommaOrClose,
    /// Inside a string.
    Str,
    /// Inside a number.
    Num(Num),
    /// Inside `true`, `false` or `null`: the bytes still expected.
    Lit(&'static [u8]),
    /// After the root's `]`: whitespace only.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    Backslash,
    Hex(u8, u16),
}

/// The scanner's state between chunks.
pub(crate) struct Scanner {
    path: ScanPath,
    stack: Vec<Frame>,
    state: State,
    max_depth: usize,
    /// Absolute offset of the first byte of the next chunk.
    offset: u64,
    esc: Esc,
    /// A high surrogate escape was just read: a `\uDC00`–`\uDFFF` must follow.
    high_surrogate: bool,
    str_start: u64,
    str_is_key: bool,
    /// Start of the value being scanned at member depth.
    member_value_start: u64,
    /// The member keys the caller reads ([`Scanner::new`]).
    keys: &'static [&'static [u8]],
    /// The key just read is reported, so its value is.
    value_wanted: bool,
}

/// The bytes that may follow a backslash in a two-byte escape.
const SHORT_ESCAPE: [bool; 256] = byte_set(b"\"\\/bfnrt");

/// A lookup table true for each of `bytes`, built at compile time.
const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
}

const fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The index of the first byte of `bytes` that ends a run of plain string
/// contents: `"`, `\\`, or a control character (< 0x20, not allowed raw).
///
/// Eight bytes at a time (SWAR): for a word `w`, `(w - 0x0101…) & !w & 0x8080…`
/// flags the bytes of `w` that are zero, and `(w - 0x2020…) & !w & 0x8080…`
/// those below 0x20. A flag can be spurious only above a true one, so the
/// lowest flag is exact. Strings in a feed are short runs between escapes
/// (PHP writes `\/` in every URL): a loop without a call beats a SIMD search
/// that must be set up for each run.
#[inline]
fn find_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTE: u64 = 0x2222_2222_2222_2222;
    const BACKSLASH: u64 = 0x5c5c_5c5c_5c5c_5c5c;
    const SPACE: u64 = 0x2020_2020_2020_2020;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let w = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let q = w ^ QUOTE;
        let b = w ^ BACKSLASH;
        let flags =
            (q.wrapping_sub(ONES) & !q | b.wrapping_sub(ONES) & !b | w.wrapping_sub(SPACE) & !w)
                & HIGH;
        if flags != 0 {
            return Some(i + (flags.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|k| i + k)
}

/// The block being read, relative to `chunk[start]`: the positions still
/// to visit (the current one among them) and the backslashes inside strings.
#[derive(Clone, Copy)]
struct Block {
    start: usize,
    visit: u64,
    backslash: u64,
}

/// One chunk's block loop ([`Scanner::blocks`]) as a [`BlockLoop`], so that
/// [`run_on`] compiles it with the path's instructions.
struct Blocks<'s, 'c, 'e> {
    scanner: &'s mut Scanner,
    chunk: &'c [u8],
    base: u64,
    events: &'e mut Vec<Event>,
}

impl BlockLoop for Blocks<'_, '_, '_> {
    type Output = Result<(), CatalogError>;
    #[inline(always)]
    fn run<C: Classify>(self) -> Self::Output {
        self.scanner.blocks::<C>(self.chunk, self.base, self.events)
    }
}

/// The closing quote of the string opened at `chunk[p]`, when it is the
/// next position of the block to visit (`bits`, relative to `chunk[i]`):
/// nothing inside the string then needs a look (escapes are checked,
/// control bytes and unchecked backslashes would be visited first).
#[inline(always)]
fn string_end(chunk: &[u8], i: usize, p: usize, bits: u64) -> Option<usize> {
    let later = bits & (u64::MAX << (p - i) << 1);
    let q = i + later.trailing_zeros() as usize;
    (later != 0 && chunk[q] == b'"').then_some(q)
}

/// The end (exclusive) and kind of the literal or number starting at
/// `chunk[p]`, when it is a whole one in the chunk: `true`, `false`,
/// `null`, or `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` followed by a
/// byte of the chunk (so that the number cannot go on in the next one).
/// Anything else (a malformed or cut token) is `None`, for the state
/// machine; whatever follows is read as the machine would, from the state
/// after a value (which is where the machine, too, finds a number's wrong
/// byte: `01` or `1.5.3`).
#[inline(always)]
fn plain_scalar(chunk: &[u8], p: usize) -> Option<(usize, ValueKind)> {
    let rest = &chunk[p..];
    match rest[0] {
        b't' => {
            return rest
                .starts_with(b"true")
                .then_some((p + 4, ValueKind::Other))
        }
        b'f' => {
            return rest
                .starts_with(b"false")
                .then_some((p + 5, ValueKind::Other))
        }
        b'n' => {
            return rest
                .starts_with(b"null")
                .then_some((p + 4, ValueKind::Null))
        }
        _ => {}
    }
    let digits_from = |k: usize| {
        rest.get(k..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let sign = usize::from(rest[0] == b'-');
    let mut end = sign
        + match rest.get(sign)? {
            b'0' => 1,
            b'1'..=b'9' => digits_from(sign),
            _ => return None,
        };
    if rest.get(end) == Some(&b'.') {
        let fraction = digits_from(end + 1);
        if fraction == 0 {
            return None;
        }
        end += 1 + fraction;
    }
    if matches!(rest.get(end), Some(b'e' | b'E')) {
        let at = end + 1 + usize::from(matches!(rest.get(end + 1), Some(b'+' | b'-')));
        let exponent = digits_from(at);
        if exponent == 0 {
            return None;
        }
        end = at + exponent;
    }
    rest.get(end)?;
    Some((p + end, ValueKind::Other))
}

/// Hexadecimal digits.
const HEX: [bool; 256] = byte_set(b"0123456789abcdefABCDEF");

/// Whether the escapes of a block are all valid and complete in `chunk`,
/// so that the block path may skip them: `escaped` holds the escaped byte
/// of each (relative to `chunk[i]`), which must be a short escape's letter
/// or `u` and four hex digits. A `\u` whose first digit is `d` or `D` (a
/// surrogate, or near one) is left to the state machine, which pairs them.
#[inline]
fn plain_escapes(chunk: &[u8], i: usize, mut escaped: u64) -> bool {
    while escaped != 0 {
        let e = i + escaped.trailing_zeros() as usize;
        escaped &= escaped - 1;
        match chunk.get(e) {
            Some(b'u') => match chunk.get(e + 1..e + 5) {
                Some(&[h0, h1, h2, h3])
                    if HEX[usize::from(h0)]
                        & HEX[usize::from(h1)]
                        & HEX[usize::from(h2)]
                        & HEX[usize::from(h3)]
                        & ((h0 | 0x20) != b'd') => {}
                _ => return false,
            },
            Some(&c) if SHORT_ESCAPE[usize::from(c)] => {}
            _ => return false,
        }
    }
    true
}

/// Whether `raw` (a key's bytes, unescaped or not) is one of `keys`. Each
/// key of an element is tested, a score of them an item, nearly all of
/// them not wanted: the length and first byte rule them out without a call
/// to `memcmp` (`slice::contains` made one per key of the same length).
#[inline(always)]
fn is_key(keys: &[&[u8]], raw: &[u8]) -> bool {
    keys.iter()
        .any(|k| k.len() == raw.len() && k.first() == raw.first() && *k == raw)
}

/// The block of `chunk` from `chunk[i]` (64 bytes, or the chunk's last
/// ones in a zero-padded block whose extra bits are masked off), starting
/// inside a string or not: the positions to visit and the backslashes
/// inside strings. A block's escapes, found from its masks, are checked
/// ([`plain_escapes`]) and then not visited; when they do not all pass (an
/// invalid one, a surrogate, one cut by the chunk's end), its backslashes
/// are; a run of backslashes reaching the block's last byte escapes a byte
/// of the next block, which the machine reads itself. `i` must be outside
/// any escape.
///
/// Inlined natively, into each of its four call sites; a call in wasm.
/// There its body (classify, lay out, check the escapes) at every site made
/// the hot loop a function V8 compiles markedly worse: wasm filter in Node,
/// 672 KB fixture, 5 alternated runs of `node wasm/bench/filter.mjs`, median
/// 548 MB/s inlined against 739 as a call (the module 26 KB smaller).
/// Keeping `walk` from inlining too gained nothing more.
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn window<C: Classify>(chunk: &[u8], i: usize, in_string: bool) -> Block {
    let n = chunk.len();
    let (masks, valid) = match chunk.get(i..i + 64) {
        Some(block) => (C::masks(block.try_into().expect("64 bytes")), u64::MAX),
        None => {
            let mut block = [0u8; 64];
            block[..n - i].copy_from_slice(&chunk[i..]);
            (C::masks(&block), (1u64 << (n - i)) - 1)
        }
    };
    let l = layout::<C>(masks, in_string);
    let mut visit = l.visit;
    if l.backslash != 0 {
        let tail = l.backslash.leading_ones();
        let crossing = if tail == 0 {
            0
        } else {
            l.backslash & (u64::MAX << (64 - tail))
        };
        visit |= if plain_escapes(chunk, i, l.escaped) {
            crossing
        } else {
            l.backslash
        };
    }
    Block {
        start: i,
        visit: visit & valid,
        backslash: l.backslash,
    }
}

/// The first position to visit at or after `from` (outside strings, and
/// after the position last visited in `w`), classifying the blocks that
/// follow `w` when it has none left; `None` at the chunk's end. The bytes
/// skipped are whitespace, so a block may start at either place.
#[inline(always)]
fn next_position<C: Classify>(chunk: &[u8], w: &mut Block, from: usize) -> Option<usize> {
    loop {
        // `w` may start after `from` once it has moved on past whitespace.
        let off = from.saturating_sub(w.start);
        let (later, resume) = if off < 64 {
            (w.visit & (u64::MAX << off), w.start + 64)
        } else {
            (0, from)
        };
        if later != 0 {
            return Some(w.start + later.trailing_zeros() as usize);
        }
        if resume >= chunk.len() {
            return None;
        }
        *w = window::<C>(chunk, resume, false);
    }
}

/// `chunk[from]` when it is a position to visit (outside strings, not
/// whitespace: a compact feed has its next token right there, and one
/// load and compare find it), else [`next_position`].
#[inline(always)]
fn adjacent_position<C: Classify>(chunk: &[u8], w: &mut Block, from: usize) -> Option<usize> {
    match chunk.get(from) {
        Some(&b) if !is_ws(b) => Some(from),
        _ => next_position::<C>(chunk, w, from),
    }
}

/// The closing quote of the string opened at `chunk[p]` (a position of
/// `w`, or one after it): the next position of `w` when it is a quote
/// (escaped quotes are not visited, control bytes and unchecked
/// backslashes are); or, when the string runs past `w`, the quote that
/// [`Classify::string_run`] and the blocks from where it stops find, `w`
/// moved on to the block that holds it. `None` for anything else (a control byte, an escape the blocks do
/// not skip, the chunk's end), which the machine reads.
#[inline(always)]
fn string_close<C: Classify>(chunk: &[u8], w: &mut Block, p: usize) -> Option<usize> {
    let n = chunk.len();
    if p - w.start >= 64 {
        // Found past `w` by `adjacent_position`: the block from the quote.
        *w = window::<C>(chunk, p, false);
    }
    let later = w.visit & (u64::MAX << (p - w.start) << 1);
    let at = if later != 0 {
        w.start + later.trailing_zeros() as usize
    } else {
        // Nothing of the string's is left to visit in `w` (an escape that
        // crossed its end would be): the string goes on past it.
        let mut j = w.start + 64;
        loop {
            if j >= n {
                return None;
            }
            j = C::string_run(chunk, j);
            if j >= n {
                return None;
            }
            *w = window::<C>(chunk, j, true);
            if w.visit != 0 {
                break w.start + w.visit.trailing_zeros() as usize;
            }
            j = w.start + 64;
        }
    };
    (chunk[at] == b'"').then_some(at)
}

impl Scanner {
    /// A scanner reporting the members of element objects whose key is one
    /// of `keys` (or may be: a key with an escape, or one cut by a chunk's
    /// end, whose bytes the caller holds), with their values. A feed's
    /// items have a score of members and the rule reads two: the rest are
    /// not worth an event each.
    pub(crate) fn new(max_depth: u32, keys: &'static [&'static [u8]]) -> Scanner {
        Scanner {
            path: ScanPath::detect(),
            stack: Vec::with_capacity(16),
            state: State::Start,
            max_depth: max_depth as usize,
            offset: 0,
            esc: Esc::None,
            high_surrogate: false,
            str_start: 0,
            str_is_key: false,
            member_value_start: 0,
            keys,
            value_wanted: false,
        }
    }

    /// Report the members whose key is one of `keys` from now on (an
    /// explaining filter also reads `name`).
    pub(crate) fn set_keys(&mut self, keys: &'static [&'static [u8]]) {
        self.keys = keys;
    }

    /// Read with `path` from now on (which must be available: see
    /// [`ScanPath::is_available`]). Any point of the stream will do: the
    /// paths share the state machine and its state.
    pub(crate) fn set_path(&mut self, path: ScanPath) {
        debug_assert!(path.is_available());
        self.path = path;
    }

    /// At end of input: is the document complete?
    pub(crate) fn finish(&self) -> Result<(), CatalogError> {
        match self.state {
            State::Done => Ok(()),
            State::Start => Err(CatalogError::at(
                ErrorKind::Empty,
                self.offset,
                "the feed is empty",
            )),
            _ => Err(CatalogError::at(
                ErrorKind::Truncated,
                self.offset,
                "the feed ends in the middle of the JSON document",
            )),
        }
    }

    fn syntax(&self, at: u64, what: &str) -> CatalogError {
        CatalogError::at(ErrorKind::Syntax, at, what)
    }

    /// Scan one chunk, appending events to `events`.
    pub(crate) fn feed(
        &mut self,
        chunk: &[u8],
        events: &mut Vec<Event>,
    ) -> Result<(), CatalogError> {
        let base = self.offset;
        if self.path == ScanPath::Scalar {
            self.run(chunk, 0, base, events, false)?;
        } else {
            self.feed_blocks(chunk, base, events)?;
        }
        self.offset = base + chunk.len() as u64;
        Ok(())
    }

    /// Enter the object or array that `b` (`{` or `[`) opens: the one place
    /// the block path and the byte path push a frame.
    #[inline(always)]
    fn open(&mut self, b: u8) {
        let (frame, state) = if b == b'{' {
            (Frame::Object, State::ObjectFirst)
        } else {
            (Frame::Array, State::ArrayFirst)
        };
        self.stack.push(frame);
        self.state = state;
    }

    /// Between tokens: outside strings, numbers and literals, or inside a
    /// string with no escape under way. Only here can the block path take
    /// over, since the next byte's meaning depends on nothing but `state`.
    fn between_tokens(&self) -> bool {
        match self.state {
            State::Str => self.esc == Esc::None && !self.high_surrogate,
            State::Num(_) | State::Lit(_) => false,
            _ => true,
        }
    }

    /// The block path: classify 64 bytes at a time ([`super::blocks`]) and
    /// run the state machine only at the positions that can decide
    /// something. Where a token is under way (a number, a literal, an escape
    /// cut by the chunk's end), the state machine reads on until the next
    /// position between tokens. The chunk's last bytes are classified in a
    /// zero-padded block whose extra bits are masked off.
    ///
    /// A block's escapes are checked from its masks ([`plain_escapes`]) and
    /// then never visited: a feed written by PHP has one in every URL
    /// (`\/`) and runs of them in translations (`\u0411`). A block whose
    /// escapes do not all pass (an invalid one, a surrogate, one cut by the
    /// block's or chunk's end) has its backslashes visited one by one.
    fn feed_blocks(
        &mut self,
        chunk: &[u8],
        base: u64,
        events: &mut Vec<Event>,
    ) -> Result<(), CatalogError> {
        let path = self.path;
        run_on(
            path,
            Blocks {
                scanner: self,
                chunk,
                base,
                events,
            },
        )
    }

    /// [`Scanner::feed_blocks`] with the classifier `C`: one instance per
    /// path, each a single loop with the classifier and the common steps
    /// inlined.
    #[inline(always)]
    fn blocks<C: Classify>(
        &mut self,
        chunk: &[u8],
        base: u64,
        events: &mut Vec<Event>,
    ) -> Result<(), CatalogError> {
        let n = chunk.len();
        let mut i = 0usize;
        while i < n {
            if !self.between_tokens() {
                i = self.run(chunk, i, base, events, true)?;
                continue;
            }
            if self.state == State::Str {
                // Inside a string with no escape under way: the plain bytes
                // up to the next quote, backslash or control byte decide
                // nothing, and the block starts there (a block may start
                // anywhere: outside an escape is all its masks assume).
                i = C::string_run(chunk, i);
                if i >= n {
                    break;
                }
            }
            let w = window::<C>(chunk, i, self.state == State::Str);
            let mut bits = w.visit;
            let mut next = i + 64;
            while bits != 0 {
                let p = i + bits.trailing_zeros() as usize;
                let block = Block {
                    start: i,
                    visit: bits,
                    backslash: w.backslash,
                };
                let after = self.block_step::<C>(chunk, block, p, base, events)?;
                let k = after - i;
                if k >= 64 {
                    next = after;
                    break;
                }
                bits &= u64::MAX << k;
            }
            i = next.min(n);
        }
        Ok(())
    }

    /// One position of the block path, between tokens: the common cases of
    /// a feed inline (a string's ends, a short escape, `:`, `,`, opening
    /// and closing brackets), the rest by the state machine. Returns the
    /// index of the next byte to read.
    #[inline(always)]
    fn block_step<C: Classify>(
        &mut self,
        chunk: &[u8],
        block: Block,
        p: usize,
        base: u64,
        events: &mut Vec<Event>,
    ) -> Result<usize, CatalogError> {
        let Block {
            start: i,
            visit: bits,
            backslash: _,
        } = block;
        let b = chunk[p];
        let at = base + p as u64;
        let depth = self.stack.len();
        match self.state {
            State::Str => {
                return match b {
                    // Escaped quotes are not visited: this one ends the string.
                    b'"' => {
                        self.end_string(chunk, base, at, events);
                        // The `:` or `,` that usually follows, when it is
                        // the next position.
                        let after = bits & (u64::MAX << (p - i) << 1);
                        let next = i + after.trailing_zeros() as usize;
                        if after != 0 {
                            match (chunk[next], self.state, self.stack.last()) {
                                (b':', State::Colon, _) => {
                                    self.state = State::Value;
                                    return Ok(next + 1);
                                }
                                (b',', State::CommaOrClose, Some(Frame::Object)) => {
                                    self.state = State::Key;
                                    return Ok(next + 1);
                                }
                                (b',', State::CommaOrClose, Some(Frame::Array)) => {
                                    self.state = State::Value;
                                    return Ok(next + 1);
                                }
                                _ => {}
                            }
                        }
                        Ok(p + 1)
                    }
                    b'\\'
                        if chunk
                            .get(p + 1)
                            .is_some_and(|&e| SHORT_ESCAPE[usize::from(e)]) =>
                    {
                        Ok(p + 2)
                    }
                    _ => self.run(chunk, p, base, events, true),
                };
            }
            State::Key | State::ObjectFirst if b == b'"' => {
                return Ok(self.walk::<C>(chunk, block, p, base, events));
            }
            State::Colon if b == b':' => {
                self.state = State::Value;
                return Ok(p + 1);
            }
            State::CommaOrClose => match (b, self.stack.last()) {
                (b',', Some(Frame::Object)) => {
                    self.state = State::Key;
                    return Ok(p + 1);
                }
                (b',', Some(Frame::Array)) => {
                    self.state = State::Value;
                    return Ok(p + 1);
                }
                (b'}', Some(Frame::Object)) | (b']', Some(Frame::Array)) if depth > 1 => {
                    self.stack.pop();
                    self.value_done(ValueKind::Other, at + 1, events);
                    return Ok(p + 1);
                }
                _ => {}
            },
            // A value below the root array's elements (those are the
            // catalog's items, which must be objects: `structural` says).
            State::Value | State::ArrayFirst if depth >= 2 => match b {
                b'"' => {
                    if depth == 2 {
                        self.member_value_start = at;
                    }
                    let Some(q) = string_end(chunk, i, p, bits) else {
                        self.begin_string(at, false);
                        return Ok(p + 1);
                    };
                    self.str_start = at + 1;
                    self.value_done(ValueKind::String, base + q as u64 + 1, events);
                    // The `,` that usually follows, when it is the next position.
                    let after = bits & (u64::MAX << (q - i) << 1);
                    let comma = i + after.trailing_zeros() as usize;
                    if after != 0 && chunk[comma] == b',' {
                        self.state = if self.stack[depth - 1] == Frame::Object {
                            State::Key
                        } else {
                            State::Value
                        };
                        return Ok(comma + 1);
                    }
                    return Ok(q + 1);
                }
                b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                    if let Some((end, kind)) = plain_scalar(chunk, p) {
                        if depth == 2 {
                            self.member_value_start = at;
                        }
                        self.value_done(kind, base + end as u64, events);
                        return Ok(end);
                    }
                }
                b'{' | b'[' if depth < self.max_depth => {
                    if depth == 2 {
                        self.member_value_start = at;
                    }
                    self.open(b);
                    return Ok(p + 1);
                }
                _ => {}
            },
            _ => {}
        }
        self.structural(b, at, events)?;
        if !self.between_tokens() {
            // A number or literal: read it to its end.
            return self.run(chunk, p + 1, base, events, true);
        }
        Ok(p + 1)
    }

    /// The feed's items from the key whose opening quote is at `chunk[p]`
    /// (state `Key` or `ObjectFirst`, depth 2 or more): keys, `:`, strings
    /// (short or running past the block), numbers and literals, nested
    /// objects and arrays, `,` and closing brackets, and from one item to
    /// the next, each taken at the place in this code that expects it, with
    /// no turn of the state machine and no dispatch on its state. A block is
    /// classified wherever the walk needs the next position ([`window`]),
    /// not at fixed 64-byte steps, so a member that crosses a block's end
    /// does not end the walk. Stops at anything else (the root's `]`, an
    /// escape to pair, a token cut by the chunk's end, any error) in the
    /// state the machine would be in there, and returns the index of the
    /// next byte to read, which the machine reads next, so codes and offsets
    /// are its own.
    #[inline(always)]
    fn walk<C: Classify>(
        &mut self,
        chunk: &[u8],
        block: Block,
        mut p: usize,
        base: u64,
        events: &mut Vec<Event>,
    ) -> usize {
        let mut w = block;
        'key: loop {
            // `p`: the opening quote of a key.
            let at = base + p as u64;
            let Some(q) = string_close::<C>(chunk, &mut w, p) else {
                self.begin_string(at, true);
                return p + 1;
            };
            if self.stack.len() == 2 {
                let raw = &chunk[p + 1..q];
                // A backslash inside: an escaped key, which the caller
                // compares unescaped (from the masks when the key lies in
                // the block, as it nearly always does).
                let escaped = if p >= w.start {
                    w.backslash & (u64::MAX << (p - w.start)) & !(u64::MAX << (q - w.start)) != 0
                } else {
                    raw.contains(&b'\\')
                };
                let wanted = escaped || is_key(self.keys, raw);
                self.key_end(at + 1, base + q as u64, wanted, events);
            }
            self.state = State::Colon;
            let Some(colon) = adjacent_position::<C>(chunk, &mut w, q + 1) else {
                return q + 1;
            };
            if chunk[colon] != b':' {
                return colon;
            }
            self.state = State::Value;
            let mut from = colon + 1;
            'value: loop {
                // A value from `from` (state `Value` or `ArrayFirst`).
                let Some(v) = adjacent_position::<C>(chunk, &mut w, from) else {
                    return from;
                };
                let depth = self.stack.len();
                if depth == 1 && chunk[v] != b'{' {
                    // The root's elements are objects: the machine says
                    // what else this is.
                    return v;
                }
                let value_at = base + v as u64;
                let end = match chunk[v] {
                    b'"' => {
                        if depth == 2 {
                            self.member_value_start = value_at;
                        }
                        let Some(e) = string_close::<C>(chunk, &mut w, v) else {
                            self.begin_string(value_at, false);
                            return v + 1;
                        };
                        self.str_start = value_at + 1;
                        self.value_done(ValueKind::String, base + e as u64 + 1, events);
                        e + 1
                    }
                    b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                        let Some((end, kind)) = plain_scalar(chunk, v) else {
                            return v;
                        };
                        if depth == 2 {
                            self.member_value_start = value_at;
                        }
                        self.value_done(kind, base + end as u64, events);
                        end
                    }
                    b @ (b'{' | b'[') if depth < self.max_depth => {
                        match depth {
                            // The next item.
                            1 => events.push(Event::ElementStart(value_at)),
                            2 => self.member_value_start = value_at,
                            _ => {}
                        }
                        self.open(b);
                        let Some(f) = adjacent_position::<C>(chunk, &mut w, v + 1) else {
                            return v + 1;
                        };
                        match (b, chunk[f]) {
                            (b'{', b'"') => {
                                p = f;
                                continue 'key;
                            }
                            (b'{', b'}') | (b'[', b']') => {
                                self.stack.pop();
                                self.value_done(ValueKind::Other, base + f as u64 + 1, events);
                                f + 1
                            }
                            (b'[', _) => {
                                from = f;
                                continue 'value;
                            }
                            _ => return f,
                        }
                    }
                    _ => return v,
                };
                // After a value (state `CommaOrClose`): `,` or a bracket.
                from = end;
                loop {
                    let Some(a) = adjacent_position::<C>(chunk, &mut w, from) else {
                        return from;
                    };
                    match (chunk[a], self.stack.last()) {
                        (b',', Some(Frame::Object)) => {
                            self.state = State::Key;
                            let Some(k) = adjacent_position::<C>(chunk, &mut w, a + 1) else {
                                return a + 1;
                            };
                            if chunk[k] != b'"' {
                                return k;
                            }
                            p = k;
                            continue 'key;
                        }
                        (b',', Some(Frame::Array)) => {
                            self.state = State::Value;
                            from = a + 1;
                            continue 'value;
                        }
                        // Up to the item's own `}`; the root's `]` is the
                        // machine's.
                        (b'}', Some(Frame::Object)) | (b']', Some(Frame::Array))
                            if self.stack.len() > 1 =>
                        {
                            self.stack.pop();
                            self.value_done(ValueKind::Other, base + a as u64 + 1, events);
                            from = a + 1;
                        }
                        _ => return a,
                    }
                }
            }
        }
    }

    /// The state machine from `chunk[i]`: to the end of the chunk, or (with
    /// `one_token`) until it is between tokens again after at least one
    /// byte. Returns the index of the next byte to read.
    fn run(
        &mut self,
        chunk: &[u8],
        mut i: usize,
        base: u64,
        events: &mut Vec<Event>,
        one_token: bool,
    ) -> Result<usize, CatalogError> {
        let n = chunk.len();
        let start = i;
        while i < n {
            if one_token && i > start && self.between_tokens() {
                return Ok(i);
            }
            match self.state {
                State::Str if one_token && self.between_tokens() => {
                    // At a quote, backslash or control byte (or, harmlessly,
                    // any other string byte): one step of the string scan.
                    i = match chunk[i] {
                        b'"' | b'\\' => self.special(chunk, i, base, events)?,
                        c if c < 0x20 => self.special(chunk, i, base, events)?,
                        _ => i + 1,
                    };
                    if self.state == State::Str && !self.between_tokens() {
                        // An escape left open by the chunk's end, or a high
                        // surrogate that a low one must follow.
                        i = self.scan_string(chunk, i, base, events)?;
                    }
                }
                State::Str => {
                    i = self.scan_string(chunk, i, base, events)?;
                }
                State::Num(num) => {
                    let b = chunk[i];
                    let next = match (num, b) {
                        (Num::Minus, b'0') => Some(Num::Zero),
                        (Num::Minus, b'1'..=b'9') => Some(Num::Int),
                        (Num::Int, b'0'..=b'9') => Some(Num::Int),
                        (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                        (Num::Dot | Num::Frac, b'0'..=b'9') => Some(Num::Frac),
                        (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::Exp),
                        (Num::Exp, b'+' | b'-') => Some(Num::ExpSign),
                        (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => {
                            Some(Num::ExpDigits)
                        }
                        _ => None,
                    };
                    match next {
                        Some(s) => {
                            self.state = State::Num(s);
                            i += 1;
                        }
                        None if matches!(
                            num,
                            Num::Zero | Num::Int | Num::Frac | Num::ExpDigits
                        ) =>
                        {
                            // The number ended just before this byte; read it again.
                            self.value_done(ValueKind::Other, base + i as u64, events);
                        }
                        None => return Err(self.syntax(base + i as u64, "malformed number")),
                    }
                }
                State::Lit(rest) => {
                    if chunk[i] != rest[0] {
                        return Err(
                            self.syntax(base + i as u64, "malformed literal (true, false or null)")
                        );
                    }
                    i += 1;
                    if rest.len() == 1 {
                        // Only `null` ends on `l`.
                        let kind = if rest == b"l" {
                            ValueKind::Null
                        } else {
                            ValueKind::Other
                        };
                        self.value_done(kind, base + i as u64, events);
                    } else {
                        self.state = State::Lit(&rest[1..]);
                    }
                }
                _ => {
                    let b = chunk[i];
                    if is_ws(b) {
                        i += 1;
                        continue;
                    }
                    let at = base + i as u64;
                    i += 1;
                    self.structural(b, at, events)?;
                }
            }
        }
        Ok(n)
    }

    /// A structural byte outside strings, numbers and literals.
    fn structural(&mut self, b: u8, at: u64, events: &mut Vec<Event>) -> Result<(), CatalogError> {
        match self.state {
            State::Start => {
                if b == b'[' {
                    self.stack.push(Frame::Array);
                    self.state = State::ArrayFirst;
                    events.push(Event::RootOpen(at));
                    Ok(())
                } else {
                    Err(CatalogError::at(
                        ErrorKind::NotArray,
                        at,
                        "the feed's top level is not a JSON array",
                    ))
                }
            }
            State::ArrayFirst if b == b']' => self.close(Frame::Array, at, events),
            State::ArrayFirst | State::Value => self.begin_value(b, at, events),
            State::ObjectFirst if b == b'}' => self.close(Frame::Object, at, events),
            State::ObjectFirst | State::Key => {
                if b == b'"' {
                    self.begin_string(at, true);
                    Ok(())
                } else {
                    Err(self.syntax(at, "expected a key (a string)"))
                }
            }
            State::Colon => {
                if b == b':' {
                    self.state = State::Value;
                    Ok(())
                } else {
                    Err(self.syntax(at, "expected `:` after a key"))
                }
            }
            State::CommaOrClose => match (b, self.stack.last()) {
                (b',', Some(Frame::Array)) => {
                    self.state = State::Value;
                    Ok(())
                }
                (b',', Some(Frame::Object)) => {
                    self.state = State::Key;
                    Ok(())
                }
                (b']', Some(Frame::Array)) => self.close(Frame::Array, at, events),
                (b'}', Some(Frame::Object)) => self.close(Frame::Object, at, events),
                _ => Err(self.syntax(at, "expected `,` or a closing bracket")),
            },
            State::Done => Err(CatalogError::at(
                ErrorKind::Trailing,
                at,
                "unexpected data after the end of the feed's array",
            )),
            State::Str | State::Num(_) | State::Lit(_) => unreachable!("handled by feed"),
        }
    }

    fn begin_value(&mut self, b: u8, at: u64, events: &mut Vec<Event>) -> Result<(), CatalogError> {
        let depth = self.stack.len();
        if depth == 1 {
            // An element of the root array: the catalog wants objects.
            if b != b'{' {
                if matches!(b, b'"' | b'[' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') {
                    return Err(CatalogError::at(
                        ErrorKind::ItemNotObject,
                        at,
                        "an element of the feed's array is not an object",
                    ));
                }
                return Err(self.syntax(at, "expected a JSON value"));
            }
            events.push(Event::ElementStart(at));
        } else if depth == 2 {
            self.member_value_start = at;
        }
        match b {
            b'"' => self.begin_string(at, false),
            b'{' | b'[' => {
                if depth >= self.max_depth {
                    return Err(CatalogError::at(
                        ErrorKind::TooDeep,
                        at,
                        format!("nesting deeper than {} levels", self.max_depth),
                    ));
                }
                self.open(b);
            }
            b'-' => self.state = State::Num(Num::Minus),
            b'0' => self.state = State::Num(Num::Zero),
            b'1'..=b'9' => self.state = State::Num(Num::Int),
            b't' => self.state = State::Lit(b"rue"),
            b'f' => self.state = State::Lit(b"alse"),
            b'n' => self.state = State::Lit(b"ull"),
            _ => return Err(self.syntax(at, "expected a JSON value")),
        }
        Ok(())
    }

    fn begin_string(&mut self, at: u64, is_key: bool) {
        self.state = State::Str;
        self.str_start = at + 1;
        self.str_is_key = is_key;
        self.esc = Esc::None;
        self.high_surrogate = false;
    }

    fn close(
        &mut self,
        frame: Frame,
        at: u64,
        events: &mut Vec<Event>,
    ) -> Result<(), CatalogError> {
        debug_assert_eq!(self.stack.last(), Some(&frame));
        self.stack.pop();
        if self.stack.is_empty() {
            events.push(Event::RootClose(at));
            self.state = State::Done;
            return Ok(());
        }
        self.value_done(ValueKind::Other, at + 1, events);
        Ok(())
    }

    /// A value ended just before `end` (exclusive), at the current depth.
    #[inline(always)]
    fn value_done(&mut self, kind: ValueKind, end: u64, events: &mut Vec<Event>) {
        match self.stack.len() {
            1 => events.push(Event::ElementEnd(end)),
            2 if self.value_wanted && self.stack[1] == Frame::Object => {
                self.value_wanted = false;
                let start = if kind == ValueKind::String {
                    self.str_start
                } else {
                    self.member_value_start
                };
                events.push(Event::Value {
                    kind,
                    start,
                    end: if kind == ValueKind::String {
                        end - 1
                    } else {
                        end
                    },
                });
            }
            _ => {}
        }
        self.state = State::CommaOrClose;
    }

    /// Scan inside a string from `i`; returns the next index to read.
    fn scan_string(
        &mut self,
        chunk: &[u8],
        mut i: usize,
        base: u64,
        events: &mut Vec<Event>,
    ) -> Result<usize, CatalogError> {
        let n = chunk.len();
        while i < n {
            match self.esc {
                Esc::None => {
                    if self.high_surrogate && chunk[i] != b'\\' {
                        return Err(
                            self.syntax(base + i as u64, "unpaired UTF-16 surrogate escape")
                        );
                    }
                    let Some(j) = find_special(&chunk[i..]) else {
                        return Ok(n);
                    };
                    i = self.special(chunk, i + j, base, events)?;
                    if self.state != State::Str {
                        return Ok(i);
                    }
                }
                Esc::Backslash => {
                    let b = chunk[i];
                    match b {
                        b'u' => self.esc = Esc::Hex(0, 0),
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't'
                            if !self.high_surrogate =>
                        {
                            self.esc = Esc::None
                        }
                        _ if self.high_surrogate => {
                            return Err(
                                self.syntax(base + i as u64, "unpaired UTF-16 surrogate escape")
                            )
                        }
                        _ => return Err(self.syntax(base + i as u64, "invalid escape in a string")),
                    }
                    i += 1;
                }
                Esc::Hex(k, v) => {
                    let d = match chunk[i] {
                        c @ b'0'..=b'9' => c - b'0',
                        c @ b'a'..=b'f' => c - b'a' + 10,
                        c @ b'A'..=b'F' => c - b'A' + 10,
                        _ => return Err(self.syntax(base + i as u64, "invalid \\u escape")),
                    };
                    let v = v << 4 | u16::from(d);
                    i += 1;
                    if k < 3 {
                        self.esc = Esc::Hex(k + 1, v);
                        continue;
                    }
                    self.esc = Esc::None;
                    let is_high = (0xD800..0xDC00).contains(&v);
                    let is_low = (0xDC00..0xE000).contains(&v);
                    if self.high_surrogate != is_low {
                        return Err(
                            self.syntax(base + i as u64 - 1, "unpaired UTF-16 surrogate escape")
                        );
                    }
                    self.high_surrogate = is_high;
                }
            }
        }
        Ok(n)
    }

    /// The string byte `chunk[j]` that is a quote, a backslash or a control
    /// byte: the string ends, an escape is read (or begun, when the chunk
    /// ends inside it), or the feed is refused. Returns the next index.
    #[inline]
    fn special(
        &mut self,
        chunk: &[u8],
        j: usize,
        base: u64,
        events: &mut Vec<Event>,
    ) -> Result<usize, CatalogError> {
        if chunk[j] < 0x20 {
            return Err(self.syntax(base + j as u64, "raw control character inside a string"));
        }
        if chunk[j] == b'\\' {
            // The whole escape is usually in this chunk: read it here
            // rather than a byte per turn of the state machine.
            return Ok(match self.inline_escape(chunk, j, base)? {
                Some(next) => next,
                None => {
                    self.esc = Esc::Backslash;
                    j + 1
                }
            });
        }
        self.end_string(chunk, base, base + j as u64, events);
        Ok(j + 1)
    }

    /// A key of an element's member ends: report it (and then its value)
    /// when the caller may want it.
    #[inline(always)]
    fn key_end(&mut self, start: u64, end: u64, wanted: bool, events: &mut Vec<Event>) {
        self.value_wanted = wanted;
        if wanted {
            events.push(Event::Key { start, end });
        }
    }

    /// The closing quote of the string being read, at `end`.
    #[inline(always)]
    fn end_string(&mut self, chunk: &[u8], base: u64, end: u64, events: &mut Vec<Event>) {
        if self.str_is_key {
            if self.stack.len() == 2 {
                let wanted = match self.str_start.checked_sub(base) {
                    Some(s) => {
                        let raw = &chunk[s as usize..(end - base) as usize];
                        raw.contains(&b'\\') || is_key(self.keys, raw)
                    }
                    // Begun in an earlier chunk: the caller holds its bytes.
                    None => !self.keys.is_empty(),
                };
                self.key_end(self.str_start, end, wanted, events);
            }
            self.state = State::Colon;
        } else {
            self.value_done(ValueKind::String, end + 1, events);
        }
    }

    /// Read the escape at `chunk[j]` (a `\\`) when it lies wholly in the
    /// chunk: `Some(index after it)`, or `None` to go byte by byte.
    #[inline]
    fn inline_escape(
        &mut self,
        chunk: &[u8],
        j: usize,
        base: u64,
    ) -> Result<Option<usize>, CatalogError> {
        let Some(&e) = chunk.get(j + 1) else {
            return Ok(None);
        };
        if e != b'u' {
            if self.high_surrogate {
                return Err(self.syntax(base + j as u64 + 1, "unpaired UTF-16 surrogate escape"));
            }
            return match e {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(Some(j + 2)),
                _ => Err(self.syntax(base + j as u64 + 1, "invalid escape in a string")),
            };
        }
        let Some(hex) = chunk.get(j + 2..j + 6) else {
            return Ok(None);
        };
        let mut v: u16 = 0;
        for (k, &c) in hex.iter().enumerate() {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(self.syntax(base + (j + 2 + k) as u64, "invalid \\u escape")),
            };
            v = v << 4 | u16::from(d);
        }
        let is_high = (0xD800..0xDC00).contains(&v);
        let is_low = (0xDC00..0xE000).contains(&v);
        if self.high_surrogate != is_low {
            return Err(self.syntax(base + j as u64 + 5, "unpaired UTF-16 surrogate escape"));
        }
        self.high_surrogate = is_high;
        Ok(Some(j + 6))
    }
}

#[cfg(test)]
mod tests {
    use super::find_special;

    #[test]
    fn finds_the_first_special_byte() {
        for len in 0..40 {
            let clean: Vec<u8> = (0..len)
                .map(|i| [b'a', 0x20, 0x7f, 0x80, 0xff, b'!', b'#', b']', 0x5d, 0x21][i % 10])
                .collect();
            assert_eq!(find_special(&clean), None, "{clean:?}");
            for pos in 0..len {
                for bad in [0x00, 0x09, 0x0a, 0x1f, b'"', b'\\'] {
                    let mut v = clean.clone();
                    v[pos] = bad;
                    if pos + 1 < len {
                        v[len - 1] = b'"';
                    }
                    assert_eq!(find_special(&v), Some(pos), "{v:?}");
                }
            }
        }
    }
}
