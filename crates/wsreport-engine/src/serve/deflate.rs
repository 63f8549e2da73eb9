//! permessage-deflate (RFC 7692) for the echo server, below tungstenite.
//!
//! Tungstenite has no extension support: it rejects every frame with RSV1 set. This module
//! makes the extension invisible to it. [`echo_negotiate`] (in [`crate::protocol::deflate`],
//! which reads offers for the case engine too) picks the client's first offer the server can
//! honour and builds the `Sec-WebSocket-Extensions` answer; once it is accepted,
//! [`DeflateStream`] sits between the TCP stream and tungstenite and rewrites frames with the
//! engine's [`Codec`]:
//!
//! - **read side**: a compressed message's frames (RSV1 on the first, §6) are inflated and
//!   handed up as plain frames (RSV1 cleared, still masked, with a zero key), so tungstenite
//!   keeps doing every RFC 6455 check (masking, fragmentation, UTF-8, control frames, close
//!   codes) on the decompressed message. Every other frame passes through untouched, which
//!   is also how malformed ones (RSV1 on a continuation or control frame, RSV2/RSV3, unmasked)
//!   reach tungstenite and fail the connection with 1002.
//! - **write side**: tungstenite's data frames are compressed (RSV1 set on the first frame of
//!   each message, the trailing `00 00 ff ff` removed, §7.2.1) at the configured zlib level,
//!   stored blocks ([`STORED`]) by default; control frames pass.
//!
//! Data the adapter itself cannot accept is a [`DeflateFailure`]: the read returns an I/O
//! error and the echo loop asks [`DeflateStream::failure`] which close code to send.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub use crate::protocol::deflate::{Codec, InflateError, Params, STORED, echo_negotiate};
use crate::wire::{DecodedHeader, FrameHeader, decode_header};

/// How many octets the adapter reads from the network at once.
const READ_CHUNK: usize = 64 * 1024;

/// The largest frame buffer kept for the next frame; a larger one (a 16 MiB message) is freed
/// once used, so an idle connection does not hold it.
const KEEP_BUFFER: usize = 1 << 20;

/// Empties `buf` for the next frame, freeing it when it grew past [`KEEP_BUFFER`].
fn recycle(buf: &mut Vec<u8>) {
    if buf.capacity() > KEEP_BUFFER {
        *buf = Vec::new();
    } else {
        buf.clear();
    }
}

/// Why the adapter failed the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeflateFailure {
    /// A compressed message is not valid DEFLATE data. RFC 7692 names no close code; like
    /// Chrome and Python `websockets`, this is a protocol error, 1002.
    #[error("invalid compressed data")]
    Invalid,
    /// A compressed frame, or the decompressed message, is larger than the limit (1009).
    #[error("decompressed message too big")]
    TooBig,
}

impl DeflateFailure {
    /// The close code to fail the connection with (RFC 6455 §7.4.1).
    pub fn close_code(self) -> u16 {
        match self {
            DeflateFailure::Invalid => 1002,
            DeflateFailure::TooBig => 1009,
        }
    }
}

impl From<InflateError> for DeflateFailure {
    fn from(e: InflateError) -> Self {
        match e {
            InflateError::Invalid(_) => DeflateFailure::Invalid,
            InflateError::TooBig { .. } => DeflateFailure::TooBig,
        }
    }
}

/// The server's side of the codec for `params`: it inflates leniently (see
/// [`Codec::lenient`]), refuses messages that inflate to more than `limit` octets and
/// compresses at zlib `level`.
fn server_codec(params: Params, limit: Option<usize>, level: u32) -> Codec {
    Codec::new(params, true)
        .with_limit(limit.unwrap_or(usize::MAX))
        .with_level(level)
        .lenient()
}

/// The frame header at the start of `buf`, if it is all there. A header no frame can have
/// (a 64-bit length with its high bit set) is invalid data.
fn parse_header(buf: &[u8]) -> Result<Option<FrameHeader>, DeflateFailure> {
    match decode_header(buf) {
        Ok(DecodedHeader::Complete(h)) => Ok(Some(h)),
        Ok(DecodedHeader::Incomplete { .. }) => Ok(None),
        Err(_) => Err(DeflateFailure::Invalid),
    }
}

fn push_header(
    out: &mut Vec<u8>,
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    len: usize,
) {
    FrameHeader::new(fin, rsv, opcode, mask, len as u64).encode_into(out);
}

fn unmask(payload: &mut [u8], mask: Option<[u8; 4]>) {
    if let Some(key) = mask {
        crate::wire::apply_mask(payload, key);
    }
}

