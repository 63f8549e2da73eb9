//! A case file's JSON (`<agent>_case_<id>.json`) as every command reads it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wsreport::load::json::parse_case(data);
});
