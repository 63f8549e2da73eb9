//! Reactive cases: what the fuzzer sends depends on what comes back (categories 9, 12, 13).
//!
//! The other cases write a fixed list of frames and are judged afterwards by comparing the
//! events received with the `expected` lists. These cases instead judge the peer's echoes as
//! they arrive, and set the verdict (`behavior`) and the `result` sentence themselves; their
//! `expected` is empty (`{}` in reports), so the standard comparison never overrides what the
//! reaction decided. The rules the engine follows for each of them:
//!
//! - **The verdict starts as FAILED** with the reaction's timeout `result`, and the reaction
//!   arms a close-after timer (wire log `TI`, `closeAfter(wait_secs)`): if it fires first, the
//!   fuzzer starts the closing handshake with 1000 and the case stays FAILED with that result.
//! - **Echoed messages go to the reaction, not to `received`** (the case files override
//!   `onMessage`). Pings and pongs are recorded in `received` as usual; as `expected` is empty,
//!   a ping or pong also makes the fuzzer start the closing handshake (1000) at once (Autobahn's
//!   `finishWhenDone`, whose "all expected lists match" holds vacuously).
//! - **The reaction ends the case** by starting the closing handshake with 1000 once it has a
//!   verdict (a mismatch, or the last echo). Echoes arriving after that change nothing (our
//!   rule: the case files would run their handler again, which matters only for a peer that
//!   sends more messages than it was sent).
//! - **The wire log is off while the reaction runs** (large or many frames): see each variant for
//!   whether the switch shows as a `WLM` row.
//!
//! Result texts are the testsuite's format strings, rendered as wstest (Python 2) renders them:
//! Python booleans as `True`/`False`.
//!
//! Large payloads are described, never built: [`Repeated`] is a pattern and a length, and
//! [`DeflateSeries`] names a test data file.

use std::ops::Range;

use crate::catalog::FrameSpec;

/// A payload described, not built: `pattern` repeated to `len` octets, the last repetition cut
/// (Autobahn's `payload` with `payload_len`). A 16 MiB payload stays a few octets until the
/// engine writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated {
    /// The octets repeated; never empty.
    pub pattern: Vec<u8>,
    /// The payload's length in octets.
    pub len: usize,
}

impl Repeated {
    /// `pattern` repeated to `len` octets.
    pub fn new(pattern: impl Into<Vec<u8>>, len: usize) -> Self {
        let pattern = pattern.into();
        assert!(!pattern.is_empty(), "a repeated payload needs a pattern");
        Repeated { pattern, len }
    }

    /// Octets `range` of the payload (the engine writes a large payload piece by piece).
    pub fn octets(&self, range: Range<usize>) -> Vec<u8> {
        assert!(range.end <= self.len, "{range:?} is past {}", self.len);
        let n = self.pattern.len();
        range.map(|i| self.pattern[i % n]).collect()
    }
}

/// How a message whose length is a whole number of fragments ends.
///
/// The testsuite's case files say `sendMessage(payload, fragmentSize=n)`; how many frames that
/// is depends on the sender's loop. wstest's (autobahn's Python protocol) makes a frame final
/// only when it would reach past the end, so a 4 MiB message in 1 KiB fragments is a text frame,
/// 4095 full continuations and an empty final one: 4097 frames, as every wstest report in the
/// corpus counts them (9.3.3 `txFrameStats` {1: 1, 0: 4096}). That is the default: wsreport's
/// verdicts are compared with years of wstest reports. kosoku (a reimplementation used as CI
/// oracle) sends the 4096 full frames only (`--framing kosoku`). Verdicts differ only against a
/// peer that caps the frames of a message at exactly that count (Python websockets: 4096, so
/// 9.3.3 and 9.4.3 fail under wstest and pass under kosoku).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FragmentEnd {
    /// kosoku's framing: the last fragment carries the last octets.
    Full,
    /// wstest's framing (the default): an empty final continuation frame after the last full
    /// fragment.
    #[default]
    EmptyFinal,
}

/// How `sendMessage` cuts `len` octets into frames of `size` octets: `(start, end, fin)` per
/// frame. A message no longer than `size` is one frame; a length that is a multiple of `size`
/// ends as `end` says.
pub fn fragments(len: usize, size: usize, end: FragmentEnd) -> Vec<(usize, usize, bool)> {
    crate::catalog::Fragments::new(len, size, end).collect()
}

