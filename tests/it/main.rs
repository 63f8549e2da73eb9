//! The one integration-test binary: every module links the crate once (ripgrep's tests/tests.rs).

mod catalog_vs_cases_tsv;
mod cli_compare;
mod cli_run;
mod cli_summarize;
mod common;
mod corpus_check;
mod corpus_explain;
mod corpus_frames;
mod corpus_html;
mod corpus_html_roundtrip;
mod corpus_summarize;
mod explain_cli;
mod explain_render;
mod fidelity_cli;
mod fuzzingserver_loopback;
mod html_fixtures;
mod html_roundtrip;
mod render_snapshots;
mod replay_loopback;
mod replay_reactive_loopback;
mod run_loopback;