const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CONTINUATION: u8 = 0x0;
const RSV1: u8 = 0b100;

/// The read side: client octets in, the same frames with compressed messages inflated out.
struct Rx {
    raw: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    /// Payload octets of a passed-through frame still to copy.
    passing: u64,
    /// A message is under way: `Some(true)` if compressed.
    message: Option<bool>,
    codec: Codec,
    limit: Option<usize>,
    eof: bool,
    /// The frame being inflated, reused from frame to frame.
    plain: Vec<u8>,
}

impl Rx {
    fn new(params: Params, limit: Option<usize>) -> Self {
        Rx {
            raw: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            passing: 0,
            message: None,
            // the read side only inflates: its level is never used
            codec: server_codec(params, limit, STORED),
            limit,
            eof: false,
            plain: Vec::new(),
        }
    }

    /// Moves what it can from `raw` to `out`.
    fn process(&mut self) -> Result<(), DeflateFailure> {
        let mut pos = 0;
        loop {
            let avail = &mut self.raw[pos..];
            if self.passing > 0 {
                let n = avail
                    .len()
                    .min(self.passing.try_into().unwrap_or(usize::MAX));
                if n == 0 {
                    break;
                }
                self.out.extend_from_slice(&avail[..n]);
                self.passing -= n as u64;
                pos += n;
                continue;
            }
            let Some(h) = parse_header(avail)? else { break };
            let first = matches!(h.opcode, TEXT | BINARY) && self.message.is_none();
            let compressed = h.mask.is_some()
                && ((first && h.rsv == RSV1)
                    || (h.opcode == CONTINUATION && h.rsv == 0 && self.message == Some(true)));
            if compressed {
                // Without a limit, still one that keeps `header_len + len` addressable.
                let limit = self.limit.unwrap_or(usize::MAX >> 1);
                if h.payload_len > limit as u64 {
                    return Err(DeflateFailure::TooBig);
                }
                let total = h.len() + h.payload_len as usize;
                if avail.len() < total {
                    break;
                }
                // unmasked where it lies: these octets are consumed here
                let payload = &mut avail[h.len()..total];
                unmask(payload, h.mask);
                let plain = &mut self.plain;
                plain.clear();
                if self.message != Some(true) {
                    self.codec.start_decompress();
                }
                self.codec.decompress(payload, plain)?;
                if h.fin {
                    self.codec.end_decompress(plain)?;
                }
                push_header(&mut self.out, h.fin, 0, h.opcode, Some([0; 4]), plain.len());
                self.out.extend_from_slice(plain);
                recycle(plain);
                self.message = (!h.fin).then_some(true);
                pos += total;
                continue;
            }
            // Everything else goes up as it came; tungstenite judges it.
            if h.rsv == 0 && h.mask.is_some() {
                if first && !h.fin {
                    self.message = Some(false);
                } else if h.opcode == CONTINUATION && h.fin && self.message == Some(false) {
                    self.message = None;
                }
            }
            self.out.extend_from_slice(&avail[..h.len()]);
            self.passing = h.payload_len;
            pos += h.len();
        }
        self.raw.drain(..pos);
        Ok(())
    }
}

/// The write side: tungstenite's frames in, data frames compressed out.
struct Tx {
    pending: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    /// A compressed message is under way (its first frame was not final).
    in_message: bool,
    codec: Codec,
    /// The frame being compressed, reused from frame to frame.
    packed: Vec<u8>,
}

impl Tx {
    fn process(&mut self) {
        let mut pos = 0;
        // tungstenite writes no header the codec refuses (its lengths fit in 63 bits).
        while let Ok(Some(h)) = parse_header(&self.pending[pos..]) {
            let total = h
                .len()
                .saturating_add(h.payload_len.try_into().unwrap_or(usize::MAX));
            let frame = &self.pending[pos..];
            if frame.len() < total {
                break;
            }
            let compress = h.rsv == 0
                && (matches!(h.opcode, TEXT | BINARY) && !self.in_message
                    || h.opcode == CONTINUATION && self.in_message);
            if compress {
                let packed = &mut self.packed;
                packed.clear();
                match h.mask {
                    // a server's frames are unmasked: compressed from where they lie
                    None => self
                        .codec
                        .compress_fragment(&frame[h.len()..total], h.fin, packed),
                    Some(_) => {
                        let mut payload = frame[h.len()..total].to_vec();
                        unmask(&mut payload, h.mask);
                        self.codec.compress_fragment(&payload, h.fin, packed);
                    }
                }
                unmask(packed, h.mask);
                let rsv = if h.opcode == CONTINUATION { 0 } else { RSV1 };
                push_header(&mut self.out, h.fin, rsv, h.opcode, h.mask, packed.len());
                self.out.extend_from_slice(packed);
                recycle(packed);
                self.in_message = !h.fin;
            } else {
                self.out.extend_from_slice(&frame[..total]);
            }
            pos += total;
        }
        self.pending.drain(..pos);
    }
}

