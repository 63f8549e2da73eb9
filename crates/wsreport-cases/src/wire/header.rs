//! The one RFC 6455 §5.2 frame header codec: every frame header wsreport writes or reads goes
//! through [`FrameHeader::encode_into`] and [`decode_header`] (whole frames in
//! [`encode`](super::encode) and [`decode`](super::decode()), the engine's streaming send,
//! `serve`'s permessage-deflate adapter).

use super::decode::FrameError;
use super::frame::LengthForm;

/// The facts of a frame header (RFC 6455 §5.2), valid or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN bit (§5.4).
    pub fin: bool,
    /// RSV1..RSV3 as a 3-bit number (RSV1 is `0b100`); only the low 3 bits are written.
    pub rsv: u8,
    /// Opcode `0..=15`; only the low 4 bits are written.
    pub opcode: u8,
    /// Masking key (§5.3): `Some` sets the MASK bit.
    pub mask: Option<[u8; 4]>,
    /// Payload length in octets.
    pub payload_len: u64,
    /// The length field used. The encoder always writes [`LengthForm::minimal`]; the decoder
    /// reports what the sender used.
    pub length_form: LengthForm,
}

impl FrameHeader {
    /// A header for a payload of `payload_len` octets, in the minimal length form §5.2
    /// requires.
    pub fn new(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload_len: u64) -> Self {
        FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len,
            length_form: LengthForm::minimal(payload_len),
        }
    }

    /// Octets of the header: 2, plus the extended length, plus 4 for a masking key.
    pub fn len(&self) -> usize {
        2 + self.length_form.extra_octets() + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Always false: a header has at least two octets (here for clippy's `len` rule).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends the header to `out` in the minimal length form (whatever `length_form` says:
    /// the testsuite always writes the minimal one, so the encoder has no override).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let len = self.payload_len;
        let b0 = (u8::from(self.fin) << 7) | ((self.rsv & 0x07) << 4) | (self.opcode & 0x0F);
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        out.push(b0);
        match LengthForm::minimal(len) {
            LengthForm::Short7 => out.push(mask_bit | len as u8),
            LengthForm::Extended16 => {
                out.push(mask_bit | 126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            LengthForm::Extended64 => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&len.to_be_bytes());
            }
        }
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
        }
    }

    /// The encoded header as a new vector.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(14);
        self.encode_into(&mut out);
        out
    }
}

/// Outcome of [`decode_header`]: a whole header, or how many more octets it needs at least.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodedHeader {
    /// The header is complete; its octets are [`FrameHeader::len`].
    Complete(FrameHeader),
    /// The buffer holds the header's beginning only.
    Incomplete {
        /// At least this many more octets are needed (exact once the length field is in).
        needed: usize,
    },
}

