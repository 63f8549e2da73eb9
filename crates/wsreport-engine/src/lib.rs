//! wsreport-engine: the Autobahn|Testsuite case engine, in both roles, over any stream.
//!
//! Runs the cases against a server under test (the testsuite's `fuzzingclient`) or a client
//! under test (its `fuzzingserver`), and serves the reference echo server.
//!
//! Modules:
//! - [`event`]: what the engines tell their owner while they run.
//! - [`tls`]: TLS for `wss://` (rustls): the client side of `run` and `replay`, the server side of `serve` and `fuzzingserver`.
//! - [`serve`]: the reference echo server.
//! - [`replay`]: the case engine, in both roles, and running many cases at once.
//! - [`fuzzingserver`]: the fuzzing server (clients mode), a drop-in for `wstest -m fuzzingserver`.
//! - [`suite`]: the cases from `cargo test`: in process, over any stream, judged and explained.
//! - [`testdata`]: the testsuite's test data files, fetched from its package on PyPI.
#![deny(missing_docs)]

// The modules of the crates below, under the names the code has always used (`crate::model`).
use wsreport_cases::{catalog, judge, protocol, spec, wire};
use wsreport_report::{model, report, text};

pub mod event;
pub mod fuzzingserver;
pub mod replay;
pub mod serve;
pub mod suite;
pub mod testdata;
pub mod tls;
