//! The one report model every loader fills and every command reads.
//!
//! A [`Report`] is one report directory (`reports/servers` or `reports/clients`): its agents,
//! and for each agent the index entries of its cases ([`CaseEntry`], what `index.json` or
//! `index.html` carries). The full per-case record ([`Case`]: events, closing behaviour, wire
//! statistics, wire log) is loaded on demand by [`crate::load`].
//!
//! Values the testsuite may add later never make parsing fail: unknown verdict words become
//! [`Verdict::Other`], unknown events and wire-log rows keep their raw JSON.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde_json::Value;

/// A case id such as `2.11` or `12.1.10`, ordered by its numeric parts (`1.1.2` < `1.1.10`,
/// `9.*` < `10.*`), not as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseId {
    parts: Vec<u32>,
}

/// A text that is not a case id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a case id (expected numbers separated by dots, such as 2.11)")]
pub struct BadCaseId(pub String);

impl CaseId {
    /// The numeric parts: `[2, 11]` for `2.11`.
    pub fn parts(&self) -> &[u32] {
        &self.parts
    }

    /// The category number: `2` for `2.11`.
    pub fn category(&self) -> u32 {
        self.parts[0]
    }

    /// The id as the testsuite's file names spell it: `2_11`.
    pub fn file_stem(&self) -> String {
        self.to_string().replace('.', "_")
    }
}

impl FromStr for CaseId {
    type Err = BadCaseId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Option<Vec<u32>> = s
            .split('.')
            .map(|p| {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    None
                } else {
                    p.parse().ok()
                }
            })
            .collect();
        match parts {
            Some(parts) if !parts.is_empty() => Ok(CaseId { parts }),
            _ => Err(BadCaseId(s.to_string())),
        }
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl Ord for CaseId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts)
    }
}

impl PartialOrd for CaseId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for CaseId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A verdict word of `behavior` or `behaviorClose`, spelled as the testsuite spells it.
///
/// Whether a word counts as passing is a policy's decision, not the parser's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// `OK`
    Ok,
    /// `NON-STRICT` (behaviour only)
    NonStrict,
    /// `INFORMATIONAL`
    Informational,
    /// `UNIMPLEMENTED` (behaviour only: e.g. permessage-deflate offer declined)
    Unimplemented,
    /// `WRONG CODE` (closing only)
    WrongCode,
    /// `FAILED BY CLIENT` (closing only)
    FailedByClient,
    /// `UNCLEAN` (closing only)
    Unclean,
    /// `FAILED`
    Failed,
    /// A word this version of wsreport does not know, kept as written.
    Other(String),
}

impl Verdict {
    /// The word exactly as reports spell it.
    pub fn as_str(&self) -> &str {
        match self {
            Verdict::Ok => "OK",
            Verdict::NonStrict => "NON-STRICT",
            Verdict::Informational => "INFORMATIONAL",
            Verdict::Unimplemented => "UNIMPLEMENTED",
            Verdict::WrongCode => "WRONG CODE",
            Verdict::FailedByClient => "FAILED BY CLIENT",
            Verdict::Unclean => "UNCLEAN",
            Verdict::Failed => "FAILED",
            Verdict::Other(s) => s,
        }
    }