/// Both directions of a connection with permessage-deflate on.
struct Sides {
    rx: Rx,
    tx: Tx,
    scratch: Box<[u8]>,
}

/// A stream adapter that carries permessage-deflate below tungstenite (see the module docs).
/// Until [`DeflateStream::enable`] it passes every octet through, so the opening handshake
/// runs over it unchanged.
pub struct DeflateStream<S> {
    inner: S,
    codec: Option<Box<Sides>>,
    failure: Option<DeflateFailure>,
}

impl<S> DeflateStream<S> {
    /// Wraps `inner`, passing everything through.
    pub fn new(inner: S) -> Self {
        DeflateStream {
            inner,
            codec: None,
            failure: None,
        }
    }

    /// Turns the extension on with the negotiated `params`, from the next octet on; `limit`
    /// caps a decompressed message, `level` is the zlib level of what the server sends
    /// ([`STORED`]: stored blocks). Call it right after the opening handshake.
    pub fn enable(&mut self, params: Params, limit: Option<usize>, level: u32) {
        self.codec = Some(Box::new(Sides {
            rx: Rx::new(params, limit),
            tx: Tx {
                pending: Vec::new(),
                out: Vec::new(),
                out_pos: 0,
                in_message: false,
                codec: server_codec(params, limit, level),
                packed: Vec::new(),
            },
            scratch: vec![0; READ_CHUNK].into_boxed_slice(),
        }));
    }

    /// Whether the extension is on.
    pub fn enabled(&self) -> bool {
        self.codec.is_some()
    }

    /// Why the adapter failed the connection, if it did; the read that found it returned an
    /// [`io::ErrorKind::InvalidData`] error.
    pub fn failure(&self) -> Option<DeflateFailure> {
        self.failure
    }
}

