//! The Python reprs of a case page's Expected and Observed values.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = wsreport::load::pyrepr::parse(text);
        let _ = wsreport::load::pyrepr::parse_expected(text);
        let _ = wsreport::load::pyrepr::parse_events(text);
    }
});
