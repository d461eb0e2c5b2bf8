//! Which catalog feed a request path asks for.

use crate::Policy;

/// The feeds of Plesk's extension catalog the filter knows. `repr(C)`: the
/// C ABI exports this enum itself (`resale_catalog_kind`), so it is defined
/// once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
#[repr(C)]
pub enum CatalogKind {
    /// `/api/v<N>/packages`: the extensions.
    Packages = 0,
    /// `/api/v<N>/categories`: categories with their `top_packages`.
    Categories = 1,
    /// Anything else: passed through untouched.
    #[default]
    Other = 2,
}

impl CatalogKind {
    /// `packages`, `categories` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogKind::Packages => "packages",
            CatalogKind::Categories => "categories",
            CatalogKind::Other => "other",
        }
    }
}

/// Route a request path (with or without its query) as Plesk's proxy example
/// does: `^/api/v\d+/(packages|categories)(\?.*)?$`.
pub fn catalog_kind(path: &str) -> CatalogKind {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let Some(rest) = path.strip_prefix("/api/v") else {
        return CatalogKind::Other;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return CatalogKind::Other;
    }
    match &rest[digits..] {
        "/packages" => CatalogKind::Packages,
        "/categories" => CatalogKind::Categories,
        _ => CatalogKind::Other,
    }
}

impl Policy {
    /// Which feed `path` asks for.
    ///
    /// ```
    /// use resale_core::{Policy, catalog::CatalogKind};
    /// let p = Policy::from_json(r#"{"shop_url": "https://shop.com"}"#).unwrap();
    /// assert_eq!(p.catalog_kind("/api/v4/packages?platform=unix&with-hidden"), CatalogKind::Packages);
    /// assert_eq!(p.catalog_kind("/api/v4/categories?version=18.0.64"), CatalogKind::Categories);
    /// assert_eq!(p.catalog_kind("/api/v4/packages/wp-toolkit"), CatalogKind::Other);
    /// ```
    pub fn catalog_kind(&self, path: &str) -> CatalogKind {
        catalog_kind(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        for (p, k) in [
            ("/api/v4/packages", CatalogKind::Packages),
            (
                "/api/v4/packages?with-details=link&locale=en-US&country=XX",
                CatalogKind::Packages,
            ),
            ("/api/v12/categories", CatalogKind::Categories),
            (
                "/api/v4/categories?version=18.0.64&platform=unix&with-hidden",
                CatalogKind::Categories,
            ),
            ("/api/v/packages", CatalogKind::Other),
            ("/api/vx/packages", CatalogKind::Other),
            ("/api/v4/packages/", CatalogKind::Other),
            ("/api/v4/packagesx", CatalogKind::Other),
            ("/x/api/v4/packages", CatalogKind::Other),
            ("/api/v4/packages#x", CatalogKind::Other),
            ("", CatalogKind::Other),
        ] {
            assert_eq!(catalog_kind(p), k, "{p}");
        }
    }
}
