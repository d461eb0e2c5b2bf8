//! What arrives at the shop: the parameters of a rewritten buy link, checked
//! against the policy.
//!
//! Plesk sends `extension-id` and `kn` (the main key number), for the
//! Individual Offers model `token` and `product-id`, and the extension SDK can
//! add `buyUrlCoupon=<code>` and, for a licence upgrade,
//! `ekn=<extension key number>&a=upgrade`. [`Policy::check_shop_request`]
//! answers either a typed [`ShopRequest`] or an [`Error`] with a stable
//! code, the parameter at fault and a message a shop can show.
//!
//! The order of the checks is fixed and documented by the tests: first the
//! query as a whole (size, pairs, duplicates, encoding), then each field's
//! syntax in the order `extension-id`, `kn`, `token`, `product-id`,
//! `buyUrlCoupon`, `a`, `ekn`, then the policy (sold extension, Individual
//! Offers fields, sold product).

use std::borrow::Cow;

use crate::query::{limits, QueryError, RawPair, ValueIn};
use crate::rewrite::{canonical_buy_link, UnchangedReason, MAX_URL_BYTES};
use crate::syntax;
use crate::{Error, Policy};

/// Parameter names, as Plesk spells them.
pub mod param {
    /// The extension's code.
    pub const EXTENSION_ID: &str = "extension-id";
    /// The main Plesk key number.
    pub const KEY_NUMBER: &str = "kn";
    /// Individual Offers token (base64).
    pub const TOKEN: &str = "token";
    /// Individual Offers product.
    pub const PRODUCT_ID: &str = "product-id";
    /// Coupon code added by the extension SDK.
    pub const COUPON: &str = "buyUrlCoupon";
    /// Action: absent (a purchase) or `upgrade`.
    pub const ACTION: &str = "a";
    /// The extension key being upgraded.
    pub const EXTENSION_KEY_NUMBER: &str = "ekn";

    /// The order in which checked parameters are forwarded to the shop
    /// ([`super::ShopRequest::forward_query`] and the redirect), whatever
    /// order they arrived in. The check reads it through its slot
    /// constants; the test `slots_follow_the_forward_order` holds them to it.
    pub const FORWARD_ORDER: [&str; 7] = [
        EXTENSION_ID,
        KEY_NUMBER,
        TOKEN,
        PRODUCT_ID,
        COUPON,
        EXTENSION_KEY_NUMBER,
        ACTION,
    ];
}

/// Purchase or upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A new licence (no `a` parameter).
    Buy,
    /// An upgrade of the extension key `ekn` (`a=upgrade`).
    Upgrade,
}

impl Action {
    /// The action the value of `a` asks for: absent, a purchase;
    /// `upgrade`, an upgrade; anything else `action.unknown` (field `a`).
    ///
    /// ```
    /// use resale_core::Action;
    /// assert_eq!(Action::from_param(None).unwrap(), Action::Buy);
    /// assert_eq!(Action::from_param(Some("upgrade")).unwrap(), Action::Upgrade);
    /// assert_eq!(Action::from_param(Some("downgrade")).unwrap_err().code, "action.unknown");
    /// ```
    pub fn from_param(value: Option<&str>) -> Result<Action, Error> {
        match value {
            None => Ok(Action::Buy),
            Some("upgrade") => Ok(Action::Upgrade),
            Some(_) => Err(reject(
                "action.unknown",
                param::ACTION,
                "`a` must be `upgrade` or absent",
            )),
        }
    }

    /// The action's name as every answer writes it (`buy`, `upgrade`; the
    /// same text serde writes), for a binding that lays it out as text.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Buy => "buy",
            Action::Upgrade => "upgrade",
        }
    }
}

/// An accepted shop request. Values are percent-decoded (`+` stays `+`).
///
/// Read with its methods. It holds one text, any value that had to be
/// percent-decoded (the check decodes into it) followed by the forward
/// query, and where in it each value lies (a value that needed no decoding
/// is a slice of its forwarded pair): an accepted request costs one
/// allocation, not one per field.
/// Two requests are equal when their values and forward queries are.
#[derive(Clone)]
pub struct ShopRequest {
    /// The decoded values, then [`ShopRequest::forward_query`].
    text: String,
    forward: Span,
    extension_id: Span,
    key_number: Span,
    token: Option<Span>,
    product_id: Option<Span>,
    coupon: Option<Span>,
    extension_key_number: Option<Span>,
    action: Action,
}

/// Where a value lies in a [`ShopRequest`]'s text. `u32` is enough: the
/// text is a query of at most [`limits::MAX_QUERY_BYTES`] and values
/// decoded from it, which are no longer.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn of(at: std::ops::Range<usize>) -> Span {
        Span {
            start: at.start as u32,
            end: at.end as u32,
        }
    }
}

impl ShopRequest {
    fn at(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }

    fn at_opt(&self, span: Option<Span>) -> Option<&str> {
        span.map(|span| self.at(span))
    }

    /// The extension's code (`extension-id`).
    pub fn extension_id(&self) -> &str {
        self.at(self.extension_id)
    }

    /// The main Plesk key number (`kn`).
    pub fn key_number(&self) -> &str {
        self.at(self.key_number)
    }

    /// Individual Offers token (`token`), base64.
    pub fn token(&self) -> Option<&str> {
        self.at_opt(self.token)
    }

    /// Individual Offers product (`product-id`).
    pub fn product_id(&self) -> Option<&str> {
        self.at_opt(self.product_id)
    }

    /// Coupon code (`buyUrlCoupon`).
    pub fn coupon(&self) -> Option<&str> {
        self.at_opt(self.coupon)
    }

    /// Purchase or upgrade (`a`).
    pub fn action(&self) -> Action {
        self.action
    }

    /// The extension key being upgraded (`ekn`).
    pub fn extension_key_number(&self) -> Option<&str> {
        self.at_opt(self.extension_key_number)
    }

    /// The accepted parameters exactly as they arrived, in a fixed order
    /// (`extension-id`, `kn`, `token`, `product-id`, `buyUrlCoupon`, `ekn`,
    /// `a`), joined by `&`; unknown parameters are left out. Not part of
    /// the serialised answer.
    pub fn forward_query(&self) -> &str {
        self.at(self.forward)
    }

    /// The fields as the answer serialises them.
    fn fields(&self) -> ShopRequestFields<'_> {
        ShopRequestFields {
            extension_id: self.extension_id(),
            key_number: self.key_number(),
            token: self.token(),
            product_id: self.product_id(),
            coupon: self.coupon(),
            action: self.action,
            extension_key_number: self.extension_key_number(),
        }
    }
}

impl PartialEq for ShopRequest {
    fn eq(&self, other: &ShopRequest) -> bool {
        self.fields() == other.fields() && self.forward_query() == other.forward_query()
    }
}

impl Eq for ShopRequest {}

impl std::fmt::Debug for ShopRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.fields();
        f.debug_struct("ShopRequest")
            .field("extension_id", &v.extension_id)
            .field("key_number", &v.key_number)
            .field("token", &v.token)
            .field("product_id", &v.product_id)
            .field("coupon", &v.coupon)
            .field("action", &v.action)
            .field("extension_key_number", &v.extension_key_number)
            .field("forward_query", &self.forward_query())
            .finish()
    }
}