    /// Reads a word; never fails (unknown words become [`Verdict::Other`]).
    pub fn parse(s: &str) -> Verdict {
        match s {
            "OK" => Verdict::Ok,
            "NON-STRICT" => Verdict::NonStrict,
            "INFORMATIONAL" => Verdict::Informational,
            "UNIMPLEMENTED" => Verdict::Unimplemented,
            "WRONG CODE" => Verdict::WrongCode,
            "FAILED BY CLIENT" => Verdict::FailedByClient,
            "UNCLEAN" => Verdict::Unclean,
            "FAILED" => Verdict::Failed,
            other => Verdict::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Which side the fuzzer played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `wstest -m fuzzingclient`: servers were tested (`isServer: false`).
    Servers,
    /// `wstest -m fuzzingserver`: clients were tested (`isServer: true`).
    Clients,
}

/// One report directory: agents and their case index.
#[derive(Debug, Clone)]
pub struct Report {
    /// What the user named: a directory, an `index.json` or a case file.
    pub path: PathBuf,
    /// The directory case files are resolved against (never left).
    pub dir: PathBuf,
    /// Servers or clients, when a case file or handshake reveals it.
    pub mode: Option<Mode>,
    /// The testsuite version, e.g. `0.8.2-0.10.9`, from a `User-Agent`/`Server` header.
    pub testsuite: Option<String>,
    /// Agents in the order of their names.
    pub agents: Vec<AgentRun>,
}

/// The cases one agent ran in one report.
#[derive(Debug, Clone)]
pub struct AgentRun {
    /// The agent name as the report spells it.
    pub agent: String,
    /// Index entries, sorted by case id.
    pub cases: Vec<CaseEntry>,
}

/// What the index says about one case of one agent.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseEntry {
    /// The case id.
    pub id: CaseId,
    /// `behavior`
    pub behavior: Verdict,
    /// `behaviorClose`
    pub behavior_close: Verdict,
    /// `duration` in milliseconds.
    pub duration_ms: u64,
    /// `remoteCloseCode`
    pub remote_close_code: Option<u64>,
    /// `reportfile`: the case file name, relative to the report directory.
    pub reportfile: Option<String>,
}

/// One event of `expected` or `received`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `["message", payload, is_binary]`
    Message {
        /// Payload text as the report shows it (cut to 64 characters + ` ...` when long;
        /// `0x…` hex when not UTF-8).
        payload: String,
        /// Whether it was a binary message.
        binary: bool,
    },
    /// `["ping", payload]`
    Ping(String),
    /// `["pong", payload]`
    Pong(String),
    /// `["timeout", tag]`
    Timeout(String),
    /// Anything else, kept as written.
    Other(Value),
}

/// Suffix the testsuite appends to a payload it cut.
pub const CUT_MARK: &str = " ...";

/// How reports show a payload: text when it is UTF-8 as Python 2 read it (encoded surrogates
/// accepted), else `0x` and hex; longer than 60 octets, the first 64 octets and [`CUT_MARK`].
pub fn shown_payload(payload: &[u8]) -> String {
    let cut = payload.len() > 60;
    let part = if cut {
        &payload[..64.min(payload.len())]
    } else {
        payload
    };
    // Text when Python 2 read it as UTF-8 (which accepts encoded surrogates).
    let text = crate::text::decode_utf8_with_surrogates(payload).map(|_| {
        // a cut inside a character keeps the whole characters before it
        (0..4)
            .find_map(|trim| {
                part.len()
                    .checked_sub(trim)
                    .and_then(|n| crate::text::decode_utf8_with_surrogates(&part[..n]))
            })
            .unwrap_or_default()
    });
    let mut shown = text.unwrap_or_else(|| {
        let mut h = String::with_capacity(2 + part.len() * 2);
        h.push_str("0x");
        for b in part {
            h.push_str(&format!("{b:02x}"));
        }
        h
    });
    if cut {
        shown.push_str(CUT_MARK);
    }
    shown
}

/// Whether a payload or hex dump shown in a report was cut by the testsuite.
pub fn is_cut(shown: &str) -> bool {
    shown.ends_with(CUT_MARK)
}

impl Event {
    /// The payload or tag, when the event has one.
    pub fn payload(&self) -> Option<&str> {
        match self {
            Event::Message { payload, .. } | Event::Ping(payload) | Event::Pong(payload) => {
                Some(payload)
            }
            Event::Timeout(tag) => Some(tag),
            Event::Other(_) => None,
        }
    }

    /// The event's kind word: `message`, `ping`, `pong`, `timeout`.
    pub fn kind(&self) -> &str {
        match self {
            Event::Message { .. } => "message",
            Event::Ping(_) => "ping",
            Event::Pong(_) => "pong",
            Event::Timeout(_) => "timeout",
            Event::Other(_) => "other",
        }
    }
}

/// `expectedClose`: what closing the case requires.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpectedClose {
    /// `closedByMe`: whether the fuzzer must be the one to start the close.
    pub closed_by_me: Option<bool>,
    /// `closeCode`: close codes accepted from the peer.
    pub close_code: Vec<u64>,
    /// `requireClean`: whether an unclean close fails the case.
    pub require_clean: Option<bool>,
    /// `closedByWrongEndpointIsFatal` (some UTF-8 cases).
    pub closed_by_wrong_endpoint_is_fatal: Option<bool>,
}

