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
//! - [`fuzzingserver`]: the fuzzing server (clients mode), a drop-in for `wstest -m
//!   fuzzingserver`.
//! - [`replay`]: the case engine, in both roles, and running many cases at once.
//! - [`serve`]: the reference echo server.
//! - [`compare`]: baselines, allow-lists; `compare` and `check`.
//! - [`explain`]: why a case got its verdict (the `explain` command).
//! - [`export`]: any report written back as the testsuite's JSON (and HTML).
//! - [`report`]: writing the testsuite's HTML and JSON layout: case pages and indexes.
//! - [`summary`]: the `summarize` command's answer.
//! - [`spec`]: the testsuite's spec files and case selection.
//! - [`load`]: finding reports under a path and reading them (JSON, HTML, page text).
//! - [`judge`]: the testsuite's verdict rules.
//! - [`testdata`]: the testsuite's test data files, fetched from its package on PyPI.
//! - [`catalog`]: every case: what it sends and what it expects.
//! - [`protocol`]: the opening handshake and permessage-deflate, without I/O.
//! - [`wire`]: raw RFC 6455 frames, valid or not, and chopped writes.
//! - [`policy`]: the one answer to "does this case pass?".
//! - [`event`]: what the engines tell their owner while they run.
//! - [`glob`]: whole-id globs (allow-lists, `exclude-agent-cases`).
//! - [`model`]: the one report model every loader fills.
//! - [`text`]: text helpers: lone surrogates, error chains.
#![deny(missing_docs)]

pub mod catalog;
pub mod compare;
pub mod dashboard;
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
pub mod server_cmd;
pub mod shard;
pub mod spec;
pub mod summary;
pub mod testdata;
pub mod text;
pub mod tls;
pub mod wire;
