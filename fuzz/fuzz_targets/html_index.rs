//! A report's `index.html`, and the agent runs built from its cells.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cells) = wsreport::load::html::parse_index(data) {
        let _ = wsreport::load::html::index_runs(&cells);
    }
});