impl serde::Serialize for ShopRequest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.fields().serialize(serializer)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for ShopRequest {
    fn schema_name() -> Cow<'static, str> {
        ShopRequestFields::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        ShopRequestFields::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        ShopRequestFields::json_schema(generator)
    }
}

// The serialised `ShopRequest`: its values, borrowed from it. The doc
// comment below is the answer's schema description.
/// An accepted shop request. Values are percent-decoded (`+` stays `+`).
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename = "ShopRequest")]
struct ShopRequestFields<'a> {
    /// The extension's code (`extension-id`).
    extension_id: &'a str,
    /// The main Plesk key number (`kn`).
    key_number: &'a str,
    /// Individual Offers token (`token`), base64.
    token: Option<&'a str>,
    /// Individual Offers product (`product-id`).
    product_id: Option<&'a str>,
    /// Coupon code (`buyUrlCoupon`).
    coupon: Option<&'a str>,
    /// Purchase or upgrade (`a`).
    action: Action,
    /// The extension key being upgraded (`ekn`).
    extension_key_number: Option<&'a str>,
}

fn reject(code: &'static str, field: &str, message: impl Into<String>) -> Error {
    Error::at_field(code, field, message)
}

/// The syntax checks' one shape: rejected with `code`, naming `field`,
/// unless `ok`. The message is only made into a `String` on a rejection.
#[inline]
fn require(ok: bool, code: &'static str, field: &str, message: &'static str) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(reject(code, field, message))
    }
}

impl From<QueryError> for Error {
    fn from(e: QueryError) -> Error {
        use limits::*;
        match e {
            QueryError::TooLong { len } => Error::new(
                "query.too_long",
                format!("the query is {len} bytes, the limit is {MAX_QUERY_BYTES}"),
            ),
            QueryError::TooManyParams => Error::new(
                "query.too_many_params",
                format!("the query has more than {MAX_PARAMS} parameters"),
            ),
            QueryError::Duplicate { name } => {
                let m = format!("the parameter `{name}` is given more than once");
                reject("param.duplicate", &name, m)
            }
            QueryError::BadEncoding { name } => {
                let m =
                    format!("the parameter `{name}` has invalid percent-encoding or is not UTF-8");
                reject("param.bad_encoding", &name, m)
            }
            QueryError::ControlChar { name } => {
                let m = format!("the parameter `{name}` contains a control character");
                reject("param.control_char", &name, m)
            }
            QueryError::ParamTooLong { name } => {
                let m = format!("the parameter `{name}` is too long (names up to {MAX_NAME_BYTES} bytes, values up to {MAX_VALUE_BYTES})");
                reject("param.too_long", &name, m)
            }
        }
    }
}

/// The query part of what the shop received: a whole URL (`https://…?q`), a
/// path with a query (`/buy?q`), or the bare query (`q` or `?q`). A fragment
/// is cut off.
#[cfg(test)]
fn query_part(input: &str) -> &str {
    let query = query_and_fragment(input);
    memchr::memchr(b'#', query.as_bytes()).map_or(query, |at| &query[..at])
}

/// The query part (as `query_part` in the tests cuts it) with its
/// `#fragment`, if any, still on: the pass over
/// the pairs stops at the `#` ([`crate::query::pairs_before_fragment`]), so
/// the common request is not searched for one twice.
fn query_and_fragment(input: &str) -> &str {
    let bytes = input.as_bytes();
    // `scheme://`: a letter, then letters, digits, `+`, `-`, `.` up to `://`.
    let scheme = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(bytes.len());
    let has_scheme =
        scheme > 0 && bytes[0].is_ascii_alphabetic() && bytes[scheme..].starts_with(b"://");
    if has_scheme || bytes.first() == Some(&b'/') {
        match memchr::memchr2(b'?', b'#', bytes) {
            Some(at) if bytes[at] == b'?' => &input[at + 1..],
            _ => "",
        }
    } else {
        input.strip_prefix('?').unwrap_or(input)
    }
}

/// The fields the engine reads: a field's slot in [`Slots`] is its index
/// in [`param::FORWARD_ORDER`] (the test `slots_follow_the_forward_order` says so).
const EXTENSION_ID: usize = 0;
const KEY_NUMBER: usize = 1;
const TOKEN: usize = 2;
const PRODUCT_ID: usize = 3;
const COUPON: usize = 4;
const EXTENSION_KEY_NUMBER: usize = 5;
const ACTION: usize = 6;

// The check takes the slots apart by position, in this order.
const _: () = assert!(
    EXTENSION_ID == 0
        && KEY_NUMBER == 1
        && TOKEN == 2
        && PRODUCT_ID == 3
        && COUPON == 4
        && EXTENSION_KEY_NUMBER == 5
        && ACTION == 6
);

/// The slot of a (decoded) parameter name, `None` for a name the engine
/// does not read.
/// A `match` rather than a search of [`param::FORWARD_ORDER`]: it compares the
/// length first, so most unknown names cost one comparison.
#[inline(always)]
fn field_of(name: &str) -> Option<usize> {
    match name {
        param::EXTENSION_ID => Some(EXTENSION_ID),
        param::KEY_NUMBER => Some(KEY_NUMBER),
        param::TOKEN => Some(TOKEN),
        param::PRODUCT_ID => Some(PRODUCT_ID),
        param::COUPON => Some(COUPON),
        param::EXTENSION_KEY_NUMBER => Some(EXTENSION_KEY_NUMBER),
        param::ACTION => Some(ACTION),
        _ => None,
    }
}

/// A field's value (decoded; borrowed from the query unless it had to be
/// percent-decoded; as [`Values`] keeps it) and its raw pair (forwarded as
/// it arrived).
type Field<'q, V = Cow<'q, str>> = (V, &'q str);

/// What one pass over the query keeps of the fields: the first non-empty
/// value of each, by slot. Everything else is checked and dropped on the
/// way. The caller owns the array and the pass fills it, so that the
/// values are not moved again on the way out.
type Slots<'q, V = Cow<'q, str>> = [Option<Field<'q, V>>; 7];

/// The raw pair of a field the pass kept.
#[inline(always)]
fn raw<'q, V>(field: &Option<Field<'q, V>>) -> Option<&'q str> {
    field.as_ref().map(|(_, raw)| *raw)
}

/// The value of a field the pass kept.
#[inline(always)]
fn value<V>(field: Option<Field<'_, V>>) -> Option<V> {
    field.map(|(v, _)| v)
}

/// How the pass keeps the fields' values: as `Cow`s for the borrowed answer
/// ([`Cows`]), or, for the owned one, decoded into the answer's text
/// ([`Text`]), so that the owned answer is its only allocation.
trait Values<'q> {
    /// A value as the pass keeps it.
    type Value;
    /// The value of `pair`, named `name`, with the per-pair value checks.
    fn read(&mut self, pair: &RawPair<'q>, name: &str) -> Result<Self::Value, QueryError>;
    /// Is the value empty (then the field counts as absent)?
    fn is_empty(value: &Self::Value) -> bool;
}

