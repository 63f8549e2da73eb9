//! What the sibling-case analyses (`families`, `limits`) share: the hint they produce and
//! what counts as a clean pass among siblings.

use serde::Serialize;

use crate::model::CaseEntry;

/// Whether an index entry passes (events and close OK or INFORMATIONAL).
pub fn passes(e: &CaseEntry) -> bool {
    crate::policy::clean(&e.behavior) && crate::policy::clean(&e.behavior_close)
}

/// A hint drawn from sibling cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// What the hint is about: `chopped`, `fragmented`, `fail-fast`, `close-codes`, `deflate`,
    /// `sizes`, `deflate-fragments`, `deflate-parameters`.
    pub family: &'static str,
    /// The sibling cases it compares with.
    pub siblings: Vec<String>,
    /// The hint in words.
    pub text: String,
    /// Set when the siblings point at one cause (the variant fails, its plain sibling passes).
    pub cause: Option<&'static str>,
}