/// The closing-behaviour table: what happened when the connection ended.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Closing {
    /// `isServer`: the fuzzer was the server (clients mode).
    pub is_server: Option<bool>,
    /// `closedByMe`: the fuzzer sent close first.
    pub closed_by_me: Option<bool>,
    /// `failedByMe`: the fuzzer failed the connection.
    pub failed_by_me: Option<bool>,
    /// `droppedByMe`: the fuzzer dropped TCP.
    pub dropped_by_me: Option<bool>,
    /// `wasClean`: the close handshake completed and the server dropped TCP.
    pub was_clean: Option<bool>,
    /// `wasNotCleanReason`
    pub was_not_clean_reason: Option<String>,
    /// `wasServerConnectionDropTimeout`
    pub was_server_connection_drop_timeout: Option<bool>,
    /// `wasOpenHandshakeTimeout`
    pub was_open_handshake_timeout: Option<bool>,
    /// `wasCloseHandshakeTimeout`
    pub was_close_handshake_timeout: Option<bool>,
    /// `localCloseCode`: the code the fuzzer sent.
    pub local_close_code: Option<u64>,
    /// `localCloseReason`
    pub local_close_reason: Option<String>,
    /// `remoteCloseCode`: the code the peer sent.
    pub remote_close_code: Option<u64>,
    /// `remoteCloseReason`
    pub remote_close_reason: Option<String>,
}

/// The four wire-statistics tables. Keys are write/read sizes (octet stats) or opcodes
/// (frame stats); values are counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireStats {
    /// `rxOctetStats`: read size → number of reads.
    pub rx_octets: BTreeMap<u64, u64>,
    /// `txOctetStats`: write size → number of writes (the chop-size histogram).
    pub tx_octets: BTreeMap<u64, u64>,
    /// `rxFrameStats`: opcode → frames received.
    pub rx_frames: BTreeMap<u64, u64>,
    /// `txFrameStats`: opcode → frames sent.
    pub tx_frames: BTreeMap<u64, u64>,
}

/// Octets shown in a wire-log row: the true length and the (possibly cut) hex.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// The real number of octets. `None` when the source does not say: a case page shows
    /// no length for octet rows, so a cut octet dump read from a page has no known length.
    pub len: Option<u64>,
    /// The text shown: hex for octet rows, payload text for frame rows; ends in ` ...` when cut.
    pub text: String,
}

impl Shown {
    /// Whether the report cut what it shows.
    pub fn is_cut(&self) -> bool {
        is_cut(&self.text)
    }
}

/// One wire-log row (`wirelog` in case JSON; a `<pre>` line in the page).
#[derive(Debug, Clone, PartialEq)]
pub enum WireRow {
    /// `["RO", [len, hex]]`: octets received in one read.
    RxOctets(Shown),
    /// `["TO", [len, hex], sync]`: octets written in one write.
    TxOctets {
        /// The octets.
        data: Shown,
        /// Whether the write was synchronous (flushed alone).
        sync: bool,
    },
    /// `["RF", [len, text], opcode, fin, rsv, masked, mask]`: a frame received.
    RxFrame {
        /// Payload length and text.
        payload: Shown,
        /// Opcode.
        opcode: u64,
        /// FIN bit.
        fin: bool,
        /// RSV bits.
        rsv: u64,
        /// Whether the frame was masked.
        masked: bool,
        /// Mask key in hex.
        mask: Option<String>,
    },
    /// `["TF", [len, text], opcode, fin, rsv, mask, repeat_len, chopsize, sync]`: a frame sent.
    TxFrame {
        /// Pattern length and text (the real length is `repeat_len` when set).
        payload: Shown,
        /// Opcode.
        opcode: u64,
        /// FIN bit.
        fin: bool,
        /// RSV bits.
        rsv: u64,
        /// Mask key in hex.
        mask: Option<String>,
        /// `PAYLOAD-REPEAT-LEN`: the pattern repeated to this length.
        repeat_len: Option<u64>,
        /// `CHOPSIZE`: written this many octets per write.
        chopsize: Option<u64>,
        /// `SYNC`
        sync: bool,
    },
    /// `["CT", delay_s, tag]`: continue-later timer set.
    DelaySet {
        /// Seconds.
        delay: f64,
        /// Tag (`null` in some 5.x cases; pages show `None`).
        tag: Option<String>,
    },
    /// `["CTE", tag]`: continue-later timer fired.
    DelayFired(Option<String>),
    /// `["KL", delay_s]`: fail-connection-after timer set.
    KillAfter(f64),
    /// `["KLE"]`: failing the connection now.
    KillFired,
    /// `["TI", delay_s]`: close-after timer set.
    CloseAfter(f64),
    /// `["TIE"]`: closing the connection now.
    CloseFired,
    /// `["WLM", bool]`: wire log switched on or off.
    WireLog(bool),
    /// `TCP DROPPED BY ME|PEER` (pages only: the JSON has `droppedByMe`).
    TcpDropped {
        /// Dropped by the fuzzer.
        by_me: bool,
    },
    /// A row this version does not know, kept as written.
    Other(Value),
}