impl<S: AsyncWrite + Unpin> DeflateStream<S> {
    /// Writes out what the write side has ready.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(codec) = self.codec.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let tx = &mut codec.tx;
        while tx.out_pos < tx.out.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &tx.out[tx.out_pos..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            tx.out_pos += n;
        }
        tx.out.clear();
        tx.out_pos = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for DeflateStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let Some(codec) = this.codec.as_mut().filter(|_| this.failure.is_none()) else {
            // Off, or failed: raw octets, so that closing can drain the socket.
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        };
        loop {
            let rx = &mut codec.rx;
            if rx.out_pos < rx.out.len() {
                let n = buf.remaining().min(rx.out.len() - rx.out_pos);
                buf.put_slice(&rx.out[rx.out_pos..rx.out_pos + n]);
                rx.out_pos += n;
                if rx.out_pos == rx.out.len() {
                    rx.out.clear();
                    rx.out_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if rx.eof {
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(&mut codec.scratch);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            let got = read.filled();
            if got.is_empty() {
                rx.eof = true;
                continue;
            }
            rx.raw.extend_from_slice(got);
            if let Err(failure) = rx.process() {
                this.failure = Some(failure);
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, failure)));
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for DeflateStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let Some(codec) = this.codec.as_mut() else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        // Back-pressure: a backlog of a few MiB must go out before more is taken.
        if codec.tx.out.len() - codec.tx.out_pos > 4 << 20 {
            ready!(this.poll_drain(cx))?;
        }
        let codec = this.codec.as_mut().expect("enabled");
        codec.tx.pending.extend_from_slice(buf);
        codec.tx.process();
        // Start sending now; whatever does not fit goes on the next write or flush.
        if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Decoded, Frame, decode, opcode};

    const MASK: Option<[u8; 4]> = Some([0x11, 0x22, 0x33, 0x44]);

    fn params(no_context_takeover: bool, bits: Option<u8>) -> Params {
        Params {
            server_no_context_takeover: no_context_takeover,
            server_max_window_bits: bits.unwrap_or(15),
            ..Params::default()
        }
    }

    /// The server's compressor for `params`.
    fn deflater(params: Params) -> Codec {
        server_codec(params, None, 1)
    }

    /// The server's inflater (it reads the client's stream) with `limit`.
    fn inflater(limit: Option<usize>) -> Codec {
        server_codec(Params::default(), limit, 1)
    }

    /// One message's compressed `chunks` (one a frame) inflated onto `out`.
    fn inflate(c: &mut Codec, chunks: &[&[u8]], out: &mut Vec<u8>) -> Result<(), DeflateFailure> {
        c.start_decompress();
        for chunk in chunks {
            c.decompress(chunk, out)?;
        }
        Ok(c.end_decompress(out)?)
    }

    #[test]
    fn negotiation_accepts_the_first_offer_it_can_honour() {
        let rows: &[(&[&str], Option<&str>)] = &[
            (&["permessage-deflate"], Some("permessage-deflate")),
            (
                &["permessage-deflate; client_no_context_takeover; client_max_window_bits"],
                Some("permessage-deflate"),
            ),
            (
                &["permessage-deflate; client_max_window_bits; server_no_context_takeover"],
                Some("permessage-deflate; server_no_context_takeover"),
            ),
            (
                &["permessage-deflate; server_max_window_bits=9; client_max_window_bits=10"],
                Some("permessage-deflate; server_max_window_bits=9"),
            ),
            (
                &["permessage-deflate; server_no_context_takeover; server_max_window_bits=\"15\""],
                Some("permessage-deflate; server_no_context_takeover; server_max_window_bits=15"),
            ),
            (
                &["permessage-deflate;server_max_window_bits=8"],
                Some("permessage-deflate; server_max_window_bits=8"),
            ),
            // 13.7: three offers in one header; the first is honoured.
            (
                &[
                    "permessage-deflate; server_no_context_takeover; server_max_window_bits=9, \
                   permessage-deflate; server_no_context_takeover, permessage-deflate",
                ],
                Some("permessage-deflate; server_no_context_takeover; server_max_window_bits=9"),
            ),
            // Declined offers fall through to the next one, across headers too.
            (
                &[
                    "x-webkit-deflate-frame",
                    "permessage-deflate; foo, permessage-deflate",
                ],
                Some("permessage-deflate"),
            ),
            (&["permessage-deflate; server_max_window_bits=7"], None),
            (&["permessage-deflate; server_max_window_bits=16"], None),
            (&["permessage-deflate; server_max_window_bits=09"], None),
            (&["permessage-deflate; server_max_window_bits"], None),
            (&["permessage-deflate; client_max_window_bits=1a"], None),
            (&["permessage-deflate; server_no_context_takeover=1"], None),
            (
                &["permessage-deflate; server_no_context_takeover; server_no_context_takeover"],
                None,
            ),
            (&["permessage-deflate; mystery"], None),
            (&["deflate-frame"], None),
            (&[], None),
        ];
        for (headers, expected) in rows {
            let got = echo_negotiate(headers.iter().copied()).map(|(_, answer)| answer);
            assert_eq!(got.as_deref(), *expected, "{headers:?}");
        }
        // the parameters are the answer's, and nothing is asked of the client
        let (p, _) = echo_negotiate(["permessage-deflate; server_no_context_takeover; \
             server_max_window_bits=9; client_max_window_bits=10"])
        .unwrap();
        assert_eq!(p, params(true, Some(9)));
    }

    fn round_trip(deflater: &mut Codec, inflater: &mut Codec, msg: &[u8]) -> Vec<u8> {
        let mut packed = Vec::new();
        deflater.compress_fragment(msg, true, &mut packed);
        assert!(!packed.ends_with(&[0, 0, 0xff, 0xff]));
        let mut plain = Vec::new();
        inflate(inflater, &[&packed], &mut plain).unwrap();
        assert_eq!(plain, msg);
        packed
    }

    #[test]
    fn context_takeover_shrinks_repeats_and_no_context_takeover_does_not() {
        let msg = b"{\"glossary\": {\"title\": \"example glossary\", \"GlossDiv\": {}}}".repeat(3);
        for (no_takeover, bits) in [
            (false, None),
            (true, None),
            (false, Some(9)),
            (true, Some(9)),
            (true, Some(8)),
        ] {
            let mut deflater = deflater(params(no_takeover, bits));
            let mut inflater = inflater(None);
            let first = round_trip(&mut deflater, &mut inflater, &msg);
            let second = round_trip(&mut deflater, &mut inflater, &msg);
            if no_takeover {
                assert_eq!(first, second, "reset compressor: same octets");
            } else {
                assert!(second.len() < first.len() / 2, "{first:?} vs {second:?}");
            }
        }
        // An 8-bit window is written as stored blocks (no back-reference at all), which any
        // window reads: see `protocol::deflate`.
        let mut eight = deflater(params(false, Some(8)));
        let mut inflater8 = inflater(None);
        let first = round_trip(&mut eight, &mut inflater8, &msg);
        assert!(first.len() > msg.len(), "stored, not compressed");
        round_trip(&mut eight, &mut inflater8, &msg);
        // Empty messages too, and what follows them still inflates.
        let mut deflater = deflater(params(false, None));
        let mut inflater = inflater(None);
        round_trip(&mut deflater, &mut inflater, &msg);
        assert_eq!(round_trip(&mut deflater, &mut inflater, b""), [0x00]);
        round_trip(&mut deflater, &mut inflater, b"");
        round_trip(&mut deflater, &mut inflater, &msg);
        // An empty message sent as no octets at all is taken as empty.
        let mut plain = Vec::new();
        inflate(&mut inflater, &[], &mut plain).unwrap();
        assert!(plain.is_empty());
        round_trip(&mut deflater, &mut inflater, &msg);
    }

    /// The server's default: stored blocks, which inflate to the message with or without
    /// context takeover, whatever the window, and are the same octets from message to message.
    #[test]
    fn stored_echoes_inflate_to_the_message_in_every_parameter_set() {
        let msg = b"{\"glossary\": {\"title\": \"example glossary\", \"GlossDiv\": {}}}".repeat(3);
        let long: Vec<u8> = (0..200_000u32).map(|i| (i % 7) as u8).collect();
        for (no_takeover, bits) in [
            (false, None),
            (true, None),
            (false, Some(9)),
            (true, Some(8)),
        ] {
            let mut deflater = server_codec(params(no_takeover, bits), None, STORED);
            let mut inflater = inflater(None);
            let first = round_trip(&mut deflater, &mut inflater, &msg);
            // one stored block (BTYPE 00): a 5-octet header, then the message as it is
            assert_eq!(first[0] & 0b110, 0, "stored block");
            assert_eq!(&first[5..5 + msg.len()], &msg[..]);
            let second = round_trip(&mut deflater, &mut inflater, &msg);
            assert_eq!(first, second, "nothing refers back: the same octets");
            // longer than a stored block holds (65535 octets), and empty
            round_trip(&mut deflater, &mut inflater, &long);
            assert_eq!(round_trip(&mut deflater, &mut inflater, b""), [0x00]);
            round_trip(&mut deflater, &mut inflater, &msg);
        }
    }

    #[test]
    fn a_message_split_across_fragments_inflates_whole() {
        let msg: Vec<u8> = (0..5000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let mut packed = Vec::new();
        deflater(params(false, None)).compress_fragment(&msg, true, &mut packed);
        let mut plain = Vec::new();
        let chunks: Vec<_> = packed.chunks(7).collect();
        inflate(&mut inflater(None), &chunks, &mut plain).unwrap();
        assert_eq!(plain, msg);
        // and a message compressed fragment by fragment, each sync-flushed
        let mut packed = Vec::new();
        let mut d = deflater(params(false, None));
        let parts: Vec<_> = msg.chunks(1000).collect();
        let mut frames = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let start = packed.len();
            d.compress_fragment(part, i + 1 == parts.len(), &mut packed);
            frames.push(packed[start..].to_vec());
        }
        let frames: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        let mut plain = Vec::new();
        inflate(&mut inflater(None), &frames, &mut plain).unwrap();
        assert_eq!(plain, msg);
    }

    #[test]
    fn invalid_data_and_bombs_fail() {
        let mut plain = Vec::new();
        // BTYPE 11 is reserved (RFC 1951 §3.2.3).
        let got = inflate(&mut inflater(None), &[&[0xff, 0xff, 0xff]], &mut plain);
        assert_eq!(got, Err(DeflateFailure::Invalid));

        let mut packed = Vec::new();
        deflater(params(false, None)).compress_fragment(&vec![0; 100_000], true, &mut packed);
        let got = inflate(&mut inflater(Some(99_999)), &[&packed], &mut Vec::new());
        assert_eq!(got, Err(DeflateFailure::TooBig));
        let got = inflate(&mut inflater(Some(100_000)), &[&packed], &mut Vec::new());
        assert_eq!(got, Ok(()));
        // the limit counts the message, not each frame's output
        let (a, b) = packed.split_at(packed.len() / 2);
        let got = inflate(&mut inflater(Some(99_999)), &[a, b], &mut Vec::new());
        assert_eq!(got, Err(DeflateFailure::TooBig));
    }

    fn decode_all(mut buf: &[u8]) -> Vec<Frame> {
        let mut frames = Vec::new();
        while let Decoded::Complete(d) = decode(buf).unwrap() {
            buf = &buf[d.consumed..];
            frames.push(d.frame);
        }
        assert!(buf.is_empty(), "left over: {buf:?}");
        frames
    }

    #[test]
    fn read_side_inflates_compressed_frames_and_passes_the_rest() {
        let mut packed = Vec::new();
        deflater(params(false, None)).compress_fragment(b"Hello, deflate", true, &mut packed);
        let (a, b) = packed.split_at(5);
        let wire = [
            Frame::new(opcode::TEXT, a.to_vec())
                .with_fin(false)
                .with_rsv(4),
            Frame::new(opcode::PING, b"p".to_vec()),
            Frame::new(opcode::CONTINUATION, b.to_vec()),
            Frame::new(opcode::BINARY, b"plain".to_vec()),
            // RSV1 on a continuation frame of a plain message is left for tungstenite.
            Frame::new(opcode::TEXT, b"x".to_vec()).with_fin(false),
            Frame::new(opcode::CONTINUATION, b"y".to_vec()).with_rsv(4),
        ];
        let octets: Vec<u8> = wire
            .iter()
            .flat_map(|f| f.clone().with_mask(MASK).encode())
            .collect();
        let mut rx = Rx::new(Params::default(), None);
        // Byte by byte: partial headers and payloads are "need more".
        for b in octets {
            rx.raw.push(b);
            rx.process().unwrap();
        }
        let got = decode_all(&rx.out);
        // How much of the text the first fragment yields is up to the inflater.
        let text = [got[0].payload.clone(), got[2].payload.clone()].concat();
        assert_eq!(text, b"Hello, deflate");
        let shape: Vec<_> = got
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let payload = if i == 0 || i == 2 {
                    Vec::new()
                } else {
                    f.payload
                };
                (f.opcode, f.fin, f.rsv, f.mask.is_some(), payload)
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (opcode::TEXT, false, 0, true, vec![]),
                (opcode::PING, true, 0, true, b"p".to_vec()),
                (opcode::CONTINUATION, true, 0, true, vec![]),
                (opcode::BINARY, true, 0, true, b"plain".to_vec()),
                (opcode::TEXT, false, 0, true, b"x".to_vec()),
                (opcode::CONTINUATION, true, 4, true, b"y".to_vec()),
            ]
        );
    }

    #[test]
    fn a_huge_declared_length_is_refused_not_awaited() {
        let huge = |length: u64| {
            let mut header = vec![0xc2, 0xff];
            header.extend_from_slice(&length.to_be_bytes());
            header.extend_from_slice(&[1, 2, 3, 4]);
            let mut rx = Rx::new(Params::default(), Some(64 << 20));
            rx.raw = header;
            rx.process()
        };
        assert_eq!(huge(1 << 40), Err(DeflateFailure::TooBig));
        assert_eq!(huge(u64::MAX >> 1), Err(DeflateFailure::TooBig));
        // a length with its high bit set is no frame at all (RFC 6455 §5.2)
        assert_eq!(huge(u64::MAX), Err(DeflateFailure::Invalid));
    }

    #[test]
    fn write_side_compresses_data_frames_only() {
        let mut tx = Tx {
            pending: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            in_message: false,
            codec: deflater(params(false, None)),
            packed: Vec::new(),
        };
        let frames = [
            Frame::new(opcode::TEXT, b"echo me".to_vec()),
            Frame::new(opcode::PONG, b"p".to_vec()),
            Frame::new(opcode::CLOSE, vec![0x03, 0xe8]),
        ];
        for f in &frames {
            let octets = f.encode();
            let (a, b) = octets.split_at(3);
            tx.pending.extend_from_slice(a);
            tx.process();
            tx.pending.extend_from_slice(b);
            tx.process();
        }
        assert!(tx.pending.is_empty());
        let got = decode_all(&tx.out);
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[0].opcode, got[0].rsv, got[0].fin),
            (opcode::TEXT, 4, true)
        );
        let mut plain = Vec::new();
        inflate(&mut inflater(None), &[&got[0].payload], &mut plain).unwrap();
        assert_eq!(plain, b"echo me");
        assert_eq!(got[1..], frames[1..]);
    }
}