/// [`Values`] of the borrowed answer: a decoded value is a `String` of its own.
struct Cows;

impl<'q> Values<'q> for Cows {
    type Value = Cow<'q, str>;

    #[inline(always)]
    fn read(&mut self, pair: &RawPair<'q>, name: &str) -> Result<Cow<'q, str>, QueryError> {
        pair.value(name)
    }

    fn is_empty(value: &Cow<'q, str>) -> bool {
        value.is_empty()
    }
}

/// [`Values`] of the owned answer: decoded values are appended to its text
/// (which gets room for them and the forward query at the first one:
/// `reserve` bytes, twice the query's length up to the limit, as neither
/// can be longer than an accepted query). A value decoded and then set
/// aside (a shop URL's own pair, a duplicate) stays in the text unread.
struct Text {
    text: String,
    reserve: usize,
}

impl<'q> Values<'q> for Text {
    type Value = ValueIn<'q>;

    #[inline(always)]
    fn read(&mut self, pair: &RawPair<'q>, name: &str) -> Result<ValueIn<'q>, QueryError> {
        if pair.is_escaped() && self.text.capacity() == 0 {
            // Allocated at once (`reserve` on an empty `String` takes the
            // growth path: ~75 instructions more).
            self.text = String::with_capacity(self.reserve);
        }
        pair.value_in(name, &mut self.text)
    }

    fn is_empty(value: &ValueIn<'q>) -> bool {
        match value {
            ValueIn::Raw(v) => v.is_empty(),
            ValueIn::At(at) => at.is_empty(),
        }
    }
}

/// What one pass over the query learns besides the [`Slots`].
struct Pass {
    /// No kept pair holds a byte a link must percent-encode.
    plain: bool,
    /// Where the kept pairs lie in the query.
    run: Run,
}

/// Where the kept pairs lie in the query, and whether they follow one
/// another there in [`param::FORWARD_ORDER`], one byte (the `&` between two
/// pairs) apart, as in a link Plesk wrote: then the forward query is one
/// slice of the query, copied at once.
#[derive(Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    /// One past the last slot kept; 0 before the first.
    next_slot: usize,
    joined: bool,
}

impl Run {
    const EMPTY: Run = Run {
        start: 0,
        end: 0,
        next_slot: 0,
        joined: true,
    };

    /// Keep the pair of `slot` found at `at`, `len` bytes long.
    #[inline]
    fn keep(&mut self, slot: usize, at: usize, len: usize) {
        if self.next_slot == 0 {
            self.start = at;
        } else {
            self.joined &= slot >= self.next_slot && at == self.end + 1;
        }
        self.end = at + len;
        self.next_slot = slot + 1;
    }

    /// The kept pairs, joined by `&`, as a slice of `query` (the text they
    /// were found in), when they lie so.
    fn joined<'q>(&self, query: &'q str) -> Option<&'q str> {
        self.span().and_then(|at| query.get(at))
    }

    /// Where the kept pairs lie, joined by `&`, when they lie so.
    fn span(&self) -> Option<std::ops::Range<usize>> {
        (self.joined && self.next_slot > 0).then_some(self.start..self.end)
    }
}

/// Where [`Pass::read`] starts: before the first pair of its query
/// ([`Start::QUERY`]), or, for [`Policy::buy_link`], after the pair the
/// rewrite wrote in front of the link's own query (`extension-id=<id>`,
/// whose checks the rewrite already made), as the pass over the whole
/// rewritten query would be there.
#[derive(Clone, Copy)]
struct Start {
    /// Pairs already counted.
    count: usize,
    /// Fields already met, as bits.
    seen: u8,
    /// The pairs already kept.
    run: Run,
    /// Where the query's first byte lies in the text the run's positions
    /// are in.
    at: usize,
}

// A canonical link's rewritten query is within the query limit.
const _: () = assert!(MAX_URL_BYTES - 22 <= limits::MAX_QUERY_BYTES);

impl Start {
    /// Before the first pair; positions are in the query.
    const QUERY: Start = Start {
        count: 0,
        seen: 0,
        run: Run::EMPTY,
        at: 0,
    };
}

impl Pass {
    /// Take the query apart in one pass, into `slots` (all `None`), with the checks of
    /// [`crate::query::parse_pairs`] (size, count, encoding, lengths, in
    /// pair order), the shop URL's own pairs set aside (once each, so a
    /// shop's `a=add` is not read as Plesk's `a`), and then the duplicate
    /// check of [`crate::query::ensure_unique`] on what remains (the first
    /// name seen twice, so an encoding error later in the query still
    /// wins, as it does when the pairs are listed first).
    ///
    /// Nothing is allocated unless a name or a read value must be
    /// percent-decoded, the shop URL has more than 64 pairs of its own, or
    /// more than [`INLINE_NAMES`] unknown names arrive.
    #[inline(always)]
    fn read<'q, V: Values<'q>>(
        policy: &Policy,
        query: &'q str,
        slots: &mut Slots<'q, V::Value>,
        values: &mut V,
        start: Start,
    ) -> Result<Pass, QueryError> {
        // `query` may still carry its fragment, which the pairs end at; only
        // a text over the limit is cut first, to measure the query alone.
        if query.len() > limits::MAX_QUERY_BYTES {
            let cut = memchr::memchr(b'#', query.as_bytes()).map_or(query, |at| &query[..at]);
            crate::query::check_length(cut)?;
        }
        let own = policy.shop_query_pairs();
        let mut own_left = OwnPairs::new(own.len());
        let mut seen = start.seen; // the fields met, as bits
        let mut others = Names::default(); // the other names met
        let mut duplicate: Option<Cow<'q, str>> = None;
        let mut plain = true;
        let mut run = start.run;
        // Counted by hand: `enumerate`'s `next` was not inlined into both
        // instances of the pass (callgrind: ~190 instructions a check).
        let mut count = start.count;
        #[allow(clippy::explicit_counter_loop)]
        for pair in crate::query::pairs_before_fragment(query) {
            if count == limits::MAX_PARAMS {
                return Err(QueryError::TooManyParams);
            }
            count += 1;
            let name = pair.name()?;
            // Each arm checks the value (the per-pair checks stay in pair
            // order), then sets the shop URL's own pairs aside.
            match field_of(&name) {
                Some(f) => {
                    let value = values.read(&pair, &name)?;
                    if own_left.take(own, pair.raw) || duplicate.is_some() {
                        continue;
                    }
                    if seen & (1 << f) != 0 {
                        duplicate = Some(name);
                        continue;
                    }
                    seen |= 1 << f;
                    if !V::is_empty(&value) {
                        plain &= !pair.needs_encoding();
                        let at = start.at + (pair.raw.as_ptr() as usize - query.as_ptr() as usize);
                        run.keep(f, at, pair.raw.len());
                        slots[f] = Some((value, pair.raw));
                    }
                }
                None => {
                    pair.validate_value(&name)?;
                    if own_left.take(own, pair.raw) || duplicate.is_some() {
                        continue;
                    }
                    if others.contains(&name) {
                        duplicate = Some(name);
                    } else {
                        others.push(name);
                    }
                }
            }
        }
        match duplicate {
            Some(name) => Err(QueryError::Duplicate {
                name: name.into_owned(),
            }),
            None => Ok(Pass { plain, run }),
        }
    }
}

