//! wsreport: read, explain, compare and reproduce Autobahn|Testsuite reports.

pub mod wire;