/// Decodes the frame header at the start of `buf` (RFC 6455 §5.2). "Need more octets" is
/// [`DecodedHeader::Incomplete`]; a 64-bit length with its most significant bit set (which
/// §5.2 forbids) is [`FrameError::LengthHighBitSet`]. Everything else a protocol endpoint
/// would reject (reserved opcodes, RSV bits, non-minimal lengths) decodes and is reported.
pub fn decode_header(buf: &[u8]) -> Result<DecodedHeader, FrameError> {
    let need = |want: usize| {
        Ok(DecodedHeader::Incomplete {
            needed: want - buf.len(),
        })
    };
    let (Some(&b0), Some(&b1)) = (buf.first(), buf.get(1)) else {
        return need(2);
    };
    let masked = b1 & 0x80 != 0;
    let length_form = match b1 & 0x7F {
        126 => LengthForm::Extended16,
        127 => LengthForm::Extended64,
        _ => LengthForm::Short7,
    };
    let ext = length_form.extra_octets();
    let header_len = 2 + ext + if masked { 4 } else { 0 };
    if buf.len() < header_len {
        return need(header_len);
    }
    let payload_len = match length_form {
        LengthForm::Short7 => u64::from(b1 & 0x7F),
        LengthForm::Extended16 => u64::from(u16::from_be_bytes([buf[2], buf[3]])),
        LengthForm::Extended64 => {
            let mut octets = [0; 8];
            octets.copy_from_slice(&buf[2..10]);
            let length = u64::from_be_bytes(octets);
            if length & (1 << 63) != 0 {
                return Err(FrameError::LengthHighBitSet { length });
            }
            length
        }
    };
    let mask = masked.then(|| {
        let at = 2 + ext;
        [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]
    });
    Ok(DecodedHeader::Complete(FrameHeader {
        fin: b0 & 0x80 != 0,
        rsv: (b0 >> 4) & 0x07,
        opcode: b0 & 0x0F,
        mask,
        payload_len,
        length_form,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(buf: &[u8]) -> FrameHeader {
        match decode_header(buf) {
            Ok(DecodedHeader::Complete(h)) => h,
            other => panic!("expected a whole header, got {other:?}"),
        }
    }

    #[test]
    fn every_length_form_and_mask_round_trips_at_its_boundaries() {
        let rows: [(u64, LengthForm, usize); 8] = [
            (0, LengthForm::Short7, 2),
            (125, LengthForm::Short7, 2),
            (126, LengthForm::Extended16, 4),
            (0xFFFF, LengthForm::Extended16, 4),
            (0x1_0000, LengthForm::Extended64, 10),
            (u32::MAX as u64 + 1, LengthForm::Extended64, 10),
            (i64::MAX as u64, LengthForm::Extended64, 10),
            (1, LengthForm::Short7, 2),
        ];
        for (len, form, octets) in rows {
            for mask in [None, Some([0xDE, 0xAD, 0xBE, 0xEF])] {
                for (fin, rsv, op) in [(true, 0, 0x1), (false, 7, 0xF), (true, 4, 0x0)] {
                    let h = FrameHeader::new(fin, rsv, op, mask, len);
                    let wire = h.encode();
                    let extra = if mask.is_some() { 4 } else { 0 };
                    assert_eq!(wire.len(), octets + extra, "len {len} mask {mask:?}");
                    assert_eq!(h.len(), wire.len());
                    let back = complete(&wire);
                    assert_eq!(back, h, "len {len} mask {mask:?}");
                    assert_eq!(back.length_form, form, "len {len}");
                    // trailing payload octets are not the header's business
                    assert_eq!(complete(&[wire.clone(), vec![0; 3]].concat()), h);
                }
            }
        }
    }

    #[test]
    fn rfc6455_examples_encode_octet_for_octet() {
        let masked_hello = FrameHeader::new(true, 0, 0x1, Some([0x37, 0xfa, 0x21, 0x3d]), 5);
        assert_eq!(masked_hello.encode(), [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]);
        let binary_256 = FrameHeader::new(true, 0, 0x2, None, 256);
        assert_eq!(binary_256.encode(), [0x82, 0x7E, 0x01, 0x00]);
        let binary_64k = FrameHeader::new(true, 0, 0x2, None, 65536);
        assert_eq!(binary_64k.encode(), [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]);
    }

    #[test]
    fn out_of_range_bits_are_cut_as_the_testsuite_cuts_them() {
        let h = FrameHeader::new(true, 0x0F, 0x1F, None, 0);
        assert_eq!(h.encode(), [0xFF, 0x00]);
    }

    #[test]
    fn non_minimal_lengths_decode_and_say_so() {
        let h = complete(&[0x82, 0x7E, 0x00, 0x05]);
        assert_eq!(h.payload_len, 5);
        assert_eq!(h.length_form, LengthForm::Extended16);
        assert_ne!(h.length_form, LengthForm::minimal(h.payload_len));
        let h = complete(&[0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9]);
        assert_eq!((h.payload_len, h.mask), (1, Some([9; 4])));
        assert_eq!(h.len(), 14);
    }

    #[test]
    fn every_prefix_is_incomplete_with_what_it_needs() {
        let wire = FrameHeader::new(true, 0, 0x2, Some([1, 2, 3, 4]), 70_000).encode();
        assert_eq!(wire.len(), 14);
        for cut in 0..wire.len() {
            let got = decode_header(&wire[..cut]).unwrap();
            let DecodedHeader::Incomplete { needed } = got else {
                panic!("prefix {cut}: {got:?}");
            };
            assert!(needed >= 1 && cut + needed <= wire.len(), "prefix {cut}");
            if cut >= 2 {
                assert_eq!(
                    cut + needed,
                    wire.len(),
                    "prefix {cut}: exact once b1 is in"
                );
            }
        }
    }

    #[test]
    fn a_64_bit_length_with_its_high_bit_set_is_refused() {
        let mut wire = vec![0x82, 0x7F];
        wire.extend_from_slice(&(1u64 << 63).to_be_bytes());
        assert_eq!(
            decode_header(&wire),
            Err(FrameError::LengthHighBitSet { length: 1 << 63 })
        );
        wire[2] = 0xFF;
        assert!(matches!(
            decode_header(&wire),
            Err(FrameError::LengthHighBitSet { .. })
        ));
    }
}
