//! Replaying Autobahn cases natively: the fuzzer's side of a connection, driven by the
//! catalog's [`CaseDef`]s, producing the same [`Case`] record and verdicts the testsuite would.
//!
//! - [`replay_stream`]: one case over any `AsyncRead + AsyncWrite` stream (tests use
//!   `tokio::io::duplex`).
//! - [`replay_tcp`]: one case against a `ws://` target.
//! - [`select`]: case ids and globs (`2.*`, `*`) to catalog ids, in the testsuite's order.
//! - [`runner`]: many cases against one target, several at once, with a progress bar.
//!
//! Both roles: [`Role::Client`] (the testsuite's `fuzzingclient`, testing a server) and
//! [`Role::Server`] (its `fuzzingserver`, testing a client: [`replay_accepted`] runs a case on
//! a connection whose request head the fuzzing server or `replay --listen` already read;
//! [`replay_stream`] reads it itself).

mod engine;
pub mod machine;
mod memo;
pub mod runner;
mod series;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncWrite};

use crate::catalog::{self, CaseDef, Expect, FragmentEnd};
use crate::judge::{self, Observed};
use crate::model::{Case, CaseId, Event, shown_payload};

pub use engine::Record;
pub use series::{TestDataError, check_test_data, read_test_data};

/// Which side of the connection the fuzzer plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Testing a server: we connect, send the upgrade request, mask every frame (RFC 6455
    /// §5.3, a fresh random key per frame) and expect unmasked frames.
    Client,
    /// Testing a client: we accept, check the upgrade request and answer it as autobahn's server
    /// does, send unmasked frames and expect masked ones (§5.1), and drop TCP once the close
    /// handshake is done (§7.1.1: the server closes TCP first).
    Server,
}

/// The protocol timeouts, as autobahn 0.10.9's client factory sets them.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeouts {
    /// `openHandshakeTimeout` (5 s)
    pub open_handshake: Duration,
    /// `closeHandshakeTimeout` (1 s): our close unanswered this long → drop TCP.
    pub close_handshake: Duration,
    /// `serverConnectionDropTimeout` (1 s): close handshake done, server still holds TCP.
    pub server_connection_drop: Duration,
    /// Our own bound on one case (Autobahn has none and can wait forever when a peer that
    /// answered our close never drops TCP in a case without `killAfter`).
    pub case_limit: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            open_handshake: Duration::from_secs(5),
            close_handshake: Duration::from_secs(1),
            server_connection_drop: Duration::from_secs(1),
            case_limit: Duration::from_secs(60),
        }
    }
}

/// How to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayOptions {
    /// Client or server.
    pub role: Role,
    /// The `Host` header value (`127.0.0.1:9001`).
    pub host: String,
    /// The request target (`/`, `/path?x=1`).
    pub resource: String,
    /// The agent name written into reports.
    pub agent: String,
    /// `failByDrop`: fail connections (a protocol error of the peer, a `killAfter` that
    /// fires) by dropping TCP instead of starting a close handshake. On by default, as in
    /// autobahn's client factory and as kosoku (the oracle) behaves; the testsuite's sample
    /// spec turns it off (`"options": {"failByDrop": false}`), which sends close 1001/1002/1007
    /// instead.
    pub fail_by_drop: bool,
    /// The timeouts.
    pub timeouts: Timeouts,
    /// The testsuite's test data directory (`autobahntestsuite/testdata`), which the
    /// compression cases (12.x, 13.x) take their messages from.
    pub testdata: Option<PathBuf>,
    /// How a message of whole fragments ends: wstest's empty final frame by default, kosoku's
    /// framing on request (see [`FragmentEnd`]).
    pub fragment_end: FragmentEnd,
    /// The largest message accepted from the peer, in octets, compressed or not (`None`: no
    /// limit). A frame declaring more is refused on its header, a fragmented message when its
    /// total passes it, a compressed one when its inflated size does: the connection is
    /// failed with 1009 and the case is FAILED saying so (see [`Record::verdict`]).
    pub max_message_size: Option<usize>,
    /// The client's TLS, for a `wss://` target.
    pub tls: Option<crate::tls::ClientTls>,
    /// Headers the client adds to its upgrade request (`--header`, `--origin`, `--protocol`).
    pub extra_headers: Vec<(String, String)>,
    /// Masks to reuse instead of fresh random keys (client role): `replay --from` gives the
    /// masks of the report's `TF` rows, so the octets on the wire are the report's. Each frame
    /// sent takes the first unused entry that matches it; a frame that matches none gets a
    /// random key.
    pub masks: Vec<FixedMask>,
    /// A pause after each chopped (sync) write in either role, so the chops reach the peer
    /// one by one as in the report's run (`replay --from`); `None`: the server role pauses
    /// briefly, the client role only yields.
    pub chop_pause: Option<Duration>,
    /// The run's compression series shared by several cases ([`memo`]), set by the runner.
    pub(crate) series_memo: Option<memo::MemoRef>,
}