/// The full record of one case of one agent (a case JSON file or page).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Case {
    /// `id`
    pub id: Option<CaseId>,
    /// `case`: the 1-based position in the run's selection (not an identity).
    pub seq: Option<u64>,
    /// `agent`
    pub agent: String,
    /// `description`
    pub description: String,
    /// `expectation`
    pub expectation: String,
    /// `started`
    pub started: Option<String>,
    /// `duration` in ms.
    pub duration_ms: Option<u64>,
    /// `reportTime`
    pub report_time: Option<bool>,
    /// `reportCompressionRatio`
    pub report_compression_ratio: Option<bool>,
    /// `behavior`
    pub behavior: Option<Verdict>,
    /// `behaviorClose`
    pub behavior_close: Option<Verdict>,
    /// `result`
    pub result: Option<String>,
    /// `resultClose`
    pub result_close: Option<String>,
    /// `expected`: verdict word → accepted event list, in the report's order.
    pub expected: Vec<(String, Vec<Event>)>,
    /// `received`
    pub received: Vec<Event>,
    /// `expectedClose`
    pub expected_close: ExpectedClose,
    /// The observed closing fields.
    pub closing: Closing,
    /// `httpRequest`
    pub http_request: Option<String>,
    /// `httpResponse`
    pub http_response: Option<String>,
    /// `createStats`
    pub create_stats: Option<bool>,
    /// The four statistics tables.
    pub stats: WireStats,
    /// `trafficStats` (compression figures), kept as written.
    pub traffic_stats: Option<Value>,
    /// `createWirelog`
    pub create_wirelog: Option<bool>,
    /// `wirelog`
    pub wirelog: Vec<WireRow>,
    /// Fields this version does not know, kept as written.
    pub extra: BTreeMap<String, Value>,
}

/// Finds the testsuite version in a handshake: `AutobahnTestSuite/25.10.1-0.10.9` in a
/// `User-Agent` (servers mode) or `Server` (clients mode) header.
pub fn testsuite_version(handshake: &str) -> Option<String> {
    const MARK: &str = "AutobahnTestSuite/";
    let line = handshake.lines().find(|l| {
        let lower = l.to_ascii_lowercase();
        (lower.starts_with("user-agent:") || lower.starts_with("server:")) && l.contains(MARK)
    })?;
    let rest = &line[line.find(MARK)? + MARK.len()..];
    let version: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    (!version.is_empty()).then_some(version)
}

impl Case {
    /// The testsuite version the handshake reveals, if any.
    pub fn testsuite(&self) -> Option<String> {
        [&self.http_response, &self.http_request]
            .into_iter()
            .flatten()
            .find_map(|h| testsuite_version(h))
    }

    /// Servers or clients, from `isServer`.
    pub fn mode(&self) -> Option<Mode> {
        self.closing
            .is_server
            .map(|s| if s { Mode::Clients } else { Mode::Servers })
    }

    /// The index entry this record implies.
    pub fn entry(&self, reportfile: Option<String>) -> Option<CaseEntry> {
        Some(CaseEntry {
            id: self.id.clone()?,
            behavior: self.behavior.clone()?,
            behavior_close: self.behavior_close.clone()?,
            duration_ms: self.duration_ms.unwrap_or(0),
            remote_close_code: self.closing.remote_close_code,
            reportfile,
        })
    }
}

