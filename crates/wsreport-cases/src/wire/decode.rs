//! Frame decoding (RFC 6455 §5.2) that reports raw facts.
//!
//! "Need more bytes" is [`Decoded::Incomplete`], never an error: a caller feeding a stream
//! read by read gets `Incomplete` until a whole frame is buffered. [`FrameError`] is kept for
//! octets that cannot be a frame at all. Everything a protocol endpoint would reject but that
//! is still well-formed framing (reserved opcodes, RSV bits, fragmented or oversized control
//! frames, unmasked client frames, non-minimal lengths) decodes fine and is reported.

use super::frame::{Frame, LengthForm, apply_mask, opcode};

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
    let need = |have: usize, want: usize| {
        Ok(Decoded::Incomplete {
            needed: want - have,
        })
    };
    if buf.len() < 2 {
        return need(buf.len(), 2);
    }
    let (b0, b1) = (buf[0], buf[1]);
    let masked = b1 & 0x80 != 0;
    let (length_form, ext) = match b1 & 0x7F {
        126 => (LengthForm::Extended16, 2),
        127 => (LengthForm::Extended64, 8),
        _ => (LengthForm::Short7, 0),
    };
    let header_len = 2 + ext + if masked { 4 } else { 0 };
    if buf.len() < 2 + ext {
        return need(buf.len(), header_len);
    }
    let length = match length_form {
        LengthForm::Short7 => u64::from(b1 & 0x7F),
        LengthForm::Extended16 => u64::from(u16::from_be_bytes([buf[2], buf[3]])),
        LengthForm::Extended64 => {
            let length = u64::from_be_bytes(buf[2..10].try_into().expect("8 octets"));
            if length & (1 << 63) != 0 {
                return Err(FrameError::LengthHighBitSet { length });
            }
            length
        }
    };
    // A Vec can hold at most isize::MAX octets; beyond that no buffer can ever complete it.
    let limit = max_payload.min(isize::MAX as u64 - header_len as u64);
    if length > limit {
        return Err(FrameError::PayloadTooLarge { length, limit });
    }
    let consumed = header_len + length as usize;
    if buf.len() < consumed {
        return need(buf.len(), consumed);
    }
    let mask = masked.then(|| {
        let at = 2 + ext;
        [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]
    });
    let mut payload = buf[header_len..consumed].to_vec();
    if let Some(key) = mask {
        apply_mask(&mut payload, key);
    }
    Ok(Decoded::Complete(DecodedFrame {
        frame: Frame {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0x07,
            opcode: b0 & 0x0F,
            mask,
            payload,
        },
        length_form,
        header_len,
        consumed,
    }))
}
