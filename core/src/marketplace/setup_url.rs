//! The URLs around a purchase: the setup URL GitHub redirects the buyer to,
//! and the OAuth authorization URL the app sends the buyer on to.

use serde::Serialize;
use url::Url;

use crate::Error;

/// What GitHub's redirect to the app's setup or installation URL carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupParams {
    /// The plan the buyer chose (OAuth apps, and GitHub Apps' setup URL).
    pub marketplace_listing_plan_id: Option<u64>,
    /// The GitHub App installation.
    pub installation_id: Option<u64>,
    /// `install` or `update`.
    pub setup_action: Option<String>,
}

fn id(url: &Url, name: &str) -> Result<Option<u64>, Error> {
    let values: Vec<_> = url
        .query_pairs()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v)
        .collect();
    match values.as_slice() {
        [] => Ok(None),
        [v] => v.parse().map(Some).map_err(|_| {
            Error::at_field(
                "setup_url.malformed",
                name,
                format!("`{name}` is not a number"),
            )
        }),
        _ => Err(Error::at_field(
            "param.duplicate",
            name,
            format!("`{name}` is given more than once"),
        )),
    }
}

/// Read the parameters of GitHub's redirect to the setup URL.
///
/// ```
/// use resale_core::marketplace::setup_url::parse_setup_url;
/// let p = parse_setup_url("https://app.example/setup?installation_id=8&setup_action=install&marketplace_listing_plan_id=1234").unwrap();
/// assert_eq!((p.marketplace_listing_plan_id, p.installation_id), (Some(1234), Some(8)));
/// ```
pub fn parse_setup_url(text: &str) -> Result<SetupParams, Error> {
    let url = Url::parse(text)
        .map_err(|e| Error::at_field("url.invalid", "url", format!("not an absolute URL: {e}")))?;
    let action: Vec<_> = url
        .query_pairs()
        .filter(|(k, _)| k == "setup_action")
        .map(|(_, v)| v.into_owned())
        .collect();
    if action.len() > 1 {
        return Err(Error::at_field(
            "param.duplicate",
            "setup_action",
            "`setup_action` is given more than once",
        ));
    }
    if let Some(a) = action.first() {
        if !matches!(a.as_str(), "install" | "update" | "request") {
            return Err(Error::at_field(
                "setup_url.malformed",
                "setup_action",
                "`setup_action` is not install, update or request",
            ));
        }
    }
    Ok(SetupParams {
        marketplace_listing_plan_id: id(&url, "marketplace_listing_plan_id")?,
        installation_id: id(&url, "installation_id")?,
        setup_action: action.into_iter().next(),
    })
}

/// GitHub's OAuth authorization URL, correctly encoded.
///
/// ```
/// use resale_core::marketplace::setup_url::authorize_url;
/// assert_eq!(authorize_url("Iv1.abc", "https://app.example/cb?x=1&y=2", "s t").unwrap(),
///   "https://github.com/login/oauth/authorize?client_id=Iv1.abc&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1%26y%3D2&state=s+t");
/// ```
pub fn authorize_url(client_id: &str, redirect_uri: &str, state: &str) -> Result<String, Error> {
    if client_id.is_empty()
        || !client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    {
        return Err(Error::at_field(
            "oauth.client_id.malformed",
            "client_id",
            "the client ID is letters, digits, `.`, `_`, `-`",
        ));
    }
    let redirect = Url::parse(redirect_uri)
        .ok()
        .filter(|u| u.scheme() == "https" || u.host_str() == Some("localhost"));
    if redirect.is_none() {
        return Err(Error::at_field(
            "oauth.redirect_uri.invalid",
            "redirect_uri",
            "the redirect URI must be an absolute https URL",
        ));
    }
    let mut url = Url::parse("https://github.com/login/oauth/authorize").expect("constant URL");
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state);
    Ok(url.into())
}
