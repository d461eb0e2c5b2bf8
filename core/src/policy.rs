//! A shop's policy: what it sells and where its store lives.
//!
//! The policy is JSON written by the shop's operator. It is compiled once
//! ([`Policy::from_json`]): the shop URL is parsed, every extension code and
//! product is checked, the regexes are compiled. The compiled [`Policy`] is
//! immutable and reference-counted, so a server compiles it at start-up and
//! shares it between threads by cloning.
//!
//! Compiling is strict on purpose. An unknown key is an error (a typo such as
//! `individual_offer` must not silently turn a check off), and so is a key
//! written twice (JSON parsers disagree on which copy wins).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use url::Url;

use crate::syntax;
use crate::Error;

/// Limits on the policy itself and the defaults it gives the catalog filter.
pub mod limits {
    /// Largest policy document accepted, in bytes.
    pub const MAX_POLICY_BYTES: usize = 1 << 20;
    /// Most entries in `catalog.allow_patterns`.
    pub const MAX_ALLOW_PATTERNS: usize = 256;
    /// Longest regex accepted (allow patterns and the key-number pattern), in bytes.
    pub const MAX_PATTERN_BYTES: usize = 1024;
    /// Compiled size limit handed to the regex crate, in bytes.
    pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
    /// Default largest catalog feed the filter reads, in bytes (64 MiB).
    pub const DEFAULT_CATALOG_MAX_INPUT_BYTES: u64 = 64 << 20;
    /// Ceiling for `catalog.max_input_bytes` (1 GiB).
    pub const CATALOG_MAX_INPUT_BYTES_CEILING: u64 = 1 << 30;
    /// Default deepest JSON nesting the catalog filter accepts.
    pub const DEFAULT_CATALOG_MAX_DEPTH: u32 = 64;
    /// Ceiling for `catalog.max_depth`.
    pub const CATALOG_MAX_DEPTH_CEILING: u32 = 1024;
    /// Most products one extension entry may list.
    pub const MAX_PRODUCTS: usize = 1024;
    /// Default longest time an edge keeps a filtered feed, in seconds: the
    /// catalog changes a few times a day, Plesk servers poll far more often.
    pub const DEFAULT_CATALOG_CACHE_SECONDS: u32 = 300;
    /// Ceiling for `catalog.cache_seconds` (one day).
    pub const CATALOG_CACHE_SECONDS_CEILING: u32 = 86_400;
}

/// The key-number pattern used when the policy gives none. It accepts every
/// form Plesk's documentation shows: `PLSK.12345678.0001`,
/// `PLESK.12345678.0001`, `PLESK.1234567890.0001`, `EXT.12345678.0001`.
pub const DEFAULT_KEY_NUMBER_PATTERN: &str = r"^[A-Z][A-Z0-9]{1,9}\.[0-9]{8,10}\.[0-9]{4}$";

/// How key numbers are recognised: the default pattern by a hand-written
/// matcher (every shop request asks, and a regex engine without its DFAs, as
/// in the WebAssembly build, costs microseconds), any other by its regex.
/// `core/tests/properties.rs` checks the matcher against the regex.
enum KeyNumber {
    Default,
    Pattern(Regex),
}

/// A compiled shop policy. Cheap to clone (one reference count), `Send + Sync`.
///
/// ```
/// use resale_core::Policy;
/// let policy = Policy::from_json(r#"{
///     "shop_url": "https://shop.example.com/store",
///     "extensions": { "wp-toolkit": { "products": ["WPT_DELUXE"] }, "docker": {} }
/// }"#).unwrap();
/// assert!(policy.sells("docker"));
/// assert!(!policy.sells("imunify360"));
/// assert_eq!(policy.shop_url().as_str(), "https://shop.example.com/store");
/// ```
#[derive(Clone)]
pub struct Policy {
    inner: Arc<Inner>,
}

struct Inner {
    shop_url: Url,
    /// The non-empty `&`-separated pairs of `shop_url`'s own query, in
    /// order: a shop request sets them aside before reading Plesk's.
    shop_query_pairs: Box<[Box<str>]>,
    /// `shop_url` up to and including its own query, and the separator
    /// the next parameter takes: the start of every link to the shop.
    shop_link_base: (Box<str>, char),
    /// The start of every rewritten buy link: the base, its separator and
    /// `extension-id=`, copied at once rather than in three pieces.
    buy_link_head: Box<str>,
    /// `shop_url` up to and including the `?` that starts its query (one
    /// added when it has none): a link the rewrite wrote starts so, and its
    /// query part is then what follows, without a search for the `?`.
    shop_query_prefix: Box<str>,
    extensions: BTreeMap<String, Sold>,
    /// Some extension or product has a `shop_url` of its own. When none
    /// has, every redirect goes to `shop_url`, and [`Policy::shop_target`]
    /// answers so without looking the extension up.
    has_own_targets: bool,
    catalog: CatalogPolicy,
    key_number: KeyNumber,
    key_number_pattern: String,
}