/// Which of the shop URL's own pairs are still to be set aside: bits for
/// up to 64 pairs, a list beyond (a shop URL with more pairs than a query
/// may carry is odd, but allowed).
enum OwnPairs {
    Bits(u64),
    Many(Vec<bool>),
}

impl OwnPairs {
    fn new(n: usize) -> OwnPairs {
        match n {
            0..=63 => OwnPairs::Bits((1u64 << n) - 1),
            64 => OwnPairs::Bits(u64::MAX),
            _ => OwnPairs::Many(vec![true; n]),
        }
    }

    /// Set aside the first own pair equal to `raw` that is still left.
    #[inline]
    fn take(&mut self, own: &[Box<str>], raw: &str) -> bool {
        match self {
            OwnPairs::Bits(0) => false,
            OwnPairs::Bits(left) => {
                let i = own
                    .iter()
                    .enumerate()
                    .position(|(i, p)| *left & (1 << i) != 0 && **p == *raw);
                i.inspect(|i| *left &= !(1 << i)).is_some()
            }
            OwnPairs::Many(left) => {
                let i = own
                    .iter()
                    .zip(left.iter())
                    .position(|(p, l)| *l && **p == *raw);
                i.inspect(|&i| left[i] = false).is_some()
            }
        }
    }
}

/// How many borrowed unknown names [`Names`] holds without allocating.
const INLINE_NAMES: usize = 8;

/// The unknown names met so far, for the duplicate check (a query carries
/// a few: `utm_source`, a shop's own). Names that needed no decoding are
/// kept as plain slices, so the common case neither allocates nor has
/// anything to drop; decoded names and any beyond [`INLINE_NAMES`] go to
/// `more`.
#[derive(Default)]
struct Names<'q> {
    inline: [&'q str; INLINE_NAMES],
    len: usize,
    more: Vec<Cow<'q, str>>,
}

impl<'q> Names<'q> {
    fn contains(&self, name: &str) -> bool {
        self.inline[..self.len].contains(&name) || self.more.iter().any(|n| n == name)
    }

    fn push(&mut self, name: Cow<'q, str>) {
        match name {
            Cow::Borrowed(name) if self.len < INLINE_NAMES => {
                self.inline[self.len] = name;
                self.len += 1;
            }
            name => self.more.push(name),
        }
    }
}

/// An accepted shop request that borrows from the query it was read from:
/// what [`Policy::check_shop_request_ref`] answers, without a copy of any
/// value that needed no percent-decoding. [`ShopRequestRef::into_owned`]
/// makes the [`ShopRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopRequestRef<'q> {
    /// The extension's code (`extension-id`).
    pub extension_id: Cow<'q, str>,
    /// The main Plesk key number (`kn`).
    pub key_number: Cow<'q, str>,
    /// Individual Offers token (`token`), base64.
    pub token: Option<Cow<'q, str>>,
    /// Individual Offers product (`product-id`).
    pub product_id: Option<Cow<'q, str>>,
    /// Coupon code (`buyUrlCoupon`).
    pub coupon: Option<Cow<'q, str>>,
    /// Purchase or upgrade (`a`).
    pub action: Action,
    /// The extension key being upgraded (`ekn`).
    pub extension_key_number: Option<Cow<'q, str>>,
    /// The accepted pairs as they arrived, in [`param::FORWARD_ORDER`] (`None`
    /// when absent).
    forward: [Option<&'q str>; 7],
    /// The forwarded pairs joined by `&`, when `query` holds them so
    /// (each pair followed by the next, one `&` apart, as in a link Plesk
    /// wrote): the forward query is then one slice, copied at once.
    forward_joined: Option<&'q str>,
    /// No forwarded pair holds a byte a link must percent-encode.
    forward_plain: bool,
}

impl<'q> ShopRequestRef<'q> {
    /// The accepted parameters exactly as they arrived, in the fixed order
    /// of [`ShopRequest::forward_query`]; joined by `&`, they are that query.
    pub fn forward_pairs(&self) -> impl Iterator<Item = &'q str> + '_ {
        self.forward.iter().flatten().copied()
    }

    /// The forwarded pairs as parts of a query: one part when they arrived
    /// joined, each pair otherwise.
    fn forward_parts(&self) -> impl Iterator<Item = &'q str> + '_ {
        let (joined, pairs) = match self.forward_joined {
            Some(q) => (Some(q), [].iter()),
            None => (None, self.forward.iter()),
        };
        joined.into_iter().chain(pairs.flatten().copied())
    }

    /// The owned request, in one allocation: the values that were
    /// percent-decoded, then the forward query; the others are found in
    /// their forwarded pairs.
    pub fn into_owned(self) -> ShopRequest {
        let decoded = |v: Option<&Cow<'q, str>>| match v {
            Some(Cow::Owned(v)) => v.len(),
            _ => 0,
        };
        let extra = decoded(Some(&self.extension_id))
            + decoded(Some(&self.key_number))
            + decoded(self.token.as_ref())
            + decoded(self.product_id.as_ref())
            + decoded(self.coupon.as_ref())
            + decoded(self.extension_key_number.as_ref());
        let mut text =
            String::with_capacity(extra + forward_len(&self.forward, self.forward_joined));
        let mut place = |value: Option<Cow<'q, str>>| {
            value.map(|value| match value {
                Cow::Borrowed(v) => ValueIn::Raw(v),
                Cow::Owned(v) => {
                    let start = text.len();
                    text.push_str(&v);
                    ValueIn::At(start..text.len())
                }
            })
        };
        let values = [
            place(Some(self.extension_id)),
            place(Some(self.key_number)),
            place(self.token),
            place(self.product_id),
            place(self.coupon),
            place(self.extension_key_number),
            None,
        ];
        ShopRequest::lay_out(
            text,
            &self.forward,
            self.forward_joined,
            values,
            self.action,
        )
    }
}

/// Where `part` starts in `whole`, when it is a slice of it.
fn offset_in(part: &str, whole: &str) -> Option<usize> {
    let off = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    (off <= whole.len() && part.len() <= whole.len() - off).then_some(off)
}

/// The length of the forward query of `forward` (the pairs by slot, or
/// `joined` when they arrived as one slice).
fn forward_len(forward: &[Option<&str>; 7], joined: Option<&str>) -> usize {
    match joined {
        Some(joined) => joined.len(),
        None => forward
            .iter()
            .flatten()
            .map(|p| p.len() + 1)
            .sum::<usize>()
            .saturating_sub(1),
    }
}

