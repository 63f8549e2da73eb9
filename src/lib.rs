//! wsreport: read, explain, compare and reproduce Autobahn|Testsuite reports.

pub mod serve;
pub mod wire;
