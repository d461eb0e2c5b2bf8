//! The `[extensions]` section of Plesk's `panel.ini`.
//!
//! Two keys matter to a reseller: `buyUrl` (where "Buy Now" links go) and
//! `catalog.url` (where Plesk reads its extension catalog, i.e. the filtering
//! proxy). [`Policy::panel_ini`] writes them as Plesk documents them;
//! [`parse_panel_ini`] reads them back from an existing file, so a deployment
//! check can compare what a server has with what the policy says.

use url::Url;

use crate::{Error, Policy};

/// The reseller keys of a `panel.ini`'s `[extensions]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PanelIniExtensions {
    /// `buyUrl`, if set.
    #[serde(rename = "buyUrl")]
    pub buy_url: Option<String>,
    /// `catalog.url`, if set.
    #[serde(rename = "catalog.url")]
    pub catalog_url: Option<String>,
}

impl Policy {
    /// The `[extensions]` section that sends Plesk's buy links to this shop
    /// and, when `catalog_proxy_url` is given, reads the catalog through the
    /// proxy. Keys are written as Plesk's documentation shows them.
    ///
    /// ```
    /// use resale_core::Policy;
    /// let policy = Policy::from_json(r#"{"shop_url": "https://shop.com"}"#).unwrap();
    /// assert_eq!(policy.panel_ini(Some("http://proxy.example:8080")).unwrap(),
    ///            "[extensions]\nbuyUrl = \"https://shop.com\"\ncatalog.url = http://proxy.example:8080\n");
    /// ```
    pub fn panel_ini(&self, catalog_proxy_url: Option<&str>) -> Result<String, Error> {
        let mut out = String::from("[extensions]\n");
        out.push_str(&format!("buyUrl = \"{}\"\n", ini_url(self.shop_url())));
        if let Some(text) = catalog_proxy_url {
            let url = Url::parse(text)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or_else(|| {
                    Error::at_field(
                        "panel_ini.catalog_url.invalid",
                        "catalog_url",
                        format!("`{text}` is not an absolute http(s) URL"),
                    )
                })?;
            out.push_str(&format!("catalog.url = {}\n", ini_url(&url)));
        }
        Ok(out)
    }
}

/// A URL as Plesk's documentation writes it: `https://shop.com`, without the
/// `/` the URL standard adds to an empty path. Serialised URLs never contain
/// `"`, `;` or a line break, so the value is safe inside and outside quotes.
fn ini_url(url: &Url) -> &str {
    let s = url.as_str();
    if url.path() == "/" && url.query().is_none() {
        s.strip_suffix('/').unwrap_or(s)
    } else {
        s
    }
}

/// Read `buyUrl` and `catalog.url` from the `[extensions]` section of a
/// `panel.ini` text. Other sections and keys are ignored; `;` and `#` start
/// comments; values may be quoted with `"` or `'`; section names and keys are
/// matched as Plesk does, case-sensitively; a later value replaces an earlier one.
///
/// ```
/// use resale_core::panel_ini::parse_panel_ini;
/// let ini = "; Plesk\n[general]\nbuyUrl = nope\n[extensions]\nbuyUrl = \"https://shop.com\" ; mine\ncatalog.url = http://p:8080\n";
/// let keys = parse_panel_ini(ini);
/// assert_eq!(keys.buy_url.as_deref(), Some("https://shop.com"));
/// assert_eq!(keys.catalog_url.as_deref(), Some("http://p:8080"));
/// ```
pub fn parse_panel_ini(text: &str) -> PanelIniExtensions {
    let mut out = PanelIniExtensions::default();
    let mut in_extensions = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            in_extensions = rest
                .split_once(']')
                .is_some_and(|(name, _)| name.trim() == "extensions");
            continue;
        }
        if !in_extensions {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let slot = match key.trim() {
            "buyUrl" => &mut out.buy_url,
            "catalog.url" => &mut out.catalog_url,
            _ => continue,
        };
        *slot = Some(ini_value(value.trim()).to_owned());
    }
    out
}

/// An ini value without its quotes or trailing comment.
fn ini_value(v: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(rest) = v.strip_prefix(quote) {
            return rest.split_once(quote).map_or(rest, |(inner, _)| inner);
        }
    }
    v.split([';', '#']).next().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for shop in [
            "https://shop.com",
            "https://myownstore.com/store",
            "https://s.example/c.php?a=add",
        ] {
            let p = Policy::from_json(&format!(r#"{{"shop_url": {shop:?}}}"#)).unwrap();
            let ini = p.panel_ini(Some("http://10.0.0.1:8080")).unwrap();
            let back = parse_panel_ini(&ini);
            assert_eq!(back.buy_url.as_deref(), Some(shop));
            assert_eq!(back.catalog_url.as_deref(), Some("http://10.0.0.1:8080"));
        }
    }

    #[test]
    fn no_catalog_and_bad_catalog() {
        let p = Policy::from_json(r#"{"shop_url": "https://shop.com"}"#).unwrap();
        assert_eq!(
            p.panel_ini(None).unwrap(),
            "[extensions]\nbuyUrl = \"https://shop.com\"\n"
        );
        assert_eq!(
            p.panel_ini(Some("proxy:8080")).unwrap_err().code,
            "panel_ini.catalog_url.invalid"
        );
        assert_eq!(
            p.panel_ini(Some("file:///etc")).unwrap_err().code,
            "panel_ini.catalog_url.invalid"
        );
    }

    #[test]
    fn reads_only_the_extensions_section() {
        let ini = "[extensions]\nbuyUrl='https://a'\n[other]\nbuyUrl=https://b\n[ extensions ]\ncatalog.url = http://c # x\n";
        let k = parse_panel_ini(ini);
        assert_eq!(k.buy_url.as_deref(), Some("https://a"));
        assert_eq!(k.catalog_url.as_deref(), Some("http://c"));
        assert_eq!(
            parse_panel_ini("buyUrl=https://x"),
            PanelIniExtensions::default()
        );
    }
}
