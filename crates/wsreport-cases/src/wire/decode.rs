//! Frame decoding (RFC 6455 §5.2) that reports raw facts.
//!
//! "Need more bytes" is [`Decoded::Incomplete`], never an error: a caller feeding a stream
//! read by read gets `Incomplete` until a whole frame is buffered. [`FrameError`] is kept for
//! octets that cannot be a frame at all. Everything a protocol endpoint would reject but that
//! is still well-formed framing (reserved opcodes, RSV bits, fragmented or oversized control
//! frames, unmasked client frames, non-minimal lengths) decodes fine and is reported.

use super::frame::{Frame, LengthForm, apply_mask, opcode};
use super::header::{DecodedHeader, decode_header};

/// Why octets cannot be decoded as a frame at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The 64-bit length has its most significant bit set, which §5.2 forbids
    /// ("the most significant bit MUST be 0").
    #[error(
        "64-bit payload length {length:#018x} has its most significant bit set (RFC 6455 §5.2)"
    )]
    LengthHighBitSet {
        /// The length field as read.
        length: u64,
    },
    /// The payload length is above the decoder's limit (or what this platform can address).
    #[error("payload length {length} exceeds the decoder limit of {limit} octets")]
    PayloadTooLarge {
        /// The length field as read.
        length: u64,
        /// The limit in force.
        limit: u64,
    },
}

/// A frame decoded from the start of a buffer, with the facts of its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedFrame {
    /// The frame; `payload` is unmasked, `mask` is the key that was on the wire, if any.
    pub frame: Frame,
    /// Which length field the sender used (§5.2); see [`DecodedFrame::length_is_minimal`].
    pub length_form: LengthForm,
    /// Octets of header: 2, plus the extended length, plus 4 for a masking key.
    pub header_len: usize,
    /// Octets of the buffer this frame used (header plus payload).
    pub consumed: usize,
}

impl DecodedFrame {
    /// Whether the MASK bit was set (§5.2; clients MUST mask, servers MUST NOT, §5.1).
    pub fn masked(&self) -> bool {
        self.frame.mask.is_some()
    }

    /// Whether the sender used the minimal length form §5.2 requires.
    pub fn length_is_minimal(&self) -> bool {
        self.length_form == LengthForm::minimal(self.frame.payload.len() as u64)
    }

    /// Whether this is a control frame (opcode with the high bit set, §5.5).
    pub fn is_control(&self) -> bool {
        opcode::is_control(self.frame.opcode)
    }
}

/// Outcome of [`decode`]: a whole frame, or how many more octets are needed at least.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A whole frame was at the start of the buffer.
    Complete(DecodedFrame),
    /// The buffer holds a frame's beginning only.
    Incomplete {
        /// At least this many more octets are needed (exact once the header is complete).
        needed: usize,
    },
}

/// Decodes one frame from the start of `buf`, with no limit on the payload length other
/// than what the platform can address. See [`decode_with_limit`].
pub fn decode(buf: &[u8]) -> Result<Decoded, FrameError> {
    decode_with_limit(buf, u64::MAX)
}

/// Decodes one frame from the start of `buf` (RFC 6455 §5.2), unmasking its payload (§5.3).
///
/// A payload length above `max_payload` is [`FrameError::PayloadTooLarge`], reported as soon
/// as the length field is read, so a hostile length never makes a caller buffer it.
pub fn decode_with_limit(buf: &[u8], max_payload: u64) -> Result<Decoded, FrameError> {
    let header = match decode_header(buf)? {
        DecodedHeader::Complete(h) => h,
        DecodedHeader::Incomplete { needed } => return Ok(Decoded::Incomplete { needed }),
    };
    let header_len = header.len();
    let length = header.payload_len;
    // A Vec can hold at most isize::MAX octets; beyond that no buffer can ever complete it.
    let limit = max_payload.min(isize::MAX as u64 - header_len as u64);
    if length > limit {
        return Err(FrameError::PayloadTooLarge { length, limit });
    }
    let consumed = header_len + length as usize;
    if buf.len() < consumed {
        return Ok(Decoded::Incomplete {
            needed: consumed - buf.len(),
        });
    }
    let mut payload = buf[header_len..consumed].to_vec();
    if let Some(key) = header.mask {
        apply_mask(&mut payload, key);
    }
    Ok(Decoded::Complete(DecodedFrame {
        frame: Frame {
            fin: header.fin,
            rsv: header.rsv,
            opcode: header.opcode,
            mask: header.mask,
            payload,
        },
        length_form: header.length_form,
        header_len,
        consumed,
    }))
}
