//! The incremental catalog filter: chunks in, filtered feed out.

use std::borrow::Cow;

use super::categories::filter_category;
use super::error::{CatalogError, ErrorKind};
use super::explain::{Decision, Explanation, FeedEntry, ItemDecision, Recorder};
use super::json_string::{escape_into, unescape};
use super::route::CatalogKind;
use super::rule::{verdict, Field, Rule, Verdict};
use super::scanner::{Event, Scanner, ValueKind};
use super::separators::emit_lead;
use super::utf8::Utf8Stream;
use super::CatalogStats;
use crate::Error;
use crate::{Policy, RewriteOutcome};

/// The members of an extension the rule reads (the scanner reports those;
/// the categories feed reads its elements whole).
const PACKAGE_KEYS: &[&[u8]] = &[b"code", b"buy_url"];

/// The same and `name`, which explain reports for people.
const EXPLAIN_KEYS: &[&[u8]] = &[b"code", b"buy_url", b"name"];

/// Where the bytes read so far belong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    /// Before the root `[` (whitespace).
    Head,
    /// Between elements: whitespace and commas.
    Sep,
    /// Inside an element.
    Elem,
    /// After the root `]` (whitespace).
    Tail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Code,
    BuyUrl,
    /// Only when explaining: the item's `name`, for people.
    Name,
}

/// The last value of a member the rule needs: (kind, start, end), offsets
/// absolute. The last one wins, as in PHP's `json_decode`, the
/// reader Plesk uses.
type Span = Option<(ValueKind, u64, u64)>;

/// Of a structural and an encoding verdict on the same bytes, the error that
/// comes first in the input (the structural one on a tie), so that where a
/// feed is cut never changes which error is reported.
fn first_error(
    structure: Result<(), CatalogError>,
    encoding: Result<(), CatalogError>,
) -> Result<(), CatalogError> {
    match (structure, encoding) {
        (Err(s), Err(e)) => Err(if e.offset < s.offset { e } else { s }),
        (Err(s), Ok(())) => Err(s),
        (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(())) => Ok(()),
    }
}

/// How many bytes of a chunk are checked as UTF-8 and scanned before the
/// scanner's events are acted on. A chunk of megabytes read whole would be
/// validated, scanned and copied from memory three times over; a batch
/// this size is validated, scanned and its kept items copied out while it
/// is still in L2. Every answer, count, error and offset is the same for
/// any batch size: the scanner resumes anywhere, as between chunks.
const SCAN_BATCH: usize = 64 * 1024;

/// What a chunk may have changed before its error was found in a later
/// batch: the output, the counts and the decisions recorded, put back so
/// that a failed chunk leaves none of its items behind, as when it is
/// scanned whole before any event is read.
struct Undo {
    out_len: usize,
    stats: CatalogStats,
    items: usize,
    categories: usize,
}

impl Undo {
    fn of(filter: &CatalogFilter, out_len: usize) -> Undo {
        let rec = filter.explain.as_deref();
        Undo {
            out_len,
            stats: filter.stats.clone(),
            items: rec.map_or(0, |r| r.items.len()),
            categories: rec.map_or(0, |r| r.categories.len()),
        }
    }

    fn apply(self, filter: &mut CatalogFilter, out: &mut Vec<u8>) {
        out.truncate(self.out_len);
        filter.stats = self.stats;
        if let Some(rec) = filter.explain.as_deref_mut() {
            rec.items.truncate(self.items);
            rec.categories.truncate(self.categories);
        }
    }
}