/// How the one large message of a 9.1–9.6 case goes out.
#[derive(Debug, Clone, PartialEq)]
pub enum BigSend {
    /// `sendFrame(opcode, payload, payload_len, chopsize)`: one frame, the pattern repeated to
    /// `payload_len`, written `chopsize` octets per write when set (9.1, 9.2, 9.5, 9.6).
    Frame(FrameSpec),
    /// `sendMessage(payload, isBinary, fragmentSize)`: the message cut into frames of
    /// `fragment_size` octets as [`fragments`] says (9.3, 9.4).
    Message {
        /// The message.
        payload: Repeated,
        /// Binary or text.
        binary: bool,
        /// `fragmentSize`
        fragment_size: usize,
    },
}

/// 9.1–9.6: send one large message and judge the case on its echo (`case9_1_1.py` …
/// `case9_6_1.py`).
///
/// The engine:
/// 1. switches the wire log off *without* a `WLM` row (the cases set `createWirelog` directly);
/// 2. sets the verdict FAILED with [`AwaitEcho::timeout_result`];
/// 3. writes [`AwaitEcho::send`];
/// 4. arms `closeAfter(wait_secs)` (a `TI` row);
/// 5. on an echoed message: a message of the other type gives
///    [`AwaitEcho::wrong_type_result`] (still FAILED); of the right type but another length,
///    [`AwaitEcho::wrong_length_result`] (still FAILED); else OK with
///    [`AwaitEcho::ok_result`]. The content is not compared (the testsuite does not either).
///    Then the wire log goes back on (no `WLM` row) and the fuzzer starts the closing handshake
///    with 1000.
#[derive(Debug, Clone, PartialEq)]
pub struct AwaitEcho {
    /// The message.
    pub send: BigSend,
    /// Seconds to wait for the echo (`WAITSECS`).
    pub wait_secs: u32,
    /// The result when the echo has the other type. Its own field because the testsuite's
    /// text is irregular: 9.4.x says "Expected binary message with payload, but got binary."
    /// for a text echo, and reports carry it.
    pub wrong_type_result: String,
}

impl AwaitEcho {
    /// A binary message (else text).
    pub fn binary(&self) -> bool {
        match &self.send {
            BigSend::Frame(f) => f.opcode == 2,
            BigSend::Message { binary, .. } => *binary,
        }
    }

    /// The message length in octets.
    pub fn len(&self) -> usize {
        match &self.send {
            BigSend::Frame(f) => f.wire_len(),
            BigSend::Message { payload, .. } => payload.len,
        }
    }

    /// Whether the message is empty (never, in the testsuite).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn kind(&self) -> &'static str {
        if self.binary() { "binary" } else { "text" }
    }

    /// FAILED: no echo before the timer fired.
    pub fn timeout_result(&self) -> String {
        format!("Did not receive message within {} seconds.", self.wait_secs)
    }

    /// FAILED: an echo of the right type with `got` octets.
    pub fn wrong_length_result(&self, got: usize) -> String {
        format!(
            "Expected {} message with payload of length {}, but got {got}.",
            self.kind(),
            self.len()
        )
    }

    /// OK: the echo of `got` (= the length sent) octets.
    pub fn ok_result(&self, got: usize) -> String {
        format!("Received {} message of length {got}.", self.kind())
    }
}

/// 9.7/9.8: `count` messages of one frame each, each sent when the previous one's echo has
/// come back, to measure round trips (`case9_7_X.py`).
///
/// The engine:
/// 1. switches the wire log off with a `WLM false` row;
/// 2. sets the verdict FAILED with [`EchoSeries::timeout_result`] and arms
///    `closeAfter(wait_secs)` (a `TI` row);
/// 3. writes `frame` (the first message);
/// 4. on each echoed message: if its type or length differs from `frame`'s, FAILED with
///    [`EchoSeries::mismatch_result`]; else if fewer than `count` were sent, writes `frame`
///    again; else OK with [`EchoSeries::OK_RESULT`]. Having a verdict, it switches the wire
///    log on (`WLM true`) and starts the closing handshake with 1000.
///
/// The case's `duration` is what reports show (`reportTime`): the time for all round trips.
#[derive(Debug, Clone, PartialEq)]
pub struct EchoSeries {
    /// Each message: `sendFrame(opcode, payload, payload_len)`, text `*` or binary `0xfe`.
    pub frame: FrameSpec,
    /// Messages in the series (`COUNT`).
    pub count: usize,
    /// Seconds the whole series may take (`WAITSECS`).
    pub wait_secs: u32,
}

