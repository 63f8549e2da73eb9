//! The fuzzing server (clients mode): a drop-in for `wstest -m fuzzingserver`, so a client
//! library's existing harness runs unchanged against wsreport.

pub mod route;
