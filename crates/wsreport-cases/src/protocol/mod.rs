//! The WebSocket protocol without I/O: the opening handshake (RFC 6455 §4) and the
//! permessage-deflate extension (RFC 7692), as the engine (both roles) and `explain` use them.

pub mod deflate;
pub mod handshake;