impl EchoSeries {
    /// OK: every echo came back as sent.
    pub const OK_RESULT: &'static str = "Ok, received all echo'ed messages in time.";

    /// FAILED: the series did not finish before the timer fired.
    pub fn timeout_result(&self) -> String {
        series_timeout_result(self.wait_secs)
    }

    /// FAILED: an echo of type `binary` and `len` octets did not match what was sent.
    pub fn mismatch_result(binary: bool, len: usize) -> String {
        format!(
            "Echo'ed message type or length differs from what I sent (got binary = {}, payload length = {len}).",
            py_bool(binary)
        )
    }
}

/// A test data file of the compression cases (the testsuite's `WS_COMPRESSION_TESTDATA`,
/// files under `autobahntestsuite/testdata/`). The engine needs the files themselves; the
/// catalog only names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestData {
    /// `data1.json`: large JSON data file, sent as text.
    JsonData1,
    /// `lena512.bmp`: the Lena picture, bitmap 512×512, sent as binary.
    Lena512,
    /// `pg2229.txt`: Goethe's Faust I (German) from Project Gutenberg, sent as binary.
    GutenbergFaust,
    /// `data1.html`: large HTML file, sent as text (it has non-ASCII characters).
    HtmlData1,
    /// `10.1.1.105.5439.pdf`: a larger PDF, sent as binary.
    Ooms,
}

impl TestData {
    /// The file name in the testsuite's `testdata` directory.
    pub fn file(self) -> &'static str {
        match self {
            TestData::JsonData1 => "data1.json",
            TestData::Lena512 => "lena512.bmp",
            TestData::GutenbergFaust => "pg2229.txt",
            TestData::HtmlData1 => "data1.html",
            TestData::Ooms => "10.1.1.105.5439.pdf",
        }
    }

    /// Sent as binary messages (else as text, counted in characters).
    pub fn binary(self) -> bool {
        !matches!(self, TestData::JsonData1 | TestData::HtmlData1)
    }

    /// The file's size in octets, to check that the engine has the testsuite's file.
    pub fn size(self) -> usize {
        match self {
            TestData::JsonData1 => 194_056,
            TestData::Lena512 => 263_222,
            TestData::GutenbergFaust => 222_218,
            TestData::HtmlData1 => 263_647,
            TestData::Ooms => 1_042_328,
        }
    }
}

/// 12.x/13.x: `count` compressed messages cut from a test data file, each sent when the
/// previous one's echo has come back (`case12_x_x.py`). The case also has
/// [`CaseDef::deflate`](crate::catalog::CaseDef::deflate) (what to negotiate) and a preceding
/// [`Step::AutoFragmentSize`](crate::catalog::Step::AutoFragmentSize).
///
/// The engine:
/// 1. switches the wire log off with a `WLM false` row;
/// 2. if permessage-deflate was not negotiated (the peer declined the offers, or offered
///    nothing acceptable): the verdict is UNIMPLEMENTED, the result stays the default "Actual
///    events differ from any expected.", and the fuzzer starts the closing handshake with 1000
///    at once (no timer, no messages, the wire log stays off);
/// 3. else sets the verdict FAILED with [`DeflateSeries::timeout_result`], arms
///    `closeAfter(wait_secs)` (a `TI` row) and sends the first message;
/// 4. a message is the next `len` units of the data taken cyclically: the first starts at 0,
///    each next one where the previous ended (units are octets for binary data, characters of
///    the UTF-8 text for text data, whose messages are the UTF-8 encoding of those characters).
///    It is sent with `sendMessage`: compressed as one permessage-deflate message (RFC 7692
///    §7.2.1: RSV1 on the first frame, the trailing `00 00 ff ff` removed), the *compressed*
///    payload cut into frames of the auto-fragment size as [`fragments`] says (0: one frame);
/// 5. on each echoed message, first check that fails: another type → FAILED,
///    [`DeflateSeries::wrong_type_result`]; another length (in the units above) → FAILED,
///    [`DeflateSeries::wrong_length_result`]; another SHA-1 of its octets → FAILED,
///    [`DeflateSeries::wrong_content_result`]; else, if fewer than `count` were sent, sends the
///    next message; else OK with [`EchoSeries::OK_RESULT`] and `trafficStats` filled (below).
///    Having a verdict, it switches the wire log on (`WLM true`) and starts the closing
///    handshake with 1000.
///
/// `trafficStats` is null unless the case is OK; then it is the connection's counters at that
/// moment (before the close is sent), with the handshake's octets apart:
/// `{incoming,outgoing}OctetsAppLevel` (payload octets before compression / after
/// decompression), `…OctetsWebSocketLevel` (payload octets on the wire, compressed),
/// `…OctetsWireLevel` (all octets of frames, headers and masks included), `…WebSocketFrames`,
/// `…WebSocketMessages`, `…CompressionRatio` = WebSocketLevel / AppLevel and
/// `…WebSocketOverhead` = (WireLevel − WebSocketLevel) / WebSocketLevel (null when the
/// divisor is 0), and `preopen{Incoming,Outgoing}OctetsWireLevel` (the opening handshake).
/// `reportCompressionRatio` is true for these cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeflateSeries {
    /// Where the messages come from.
    pub data: TestData,
    /// Each message's length (`LEN`), in units of the data (see above).
    pub len: usize,
    /// Messages in the series (`COUNT`).
    pub count: usize,
    /// Seconds the whole series may take (`WAITSECS`).
    pub wait_secs: u32,
}

