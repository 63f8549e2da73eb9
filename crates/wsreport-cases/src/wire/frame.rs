//! The frame value and its encoder (RFC 6455 §5.2), able to write invalid frames on purpose.

use super::header::FrameHeader;

/// Opcode numbers (RFC 6455 §5.2, §11.8). Any value `0..=15` is a valid [`Frame::opcode`]:
/// `3..=7` are reserved non-control opcodes, `0xB..=0xF` reserved control opcodes.
pub mod opcode {
    /// Continuation frame (§5.4).
    pub const CONTINUATION: u8 = 0x0;
    /// Text frame: payload is UTF-8 (§5.6).
    pub const TEXT: u8 = 0x1;
    /// Binary frame (§5.6).
    pub const BINARY: u8 = 0x2;
    /// Close control frame (§5.5.1).
    pub const CLOSE: u8 = 0x8;
    /// Ping control frame (§5.5.2).
    pub const PING: u8 = 0x9;
    /// Pong control frame (§5.5.3).
    pub const PONG: u8 = 0xA;

    /// Control frames are those whose opcode has the most significant bit set (§5.5).
    pub fn is_control(op: u8) -> bool {
        op & 0x8 != 0
    }

    /// Opcodes that RFC 6455 §5.2 reserves for further definition (3–7 and 0xB–0xF).
    pub fn is_reserved(op: u8) -> bool {
        matches!(op & 0x0F, 0x3..=0x7 | 0xB..=0xF)
    }
}

/// One WebSocket frame as it goes on the wire (RFC 6455 §5.2), valid or not.
///
/// `payload` is always the *unmasked* application data; masking is applied by [`encode`]
/// with `mask` and undone by the decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// FIN bit: this is the final fragment of a message (§5.4).
    pub fin: bool,
    /// RSV1..RSV3 as a 3-bit number (RSV1 is `0b100`); only the low 3 bits are written.
    pub rsv: u8,
    /// Opcode, any value `0..=15` (reserved ones included); only the low 4 bits are written.
    pub opcode: u8,
    /// Masking key (§5.3): `Some` sets the MASK bit and masks the payload on the wire.
    pub mask: Option<[u8; 4]>,
    /// Unmasked payload data.
    pub payload: Vec<u8>,
}

impl Frame {
    /// A final, unmasked frame with RSV 0.
    pub fn new(opcode: u8, payload: impl Into<Vec<u8>>) -> Self {
        Frame {
            fin: true,
            rsv: 0,
            opcode,
            mask: None,
            payload: payload.into(),
        }
    }

    /// A frame whose payload is `pattern` repeated and cut to `len` octets, as the
    /// testsuite's `sendFrame(payload_len=…)` builds it (see [`repeat_to_len`]).
    pub fn repeated(opcode: u8, pattern: &[u8], len: usize) -> Self {
        Frame::new(opcode, repeat_to_len(pattern, len))
    }

    /// Sets the FIN bit.
    pub fn with_fin(mut self, fin: bool) -> Self {
        self.fin = fin;
        self
    }

    /// Sets the RSV bits (3-bit number, RSV1 most significant).
    pub fn with_rsv(mut self, rsv: u8) -> Self {
        self.rsv = rsv;
        self
    }

    /// Sets the masking key (§5.3); `None` sends the payload unmasked.
    pub fn with_mask(mut self, mask: Option<[u8; 4]>) -> Self {
        self.mask = mask;
        self
    }

    /// Same as [`encode`]`(self)`.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }
}

/// Which payload length field a frame header uses (RFC 6455 §5.2 "Payload length").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LengthForm {
    /// Length 0–125 in the 7-bit field.
    Short7,
    /// 7-bit field 126, then a 16-bit length.
    Extended16,
    /// 7-bit field 127, then a 64-bit length.
    Extended64,
}

impl LengthForm {
    /// The form §5.2 requires: "the minimal number of bytes MUST be used to encode the
    /// length". The testsuite always writes this form, so the encoder has no override.
    pub fn minimal(len: u64) -> LengthForm {
        match len {
            0..=125 => LengthForm::Short7,
            126..=0xFFFF => LengthForm::Extended16,
            _ => LengthForm::Extended64,
        }
    }

    /// Octets the extended length field takes after the second header octet.
    pub fn extra_octets(self) -> usize {
        match self {
            LengthForm::Short7 => 0,
            LengthForm::Extended16 => 2,
            LengthForm::Extended64 => 8,
        }
    }
}

/// Encodes `frame` to wire octets (RFC 6455 §5.2): minimal length form, masked with
/// `frame.mask` when set (§5.3). `rsv` and `opcode` are cut to their 3 and 4 bits, as the
/// testsuite's `sendFrame` does with `% 8`.
pub fn encode(frame: &Frame) -> Vec<u8> {
    let len = frame.payload.len();
    let header = FrameHeader::new(frame.fin, frame.rsv, frame.opcode, frame.mask, len as u64);
    let mut out = Vec::with_capacity(header.len() + len);
    header.encode_into(&mut out);
    let start = out.len();
    out.extend_from_slice(&frame.payload);
    if let Some(key) = frame.mask {
        apply_mask(&mut out[start..], key);
    }
    out
}

/// XORs `buf` with `mask` in place (RFC 6455 §5.3): octet i is XORed with `mask[i % 4]`.
/// Masking and unmasking are the same operation.
pub fn apply_mask(buf: &mut [u8], mask: [u8; 4]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

/// `pattern` repeated and cut to exactly `len` octets, as the testsuite's
/// `sendFrame(payload_len=…)` builds its payload (and as `PAYLOAD-REPEAT-LEN` in a wire
/// log means). An empty pattern (which the testsuite refuses) yields an empty payload.
pub fn repeat_to_len(pattern: &[u8], len: usize) -> Vec<u8> {
    pattern.iter().copied().cycle().take(len).collect()
}