impl ShopRequest {
    /// The request of `values` (by slot, the action's left out), `text`
    /// holding those of them that were decoded: the forward query is
    /// appended to it and each raw value found in its forwarded pair
    /// (`forward`), or in `joined` when the pairs arrived as one slice. A
    /// raw value found in neither (a `ShopRequestRef` changed by its owner)
    /// is appended too.
    fn lay_out(
        mut text: String,
        forward: &[Option<&str>; 7],
        joined: Option<&str>,
        values: [Option<ValueIn<'_>>; 7],
        action: Action,
    ) -> ShopRequest {
        let len = forward_len(forward, joined);
        if text.capacity() == 0 {
            // Nothing was decoded: allocated at once, not grown.
            text = String::with_capacity(len);
        } else {
            text.reserve(len);
        }
        let forward_start = text.len();
        // Where each slot's pair starts in `text`, when laid out here.
        let mut pair_at = [0usize; 7];
        match joined {
            Some(joined) => text.push_str(joined),
            None => {
                for (at, pair) in pair_at.iter_mut().zip(forward) {
                    if let Some(pair) = pair {
                        if text.len() > forward_start {
                            text.push('&');
                        }
                        *at = text.len();
                        text.push_str(pair);
                    }
                }
            }
        }
        let forward_span = Span::of(forward_start..text.len());
        let [ext, kn, token, product, coupon, ekn, _] = values;
        let mut place = |slot: usize, value: Option<ValueIn<'_>>| -> Option<Span> {
            Some(match value? {
                ValueIn::At(at) => Span::of(at),
                ValueIn::Raw(v) => {
                    // A value read from the query is a slice of its pair,
                    // and so of the joined pairs.
                    let at = match joined {
                        Some(joined) => offset_in(v, joined).map(|off| forward_start + off),
                        None => forward[slot]
                            .and_then(|pair| offset_in(v, pair))
                            .map(|off| pair_at[slot] + off),
                    };
                    match at {
                        Some(at) => Span::of(at..at + v.len()),
                        None => {
                            let start = text.len();
                            text.push_str(v);
                            Span::of(start..text.len())
                        }
                    }
                }
            })
        };
        let spans = [
            place(EXTENSION_ID, ext),
            place(KEY_NUMBER, kn),
            place(TOKEN, token),
            place(PRODUCT_ID, product),
            place(COUPON, coupon),
            place(EXTENSION_KEY_NUMBER, ekn),
        ];
        ShopRequest::of_spans(text, forward_span, spans, action)
    }

    /// The request whose values lie in `text` at `spans` (in field order:
    /// extension id, key number, token, product id, coupon, extension key
    /// number), its forward query at `forward`. The extension id and key
    /// number are present in every accepted request (`check_fields` said
    /// so); an absent one would read as empty.
    #[inline(always)]
    fn of_spans(
        text: String,
        forward: Span,
        spans: [Option<Span>; 6],
        action: Action,
    ) -> ShopRequest {
        let empty = Span { start: 0, end: 0 };
        let [ext, kn, token, product_id, coupon, extension_key_number] = spans;
        ShopRequest {
            text,
            forward,
            extension_id: ext.unwrap_or(empty),
            key_number: kn.unwrap_or(empty),
            token,
            product_id,
            coupon,
            extension_key_number,
            action,
        }
    }
}

/// A Plesk buy link rewritten to the shop, and the request it brings
/// there, accepted: what [`Policy::buy_link`] answers. The rewritten link
/// is kept in the request's text (one allocation for both).
#[derive(Clone)]
pub struct BuyLink {
    request: ShopRequest,
    /// Where the rewritten link lies in the request's text.
    url: Span,
}

impl BuyLink {
    /// The rewritten link (what [`Policy::rewrite_buy_url`] answers).
    pub fn url(&self) -> &str {
        self.request.at(self.url)
    }

    /// The accepted request (what [`Policy::check_shop_request`] of
    /// [`BuyLink::url`] answers).
    pub fn request(&self) -> &ShopRequest {
        &self.request
    }

    /// The request alone.
    pub fn into_request(self) -> ShopRequest {
        self.request
    }
}

impl PartialEq for BuyLink {
    fn eq(&self, other: &BuyLink) -> bool {
        self.url() == other.url() && self.request == other.request
    }
}

impl Eq for BuyLink {}

impl std::fmt::Debug for BuyLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuyLink")
            .field("url", &self.url())
            .field("request", &self.request)
            .finish()
    }
}