/// A mask the report's run used for one frame (`["TF", …, mask, …]`), and how to recognise
/// the frame it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedMask {
    /// The frame's opcode.
    pub opcode: u8,
    /// The payload length on the wire (`PAYLOAD-REPEAT-LEN` when set).
    pub len: u64,
    /// The payload (or pattern) as reports show it ([`shown_payload`]).
    pub shown: String,
    /// The mask key.
    pub mask: [u8; 4],
}

impl ReplayOptions {
    /// Client-role options for `target`, agent `agent`.
    pub fn client(target: &Target, agent: impl Into<String>) -> Self {
        let mut o = ReplayOptions::with_role(Role::Client, agent.into());
        o.aim(target);
        o
    }

    /// Server-role options: the fuzzing server's, testing a client named `agent`.
    pub fn server(agent: impl Into<String>) -> Self {
        ReplayOptions::with_role(Role::Server, agent.into())
    }

    /// Points client-role options at `target`: the `Host` header and the request target.
    pub fn aim(&mut self, target: &Target) {
        self.host = format!("{}:{}", target.host, target.port);
        self.resource = target.resource.clone();
    }

    fn with_role(role: Role, agent: String) -> Self {
        ReplayOptions {
            role,
            host: String::new(),
            resource: String::new(),
            agent,
            fail_by_drop: true,
            timeouts: Timeouts::default(),
            testdata: None,
            fragment_end: FragmentEnd::default(),
            tls: None,
            extra_headers: Vec::new(),
            masks: Vec::new(),
            chop_pause: None,
            series_memo: None,
            max_message_size: Some(crate::wire::DEFAULT_MAX_MESSAGE_SIZE),
        }
    }
}

/// A `ws://host:port/path` target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// Port (80 when the URL gives none).
    pub port: u16,
    /// Path and query, `/` at least.
    pub resource: String,
    /// `wss://`: TLS over the TCP connection.
    pub tls: bool,
}

