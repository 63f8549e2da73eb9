//! wsreport: read, explain, compare and reproduce Autobahn|Testsuite reports.
//!
//! The library does the work; the `wsreport` binary only turns arguments into calls of it.
//! - [`model`]: the one report model every loader fills.
//! - [`load`]: finding reports under a path and reading them (JSON).
//! - [`export`]: any report written back as the testsuite's JSON (and HTML).
//! - [`report`]: writing the testsuite's HTML: case pages and `index.html`.
//! - [`summary`]: the `summarize` command's answer.
//! - [`compare`]: pass policies, baselines, allow-lists; `compare` and `check`.
//! - [`explain`]: why a case got its verdict (the `explain` command).
//! - [`render`]: table, JSON and Markdown renderings.
//! - [`wire`]: raw RFC 6455 frames, valid or not, and chopped writes.
//! - [`serve`]: the reference echo server.
//! - [`replay`]: replaying catalog cases against a server, natively.
//! - [`reproduce`]: a report's case as an exact send plan, and as a standalone Python script.
//! - [`run`]: `wsreport run`, the whole fuzzing client: spec file, servers, reports, gate.
//! - [`judge`]: the testsuite's verdict rules.
#![deny(missing_docs)]

pub mod catalog;
pub mod compare;
pub mod event;
pub mod explain;
pub mod export;
pub mod fuzzingserver;
pub mod glob;
pub mod judge;
pub mod load;
pub mod model;
pub mod policy;
pub mod protocol;
pub mod render;
pub mod replay;
pub mod report;
pub mod reproduce;
pub mod run;
pub mod serve;
pub mod spec;
pub mod summary;
pub mod text;
pub mod wire;
