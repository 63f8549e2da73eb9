//! The one place that turns a case's steps into frames.
//!
//! [`step_frames`] says which frames a step writes when it runs, one frame at a time: the
//! replay engine executes exactly these (it adds only what a step cannot say: masks, the
//! protocol's own replies, and whether the connection is still open), and [`planned_frames`]
//! lists them for a whole case, for comparing with reports' `TF` rows and for `repro`. A
//! message's fragments are cut, and a large payload built, only as each frame is taken, so a
//! 16 MiB message never exists whole.

use super::reaction::{BigSend, FragmentEnd, Repeated};
use super::{FrameSpec, Step};

/// A frame the steps write: opcode, FIN, RSV, payload (the pattern when `payload_len` is set),
/// chop size and sync, exactly as the engine writes it.
pub type PlannedFrame = FrameSpec;

/// The opcodes of a data message.
const CONTINUATION: u8 = 0;
const TEXT: u8 = 1;
const BINARY: u8 = 2;
const CLOSE: u8 = 8;

/// The longest close reason `sendClose` sends (`encode_truncate(reason, 123)`): a close frame's
/// payload is at most 125 octets, two of them the code.
pub const MAX_CLOSE_REASON: usize = 123;

/// A close frame's payload: the code (if any), then the reason octets as given (`sendCloseFrame`
/// appends a reason even without a code: 7.3.2 sends a 1-octet close).
pub fn close_payload(code: Option<u16>, reason: Option<&[u8]>) -> Vec<u8> {
    let mut p = Vec::with_capacity(2 + reason.map_or(0, <[u8]>::len));
    if let Some(c) = code {
        p.extend_from_slice(&c.to_be_bytes());
    }
    if let Some(r) = reason {
        p.extend_from_slice(r);
    }
    p
}

/// A close frame with `code` and `reason`, unchecked (`sendCloseFrame`).
pub fn close_frame(code: Option<u16>, reason: Option<&[u8]>) -> FrameSpec {
    FrameSpec::new(CLOSE, close_payload(code, reason))
}

/// How `sendMessage` cuts `len` octets into frames of `size` octets, one `(start, end, fin)` at
/// a time. A message no longer than `size` (or `size` 0) is one frame; a length that is a
/// multiple of `size` ends as `end` says.
#[derive(Debug, Clone)]
pub struct Fragments {
    len: usize,
    size: usize,
    end: FragmentEnd,
    at: usize,
    done: bool,
}

impl Fragments {
    /// The fragments of a message of `len` octets.
    pub fn new(len: usize, size: usize, end: FragmentEnd) -> Self {
        Fragments {
            len,
            size,
            end,
            at: 0,
            done: false,
        }
    }
}

impl Iterator for Fragments {
    type Item = (usize, usize, bool);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let i = self.at;
        let last = self.size == 0
            || self.len <= self.size
            || match self.end {
                FragmentEnd::Full => i + self.size >= self.len,
                FragmentEnd::EmptyFinal => i + self.size > self.len,
            };
        let j = if last { self.len } else { i + self.size };
        self.done = last;
        self.at = j;
        Some((i, j, last))
    }
}

/// A message's payload, borrowed: octets, or a pattern repeated (built a fragment at a time).
#[derive(Debug, Clone, Copy)]
enum Payload<'a> {
    Octets(&'a [u8]),
    Repeated(&'a Repeated),
}

impl Payload<'_> {
    fn len(&self) -> usize {
        match self {
            Payload::Octets(p) => p.len(),
            Payload::Repeated(r) => r.len,
        }
    }

    fn octets(&self, i: usize, j: usize) -> Vec<u8> {
        match self {
            Payload::Octets(p) => p[i..j].to_vec(),
            Payload::Repeated(r) => r.octets(i..j),
        }
    }
}

#[derive(Debug, Clone)]
enum Inner<'a> {
    One(Option<FrameSpec>),
    Message {
        payload: Payload<'a>,
        opcode: u8,
        rsv: u8,
        cuts: Fragments,
    },
}

/// The frames of one step (or one message), in order, each built when taken: see
/// [`step_frames`] and [`message_frames`].
#[derive(Debug, Clone)]
pub struct StepFrames<'a>(Inner<'a>);

impl StepFrames<'_> {
    fn none() -> Self {
        StepFrames(Inner::One(None))
    }

    fn one(frame: FrameSpec) -> Self {
        StepFrames(Inner::One(Some(frame)))
    }

    /// Whether every frame was taken.
    pub fn is_done(&self) -> bool {
        match &self.0 {
            Inner::One(f) => f.is_none(),
            Inner::Message { cuts, .. } => cuts.done,
        }
    }
}