/// An extension's entry with what the shop request asks of it on every
/// call, prepared when the policy is compiled.
#[derive(Debug)]
pub(crate) struct Sold {
    pub(crate) policy: ExtensionPolicy,
    /// `policy.products`, sorted: membership by binary search rather than
    /// a walk over up to [`limits::MAX_PRODUCTS`] strings.
    products: Box<[String]>,
}

impl Sold {
    fn new(policy: ExtensionPolicy) -> Sold {
        let mut products: Box<[String]> = policy.products.clone().into();
        products.sort_unstable();
        Sold { policy, products }
    }

    /// Is `product` one of the products the entry lists? (An empty list,
    /// which accepts any product, is the caller's question.)
    pub(crate) fn lists_product(&self, product: &str) -> bool {
        self.products
            .binary_search_by(|p| p.as_str().cmp(product))
            .is_ok()
    }
}

/// What the shop sells of one extension.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtensionPolicy {
    /// Product IDs (`product-id`) the shop sells for this extension; empty
    /// means any product ID is accepted.
    pub products: Vec<String>,
    /// The extension uses Plesk's "Individual Offers" model: buy links must
    /// carry `token` and `product-id`.
    pub individual_offers: bool,
    /// The Key Administrator Partner API constant ordered for this extension.
    pub partner_api_item: Option<String>,
    /// Where the shop redirect sends a customer buying this extension
    /// (`extensions.<code>.shop_url`); `None` means the policy's `shop_url`.
    pub shop_url: Option<Url>,
    /// Per-product targets (`products` written as an object,
    /// `{"<product-id>": {"shop_url": …}}`), more specific than [`Self::shop_url`].
    pub product_shop_urls: BTreeMap<String, Url>,
    /// The Partner API 1.0 constants for this extension
    /// (`extensions.<code>.partner_api_v1`). Partner API 3.0 "does not
    /// support Partner API 1.0 constants", so they are kept apart from
    /// [`Self::partner_api_item`].
    pub partner_api_v1: PartnerApiV1,
    /// Per-product Partner API 3.0 items (`products.<id>.partner_api_item`):
    /// what an upgrade to that product orders.
    pub product_partner_items: BTreeMap<String, String>,
    /// Per-product Partner API 1.0 constants (`products.<id>.partner_api_v1`).
    pub product_partner_v1: BTreeMap<String, PartnerApiV1>,
}

/// Partner API 1.0 constants of an extension or product: the keytype
/// `createKey` orders, and the upgrade plan `upgradeKey` applies.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerApiV1 {
    /// `createKey`'s keytype (parameter 4, or an entry of parameter 7).
    #[serde(default)]
    pub keytype: Option<String>,
    /// `upgradeKey`'s upgrade plan name (parameter 3).
    #[serde(default)]
    pub upgrade_plan: Option<String>,
}

/// Catalog settings of a policy.
#[derive(Debug, Clone)]
pub struct CatalogPolicy {
    /// Regexes of extension codes that stay visible although not in `extensions`.
    pub allow_patterns: Vec<String>,
    allow: RegexSet,
    /// Rewrite the `buy_url` of kept Plesk-sold items to the shop.
    pub rewrite_buy_urls: bool,
    /// Largest feed accepted, in bytes.
    pub max_input_bytes: u64,
    /// Deepest JSON nesting accepted.
    pub max_depth: u32,
    /// Longest an edge may keep a filtered feed (the upstream's
    /// `Cache-Control` may ask for less); 0 keeps nothing.
    pub cache_seconds: u32,
}

impl CatalogPolicy {
    /// Does `code` match one of `allow_patterns`?
    pub fn allows(&self, code: &str) -> bool {
        self.allow.is_match(code)
    }

    /// The first of `allow_patterns` that matches `code`, if any (what
    /// explain names when [`allows`](Self::allows) kept an item).
    pub fn allowing(&self, code: &str) -> Option<&str> {
        self.allow
            .matches(code)
            .iter()
            .next()
            .map(|i| self.allow_patterns[i].as_str())
    }
}

