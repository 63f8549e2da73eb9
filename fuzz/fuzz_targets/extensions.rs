//! `Sec-WebSocket-Extensions` values: the engine's reading of a server's permessage-deflate
//! response (client role) and of a client's offers against every compression case's
//! acceptances (server role), and the echo server's negotiation.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wsreport::catalog::Deflate;
use wsreport::protocol::deflate;

/// The acceptances of one case of each 12.x/13.x kind (built once: a case is costly to build).
fn acceptances() -> &'static [Deflate] {
    static CASES: OnceLock<Vec<Deflate>> = OnceLock::new();
    CASES.get_or_init(|| {
        ["12.1.1", "13.1.1", "13.2.1", "13.3.1", "13.4.1", "13.5.1", "13.6.1", "13.7.1"]
            .iter()
            .filter_map(|id| wsreport::catalog::build(&id.parse().ok()?)?.deflate)
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    let _ = deflate::parse_extensions(header);
    let _ = deflate::client_negotiate(Some(header), true);
    let _ = deflate::client_negotiate(Some(header), false);
    for d in acceptances() {
        let _ = deflate::server_negotiate(Some(header), Some(d));
    }
    let _ = deflate::echo_negotiate(header.split('\n'));
});
