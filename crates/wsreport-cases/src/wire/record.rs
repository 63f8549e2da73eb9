//! Recording what a peer sends: every read and every frame, in order.
//!
//! This is the receive half of a wire log (`RO` and `RF` rows) and of the `rxOctetStats` and
//! `rxFrameStats` histograms. [`FrameRecorder`] is the synchronous core, fed chunk by chunk;
//! [`RecordingReader`] wraps any `AsyncRead` (and passes `AsyncWrite` through, so it can sit
//! under a WebSocket client) and feeds every read to a recorder.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::decode::{Decoded, DecodedFrame, FrameError, decode_with_limit};

/// One thing seen on the receive side, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireEvent {
    /// Octets received in one read (a wire log's `RO` row).
    Read(Vec<u8>),
    /// A frame completed by the octets read so far (a wire log's `RF` row).
    Frame(DecodedFrame),
    /// The octets after the last frame cannot be a frame; nothing more is decoded.
    Malformed(FrameError),
}

/// Decodes frames out of a byte stream fed in chunks, logging reads and frames.
#[derive(Debug)]
pub struct FrameRecorder {
    events: Vec<WireEvent>,
    logging: bool,
    pending: Vec<u8>,
    in_http_head: bool,
    http_head: Vec<u8>,
    max_payload: u64,
    failed: bool,
    octet_stats: BTreeMap<usize, u64>,
    frame_stats: BTreeMap<u8, u64>,
}

impl Default for FrameRecorder {
    fn default() -> Self {
        FrameRecorder::new()
    }
}

impl FrameRecorder {
    /// A recorder that decodes frames from the first octet it is fed.
    pub fn new() -> Self {
        FrameRecorder {
            events: Vec::new(),
            logging: true,
            pending: Vec::new(),
            in_http_head: false,
            http_head: Vec::new(),
            max_payload: u64::MAX,
            failed: false,
            octet_stats: BTreeMap::new(),
            frame_stats: BTreeMap::new(),
        }
    }

    /// A recorder for a whole connection: the octets up to and including the first
    /// `\r\n\r\n` are the opening handshake's HTTP head (RFC 6455 §4), kept apart (see
    /// [`FrameRecorder::http_head`]); frames are decoded from the octet after it.
    pub fn after_http_head() -> Self {
        FrameRecorder {
            in_http_head: true,
            ..FrameRecorder::new()
        }
    }

    /// Refuses payload lengths above `max_payload` (recorded as [`WireEvent::Malformed`]).
    pub fn with_max_payload(mut self, max_payload: u64) -> Self {
        self.max_payload = max_payload;
        self
    }

    /// Turns event logging on or off (the testsuite's `WLM` rows: large cases switch the
    /// wire log off). Statistics are counted either way.
    pub fn set_logging(&mut self, on: bool) {
        self.logging = on;
    }

    /// Feeds the octets of one read.
    pub fn feed(&mut self, chunk: &[u8]) {
        *self.octet_stats.entry(chunk.len()).or_insert(0) += 1;
        if self.logging {
            self.events.push(WireEvent::Read(chunk.to_vec()));
        }
        let mut rest = chunk;
        if self.in_http_head {
            // The terminator may straddle reads: search the tail of the head plus this chunk.
            let from = self.http_head.len().saturating_sub(3);
            self.http_head.extend_from_slice(chunk);
            match self.http_head[from..]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
            {
                Some(at) => {
                    let end = from + at + 4;
                    let body_octets = self.http_head.len() - end;
                    self.http_head.truncate(end);
                    self.in_http_head = false;
                    rest = &chunk[chunk.len() - body_octets..];
                }
                None => return,
            }
        }
        if self.failed {
            return;
        }
        self.pending.extend_from_slice(rest);
        let mut at = 0;
        loop {
            match decode_with_limit(&self.pending[at..], self.max_payload) {
                Ok(Decoded::Complete(frame)) => {
                    at += frame.consumed;
                    *self.frame_stats.entry(frame.frame.opcode).or_insert(0) += 1;
                    if self.logging {
                        self.events.push(WireEvent::Frame(frame));
                    }
                }
                Ok(Decoded::Incomplete { .. }) => break,
                Err(err) => {
                    self.failed = true;
                    self.events.push(WireEvent::Malformed(err));
                    break;
                }
            }
        }
        self.pending.drain(..at);
    }

    /// Everything recorded so far, in order.
    pub fn events(&self) -> &[WireEvent] {
        &self.events
    }

    /// Takes the recorded events, leaving the statistics as they are.
    pub fn take_events(&mut self) -> Vec<WireEvent> {
        std::mem::take(&mut self.events)
    }

    /// The frames recorded so far, in order.
    pub fn frames(&self) -> impl Iterator<Item = &DecodedFrame> {
        self.events.iter().filter_map(|e| match e {
            WireEvent::Frame(f) => Some(f),
            _ => None,
        })
    }

    /// Octets received after the last whole frame: the start of a frame still arriving.
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }

    /// The opening handshake's HTTP head, for a recorder made by
    /// [`FrameRecorder::after_http_head`] (what has arrived of it so far).
    pub fn http_head(&self) -> &[u8] {
        &self.http_head
    }

    /// `rxOctetStats`: read size -> number of reads of that size.
    pub fn rx_octet_stats(&self) -> &BTreeMap<usize, u64> {
        &self.octet_stats
    }

    /// `rxFrameStats`: opcode -> number of frames received with it.
    pub fn rx_frame_stats(&self) -> &BTreeMap<u8, u64> {
        &self.frame_stats
    }
}

/// An `AsyncRead` wrapper that feeds every read to a [`FrameRecorder`]; writes pass through.
#[derive(Debug)]
pub struct RecordingReader<R> {
    inner: R,
    recorder: FrameRecorder,
}

impl<R> RecordingReader<R> {
    /// Wraps `inner`, recording with `recorder` (e.g. [`FrameRecorder::after_http_head`]).
    pub fn new(inner: R, recorder: FrameRecorder) -> Self {
        RecordingReader { inner, recorder }
    }

    /// The recorder, to read events and statistics.
    pub fn recorder(&self) -> &FrameRecorder {
        &self.recorder
    }

    /// The recorder, to take events or switch logging.
    pub fn recorder_mut(&mut self) -> &mut FrameRecorder {
        &mut self.recorder
    }

    /// The wrapped stream.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The wrapped stream and the recorder.
    pub fn into_parts(self) -> (R, FrameRecorder) {
        (self.inner, self.recorder)
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for RecordingReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            let got = &buf.filled()[before..];
            // A zero-length read is end of stream, not a read the peer's chop made.
            if !got.is_empty() {
                this.recorder.feed(got);
            }
        }
        poll
    }
}

impl<R: AsyncWrite + Unpin> AsyncWrite for RecordingReader<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