fn err(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::at_field(code, path, message)
}

// ---- the document as written -------------------------------------------

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    shop_url: String,
    #[serde(default)]
    extensions: UniqueMap<RawExtension>,
    #[serde(default)]
    catalog: RawCatalog,
    #[serde(default)]
    key_number_pattern: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    #[serde(default)]
    products: RawProducts,
    #[serde(default)]
    individual_offers: bool,
    #[serde(default)]
    partner_api_item: Option<String>,
    #[serde(default)]
    shop_url: Option<String>,
    #[serde(default)]
    partner_api_v1: PartnerApiV1,
}

/// One product written in the object form of `products`.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProduct {
    #[serde(default)]
    shop_url: Option<String>,
    #[serde(default)]
    partner_api_item: Option<String>,
    #[serde(default)]
    partner_api_v1: Option<PartnerApiV1>,
}

/// `products` as written: today's array of product IDs, or an object from
/// product ID to its settings (a product ID written twice is refused, as
/// every other key). Both read into the same ordered list.
#[derive(Default)]
struct RawProducts {
    list: Vec<(String, RawProduct)>,
    /// Written as an object: paths of its entries are `.products["ID"]`.
    object: bool,
}

impl<'de> Deserialize<'de> for RawProducts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ProductsVisitor;
        impl<'de> Visitor<'de> for ProductsVisitor {
            type Value = RawProducts;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of product IDs or an object of products")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawProducts, A::Error> {
                let mut list = Vec::new();
                while let Some(id) = seq.next_element::<String>()? {
                    list.push((id, RawProduct::default()));
                }
                Ok(RawProducts {
                    list,
                    object: false,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawProducts, A::Error> {
                let UniqueMap(list) =
                    UniqueMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawProducts { list, object: true })
            }
        }
        d.deserialize_any(ProductsVisitor)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    allow_patterns: Vec<String>,
    #[serde(default)]
    rewrite_buy_urls: bool,
    #[serde(default)]
    max_input_bytes: Option<u64>,
    #[serde(default)]
    max_depth: Option<u32>,
    #[serde(default)]
    cache_seconds: Option<u32>,
}

/// A JSON object read into ordered pairs, refusing a key written twice.
struct UniqueMap<V>(Vec<(String, V)>);

impl<V> Default for UniqueMap<V> {
    fn default() -> Self {
        UniqueMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UniqueMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = UniqueMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    let value = map.next_value()?;
                    out.push((key, value));
                }
                Ok(UniqueMap(out))
            }
        }
        d.deserialize_map(V2(std::marker::PhantomData))
    }
}

/// A member name as a JSON path writes it between brackets (`["my key"]`):
/// a JSON string, so the path a vector pins does not depend on how Rust's
/// `Debug` happens to escape a `str`.
fn quoted(key: &str) -> String {
    serde_json::Value::from(key).to_string()
}

/// Turn a serde path (`extensions.docker.products[0]`) into `$`-rooted form.
fn json_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("$");
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } if syntax::is_identifier(key) => {
                out.push('.');
                out.push_str(key);
            }
            Segment::Map { key } => out.push_str(&format!("[{}]", quoted(key))),
            Segment::Enum { variant } => {
                out.push('.');
                out.push_str(variant);
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

fn parse_error(e: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let inner = e.inner();
    // A syntax error has no meaningful path; its message gives line and column.
    let path = match inner.classify() {
        serde_json::error::Category::Data => json_path(e.path()),
        _ => "$".to_owned(),
    };
    let text = inner.to_string();
    // serde_json appends " at line L column C"; keep it, it helps a person.
    let code = match inner.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            "policy.json.syntax"
        }
        serde_json::error::Category::Io => "policy.json.syntax",
        serde_json::error::Category::Data => {
            if text.starts_with("unknown field") {
                "policy.key.unknown"
            } else if text.starts_with("duplicate") {
                "policy.key.duplicate"
            } else if text.starts_with("missing field") {
                "policy.key.missing"
            } else {
                "policy.value.type"
            }
        }
    };
    // Duplicate and missing keys are reported at the parent path; name the key.
    let path = match (code, text.split('`').nth(1)) {
        // serde_path_to_error already ends the path with an unknown key.
        ("policy.key.duplicate" | "policy.key.missing", Some(key)) => {
            if syntax::is_identifier(key) {
                format!("{path}.{key}")
            } else {
                format!("{path}[{}]", quoted(key))
            }
        }
        _ => path,
    };
    err(code, path, text)
}