/// The case file name the testsuite writes for an agent and case:
/// `stratus@2`, `2.11` → `stratus_2_case_2_11`. Append `.json` or `.html`.
pub fn case_file_stem(agent: &str, id: &CaseId) -> String {
    format!("{}_case_{}", agent_file_stem(agent), id.file_stem())
}

/// The agent part of [`case_file_stem`]: lower case, every run of other characters one `_`.
pub fn agent_file_stem(agent: &str) -> String {
    let cleaned: String = agent
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                ' '
            }
        })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join("_")
}

/// The title of a case category (the first number of a case id).
pub fn category_title(category: u32) -> &'static str {
    match category {
        1 => "Framing",
        2 => "Pings/Pongs",
        3 => "Reserved Bits",
        4 => "Opcodes",
        5 => "Fragmentation",
        6 => "UTF-8 Handling",
        7 => "Close Handling",
        8 => "Misc",
        9 => "Limits/Performance",
        10 => "Misc",
        11..=13 => "WebSocket Compression",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_sort_numerically() {
        let mut ids: Vec<CaseId> = ["10.1.1", "9.1.1", "1.1.10", "1.1.2", "2.11", "2.2"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        ids.sort();
        let shown: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        assert_eq!(shown, ["1.1.2", "1.1.10", "2.2", "2.11", "9.1.1", "10.1.1"]);
    }

    #[test]
    fn case_id_rejects_non_ids() {
        for bad in ["", "2.", ".2", "2..1", "a.1", "2.11 ", "+1", "2.-1"] {
            assert!(bad.parse::<CaseId>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn verdict_words_round_trip_and_keep_unknown() {
        for w in [
            "OK",
            "NON-STRICT",
            "INFORMATIONAL",
            "UNIMPLEMENTED",
            "WRONG CODE",
            "FAILED BY CLIENT",
            "UNCLEAN",
            "FAILED",
            "SOMETHING NEW",
        ] {
            assert_eq!(Verdict::parse(w).as_str(), w);
        }
        assert_eq!(Verdict::parse("ok"), Verdict::Other("ok".into()));
    }

    #[test]
    fn payloads_are_shown_as_reports_show_them() {
        let star64 = "*".repeat(64);
        let cases: Vec<(Vec<u8>, String)> = vec![
            (b"payload-0".to_vec(), "payload-0".into()),
            (vec![b'*'; 60], "*".repeat(60)),
            (vec![b'*'; 125], format!("{star64} ...")),
            (vec![0xfe; 30], format!("0x{}", "fe".repeat(30))),
            (vec![0x80; 63], format!("0x{} ...", "80".repeat(63))),
            (vec![0xfe; 125], format!("0x{} ...", "fe".repeat(64))),
        ];
        for (payload, want) in cases {
            assert_eq!(shown_payload(&payload), want);
        }
    }

    #[test]
    fn file_stems_follow_the_testsuite() {
        let id: CaseId = "2.11".parse().unwrap();
        assert_eq!(case_file_stem("stratus@2", &id), "stratus_2_case_2_11");
        assert_eq!(
            case_file_stem("gws-client/async", &id),
            "gws_client_async_case_2_11"
        );
        assert_eq!(
            case_file_stem("Twist Secure", &id),
            "twist_secure_case_2_11"
        );
    }

    #[test]
    fn testsuite_version_from_either_header() {
        let resp =
            "HTTP/1.1 101 Switching Protocols\r\nServer: AutobahnTestSuite/25.10.1-0.10.9\r\n";
        assert_eq!(testsuite_version(resp).as_deref(), Some("25.10.1-0.10.9"));
        let req = "GET / HTTP/1.1\r\nUser-Agent: AutobahnTestSuite/0.8.2-0.10.9\r\nHost: x\r\n";
        assert_eq!(testsuite_version(req).as_deref(), Some("0.8.2-0.10.9"));
        assert_eq!(
            testsuite_version("GET / HTTP/1.1\r\nUser-Agent: Go\r\n"),
            None
        );
    }
}
