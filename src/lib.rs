//! wsreport: read, explain, compare and reproduce Autobahn|Testsuite reports.
//!
//! The library does the work; the `wsreport` binary only turns arguments into calls of it.
//! - [`model`]: the one report model every loader fills.
//! - [`load`]: finding reports under a path and reading them (JSON).
//! - [`export`]: any report written back as the testsuite's JSON.
//! - [`summary`]: the `summarize` command's answer.
//! - [`render`]: table, JSON and Markdown renderings.
#![deny(missing_docs)]

pub mod exit;
pub mod export;
pub mod load;
pub mod model;
pub mod render;
pub mod summary;
pub mod text;
