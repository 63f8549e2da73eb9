//! wsreport-report: the Autobahn|Testsuite report model, read from its JSON, its HTML pages or
//! page text copied from a browser, and written back in the testsuite's layout.
//!
//! Every reader fills the one model ([`model`]); [`load`] finds reports under a path.
//! The HTML reader needs the default `html` feature.
//!
//! Modules:
//! - [`model`]: the one report model every loader fills.
//! - [`text`]: text helpers: lone surrogates, error chains.
//! - [`load`]: finding reports under a path and reading them (JSON, HTML, page text).
//! - [`report`]: writing the testsuite's HTML and JSON layout: case pages and indexes.
//! - [`export`]: any report written back as the testsuite's JSON (and HTML).
#![deny(missing_docs)]

pub mod export;
pub mod load;
pub mod model;
pub mod report;
pub mod text;
