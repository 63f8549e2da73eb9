//! wsreport: read, explain, compare and reproduce Autobahn|Testsuite reports.
//!
//! The library does the work; the `wsreport` binary's command layer (`src/commands/`) turns
//! arguments into calls of it, prints, and chooses exit statuses. Dependencies point one way,
//! roughly from the top of this list to the bottom:
//! - [`render`]: table, JSON, Markdown, JUnit and GitHub renderings of the answers below.
//! - [`dashboard`]: one self-contained HTML page that shows a run, explains it and diffs it.
//! - [`run`]: `wsreport run`, the whole fuzzing client: spec file, servers, reports, gate.
//! - [`reproduce`]: a report's case as an exact send plan (`replay --from`), and as a
//!   standalone Python script (`repro`).
//! - [`compare`]: baselines, allow-lists; `compare` and `check`.
//! - [`summary`]: the `summarize` command's answer.
//! - the library crates of the workspace, re-exported here under their old paths
//!   (`wsreport::model`, `wsreport::replay`, …): [`wsreport_engine`] (event, tls, serve, replay,
//!   fuzzingserver, testdata), [`wsreport_cases`] (wire, protocol, catalog, judge, policy, glob,
//!   spec, explain) and [`wsreport_report`] (model, text, load, report, export).
#![deny(missing_docs)]

pub use wsreport_cases::{catalog, explain, glob, judge, policy, protocol, spec, wire};
pub use wsreport_engine::{event, fuzzingserver, replay, serve, testdata, tls};
pub use wsreport_report::{export, load, model, report, text};

pub mod compare;
pub mod dashboard;
pub mod render;
pub mod reproduce;
pub mod run;
pub mod server_cmd;
pub mod shard;
pub mod summary;
