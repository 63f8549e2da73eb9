//! wsreport-cases: the 517 cases of the Autobahn|Testsuite as data, and the rules that judge
//! them: raw RFC 6455 frames, the opening handshake and permessage-deflate without I/O, the
//! catalog of what each case sends and expects, the testsuite's verdict rules, the pass policy,
//! and `explain`, which names the fault behind failing cases.
//!
//! Modules:
//! - [`wire`]: raw RFC 6455 frames, valid or not, and chopped writes.
//! - [`protocol`]: the opening handshake and permessage-deflate, without I/O.
//! - [`catalog`]: every case: what it sends and what it expects.
//! - [`judge`]: the testsuite's verdict rules.
//! - [`policy`]: the one answer to "does this case pass?".
//! - [`glob`]: whole-id globs (allow-lists, `exclude-agent-cases`).
//! - [`spec`]: the testsuite's spec files and case selection.
//! - [`explain`]: why a case got its verdict (the `explain` command).
#![deny(missing_docs)]

// The modules of the crates below, under the names the code has always used (`crate::model`).
use wsreport_report::{load, model};

pub mod catalog;
pub mod explain;
pub mod glob;
pub mod judge;
pub mod policy;
pub mod protocol;
pub mod spec;
pub mod wire;
