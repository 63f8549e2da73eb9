//! The text a browser copies from a case page (the form of `fixtures/seed/`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = wsreport::load::text::parse_page_text(text);
    }
});