impl Policy {
    /// Check what arrived at the shop.
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{
    ///     "shop_url": "https://shop.com",
    ///     "extensions": { "some-extension-name": { "products": ["SomeProductID"] } }
    /// }"#).unwrap();
    /// let req = policy.check_shop_request(
    ///     "https://shop.com/?extension-id=some-extension-name&kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID",
    /// ).unwrap();
    /// assert_eq!(req.key_number(), "PLESK.12345678.0001");
    /// assert_eq!(req.token(), Some("U29NZVVuaXF1ZUdVSUQxMjM="));
    ///
    /// let no = policy.check_shop_request("extension-id=docker&kn=PLSK.12345678.0001").unwrap_err();
    /// assert_eq!((no.code, no.field.as_deref()), ("extension.not_sold", Some("extension-id")));
    /// let no = policy.check_shop_request("extension-id=some-extension-name&kn=1&kn=2").unwrap_err();
    /// assert_eq!(no.code, "param.duplicate");
    /// ```
    pub fn check_shop_request(&self, query_or_url: &str) -> Result<ShopRequest, Error> {
        // The pass of `check_shop_request_ref`, with decoded values written
        // into the answer's text rather than into `String`s of their own.
        let query = self.query_of(query_or_url);
        let mut slots: Slots<'_, ValueIn<'_>> = Default::default();
        let mut values = Text {
            text: String::new(),
            reserve: 2 * query.len().min(limits::MAX_QUERY_BYTES),
        };
        let run = Pass::read(self, query, &mut slots, &mut values, Start::QUERY)?.run;
        let text = values.text;
        let action = self.check_fields(&slots, |v| v.read(&text))?;
        // The raw pairs in the slots' order, which is the forward order.
        let forward = slots.each_ref().map(raw);
        let [ext, kn, token, product, coupon, ekn, _] = slots;
        let values = [
            value(ext),
            value(kn),
            value(token),
            value(product),
            value(coupon),
            value(ekn),
            None,
        ];
        Ok(ShopRequest::lay_out(
            text,
            &forward,
            run.joined(query),
            values,
            action,
        ))
    }

    /// [`Policy::check_shop_request`] without copying the accepted values:
    /// the same answer and the same rejections, borrowing from
    /// `query_or_url`. The hot path of the bindings that copy the answer
    /// out at once (the C ABI's one-call check).
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com", "extensions": {"docker": {}}}"#).unwrap();
    /// let req = policy.check_shop_request_ref("extension-id=docker&kn=PLSK.12345678.0001&buyUrlCoupon=A%2DB").unwrap();
    /// assert!(matches!(req.key_number, Cow::Borrowed("PLSK.12345678.0001")));
    /// assert!(matches!(req.coupon.as_deref(), Some("A-B"))); // decoded: a copy
    /// ```
    pub fn check_shop_request_ref<'q>(
        &self,
        query_or_url: &'q str,
    ) -> Result<ShopRequestRef<'q>, Error> {
        let query = self.query_of(query_or_url);
        let mut slots: Slots<'q> = Default::default();
        let Pass {
            plain: forward_plain,
            run,
        } = Pass::read(self, query, &mut slots, &mut Cows, Start::QUERY)?;
        let action = self.check_fields(&slots, |v| v)?;
        // The raw pairs in the slots' order, which is the forward order.
        let forward = slots.each_ref().map(raw);
        let [ext, kn, token, product, coupon, ekn, _] = slots;
        Ok(ShopRequestRef {
            // Both present: `check_fields` said so.
            extension_id: value(ext).unwrap_or_default(),
            key_number: value(kn).unwrap_or_default(),
            token: value(token),
            product_id: value(product),
            coupon: value(coupon),
            action,
            extension_key_number: value(ekn),
            forward,
            forward_joined: run.joined(query),
            forward_plain,
        })
    }

    /// A Plesk buy link rewritten to the shop and the request it brings
    /// there checked, in one call: what [`Policy::rewrite_buy_url`] then
    /// [`Policy::check_shop_request`] of the rewritten link answer, the
    /// same link, request, rejections and unchanged reasons
    /// (`Ok(Err(reason))`), with one allocation for both.
    ///
    /// A link written as Plesk writes it, to a shop URL without a query of
    /// its own, is checked where the rewrite left it: the pass over the
    /// rewritten query starts after the `extension-id=<id>` pair the
    /// rewrite wrote (an extension code, so its checks are the rewrite's),
    /// reads the link's own pairs from the link, and decodes into the
    /// answer's text behind the rewritten link. Any other link takes the
    /// two calls. The property test `buy_link_is_rewrite_then_check` holds
    /// the two ways to the same answers.
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com", "extensions": {"docker": {}}}"#).unwrap();
    /// let link = policy.buy_link("https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.12345678.0001").unwrap().unwrap();
    /// assert_eq!(link.url(), "https://shop.com/?extension-id=docker&kn=PLSK.12345678.0001");
    /// assert_eq!(link.request().key_number(), "PLSK.12345678.0001");
    /// let no = policy.buy_link("https://go.plesk.com/buy-plesk-ext/docker?kn=1").unwrap_err();
    /// assert_eq!(no.code, "kn.malformed");
    /// assert!(policy.buy_link("https://example.com/").unwrap().is_err()); // not a buy link
    /// ```
    pub fn buy_link(&self, input: &str) -> Result<Result<BuyLink, UnchangedReason>, Error> {
        // `?` after the base: the shop URL has no pairs of its own, so the
        // rewritten query is `extension-id=<id>` and the link's query.
        if input.len() <= MAX_URL_BYTES && self.shop_link_base().1 == '?' {
            if let Some((id, query)) = canonical_buy_link(input) {
                return self
                    .check_canonical_link(id, query.unwrap_or_default())
                    .map(Ok);
            }
        }
        let mut url = String::new();
        if let Err(reason) = self.rewrite_buy_url_into(input, &mut url)? {
            return Ok(Err(reason));
        }
        let mut request = self.check_shop_request(&url)?;
        let start = request.text.len();
        request.text.push_str(&url);
        let url = Span::of(start..request.text.len());
        Ok(Ok(BuyLink { request, url }))
    }

    /// [`Policy::buy_link`] of a link [`canonical_buy_link`] answered
    /// (`id`, `query`) to a shop URL without a query: the check of the
    /// rewritten link, reading the link's own query where it lies in
    /// `input` (the same bytes as the rewritten link's tail).
    fn check_canonical_link(&self, id: &str, query: &str) -> Result<BuyLink, Error> {
        // The rewritten link, and room behind it for values to decode
        // (no longer than the query they come from).
        let mut text = String::with_capacity(self.shop_link_len(id, Some(query)) + query.len());
        self.write_shop_link(&mut text, id, Some(query), true);
        let url_len = text.len();
        // `<base>?extension-id=<id>[&<query>]`: where each part lies.
        let query_at = url_len - query.len();
        let id_end = if query.is_empty() {
            url_len
        } else {
            query_at - 1
        };
        let id_at = id_end - id.len();
        let pair_at = id_at - param::EXTENSION_ID.len() - 1;
        // The pass over the rewritten query, after its first pair: counted,
        // its field met and kept, its value where the rewrite wrote it (the
        // raw pair beside it is not read: positions are).
        let mut slots: Slots<'_, ValueIn<'_>> = Default::default();
        slots[EXTENSION_ID] = Some((ValueIn::At(id_at..id_end), id));
        let mut run = Run::EMPTY;
        run.keep(EXTENSION_ID, pair_at, id_end - pair_at);
        let start = Start {
            count: 1,
            seen: 1 << EXTENSION_ID,
            run,
            at: query_at,
        };
        // The rewritten query is the link's length less 22 bytes (35 of
        // prefix, 13 of `extension-id=`, the `?` and `&`), so within the
        // limit the pass would measure (the assertion beside `Start`).
        let mut values = Text { text, reserve: 0 };
        let run = Pass::read(self, query, &mut slots, &mut values, start)?.run;
        let mut text = values.text;
        let action = self.check_fields(&slots, |v| v.read(&text))?;
        // Where a kept pair or value lies in `text`: what the pass read
        // from `query` lies in the link's tail.
        let in_text = |part: &str| query_at + (part.as_ptr() as usize - query.as_ptr() as usize);
        let forward = match run.span() {
            Some(at) => Span::of(at),
            None => {
                // Not one slice: the pairs in forward order, copied behind.
                let start = text.len();
                for (slot, field) in slots.iter().enumerate() {
                    let Some((_, raw)) = field else { continue };
                    let at = if slot == EXTENSION_ID {
                        pair_at..id_end
                    } else {
                        in_text(raw)..in_text(raw) + raw.len()
                    };
                    if text.len() > start {
                        text.push('&');
                    }
                    text.extend_from_within(at);
                }
                Span::of(start..text.len())
            }
        };
        let span = |field: &Option<Field<'_, ValueIn<'_>>>| {
            field.as_ref().map(|(v, _)| match v {
                ValueIn::At(at) => Span::of(at.clone()),
                ValueIn::Raw(v) => Span::of(in_text(v)..in_text(v) + v.len()),
            })
        };
        let spans = [
            span(&slots[EXTENSION_ID]),
            span(&slots[KEY_NUMBER]),
            span(&slots[TOKEN]),
            span(&slots[PRODUCT_ID]),
            span(&slots[COUPON]),
            span(&slots[EXTENSION_KEY_NUMBER]),
        ];
        Ok(BuyLink {
            request: ShopRequest::of_spans(text, forward, spans, action),
            url: Span::of(0..url_len),
        })
    }

    /// The query part of what the shop received (see `query_and_fragment`).
    #[inline(always)]
    fn query_of<'q>(&self, query_or_url: &'q str) -> &'q str {
        // A link to the policy's own shop URL (what the rewrite writes) has
        // its query right after that URL's `?`: no search for it.
        match query_or_url.strip_prefix(self.shop_query_prefix()) {
            Some(query) => query,
            None => query_and_fragment(query_or_url),
        }
    }

    /// The checks on the values the pass kept (`slots`, each value's text
    /// as `text` finds it), in their documented order: each field's
    /// syntax, then the policy. Answers the action.
    #[inline(always)]
    fn check_fields<'v, V>(
        &self,
        slots: &'v Slots<'_, V>,
        text: impl Fn(&'v V) -> &'v str,
    ) -> Result<Action, Error> {
        let value = |slot: usize| slots[slot].as_ref().map(|(v, _)| text(v));
        let [ext, kn, token, product, coupon, ekn, action_field] = [
            value(EXTENSION_ID),
            value(KEY_NUMBER),
            value(TOKEN),
            value(PRODUCT_ID),
            value(COUPON),
            value(EXTENSION_KEY_NUMBER),
            value(ACTION),
        ];
        // ---- syntax, field by field ----
        let Some(ext) = ext else {
            return Err(reject(
                "extension_id.missing",
                param::EXTENSION_ID,
                "the extension is missing (parameter `extension-id`)",
            ));
        };
        require(
            syntax::is_extension_code(ext),
            "extension_id.malformed",
            param::EXTENSION_ID,
            "`extension-id` is not an extension code (letters, digits, `-`, `_`, `.`)",
        )?;
        let Some(kn) = kn else {
            return Err(reject(
                "kn.missing",
                param::KEY_NUMBER,
                "the Plesk key number is missing (parameter `kn`)",
            ));
        };
        require(
            self.is_key_number(kn),
            "kn.malformed",
            param::KEY_NUMBER,
            "`kn` is not a Plesk key number (such as PLSK.12345678.0001)",
        )?;
        if let Some(t) = token {
            if t.len() > syntax::MAX_TOKEN_BYTES {
                return Err(reject(
                    "token.too_long",
                    param::TOKEN,
                    format!("`token` is longer than {} bytes", syntax::MAX_TOKEN_BYTES),
                ));
            }
            require(
                syntax::is_base64(t),
                "token.malformed",
                param::TOKEN,
                "`token` is not base64",
            )?;
        }
        require(
            product.is_none_or(syntax::is_product_id),
            "product_id.malformed",
            param::PRODUCT_ID,
            "`product-id` is not a product ID (letters, digits, `-`, `_`, `.`)",
        )?;
        require(
            coupon.is_none_or(syntax::is_coupon),
            "coupon.malformed",
            param::COUPON,
            "`buyUrlCoupon` is not a coupon code (letters, digits, `-`, `_`, `.`)",
        )?;
        let action = Action::from_param(action_field)?;
        match (action, ekn) {
            (Action::Upgrade, None) => {
                return Err(reject(
                    "ekn.missing",
                    param::EXTENSION_KEY_NUMBER,
                    "an upgrade (`a=upgrade`) needs the extension key number (`ekn`)",
                ))
            }
            (Action::Buy, Some(_)) => {
                return Err(reject(
                    "ekn.unexpected",
                    param::EXTENSION_KEY_NUMBER,
                    "`ekn` is only meaningful with `a=upgrade`",
                ))
            }
            (_, Some(e)) if !(self.is_key_number(e) || syntax::is_bare_key_digits(e)) => {
                return Err(reject(
                    "ekn.malformed",
                    param::EXTENSION_KEY_NUMBER,
                    "`ekn` is not a key number (such as EXT.12345678.0001, or its digits)",
                ))
            }
            _ => {}
        }

        // ---- policy ----
        let sold = self.sold(ext).ok_or_else(|| {
            reject(
                "extension.not_sold",
                param::EXTENSION_ID,
                format!("this shop does not sell the extension `{}`", ext),
            )
        })?;
        let entry = &sold.policy;
        if entry.individual_offers {
            if token.is_none() {
                return Err(reject(
                    "token.missing",
                    param::TOKEN,
                    format!(
                        "`{}` is sold as Individual Offers: the link must carry `token`",
                        ext
                    ),
                ));
            }
            if product.is_none() {
                return Err(reject(
                    "product_id.missing",
                    param::PRODUCT_ID,
                    format!(
                        "`{}` is sold as Individual Offers: the link must carry `product-id`",
                        ext
                    ),
                ));
            }
        }
        if let Some(p) = product {
            if !entry.products.is_empty() && !sold.lists_product(p) {
                return Err(reject(
                    "product_id.not_sold",
                    param::PRODUCT_ID,
                    format!("this shop does not sell the product `{}` of `{}`", p, ext),
                ));
            }
        }
        Ok(action)
    }

    /// Where to send the customer once `request` is accepted: the most
    /// specific shop target ([`Policy::shop_target`]: the product's, the
    /// extension's or the policy's `shop_url`) with the accepted parameters,
    /// exactly as they arrived, appended to the target's own query.
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.example/store", "extensions": {"docker": {}}}"#).unwrap();
    /// let req = policy.check_shop_request("/buy?kn=PLSK.12345678.0001&utm=x&extension-id=docker").unwrap();
    /// assert_eq!(policy.shop_redirect_url(&req),
    ///            "https://shop.example/store?extension-id=docker&kn=PLSK.12345678.0001");
    /// ```
    pub fn shop_redirect_url(&self, request: &ShopRequest) -> String {
        let target = self.shop_target(request.extension_id(), request.product_id());
        let mut out =
            String::with_capacity(target.as_str().len() + request.forward_query().len() + 1);
        self.write_target_link(&mut out, target, [request.forward_query()], false);
        out
    }

    /// [`Policy::shop_redirect_url`] of a borrowed request, appended to `out`.
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.example/store", "extensions": {"docker": {}}}"#).unwrap();
    /// let query = "/buy?kn=PLSK.12345678.0001&utm=x&extension-id=docker";
    /// let mut url = String::new();
    /// policy.write_shop_redirect_url(&policy.check_shop_request_ref(query).unwrap(), &mut url);
    /// assert_eq!(url, policy.shop_redirect_url(&policy.check_shop_request(query).unwrap()));
    /// ```
    pub fn write_shop_redirect_url(&self, request: &ShopRequestRef<'_>, out: &mut String) {
        let target = self.shop_target(&request.extension_id, request.product_id.as_deref());
        self.write_target_link(out, target, request.forward_parts(), request.forward_plain);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_json(include_str!("../../tests/vectors/policies/example.json")).unwrap()
    }

    #[test]
    fn an_actions_name_is_the_one_serde_writes() {
        for action in [Action::Buy, Action::Upgrade] {
            let serde = serde_json::to_string(&action).unwrap();
            assert_eq!(serde, format!("\"{}\"", action.as_str()));
        }
    }

    fn code(q: &str) -> (&'static str, Option<String>) {
        let r = policy().check_shop_request(q).unwrap_err();
        assert!(!r.message.is_empty());
        (r.code, r.field)
    }

    const KN: &str = "kn=PLSK.12345678.0001";

    #[test]
    fn slots_follow_the_forward_order() {
        let slots = [
            EXTENSION_ID,
            KEY_NUMBER,
            TOKEN,
            PRODUCT_ID,
            COUPON,
            EXTENSION_KEY_NUMBER,
            ACTION,
        ];
        for (i, name) in param::FORWARD_ORDER.iter().enumerate() {
            assert_eq!(field_of(name), Some(slots[i]), "{name}");
        }
        assert_eq!(field_of("utm"), None);
    }

    /// The forward query and the redirect are the kept pairs in forward
    /// order, whether they arrived as one slice or not.
    #[test]
    fn forward_query_is_the_pairs_however_they_lie() {
        let p = policy();
        let want = format!("extension-id=docker&{KN}");
        for (q, joined) in [
            (format!("extension-id=docker&{KN}#a=1&b"), true),
            (format!("/buy?extension-id=docker&{KN}&utm=1"), true),
            (format!("{KN}&extension-id=docker"), false),
            (format!("extension-id=docker&&{KN}"), false),
            (format!("extension-id=docker&utm=1&{KN}"), false),
            (format!("extension-id=docker&buyUrlCoupon=&{KN}"), false),
        ] {
            let r = p.check_shop_request_ref(&q).unwrap();
            assert_eq!(r.forward_joined.is_some(), joined, "{q}");
            assert_eq!(r.forward_pairs().collect::<Vec<_>>().join("&"), want);
            let mut url = String::new();
            p.write_shop_redirect_url(&r, &mut url);
            let owned = r.into_owned();
            assert_eq!(owned.forward_query(), want, "{q}");
            assert_eq!(url, p.shop_redirect_url(&owned), "{q}");
            assert!(url.ends_with(&format!("?{want}")), "{url}");
        }
    }

    /// `into_owned` reads each value where it lies: in its forwarded pair,
    /// in the text it was decoded to, or, for a value its owner put there,
    /// appended; the forward query stays the pairs as they arrived.
    #[test]
    fn owned_values_are_the_borrowed_ones_wherever_they_lie() {
        let p = policy();
        for q in [
            format!("extension-id=docker&{KN}&buyUrlCoupon=A%2DB"),
            format!("{KN}&extension-id=docker&buyUrlCoupon=A%2DB"),
        ] {
            let mut r = p.check_shop_request_ref(&q).unwrap();
            let forward = r.forward_pairs().collect::<Vec<_>>().join("&");
            let owned = r.clone().into_owned();
            assert_eq!(owned, p.check_shop_request(&q).unwrap(), "{q}");
            assert_eq!(
                (owned.extension_id(), owned.coupon()),
                ("docker", Some("A-B"))
            );
            r.extension_id = Cow::Borrowed("elsewhere");
            r.token = Some(Cow::Owned("dG9rZW4=".into()));
            let owned = r.into_owned();
            assert_eq!(owned.extension_id(), "elsewhere", "{q}");
            assert_eq!(owned.key_number(), "PLSK.12345678.0001", "{q}");
            assert_eq!(owned.token(), Some("dG9rZW4="), "{q}");
            assert_eq!(owned.coupon(), Some("A-B"), "{q}");
            assert_eq!(owned.forward_query(), forward, "{q}");
        }
    }

    #[test]
    fn query_part_forms() {
        assert_eq!(query_part("https://s/x?a=1#f"), "a=1");
        assert_eq!(query_part("/buy?a=1"), "a=1");
        assert_eq!(query_part("?a=1"), "a=1");
        assert_eq!(query_part("a=1"), "a=1");
        assert_eq!(query_part("https://s/x"), "");
        assert_eq!(query_part("a=1?b=2"), "a=1?b=2");
        assert_eq!(query_part("a=x://y?b"), "a=x://y?b");
    }

    #[test]
    fn accepts_individual_offer() {
        let r = policy()
            .check_shop_request(&format!(
                "extension-id=wp-toolkit&{KN}&token=a+b/cQ%3D%3D&product-id=WPT_DELUXE"
            ))
            .unwrap();
        assert_eq!(r.token(), Some("a+b/cQ=="));
        assert_eq!(
            r.forward_query(),
            format!("extension-id=wp-toolkit&{KN}&token=a+b/cQ%3D%3D&product-id=WPT_DELUXE")
        );
    }

    #[test]
    fn upgrades_and_coupons() {
        let r = policy()
            .check_shop_request(&format!(
                "extension-id=docker&{KN}&ekn=123456&a=upgrade&buyUrlCoupon=SPRING"
            ))
            .unwrap();
        assert_eq!(r.action(), Action::Upgrade);
        assert_eq!(r.extension_key_number(), Some("123456"));
        assert_eq!(r.coupon(), Some("SPRING"));
        assert!(policy()
            .check_shop_request(&format!(
                "extension-id=docker&{KN}&ekn=EXT.12345678.0001&a=upgrade"
            ))
            .is_ok());
        assert_rejected(&[
            ("extension-id=docker&{KN}&a=upgrade", "ekn.missing", "ekn"),
            ("extension-id=docker&{KN}&ekn=1", "ekn.unexpected", "ekn"),
            (
                "extension-id=docker&{KN}&ekn=x&a=upgrade",
                "ekn.malformed",
                "ekn",
            ),
            (
                "extension-id=docker&{KN}&a=downgrade",
                "action.unknown",
                "a",
            ),
            (
                "extension-id=docker&{KN}&buyUrlCoupon=a%20b",
                "coupon.malformed",
                "buyUrlCoupon",
            ),
        ]);
    }

    /// Each `(query, code, field)`: `query`, `{KN}` standing for a valid
    /// key number, is rejected with `code`, naming `field`.
    fn assert_rejected(cases: &[(&str, &str, &str)]) {
        for (query, want, field) in cases {
            let query = query.replace("{KN}", KN);
            assert_eq!(code(&query), (*want, Some(field.to_string())), "{query}");
        }
    }

    #[test]
    fn rejections_name_the_field() {
        let long = format!(
            "extension-id=docker&{{KN}}&token={}",
            "Q".repeat(syntax::MAX_TOKEN_BYTES + 4)
        );
        assert_rejected(&[
            ("{KN}", "extension_id.missing", "extension-id"),
            ("extension-id=&{KN}", "extension_id.missing", "extension-id"),
            (
                "extension-id=a/b&{KN}",
                "extension_id.malformed",
                "extension-id",
            ),
            ("extension-id=docker", "kn.missing", "kn"),
            ("extension-id=docker&kn=PLSK.123.0001", "kn.malformed", "kn"),
            (
                "extension-id=nope&{KN}",
                "extension.not_sold",
                "extension-id",
            ),
            (
                "extension-id=wp-toolkit&{KN}&product-id=WPT_DELUXE",
                "token.missing",
                "token",
            ),
            (
                "extension-id=wp-toolkit&{KN}&token=QQ==",
                "product_id.missing",
                "product-id",
            ),
            (
                "extension-id=wp-toolkit&{KN}&token=QQ==&product-id=OTHER",
                "product_id.not_sold",
                "product-id",
            ),
            (
                "extension-id=docker&{KN}&token=not%20base64",
                "token.malformed",
                "token",
            ),
            (&long, "token.too_long", "token"),
            (
                "extension-id=docker&{KN}&product-id=a%20b",
                "product_id.malformed",
                "product-id",
            ),
        ]);
    }

    #[test]
    fn pollution_and_smuggling() {
        assert_rejected(&[
            (
                "extension-id=docker&{KN}&kn=PLSK.87654321.0001",
                "param.duplicate",
                "kn",
            ),
            (
                "extension-id=docker&{KN}&extension-id=wp-toolkit",
                "param.duplicate",
                "extension-id",
            ),
            (
                "extension-id=docker&{KN}%0d%0aX:1",
                "param.control_char",
                "kn",
            ),
            ("extension-id=docker&{KN}%zz", "param.bad_encoding", "kn"),
        ]);
    }
}
