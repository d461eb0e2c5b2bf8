//! Why a feed could not be filtered: a stable code and the byte offset.

use std::fmt;

/// The kinds of catalog error, each with a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `catalog.json.empty`: no JSON value at all.
    Empty,
    /// `catalog.json.invalid`: a syntax error.
    Syntax,
    /// `catalog.json.truncated`: the input ends inside the document.
    Truncated,
    /// `catalog.json.trailing`: data after the top-level array.
    Trailing,
    /// `catalog.json.not_array`: the top level is not an array.
    NotArray,
    /// `catalog.item.not_object`: an element of the array is not an object.
    ItemNotObject,
    /// `catalog.utf8.invalid`: the bytes are not UTF-8.
    Utf8,
    /// `catalog.depth_exceeded`: nesting deeper than the policy allows.
    TooDeep,
    /// `catalog.too_large`: more bytes than the policy allows.
    TooLarge,
    /// `catalog.filter.finished`: input after `finish()` or after an error.
    Finished,
}

impl ErrorKind {
    /// The stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Empty => "catalog.json.empty",
            ErrorKind::Syntax => "catalog.json.invalid",
            ErrorKind::Truncated => "catalog.json.truncated",
            ErrorKind::Trailing => "catalog.json.trailing",
            ErrorKind::NotArray => "catalog.json.not_array",
            ErrorKind::ItemNotObject => "catalog.item.not_object",
            ErrorKind::Utf8 => "catalog.utf8.invalid",
            ErrorKind::TooDeep => "catalog.depth_exceeded",
            ErrorKind::TooLarge => "catalog.too_large",
            ErrorKind::Finished => "catalog.filter.finished",
        }
    }
}

/// A feed that cannot be filtered. Output already emitted by an incremental
/// filter must then be discarded (or the connection closed): it is not a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset in the input where it was found.
    pub offset: u64,
    /// Explanation for a person.
    pub message: String,
}

impl CatalogError {
    pub(crate) fn at(kind: ErrorKind, offset: u64, message: impl Into<String>) -> CatalogError {
        CatalogError {
            kind,
            offset,
            message: message.into(),
        }
    }

    /// The stable machine code (`catalog.json.invalid`, …).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}: {}",
            self.code(),
            self.offset,
            self.message
        )
    }
}

impl std::error::Error for CatalogError {}

/// How a feed error leaves the core: the code, and the offset as where.
impl From<CatalogError> for crate::Error {
    fn from(e: CatalogError) -> crate::Error {
        crate::Error::at_offset(e.code(), e.offset, e.message)
    }
}
