//! Explain: every decision the catalog filter made, for a person or a tool.
//!
//! A filter made [`explaining`](super::CatalogFilter::explaining) records,
//! at the point where it decides, which item it kept or hid and by which
//! [`Rule`]; this module only holds those records and renders them (JSON
//! lines, a table). There is no second implementation of the rule here, so
//! an explanation cannot disagree with the feed the filter wrote.

use std::fmt::Write as _;

use serde::Serialize;

use super::rule::Rule;
use super::{CatalogKind, CatalogStats};

/// Kept in the feed, or hidden from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The item stays (Plesk shows it).
    Kept,
    /// The item is dropped.
    Hidden,
}

impl Decision {
    /// `kept` or `hidden`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Kept => "kept",
            Decision::Hidden => "hidden",
        }
    }
}

/// The fields every explained element starts with (an item, a category, a
/// hidden `top_packages` entry): written once so the three answers cannot
/// drift apart in name or meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedEntry {
    /// Position in its array, from 0.
    pub index: u64,
    /// Its `code` (the last one, unescaped), `null` when absent or not a string.
    pub code: Option<String>,
    /// Its `name`, `null` when absent or not a string.
    pub name: Option<String>,
}

/// One element of a packages feed and what the filter did with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ItemDecision {
    /// Where the item stands and what it calls itself.
    #[serde(flatten)]
    pub entry: FeedEntry,
    /// Kept or hidden.
    pub decision: Decision,
    /// The rule that decided (`"rule"`, with `host` or `pattern` when it has one).
    #[serde(flatten)]
    pub rule: Rule,
}

/// A `top_packages` entry a category lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HiddenEntry {
    /// Where the entry stood in that `top_packages` array, and its names.
    #[serde(flatten)]
    pub entry: FeedEntry,
    /// Always `not_sold`: no other rule hides.
    #[serde(flatten)]
    pub rule: Rule,
}

/// One element of a categories feed: which `top_packages` entries it lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CategoryDecision {
    /// Where the category stands and what it calls itself.
    #[serde(flatten)]
    pub entry: FeedEntry,
    /// `top_packages` entries kept.
    pub kept: u64,
    /// `top_packages` entries hidden, in feed order.
    pub hidden: Vec<HiddenEntry>,
}

/// Everything an explaining filter recorded, and its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Which feed the path asked for.
    pub kind: CatalogKind,
    /// The packages feed's items (empty for other feeds).
    pub items: Vec<ItemDecision>,
    /// The categories feed's categories (empty for other feeds).
    pub categories: Vec<CategoryDecision>,
    /// The filter's own counts.
    pub summary: CatalogStats,
}

/// Where an explaining filter records its decisions.
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) items: Vec<ItemDecision>,
    pub(crate) categories: Vec<CategoryDecision>,
}

/// One line of `resale explain`'s JSON output.
#[derive(Serialize)]
#[serde(tag = "line", rename_all = "lowercase")]
enum Line<'a> {
    Item(&'a ItemDecision),
    Category(&'a CategoryDecision),
    Summary(&'a CatalogStats),
}

impl Explanation {
    /// JSON lines: `{"line":"item",…}` per item, `{"line":"category",…}`
    /// per category, and a last `{"line":"summary",…}` with the counts.
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com", "extensions": {"docker": {}}}"#).unwrap();
    /// let feed = br#"[{"code":"seo","name":"SEO","buy_url":"https://go.plesk.com/buy-plesk-ext/seo"}]"#;
    /// let e = policy.explain_catalog("/api/v4/packages", feed).unwrap();
    /// let lines = e.json_lines();
    /// assert!(lines.starts_with(r#"{"line":"item","index":0,"code":"seo","name":"SEO","decision":"hidden","rule":"not_sold"}"#));
    /// assert!(lines.lines().last().unwrap().contains(r#""dropped":1"#));
    /// ```
    pub fn json_lines(&self) -> String {
        let mut out = String::new();
        let mut line = |l: Line<'_>| {
            out.push_str(&serde_json::to_string(&l).unwrap_or_default());
            out.push('\n');
        };
        self.items.iter().for_each(|i| line(Line::Item(i)));
        self.categories.iter().for_each(|c| line(Line::Category(c)));
        line(Line::Summary(&self.summary));
        out
    }

    /// A table for people: aligned columns, hidden rows first (feed order
    /// within each group), then the totals.
    pub fn table(&self) -> String {
        let mut rows: Vec<[String; 6]> = vec![[
            "INDEX".into(),
            "DECISION".into(),
            "RULE".into(),
            "CODE".into(),
            "NAME".into(),
            "DETAIL".into(),
        ]];
        let text = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
        let mut items: Vec<&ItemDecision> = self.items.iter().collect();
        items.sort_by_key(|i| (i.decision == Decision::Kept, i.entry.index));
        for i in items {
            rows.push([
                i.entry.index.to_string(),
                i.decision.as_str().into(),
                i.rule.name().into(),
                text(&i.entry.code),
                text(&i.entry.name),
                i.rule.detail().into(),
            ]);
        }
        for c in &self.categories {
            for h in &c.hidden {
                rows.push([
                    format!("{}.{}", c.entry.index, h.entry.index),
                    Decision::Hidden.as_str().into(),
                    h.rule.name().into(),
                    text(&h.entry.code),
                    text(&h.entry.name),
                    format!("top_packages of {}", text(&c.entry.code)),
                ]);
            }
        }
        let widths: Vec<usize> = (0..6)
            .map(|k| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for r in &rows {
            let mut line = String::new();
            for (k, cell) in r.iter().enumerate() {
                let pad = widths[k] - cell.chars().count();
                let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        let s = &self.summary;
        let _ = match self.kind {
            CatalogKind::Categories => writeln!(
                out,
                "\n{} categories: {} top_packages entries kept, {} hidden",
                s.items, s.top_packages_kept, s.top_packages_dropped
            ),
            _ => writeln!(
                out,
                "\n{} items: {} kept ({} free, {} sold elsewhere, {} sold by the shop or allowed), {} hidden",
                s.items, s.kept, s.kept_free, s.kept_elsewhere, s.kept_sold, s.dropped
            ),
        };
        out
    }
}