fn compile_regex(pattern: &str, path: String) -> Result<Regex, Error> {
    if pattern.len() > limits::MAX_PATTERN_BYTES {
        return Err(err(
            "policy.regex.too_long",
            path,
            format!(
                "pattern is {} bytes, the limit is {}",
                pattern.len(),
                limits::MAX_PATTERN_BYTES
            ),
        ));
    }
    RegexBuilder::new(pattern)
        .size_limit(limits::REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| err("policy.regex.invalid", path, e.to_string()))
}

impl Policy {
    /// Compile a policy from its JSON text.
    ///
    /// Errors carry a stable code and the JSON path of the offending value:
    ///
    /// ```
    /// use resale_core::Policy;
    /// let e = Policy::from_json(r#"{"shop_url": "/store"}"#).unwrap_err();
    /// assert_eq!(e.code, "policy.shop_url.not_absolute");
    /// assert_eq!(e.to_string().split(':').next().unwrap(), "policy.shop_url.not_absolute at $.shop_url");
    ///
    /// let e = Policy::from_json(r#"{"shop_url": "https://s.example", "extension": {}}"#).unwrap_err();
    /// assert_eq!((e.code, e.field.as_deref().unwrap()), ("policy.key.unknown", "$.extension"));
    /// ```
    pub fn from_json(text: &str) -> Result<Policy, Error> {
        if text.len() > limits::MAX_POLICY_BYTES {
            return Err(err(
                "policy.too_large",
                "$",
                format!(
                    "policy is {} bytes, the limit is {}",
                    text.len(),
                    limits::MAX_POLICY_BYTES
                ),
            ));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let raw: RawPolicy = serde_path_to_error::deserialize(&mut de).map_err(parse_error)?;
        de.end()
            .map_err(|e| err("policy.json.syntax", "$", e.to_string()))?;
        Self::compile(raw)
    }

    fn compile(raw: RawPolicy) -> Result<Policy, Error> {
        let shop_url = compile_shop_url(&raw.shop_url, "$.shop_url")?;

        let mut extensions = BTreeMap::new();
        for (code, ext) in raw.extensions.0 {
            let path = format!("$.extensions[{}]", quoted(&code));
            if !syntax::is_extension_code(&code) {
                return Err(err(
                    "policy.extensions.code_malformed",
                    path,
                    format!("`{code}` is not an extension code (letters, digits, `-`, `_`, `.`; at most {} characters)", syntax::MAX_EXTENSION_CODE_BYTES),
                ));
            }
            if ext.products.list.len() > limits::MAX_PRODUCTS {
                return Err(err(
                    "policy.extensions.too_many_products",
                    format!("{path}.products"),
                    format!("at most {} products per extension", limits::MAX_PRODUCTS),
                ));
            }
            let mut products = Vec::with_capacity(ext.products.list.len());
            let mut product_shop_urls = BTreeMap::new();
            let mut product_partner_items = BTreeMap::new();
            let mut product_partner_v1 = BTreeMap::new();
            for (i, (product, settings)) in ext.products.list.into_iter().enumerate() {
                let at = if ext.products.object {
                    format!("{path}.products[{}]", quoted(&product))
                } else {
                    format!("{path}.products[{i}]")
                };
                if !syntax::is_product_id(&product) {
                    return Err(err(
                        "policy.extensions.product_malformed",
                        at,
                        format!("`{product}` is not a product ID (letters, digits, `-`, `_`, `.`; at most {} characters)", syntax::MAX_PRODUCT_ID_BYTES),
                    ));
                }
                if let Some(url) = &settings.shop_url {
                    let url = compile_shop_url(url, &format!("{at}.shop_url"))?;
                    product_shop_urls.insert(product.clone(), url);
                }
                if let Some(item) = settings.partner_api_item {
                    check_partner_constant(&item, &format!("{at}.partner_api_item"))?;
                    product_partner_items.insert(product.clone(), item);
                }
                if let Some(v1) = settings.partner_api_v1 {
                    check_partner_v1(&v1, &format!("{at}.partner_api_v1"))?;
                    product_partner_v1.insert(product.clone(), v1);
                }
                products.push(product);
            }
            if let Some(item) = &ext.partner_api_item {
                check_partner_constant(item, &format!("{path}.partner_api_item"))?;
            }
            check_partner_v1(&ext.partner_api_v1, &format!("{path}.partner_api_v1"))?;
            let shop_url = match &ext.shop_url {
                Some(url) => Some(compile_shop_url(url, &format!("{path}.shop_url"))?),
                None => None,
            };
            extensions.insert(
                code,
                Sold::new(ExtensionPolicy {
                    products,
                    individual_offers: ext.individual_offers,
                    partner_api_item: ext.partner_api_item,
                    shop_url,
                    product_shop_urls,
                    partner_api_v1: ext.partner_api_v1,
                    product_partner_items,
                    product_partner_v1,
                }),
            );
        }

        let c = raw.catalog;
        if c.allow_patterns.len() > limits::MAX_ALLOW_PATTERNS {
            return Err(err(
                "policy.catalog.too_many_patterns",
                "$.catalog.allow_patterns",
                format!("at most {} patterns", limits::MAX_ALLOW_PATTERNS),
            ));
        }
        for (i, p) in c.allow_patterns.iter().enumerate() {
            compile_regex(p, format!("$.catalog.allow_patterns[{i}]"))?;
        }
        let allow = RegexSetBuilder::new(&c.allow_patterns)
            .size_limit(limits::REGEX_SIZE_LIMIT * 4)
            .build()
            .map_err(|e| {
                err(
                    "policy.regex.invalid",
                    "$.catalog.allow_patterns",
                    e.to_string(),
                )
            })?;
        let max_input_bytes = c
            .max_input_bytes
            .unwrap_or(limits::DEFAULT_CATALOG_MAX_INPUT_BYTES);
        if max_input_bytes == 0 || max_input_bytes > limits::CATALOG_MAX_INPUT_BYTES_CEILING {
            return Err(err(
                "policy.catalog.max_input_bytes.out_of_range",
                "$.catalog.max_input_bytes",
                format!(
                    "must be between 1 and {}",
                    limits::CATALOG_MAX_INPUT_BYTES_CEILING
                ),
            ));
        }
        let max_depth = c.max_depth.unwrap_or(limits::DEFAULT_CATALOG_MAX_DEPTH);
        if !(2..=limits::CATALOG_MAX_DEPTH_CEILING).contains(&max_depth) {
            return Err(err(
                "policy.catalog.max_depth.out_of_range",
                "$.catalog.max_depth",
                format!(
                    "must be between 2 and {}",
                    limits::CATALOG_MAX_DEPTH_CEILING
                ),
            ));
        }

        let cache_seconds = c
            .cache_seconds
            .unwrap_or(limits::DEFAULT_CATALOG_CACHE_SECONDS);
        if cache_seconds > limits::CATALOG_CACHE_SECONDS_CEILING {
            return Err(err(
                "policy.catalog.cache_seconds.out_of_range",
                "$.catalog.cache_seconds",
                format!(
                    "must be between 0 and {}",
                    limits::CATALOG_CACHE_SECONDS_CEILING
                ),
            ));
        }

        let key_number_pattern = raw
            .key_number_pattern
            .unwrap_or_else(|| DEFAULT_KEY_NUMBER_PATTERN.to_owned());
        let key_number = if key_number_pattern == DEFAULT_KEY_NUMBER_PATTERN {
            KeyNumber::Default
        } else {
            KeyNumber::Pattern(compile_regex(
                &key_number_pattern,
                "$.key_number_pattern".into(),
            )?)
        };

        let shop_query_pairs = shop_url
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(Box::from)
            .collect();
        let mut base = String::new();
        let sep = crate::rewrite::write_link_base(&mut base, &shop_url);
        let buy_link_head = format!("{base}{sep}extension-id=").into();
        let whole = shop_url.as_str();
        let shop_query_prefix = match shop_url.query() {
            Some(q) => whole[..whole.len() - q.len()].into(),
            None => format!("{whole}?").into(),
        };
        let has_own_targets = extensions
            .values()
            .any(|s| s.policy.shop_url.is_some() || !s.policy.product_shop_urls.is_empty());
        Ok(Policy {
            inner: Arc::new(Inner {
                shop_link_base: (base.into(), sep),
                buy_link_head,
                shop_query_prefix,
                shop_url,
                shop_query_pairs,
                extensions,
                has_own_targets,
                catalog: CatalogPolicy {
                    allow_patterns: c.allow_patterns,
                    allow,
                    rewrite_buy_urls: c.rewrite_buy_urls,
                    max_input_bytes,
                    max_depth,
                    cache_seconds,
                },
                key_number,
                key_number_pattern,
            }),
        })
    }

    /// The shop's store URL, parsed (`https://shop.com` reads back as `https://shop.com/`).
    pub fn shop_url(&self) -> &Url {
        &self.inner.shop_url
    }

    /// The most specific shop target for a customer buying `extension`
    /// (and `product`, when given): the product's `shop_url`, else the
    /// extension's, else the policy's.
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.example/",
    ///     "extensions": {"wp-toolkit": {"shop_url": "https://shop.example/cart.php?pid=1",
    ///         "products": {"WPT_DELUXE": {"shop_url": "https://shop.example/cart.php?pid=2"}, "WPT_LITE": {}}}}}"#).unwrap();
    /// assert_eq!(policy.shop_target("wp-toolkit", Some("WPT_DELUXE")).as_str(), "https://shop.example/cart.php?pid=2");
    /// assert_eq!(policy.shop_target("wp-toolkit", Some("WPT_LITE")).as_str(), "https://shop.example/cart.php?pid=1");
    /// assert_eq!(policy.shop_target("docker", None).as_str(), "https://shop.example/");
    /// ```
    pub fn shop_target(&self, extension: &str, product: Option<&str>) -> &Url {
        if !self.inner.has_own_targets {
            return self.shop_url();
        }
        let Some(entry) = self.extension(extension) else {
            return self.shop_url();
        };
        product
            .and_then(|p| entry.product_shop_urls.get(p))
            .or(entry.shop_url.as_ref())
            .unwrap_or_else(|| self.shop_url())
    }

    /// Does the shop sell the extension `code`?
    pub fn sells(&self, code: &str) -> bool {
        self.inner.extensions.contains_key(code)
    }

    /// The policy entry of an extension the shop sells.
    pub fn extension(&self, code: &str) -> Option<&ExtensionPolicy> {
        self.sold(code).map(|s| &s.policy)
    }

    /// [`Policy::extension`] with its compiled lookups.
    pub(crate) fn sold(&self, code: &str) -> Option<&Sold> {
        self.inner.extensions.get(code)
    }

    /// `shop_url` up to and including the `?` that starts its query (the
    /// serialisation has no `?` or `#` before it: a special URL's path
    /// encodes them, and a shop URL has no fragment or userinfo).
    pub(crate) fn shop_query_prefix(&self) -> &str {
        &self.inner.shop_query_prefix
    }

    /// The pairs of the shop URL's own query (`cart.php?a=add&gid=7`:
    /// `a=add`, `gid=7`).
    pub(crate) fn shop_query_pairs(&self) -> &[Box<str>] {
        &self.inner.shop_query_pairs
    }

    /// `shop_url` up to and including its own query, and the separator the
    /// next parameter takes (`?`, or `&` after a query of its own).
    pub(crate) fn shop_link_base(&self) -> (&str, char) {
        (&self.inner.shop_link_base.0, self.inner.shop_link_base.1)
    }

    /// [`Policy::shop_link_base`] with its separator and `extension-id=`:
    /// how every rewritten buy link starts.
    pub(crate) fn buy_link_head(&self) -> &str {
        &self.inner.buy_link_head
    }

    /// Every extension the shop sells, by code, in code order.
    pub fn extensions(&self) -> impl Iterator<Item = (&str, &ExtensionPolicy)> {
        self.inner
            .extensions
            .iter()
            .map(|(k, v)| (k.as_str(), &v.policy))
    }

    /// The catalog settings.
    pub fn catalog(&self) -> &CatalogPolicy {
        &self.inner.catalog
    }

    /// Does `text` look like a key number under this policy's pattern?
    pub fn is_key_number(&self, text: &str) -> bool {
        match &self.inner.key_number {
            KeyNumber::Default => syntax::is_default_key_number(text),
            KeyNumber::Pattern(re) => re.is_match(text),
        }
    }

    /// The key-number pattern in force (the policy's or the default).
    pub fn key_number_pattern(&self) -> &str {
        &self.inner.key_number_pattern
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("shop_url", &self.inner.shop_url.as_str())
            .field(
                "extensions",
                &self
                    .extensions()
                    .collect::<BTreeMap<&str, &ExtensionPolicy>>(),
            )
            .field("catalog", &self.inner.catalog.allow_patterns)
            .field("key_number_pattern", &self.inner.key_number_pattern)
            .finish()
    }
}

/// A Partner API constant (v3 item, v1 keytype or upgrade plan): letters,
/// digits, `-`, `_`, `.`.
fn check_partner_constant(item: &str, at: &str) -> Result<(), Error> {
    if syntax::is_partner_api_item(item) {
        Ok(())
    } else {
        Err(err(
            "policy.extensions.partner_api_item_malformed",
            at,
            format!("`{item}` is not a Partner API constant (letters, digits, `-`, `_`, `.`)"),
        ))
    }
}

fn check_partner_v1(v1: &PartnerApiV1, at: &str) -> Result<(), Error> {
    if let Some(k) = &v1.keytype {
        check_partner_constant(k, &format!("{at}.keytype"))?;
    }
    if let Some(u) = &v1.upgrade_plan {
        check_partner_constant(u, &format!("{at}.upgrade_plan"))?;
    }
    Ok(())
}

/// A shop target (`shop_url`, `extensions.<code>.shop_url`,
/// `extensions.<code>.products["<id>"].shop_url`): absolute `http(s)` with a
/// host, no user name or password, no fragment (parameters are appended to
/// its query, which it keeps), never Plesk's own store. Every target is
/// refused with the same codes, at its own path.
fn compile_shop_url(text: &str, at: &str) -> Result<Url, Error> {
    let url = match Url::parse(text) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            return Err(err(
                "policy.shop_url.not_absolute",
                at,
                format!("`{text}` is not an absolute URL (write it as https://host/path)"),
            ))
        }
        Err(e) => {
            return Err(err(
                "policy.shop_url.invalid",
                at,
                format!("`{text}` is not a URL: {e}"),
            ))
        }
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err(
            "policy.shop_url.scheme",
            at,
            format!(
                "the shop URL must use http or https, not `{}`",
                url.scheme()
            ),
        ));
    }
    if url.host().is_none() {
        return Err(err(
            "policy.shop_url.no_host",
            at,
            "the shop URL has no host",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(err(
            "policy.shop_url.userinfo",
            at,
            "the shop URL must not carry a user name or password",
        ));
    }
    if url.fragment().is_some() {
        return Err(err(
            "policy.shop_url.fragment",
            at,
            "the shop URL must not carry a #fragment (parameters are appended to its query)",
        ));
    }
    if crate::host::is_plesk_store(&url) {
        return Err(err(
            "policy.shop_url.plesk_store",
            at,
            "the shop URL points at Plesk's own store; give your shop's URL",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    /// A path names an odd member as a JSON string (`\u0001`, not Rust's
    /// `Debug` spelling `\u{1}`; `\u{200b}` left as it is).
    #[test]
    fn paths_quote_member_names_as_json() {
        let policy = |code: &str| {
            let json = serde_json::json!({"shop_url": "https://shop.example.com/", "extensions": {code: {}}});
            Policy::from_json(&json.to_string()).unwrap_err()
        };
        for (code, path) in [
            ("a\u{1}", "$.extensions[\"a\\u0001\"]"),
            ("a\u{200b}", "$.extensions[\"a\u{200b}\"]"),
            ("a\"b", "$.extensions[\"a\\\"b\"]"),
        ] {
            let e = policy(code);
            assert_eq!(e.code, "policy.extensions.code_malformed");
            assert_eq!(e.field.as_deref(), Some(path), "{code:?}");
        }
    }

    use super::*;

    fn code(json: &str) -> (&'static str, String) {
        let e = Policy::from_json(json).unwrap_err();
        (e.code, e.field.unwrap_or_default())
    }

    #[test]
    fn full_example_compiles() {
        let p =
            Policy::from_json(include_str!("../../tests/vectors/policies/example.json")).unwrap();
        assert!(p.sells("wp-toolkit"));
        assert!(p.sells("docker"));
        assert!(p.extension("wp-toolkit").unwrap().individual_offers);
        assert!(p.catalog().allows("imunify360"));
        assert!(!p.catalog().allows("wp-toolkit-x"));
        assert!(p.is_key_number("PLSK.12345678.0001"));
        assert!(p.is_key_number("PLESK.1234567890.0001"));
        assert!(p.is_key_number("EXT.12345678.0001"));
        assert!(!p.is_key_number("PLSK.1234567.0001"));
        assert!(!p.is_key_number("plsk.12345678.0001"));
    }

    #[test]
    fn shop_url_rules() {
        let pol = |u: &str| format!(r#"{{"shop_url": {u:?}}}"#);
        assert_eq!(code(&pol("shop.com")).0, "policy.shop_url.not_absolute");
        assert_eq!(code(&pol("ftp://shop.com/")).0, "policy.shop_url.scheme");
        assert_eq!(
            code(&pol("https://u:p@shop.com/")).0,
            "policy.shop_url.userinfo"
        );
        assert_eq!(
            code(&pol("https://shop.com/#x")).0,
            "policy.shop_url.fragment"
        );
        assert_eq!(
            code(&pol("https://GO.plesk.com/")).0,
            "policy.shop_url.plesk_store"
        );
        assert_eq!(code(&pol("https://")).0, "policy.shop_url.invalid");
        assert!(Policy::from_json(&pol("https://shop.com/store?ref=plesk")).is_ok());
    }

    #[test]
    fn strict_document() {
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","catalog":{"allow_pattern":[]}}"#),
            ("policy.key.unknown", "$.catalog.allow_pattern".into())
        );
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","extensions":{"a":{},"a":{}}}"#),
            ("policy.key.duplicate", "$.extensions.a".into())
        );
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","shop_url":"https://t.example"}"#).0,
            "policy.key.duplicate"
        );
        assert_eq!(code(r#"{}"#), ("policy.key.missing", "$.shop_url".into()));
        assert_eq!(
            code(r#"{"shop_url": 1}"#),
            ("policy.value.type", "$.shop_url".into())
        );
        assert_eq!(
            code(r#"{"shop_url": "https://s.example""#).0,
            "policy.json.syntax"
        );
        assert_eq!(
            code(r#"{"shop_url": "https://s.example"} x"#).0,
            "policy.json.syntax"
        );
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","extensions":{"a":{"products":[1]}}}"#),
            ("policy.value.type", "$.extensions.a.products[0]".into())
        );
    }

    #[test]
    fn semantic_checks_name_the_place() {
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","extensions":{"a b":{}}}"#),
            (
                "policy.extensions.code_malformed",
                "$.extensions[\"a b\"]".into()
            )
        );
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","extensions":{"a":{"products":["x y"]}}}"#),
            (
                "policy.extensions.product_malformed",
                "$.extensions[\"a\"].products[0]".into()
            )
        );
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","catalog":{"allow_patterns":["ok","("]}}"#),
            ("policy.regex.invalid", "$.catalog.allow_patterns[1]".into())
        );
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","key_number_pattern":"["}"#).0,
            "policy.regex.invalid"
        );
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","catalog":{"max_depth":1}}"#).0,
            "policy.catalog.max_depth.out_of_range"
        );
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","catalog":{"max_input_bytes":0}}"#).0,
            "policy.catalog.max_input_bytes.out_of_range"
        );
    }

    #[test]
    fn every_limit_is_enforced() {
        let big = format!(
            r#"{{"shop_url":"https://s.example","x":"{}"}}"#,
            "a".repeat(limits::MAX_POLICY_BYTES)
        );
        assert_eq!(code(&big), ("policy.too_large", "$".into()));
        let long = "a".repeat(limits::MAX_PATTERN_BYTES + 1);
        assert_eq!(
            code(&format!(
                r#"{{"shop_url":"https://s.example","catalog":{{"allow_patterns":["{long}"]}}}}"#
            )),
            (
                "policy.regex.too_long",
                "$.catalog.allow_patterns[0]".into()
            )
        );
        let many = vec!["\"^a\""; limits::MAX_ALLOW_PATTERNS + 1].join(",");
        assert_eq!(
            code(&format!(
                r#"{{"shop_url":"https://s.example","catalog":{{"allow_patterns":[{many}]}}}}"#
            ))
            .0,
            "policy.catalog.too_many_patterns"
        );
        let products = vec!["\"P\""; limits::MAX_PRODUCTS + 1].join(",");
        assert_eq!(
            code(&format!(r#"{{"shop_url":"https://s.example","extensions":{{"a":{{"products":[{products}]}}}}}}"#)).0,
            "policy.extensions.too_many_products"
        );
        // A regex whose compiled form is too large.
        assert_eq!(
            code(r#"{"shop_url":"https://s.example","key_number_pattern":"\\w{1000}\\w{1000}"}"#).0,
            "policy.regex.invalid"
        );
    }

    #[test]
    fn is_send_sync() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Policy>();
    }
}