/// A catalog filter fed in chunks split anywhere.
///
/// Output is emitted as soon as it is decided: an element (one extension or
/// category) is held back only until its closing brace. Memory beyond the
/// output is the largest element plus the nesting stack.
///
/// On an error, the output already emitted is not a feed: the caller must
/// discard it (or abort the response). After an error or [`finish`], every
/// call fails with `catalog.filter.finished`.
///
/// ```
/// use resale_core::{Policy, catalog::{CatalogFilter, CatalogKind}};
/// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com", "extensions": {"docker": {}}}"#).unwrap();
/// let feed = br#"[{"code":"docker","buy_url":"https://go.plesk.com/buy-plesk-ext/docker"},
///                {"code":"other","buy_url":"https:\/\/go.plesk.com\/buy-plesk-ext\/other"}]"#;
/// let mut filter = CatalogFilter::new(&policy, CatalogKind::Packages);
/// let mut out = Vec::new();
/// for chunk in feed.chunks(7) {
///     filter.push(chunk, &mut out).unwrap();
/// }
/// let stats = filter.finish(&mut out).unwrap();
/// assert_eq!((stats.kept, stats.dropped), (1, 1));
/// assert_eq!(out, br#"[{"code":"docker","buy_url":"https://go.plesk.com/buy-plesk-ext/docker"}]"#);
/// ```
///
/// [`finish`]: CatalogFilter::finish
pub struct CatalogFilter {
    policy: Policy,
    kind: CatalogKind,
    scanner: Scanner,
    utf8: Utf8Stream,
    events: Vec<Event>,
    region: Region,
    /// Bytes of the current element read in earlier chunks, from `elem_start`.
    pending: Vec<u8>,
    elem_start: u64,
    /// Bytes between the previous element (or `[`) and the current one.
    lead: Vec<u8>,
    kept_any: bool,
    wanted: Option<Wanted>,
    code: Span,
    buy_url: Span,
    /// The current item's `name`, read only when explaining.
    name: Span,
    /// The decisions recorded for explain; `None` (the default) costs nothing.
    explain: Option<Box<Recorder>>,
    stats: CatalogStats,
    max_bytes: u64,
    closed: bool,
}

impl CatalogFilter {
    /// A filter for one response body of the feed `kind`, under `policy`.
    /// For [`CatalogKind::Other`] the body passes through untouched.
    pub fn new(policy: &Policy, kind: CatalogKind) -> CatalogFilter {
        CatalogFilter {
            policy: policy.clone(),
            kind,
            scanner: Scanner::new(
                policy.catalog().max_depth,
                if kind == CatalogKind::Packages {
                    PACKAGE_KEYS
                } else {
                    &[]
                },
            ),
            utf8: Utf8Stream::default(),
            events: Vec::with_capacity(64),
            region: Region::Head,
            pending: Vec::new(),
            elem_start: 0,
            lead: Vec::with_capacity(16),
            kept_any: false,
            wanted: None,
            code: None,
            buy_url: None,
            name: None,
            explain: None,
            stats: CatalogStats::new(kind),
            max_bytes: policy.catalog().max_input_bytes,
            closed: false,
        }
    }

    /// The same filter reading with the scanner `path`, or `None` when this
    /// build or CPU cannot run it. [`CatalogFilter::new`] already picks the
    /// fastest ([`ScanPath::detect`]); this is for tests and benchmarks,
    /// which compare the paths (their answers are identical).
    ///
    /// [`ScanPath::detect`]: super::ScanPath::detect
    pub fn with_scan_path(mut self, path: super::ScanPath) -> Option<CatalogFilter> {
        path.is_available().then(|| {
            self.scanner.set_path(path);
            self
        })
    }

    /// The same filter, also recording each decision as it makes it (the
    /// item, kept or hidden, and the [`Rule`]); read them with
    /// [`explanation`](Self::explanation). The output is unchanged. Call it
    /// before the first chunk (items read earlier are not recorded).
    pub fn explaining(mut self) -> CatalogFilter {
        self.explain = Some(Box::default());
        if self.kind == CatalogKind::Packages {
            self.scanner.set_keys(EXPLAIN_KEYS);
        }
        self
    }

    /// The decisions recorded so far (after [`finish`](Self::finish): all
    /// of them) with the counts, or `None` when the filter is not
    /// [`explaining`](Self::explaining). Taking them empties the record.
    pub fn explanation(&mut self) -> Option<Explanation> {
        self.explain.is_some().then(|| self.take_explanation())
    }

    /// [`explanation`](Self::explanation), empty when not explaining.
    pub(crate) fn take_explanation(&mut self) -> Explanation {
        let rec = self
            .explain
            .as_deref_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        Explanation {
            kind: self.kind,
            items: rec.items,
            categories: rec.categories,
            summary: self.stats.clone(),
        }
    }

    /// The feed this filter reads.
    pub fn kind(&self) -> CatalogKind {
        self.kind
    }

    /// A filter that finished or failed takes no more input: its output so
    /// far is all it will ever answer, and going on would mix two feeds.
    fn ensure_open(&self) -> Result<(), Error> {
        if self.closed {
            return Err(CatalogError::at(
                ErrorKind::Finished,
                self.stats.bytes_in,
                "the filter has finished or failed; start a new one",
            )
            .into());
        }
        Ok(())
    }