impl DeflateSeries {
    /// FAILED: the series did not finish before the timer fired.
    pub fn timeout_result(&self) -> String {
        series_timeout_result(self.wait_secs)
    }

    /// FAILED: an echo of the other type.
    pub fn wrong_type_result(&self, got_binary: bool) -> String {
        format!(
            "Echo'ed message type differs from what I sent (got binary {}, expected binary {}).",
            py_bool(got_binary),
            py_bool(self.data.binary())
        )
    }

    /// FAILED: an echo of `got` units.
    pub fn wrong_length_result(&self, got: usize) -> String {
        format!(
            "Echo'ed message length differs from what I sent (got length {got}, expected length {}).",
            self.len
        )
    }

    /// FAILED: an echo whose octets hash otherwise. Digests in lowercase hex, as wstest
    /// (Python 2's `binascii.hexlify`) writes them.
    pub fn wrong_content_result(got_sha1: &[u8; 20], expected_sha1: &[u8; 20]) -> String {
        format!(
            "Echo'ed message contents differs from what I sent (got SHA1 {}, expected SHA1 {}).",
            hex(got_sha1),
            hex(expected_sha1)
        )
    }
}

fn series_timeout_result(wait_secs: u32) -> String {
    format!("Case did not finish within {wait_secs} seconds.")
}

/// A boolean as Python prints it.
fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

fn hex(octets: &[u8]) -> String {
    octets.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_payloads_give_their_octets_without_building_the_whole() {
        let p = Repeated::new(&b"abc"[..], 16 * 1024 * 1024);
        assert_eq!(p.octets(0..7), b"abcabca");
        assert_eq!(p.octets(p.len - 2..p.len), b"ca"); // 16 MiB = 3·5592405 + 1
    }

    #[test]
    fn fragments_end_full_or_with_wstests_empty_frame() {
        for end in [FragmentEnd::Full, FragmentEnd::EmptyFinal] {
            assert_eq!(fragments(10, 0, end), [(0, 10, true)]);
            assert_eq!(fragments(4, 4, end), [(0, 4, true)]);
            assert_eq!(
                fragments(10, 4, end),
                [(0, 4, false), (4, 8, false), (8, 10, true)]
            );
        }
        assert_eq!(
            fragments(8, 4, FragmentEnd::Full),
            [(0, 4, false), (4, 8, true)]
        );
        assert_eq!(
            fragments(8, 4, FragmentEnd::EmptyFinal),
            [(0, 4, false), (4, 8, false), (8, 8, true)]
        );
    }

    #[test]
    fn result_texts_render_as_wstest_writes_them() {
        assert_eq!(
            EchoSeries::mismatch_result(true, 15),
            "Echo'ed message type or length differs from what I sent (got binary = True, payload length = 15)."
        );
        let s = DeflateSeries {
            data: TestData::HtmlData1,
            len: 16,
            count: 1000,
            wait_secs: 60,
        };
        assert_eq!(
            s.wrong_type_result(true),
            "Echo'ed message type differs from what I sent (got binary True, expected binary False)."
        );
        assert_eq!(s.timeout_result(), "Case did not finish within 60 seconds.");
        let mut got = [0u8; 20];
        got[0] = 0xab;
        assert_eq!(
            DeflateSeries::wrong_content_result(&got, &[0x01; 20]),
            format!(
                "Echo'ed message contents differs from what I sent (got SHA1 ab{}, expected SHA1 {}).",
                "00".repeat(19),
                "01".repeat(20)
            )
        );
    }
}