/// Why a replay could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The target is not a `ws://` or `wss://` URL.
    #[error("`{url}` is not a ws:// or wss:// URL ({why})")]
    BadTarget {
        /// What was given.
        url: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A case id or glob matched nothing in the catalog.
    #[error("`{0}` matches no case in the catalog")]
    NoSuchCase(String),
    /// The compression cases cannot run without the testsuite's test data.
    #[error(transparent)]
    TestData(#[from] TestDataError),
    /// The TCP connection could not be made.
    #[error("cannot connect to {addr} for case {case}")]
    Connect {
        /// `host:port`
        addr: String,
        /// The case.
        case: CaseId,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The case's task ended without a result (the engine panicked).
    #[error("case {case} did not finish: {message}")]
    Aborted {
        /// The case.
        case: CaseId,
        /// What happened.
        message: String,
    },
}

impl Target {
    /// Parses `ws://host[:port][/path]`.
    pub fn parse(url: &str) -> Result<Target, ReplayError> {
        let bad = |why| ReplayError::BadTarget {
            url: url.to_string(),
            why,
        };
        let (rest, tls) = match (url.strip_prefix("ws://"), url.strip_prefix("wss://")) {
            (Some(rest), _) => (rest, false),
            (_, Some(rest)) => (rest, true),
            _ => return Err(bad("only ws:// and wss:// are supported")),
        };
        let (authority, resource) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'?' => (&rest[..i], format!("/{}", &rest[i..])),
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                (h, p.parse().map_err(|_| bad("the port is not a number"))?)
            }
            _ => (authority, if tls { 443 } else { 80 }),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(Target {
            host: host.to_string(),
            port,
            resource,
            tls,
        })
    }

    /// `host:port`, for connecting.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Resolves ids and patterns (the testsuite's `cases` rule:
/// [`crate::spec::case_pattern_matches`]) to the catalog's ids, in the testsuite's order, each
/// once. Every case of the catalog runs.
pub fn select(patterns: &[String]) -> Result<Vec<CaseId>, ReplayError> {
    let all: Vec<CaseId> = catalog::all_ids();
    let mut chosen = vec![false; all.len()];
    for p in patterns {
        let mut any = false;
        for (i, id) in all.iter().enumerate() {
            if crate::spec::case_pattern_matches(p, &id.to_string()) {
                chosen[i] = true;
                any = true;
            }
        }
        if !any {
            return Err(ReplayError::NoSuchCase(p.clone()));
        }
    }
    Ok(all
        .into_iter()
        .zip(chosen)
        .filter_map(|(id, c)| c.then_some(id))
        .collect())
}

/// UTC now as the testsuite's `started` (`2023-02-13T14:22:30.192Z`).
pub fn utc_timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

fn event(e: &Expect) -> Event {
    match e {
        Expect::Message(p, binary) => Event::Message {
            payload: shown_payload(p),
            binary: *binary,
        },
        Expect::Ping(p) => Event::Ping(shown_payload(p)),
        Expect::Pong(p) => Event::Pong(shown_payload(p)),
        Expect::Timeout(t) => Event::Timeout(t.clone()),
    }
}

/// Everything one replay produced: the judged record and the full-payload events.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// The case record, as the testsuite would write it.
    pub case: Case,
    /// What the engine recorded (full payloads, handshake error).
    pub record: Record,
}

/// Replays `def` over `stream` (already connected) and judges it. `seq` is the case's
/// 1-based position in the run (`case`).
pub async fn replay_stream<S>(
    stream: S,
    def: &CaseDef,
    opts: &ReplayOptions,
    seq: u64,
) -> Result<Replayed, ReplayError>
where
    S: AsyncRead + AsyncWrite,
{
    let started = utc_timestamp(SystemTime::now());
    let record = engine::Conn::new(stream, def, opts).run().await;
    Ok(Replayed {
        case: to_case(def, opts, seq, started, &record),
        record,
    })
}

/// Server role: runs `def` on a connection whose request `head` (through the blank line) was
/// already read, as the fuzzing server reads it to route the request. The head is checked and
/// answered by the engine and recorded as the connection's first read.
pub async fn replay_accepted<S>(
    stream: S,
    head: Vec<u8>,
    def: &CaseDef,
    opts: &ReplayOptions,
    seq: u64,
) -> Replayed
where
    S: AsyncRead + AsyncWrite,
{
    let started = utc_timestamp(SystemTime::now());
    let record = engine::Conn::new(stream, def, opts)
        .with_head(head)
        .run()
        .await;
    Replayed {
        case: to_case(def, opts, seq, started, &record),
        record,
    }
}

/// Connects to `target` and replays `def`.
pub async fn replay_tcp(
    target: &Target,
    def: &CaseDef,
    opts: &ReplayOptions,
    seq: u64,
) -> Result<Replayed, ReplayError> {
    let addr = target.addr();
    let connect_error = |source| ReplayError::Connect {
        addr: addr.clone(),
        case: def.id.clone(),
        source,
    };
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .map_err(connect_error)?;
    // Chopped writes must leave as separate segments (autobahn's `tcpNoDelay`).
    let _ = stream.set_nodelay(true);
    if !target.tls {
        return replay_stream(stream, def, opts, seq).await;
    }
    let tls = match &opts.tls {
        Some(tls) => tls.clone(),
        None => crate::tls::ClientTls::new(&Default::default())
            .map_err(|e| connect_error(std::io::Error::other(e)))?,
    };
    let stream = tls
        .connect(&target.host, stream)
        .await
        .map_err(connect_error)?;
    replay_stream(stream, def, opts, seq).await
}

fn to_case(def: &CaseDef, opts: &ReplayOptions, seq: u64, started: String, r: &Record) -> Case {
    let mut j = judge::judge(
        def,
        &Observed {
            received: &r.received,
            closing: &r.closing,
            was_open: r.was_open,
            tx_frames: &r.stats.tx_frames,
        },
    );
    // 9.x, 12.x and 13.x set their verdict themselves (their `expected` is empty)
    if let Some((verdict, result)) = &r.verdict {
        j.behavior = verdict.clone();
        j.result = result.clone();
    }
    Case {
        id: Some(def.id.clone()),
        seq: Some(seq),
        agent: opts.agent.clone(),
        description: def.description.clone(),
        expectation: def.expectation.clone(),
        started: Some(started),
        duration_ms: Some(r.duration.as_millis() as u64),
        report_time: Some(def.report_time),
        report_compression_ratio: Some(def.report_compression_ratio()),
        behavior: Some(j.behavior),
        behavior_close: Some(j.behavior_close),
        result: Some(j.result),
        result_close: Some(j.result_close),
        expected: def
            .expected
            .iter()
            .map(|(w, evs)| (w.clone(), evs.iter().map(event).collect()))
            .collect(),
        received: r.received.iter().map(event).collect(),
        expected_close: def.expected_close.clone(),
        closing: r.closing.clone(),
        http_request: r.http_request.clone(),
        http_response: r.http_response.clone(),
        create_stats: Some(true),
        stats: r.stats.clone(),
        traffic_stats: r.traffic_stats.clone(),
        create_wirelog: Some(true),
        wirelog: r.wirelog.clone(),
        extra: Default::default(),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hostile;
#[cfg(test)]
mod tests_machine;
#[cfg(test)]
mod tests_reactive;
