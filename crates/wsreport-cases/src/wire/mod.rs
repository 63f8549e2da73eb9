//! Raw RFC 6455 framing, for speaking to a WebSocket peer the way the Autobahn testsuite does.
//!
//! This module is responsible for octets on the wire, not for protocol judgement: it can
//! encode any frame the testsuite's `sendFrame` writes (reserved opcodes, RSV bits, fragmented
//! control frames, oversized control payloads, invalid UTF-8), write it in chops the way the
//! testsuite's `chopsize` does, and decode whatever a peer sends back into raw facts (opcode,
//! FIN, RSV, mask, payload). Whether a frame is *allowed* is for callers to decide.
//!
//! - [`frame`]: the [`Frame`] value, [`encode`], masking (RFC 6455 §5.3) and repeated payloads.
//! - [`header`]: [`FrameHeader`] and [`decode_header`], the one frame header codec.
//! - [`decode`](mod@decode): [`decode()`], where "need more bytes" is not an error.
//! - [`chop`]: [`write_chopped`], the testsuite's chopped writes, reporting each write's size.
//! - [`record`]: [`RecordingReader`], which logs every read and every decoded frame.
//! - [`close`]: close frame bodies (RFC 6455 §5.5.1, §7.4).
//! - [`deflate`](mod@deflate): the permessage-deflate sync flush (RFC 7692) under the
//!   codec the engine and the echo server share.

/// The largest message (and so frame) a peer may send, in octets, unless told otherwise
/// (`--max-message-size`, shared by `serve`, `replay`, `run` and `fuzzingserver`): 64 MiB,
/// four times the largest message any case has a correct peer send (9.1.6 and 9.2.6 echo
/// 16 MiB; the compression cases' messages are at most 128 KiB inflated). A larger one fails
/// the connection with close 1009 (RFC 6455 §7.4.1) and is never buffered past the limit.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 << 20;

pub mod chop;
pub mod close;
pub mod decode;
pub mod deflate;
pub mod frame;
pub mod header;
pub mod record;

pub use chop::{histogram, write_chopped};
pub use close::{
    CloseParseError, ClosePayload, close_payload, close_payload_raw, is_valid_close_code,
    parse_close,
};
pub use decode::{Decoded, DecodedFrame, FrameError, decode, decode_with_limit};
pub use frame::{Frame, LengthForm, apply_mask, encode, opcode, repeat_to_len};
pub use header::{DecodedHeader, FrameHeader, decode_header};
pub use record::{FrameRecorder, RecordingReader, WireEvent};

#[cfg(test)]
mod tests;
