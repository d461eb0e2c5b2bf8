//! Dropping an array element together with its separator.
//!
//! The output must be the input minus the dropped elements: every byte of a
//! kept element, and of the whitespace around it, stays as it was. Each
//! element is emitted with the bytes that led to it (whitespace, `,`,
//! whitespace); the first element kept loses its leading comma, so the
//! array stays valid JSON whichever elements go.

/// Emit the bytes leading to a kept element.
pub(crate) fn emit_lead(out: &mut Vec<u8>, lead: &[u8], kept_any: &mut bool) {
    if *kept_any {
        out.extend_from_slice(lead);
    } else {
        let after_comma = lead
            .iter()
            .position(|&b| b == b',')
            .map_or(lead, |k| &lead[k + 1..]);
        out.extend_from_slice(after_comma);
        *kept_any = true;
    }
}
