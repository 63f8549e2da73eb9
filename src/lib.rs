//! wsreport: read, explain, compare and reproduce Autobahn|Testsuite reports.
//!
//! The library does the work; the `wsreport` binary only turns arguments into calls of it.
//! - [`model`]: the one report model every loader fills.
//! - [`load`]: finding reports under a path and reading them (JSON).
//! - [`summary`]: the `summarize` command's answer.
//! - [`render`]: table, JSON and Markdown renderings.
//! - [`wire`]: raw RFC 6455 frames, valid or not, and chopped writes.
//! - [`serve`]: the reference echo server.
//! - [`replay`]: replaying catalog cases against a server, natively.
//! - [`judge`]: the testsuite's verdict rules.
#![deny(missing_docs)]

pub mod catalog;
pub mod exit;
pub mod judge;
pub mod load;
pub mod model;
pub mod render;
pub mod replay;
pub mod serve;
pub mod summary;
pub mod text;
pub mod wire;
