//! The opening handshake's parsers: a server's response (client role), a client's request
//! (server role), and the header look-ups both use.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsreport::protocol::handshake;

fuzz_target!(|data: &[u8]| {
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    let _ = handshake::check_response(data, key);
    if let Ok(key) = handshake::check_request(data) {
        let _ = handshake::response(&key, None);
    }
    let _ = handshake::single_header(data, "sec-websocket-extensions");
    let _ = handshake::joined_header(data, "sec-websocket-extensions");
    let _ = wsreport::fuzzingserver::request_target(data);
    if let Some(target) = wsreport::fuzzingserver::request_target(data) {
        let _ = wsreport::fuzzingserver::route::parse(target);
    }
});