    /// Read the next chunk, appending what can be decided to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.ensure_open()?;
        let result = self.push_inner(chunk, out);
        if result.is_err() {
            self.closed = true;
        }
        Ok(result?)
    }

    /// End of input: check the feed is complete and return the counts.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<CatalogStats, Error> {
        self.ensure_open()?;
        self.closed = true;
        if self.kind != CatalogKind::Other {
            first_error(self.scanner.finish(), self.utf8.finish(self.stats.bytes_in))?;
        }
        let _ = out;
        Ok(self.stats.clone())
    }

    fn push_inner(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), CatalogError> {
        let base = self.stats.bytes_in;
        self.stats.bytes_in += chunk.len() as u64;
        if self.stats.bytes_in > self.max_bytes {
            return Err(CatalogError::at(
                ErrorKind::TooLarge,
                self.max_bytes,
                format!(
                    "the feed is larger than {} bytes (catalog.max_input_bytes)",
                    self.max_bytes
                ),
            ));
        }
        let before = out.len();
        if self.kind == CatalogKind::Other {
            out.extend_from_slice(chunk);
            self.stats.bytes_out += chunk.len() as u64;
            return Ok(());
        }
        let undo = Undo::of(self, before);
        let mut events = std::mem::take(&mut self.events);
        let mut cursor = 0usize;
        let mut result = Ok(());
        let mut batch_base = base;
        for batch in chunk.chunks(SCAN_BATCH) {
            events.clear();
            // UTF-8 a batch at a time, just before it is scanned, so that a
            // chunk of megabytes is read from memory once, not once for each
            // pass. The first error of the batch wins, whichever pass found
            // it; a later batch cannot hold an earlier one.
            let encoding = self.utf8.feed(batch, batch_base);
            batch_base += batch.len() as u64;
            // The batch's events are read against the whole chunk: their
            // offsets are absolute, and an element that spans batches is
            // still in `chunk`, so nothing is copied into `pending`.
            let scanned = self.scanner.feed(batch, &mut events);
            if scanned.is_err() || encoding.is_err() {
                result = first_error(scanned, encoding);
                break;
            }
            for &event in &events {
                cursor = self.on_event(event, chunk, base, cursor, out)?;
            }
        }
        self.events = events;
        // Events before a syntax error are still consistent, but the error
        // wins, and a failed chunk leaves no trace.
        if let Err(e) = result {
            undo.apply(self, out);
            return Err(e);
        }
        self.end_of_chunk(chunk, cursor, out);
        self.stats.bytes_out += (out.len() - before) as u64;
        Ok(())
    }

    /// The bytes `[s, e)` of the current element, from `pending` and `chunk`.
    fn elem_span<'c>(&'c self, chunk: &'c [u8], base: u64, s: u64, e: u64) -> Cow<'c, [u8]> {
        let rel = |x: u64| (x - self.elem_start) as usize;
        if s >= base {
            Cow::Borrowed(&chunk[(s - base) as usize..(e - base) as usize])
        } else if e <= base {
            Cow::Borrowed(&self.pending[rel(s)..rel(e)])
        } else {
            let mut v = self.pending[rel(s)..].to_vec();
            v.extend_from_slice(&chunk[..(e - base) as usize]);
            Cow::Owned(v)
        }
    }

    fn on_event(
        &mut self,
        event: Event,
        chunk: &[u8],
        base: u64,
        cursor: usize,
        out: &mut Vec<u8>,
    ) -> Result<usize, CatalogError> {
        let at = |x: u64| (x - base) as usize;
        Ok(match event {
            Event::RootOpen(p) => {
                out.extend_from_slice(&chunk[cursor..=at(p)]);
                self.region = Region::Sep;
                self.lead.clear();
                at(p) + 1
            }
            Event::ElementStart(p) => {
                self.lead.extend_from_slice(&chunk[cursor..at(p)]);
                self.region = Region::Elem;
                self.elem_start = p;
                self.pending.clear();
                self.code = None;
                self.buy_url = None;
                self.name = None;
                self.wanted = None;
                at(p)
            }
            Event::Key { start, end } => {
                if self.kind == CatalogKind::Packages {
                    let key = self.elem_span(chunk, base, start, end);
                    // The scanner reports only the keys that may be wanted.
                    let escaped = key.contains(&b'\\');
                    let is = |name: &str| {
                        if escaped {
                            unescape(&key) == name
                        } else {
                            *key == *name.as_bytes()
                        }
                    };
                    self.wanted = if is("code") {
                        Some(Wanted::Code)
                    } else if is("buy_url") {
                        Some(Wanted::BuyUrl)
                    } else if self.explain.is_some() && is("name") {
                        Some(Wanted::Name)
                    } else {
                        None
                    };
                }
                cursor
            }
            Event::Value { kind, start, end } => {
                match self.wanted.take() {
                    Some(Wanted::Code) => self.code = Some((kind, start, end)),
                    Some(Wanted::BuyUrl) => self.buy_url = Some((kind, start, end)),
                    Some(Wanted::Name) => self.name = Some((kind, start, end)),
                    None => {}
                }
                cursor
            }
            Event::ElementEnd(e) => {
                let element: Cow<'_, [u8]> = if self.elem_start >= base {
                    Cow::Borrowed(&chunk[at(self.elem_start)..at(e)])
                } else {
                    let mut v = std::mem::take(&mut self.pending);
                    v.extend_from_slice(&chunk[..at(e)]);
                    Cow::Owned(v)
                };
                self.decide(&element, out);
                self.lead.clear();
                self.region = Region::Sep;
                at(e)
            }
            Event::RootClose(p) => {
                out.extend_from_slice(&self.lead);
                out.extend_from_slice(&chunk[cursor..=at(p)]);
                self.lead.clear();
                self.region = Region::Tail;
                at(p) + 1
            }
        })
    }

    fn end_of_chunk(&mut self, chunk: &[u8], cursor: usize, out: &mut Vec<u8>) {
        let rest = &chunk[cursor..];
        match self.region {
            // Only whitespace can be here: the scanner checked.
            Region::Head | Region::Tail => out.extend_from_slice(rest),
            Region::Sep => self.lead.extend_from_slice(rest),
            Region::Elem => self.pending.extend_from_slice(rest),
        }
    }

    /// Decide on a complete element and emit it if it stays.
    fn decide(&mut self, element: &[u8], out: &mut Vec<u8>) {
        self.stats.items += 1;
        if self.kind == CatalogKind::Categories {
            emit_lead(out, &self.lead, &mut self.kept_any);
            let record = self.explain.as_mut().map(|r| &mut r.categories);
            filter_category(&self.policy, element, out, &mut self.stats, record);
            self.stats.kept += 1;
            return;
        }
        let start = self.elem_start;
        let field = |span: Span| -> Field<'_> {
            match span {
                None => Field::Absent,
                Some((ValueKind::Null, ..)) => Field::Null,
                Some((ValueKind::Other, ..)) => Field::Other,
                Some((ValueKind::String, s, e)) => Field::Text(unescape(
                    &element[(s - start) as usize..(e - start) as usize],
                )),
            }
        };
        let buy_url = field(self.buy_url);
        let code = field(self.code);
        let v = verdict(&self.policy, &code, &buy_url);
        if let Some(rec) = self.explain.as_mut() {
            rec.items.push(ItemDecision {
                entry: FeedEntry {
                    index: self.stats.items - 1,
                    code: code.text(),
                    name: field(self.name).text(),
                },
                decision: if v.visible() {
                    Decision::Kept
                } else {
                    Decision::Hidden
                },
                rule: Rule::of(v, &self.policy, &code, &buy_url),
            });
        }
        match v {
            Verdict::Free => self.stats.kept_free += 1,
            Verdict::Elsewhere => self.stats.kept_elsewhere += 1,
            Verdict::Sold | Verdict::Allowed => self.stats.kept_sold += 1,
            Verdict::NotSold => {
                self.stats.dropped += 1;
                return;
            }
        }
        self.stats.kept += 1;
        emit_lead(out, &self.lead, &mut self.kept_any);
        if matches!(v, Verdict::Sold | Verdict::Allowed) && self.policy.catalog().rewrite_buy_urls {
            if let (Field::Text(url), Some((_, s, e))) = (&buy_url, self.buy_url) {
                if let Ok(RewriteOutcome::Rewritten(new)) = self.policy.rewrite_buy_url(url) {
                    let (s, e) = ((s - start) as usize, (e - start) as usize);
                    let php_style = element[s..e].windows(2).any(|w| w == b"\\/");
                    out.extend_from_slice(&element[..s]);
                    escape_into(out, &new, php_style);
                    out.extend_from_slice(&element[e..]);
                    self.stats.rewritten += 1;
                    return;
                }
            }
        }
        out.extend_from_slice(element);
    }
}
