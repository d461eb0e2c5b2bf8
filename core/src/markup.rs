//! Text escaped for markup: the gateway's HTML page and the Partner API 1.0
//! XML-RPC requests quote the same five characters the same way.

/// `text` with the five characters that matter in HTML and XML text and
/// attribute values written as references. The apostrophe is `&#39;`, not
/// `&apos;`: that one is read by every XML parser and by HTML 4 as well.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            super::escape(r#"<a href="x">&'é"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;é"
        );
    }
}
