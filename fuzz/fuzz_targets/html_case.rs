//! A case page (`<agent>_case_<id>.html`), any octets (not necessarily UTF-8).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wsreport::load::html::parse_case_page(data);
});