impl Iterator for StepFrames<'_> {
    type Item = FrameSpec;

    fn next(&mut self) -> Option<FrameSpec> {
        match &mut self.0 {
            Inner::One(f) => f.take(),
            Inner::Message {
                payload,
                opcode,
                rsv,
                cuts,
            } => {
                let (i, j, fin) = cuts.next()?;
                let frame = FrameSpec::new(*opcode, payload.octets(i, j)).fin(fin);
                // the first frame has the message's opcode and RSV (RSV1: compressed); the
                // others are continuations
                *opcode = CONTINUATION;
                Some(frame.rsv(std::mem::take(rsv)))
            }
        }
    }
}

fn message<'a>(
    payload: Payload<'a>,
    binary: bool,
    rsv: u8,
    size: usize,
    end: FragmentEnd,
) -> StepFrames<'a> {
    let cuts = Fragments::new(payload.len(), size, end);
    StepFrames(Inner::Message {
        payload,
        opcode: if binary { BINARY } else { TEXT },
        rsv,
        cuts,
    })
}

/// `sendMessage(payload, isBinary)` with the message's `rsv` (4, RSV1, for a compressed
/// payload) cut into frames of `size` octets (0: one frame).
pub fn message_frames(
    payload: &[u8],
    binary: bool,
    rsv: u8,
    size: usize,
    end: FragmentEnd,
) -> StepFrames<'_> {
    message(Payload::Octets(payload), binary, rsv, size, end)
}

/// The frames `step` writes when it runs, with `auto_fragment` the `autoFragmentSize` in force
/// and messages of whole fragments ending as `end` says:
///
/// - `Frame`: the frame; `Close`: a close frame (the reason cut to [`MAX_CLOSE_REASON`]
///   octets, as `sendClose` cuts it); `CloseFrame`: a close frame as given; `EndMessage`: an
///   empty final continuation frame;
/// - `Message`: its fragments; `SendAndAwaitEcho`: its large message (one frame, or its
///   fragments); `EchoSeries`: one message (the engine sends it again on each echo);
/// - none for the other steps: timers, `autoFragmentSize`, the streaming API's raw octets
///   (`TO` rows, no `TF`), and a `DeflateSeries`, whose frames depend on the compressor
///   ([`message_frames`] cuts each of its compressed messages).
pub fn step_frames(step: &Step, end: FragmentEnd, auto_fragment: Option<usize>) -> StepFrames<'_> {
    match step {
        Step::Frame(f) => StepFrames::one(f.clone()),
        Step::Message {
            payload,
            binary,
            fragment_size,
        } => {
            let size = fragment_size.or(auto_fragment).unwrap_or(0);
            message(Payload::Octets(payload), *binary, 0, size, end)
        }
        Step::Close { code, reason } => {
            let reason = reason
                .as_deref()
                .map(|r| &r[..r.len().min(MAX_CLOSE_REASON)]);
            StepFrames::one(close_frame(*code, reason))
        }
        Step::CloseFrame { code, reason } => StepFrames::one(close_frame(*code, reason.as_deref())),
        Step::EndMessage => StepFrames::one(FrameSpec::new(CONTINUATION, Vec::new())),
        Step::SendAndAwaitEcho(echo) => match &echo.send {
            BigSend::Frame(f) => StepFrames::one(f.clone()),
            BigSend::Message {
                payload,
                binary,
                fragment_size,
            } => message(Payload::Repeated(payload), *binary, 0, *fragment_size, end),
        },
        Step::EchoSeries(series) => StepFrames::one(series.frame.clone()),
        Step::DeflateSeries(_)
        | Step::AutoFragmentSize(_)
        | Step::BeginMessage { .. }
        | Step::BeginMessageFrame(_)
        | Step::MessageFrameData(_)
        | Step::KillAfter(_)
        | Step::CloseAfter(_)
        | Step::Later { .. } => StepFrames::none(),
    }
}

/// The frames the steps write, in order ([`step_frames`] of each), including those of delayed
/// steps (which the engine skips when a case's `only_if_open` check fails) and, of the reactive
/// steps, those sent when every echo comes back (an [`EchoSeries`](super::EchoSeries)'s every
/// message; a [`DeflateSeries`](super::DeflateSeries) plans none, as its compressed frames
/// depend on the compressor). Messages cut into fragments end as `end` says.
pub fn planned_frames(steps: &[Step], end: FragmentEnd) -> Vec<PlannedFrame> {
    let mut out = Vec::new();
    let mut auto_fragment: Option<usize> = None;
    plan(steps, end, &mut auto_fragment, &mut out);
    out
}

fn plan(
    steps: &[Step],
    end: FragmentEnd,
    auto_fragment: &mut Option<usize>,
    out: &mut Vec<PlannedFrame>,
) {
    for s in steps {
        match s {
            Step::AutoFragmentSize(n) => *auto_fragment = Some(*n),
            Step::Later { steps, .. } => plan(steps, end, auto_fragment, out),
            Step::EchoSeries(series) => {
                for _ in 0..series.count {
                    out.extend(step_frames(s, end, *auto_fragment));
                }
            }
            _ => out.extend(step_frames(s, end, *auto_fragment)),
        }
    }
}
