//! Writing reports in the testsuite's own layout, for cases wsreport ran or converted.
//!
//! - [`html`]: case pages and `index.html` as wstest writes them, readable by existing
//!   tooling and by [`crate::load::html`] (which reads them back to the same model).
//!
//! The JSON side is [`crate::load::json`] (`case_to_value`, `index_to_value`, `to_json`).

pub mod html;
