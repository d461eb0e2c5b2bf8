//! `X-Hub-Signature-256`: GitHub's HMAC-SHA256 of the raw body.
//!
//! Strict by design: the header must be `sha256=` (lower case) followed by
//! exactly 64 **lower-case** hex digits, which is what GitHub sends. Octokit's
//! Node build accepts upper-case hex while its web build does not; accepting
//! one spelling only means one answer everywhere. The comparison is
//! constant-time (`hmac`'s `verify_slice`), and several secrets may be given
//! at once so that a secret can be rotated without dropping deliveries.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::Error;

/// The only accepted prefix.
pub const PREFIX: &str = "sha256=";

/// Verify `header` (the `X-Hub-Signature-256` value, `None` when absent)
/// against `body` with any of `secrets`.
///
/// An empty secret is never a key: HMAC takes a key of any length, so an
/// empty one (a settings file's trailing newline, an unset variable) would
/// let anyone sign with the empty key. Empty entries are skipped, and a list
/// with no other entry is `signature.no_secret`, as an empty list is.
///
/// ```
/// use resale_core::marketplace::signature::verify;
/// let sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
/// assert!(verify(b"Hello, World!", Some(sig), &[b"It's a Secret to Everybody"]).is_ok());
/// assert_eq!(verify(b"Hello, World!", Some(sig), &[b"wrong"]).unwrap_err().code, "signature.mismatch");
/// ```
pub fn verify(body: &[u8], header: Option<&str>, secrets: &[&[u8]]) -> Result<(), Error> {
    let header = header.ok_or_else(|| {
        Error::at_field(
            "signature.missing",
            "X-Hub-Signature-256",
            "the request has no X-Hub-Signature-256 header",
        )
    })?;
    let hex = header.strip_prefix(PREFIX).ok_or_else(|| {
        Error::at_field(
            "signature.malformed",
            "X-Hub-Signature-256",
            "the signature must start with `sha256=`",
        )
    })?;
    let mut expected = [0u8; 32];
    if hex.len() != 64 || !decode_lower_hex(hex, &mut expected) {
        return Err(Error::at_field(
            "signature.malformed",
            "X-Hub-Signature-256",
            "the signature must be `sha256=` and 64 lower-case hex digits",
        ));
    }
    if secrets.iter().all(|s| s.is_empty()) {
        return Err(Error::at_field(
            "signature.no_secret",
            "secret",
            "no webhook secret is configured",
        ));
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(body);
        if mac.verify_slice(&expected).is_ok() {
            return Ok(());
        }
    }
    Err(Error::at_field(
        "signature.mismatch",
        "X-Hub-Signature-256",
        "the signature does not match the body with any configured secret",
    ))
}

/// The header value GitHub would send for `body` with `secret`.
pub fn sign(body: &[u8], secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(71);
    out.push_str(PREFIX);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn decode_lower_hex(hex: &str, out: &mut [u8; 32]) -> bool {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    for (i, pair) in hex.as_bytes().chunks_exact(2).enumerate() {
        match (digit(pair[0]), digit(pair[1])) {
            (Some(h), Some(l)) => out[i] = h << 4 | l,
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const GH: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn documented_vectors() {
        assert!(verify(b"Hello, World!", Some(GH), &[b"It's a Secret to Everybody"]).is_ok());
        assert_eq!(sign(b"Hello, World!", b"It's a Secret to Everybody"), GH);
        assert_eq!(
            sign(br#"{"foo":"bar"}"#, b"mysecret"),
            "sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3"
        );
    }

    #[test]
    fn an_empty_secret_is_never_a_key() {
        let empty_key = sign(b"forged", b"");
        let code = |secrets: &[&[u8]]| {
            verify(b"forged", Some(&empty_key), secrets)
                .unwrap_err()
                .code
        };
        assert_eq!(code(&[b""]), "signature.no_secret");
        assert_eq!(code(&[b"", b""]), "signature.no_secret");
        assert_eq!(code(&[b"real", b""]), "signature.mismatch");
        assert!(verify(
            b"Hello, World!",
            Some(GH),
            &[b"", b"It's a Secret to Everybody"]
        )
        .is_ok());
    }

    #[test]
    fn rotation_and_strictness() {
        assert!(verify(
            b"Hello, World!",
            Some(GH),
            &[b"new", b"It's a Secret to Everybody"]
        )
        .is_ok());
        let code = |h: Option<&str>| {
            verify(b"Hello, World!", h, &[b"It's a Secret to Everybody"])
                .unwrap_err()
                .code
        };
        assert_eq!(code(None), "signature.missing");
        assert_eq!(code(Some(&GH.to_uppercase())), "signature.malformed");
        assert_eq!(
            code(Some(&GH.replace("sha256=", "SHA256="))),
            "signature.malformed"
        );
        assert_eq!(
            code(Some(&GH.replace("sha256=", "sha1="))),
            "signature.malformed"
        );
        assert_eq!(code(Some(&GH[..70])), "signature.malformed");
        assert_eq!(code(Some(&format!("{GH}0"))), "signature.malformed");
        assert_eq!(code(Some(&format!(" {GH}"))), "signature.malformed");
        assert_eq!(
            verify(b"x", Some(GH), &[]).unwrap_err().code,
            "signature.no_secret"
        );
    }

    #[test]
    fn every_altered_or_truncated_signature_fails() {
        let good = sign(b"payload", b"s");
        for i in PREFIX.len()..good.len() {
            for c in ['0', 'f', 'a'] {
                let mut bad = good.clone().into_bytes();
                if bad[i] == c as u8 {
                    continue;
                }
                bad[i] = c as u8;
                let bad = String::from_utf8(bad).unwrap();
                assert_eq!(
                    verify(b"payload", Some(&bad), &[b"s"]).unwrap_err().code,
                    "signature.mismatch"
                );
            }
            assert!(verify(b"payload", Some(&good[..i]), &[b"s"]).is_err());
        }
        assert!(verify(b"payload!", Some(&good), &[b"s"]).is_err());
    }
}
