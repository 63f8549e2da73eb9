//! The typed fast path for well-formed case files: serde straight into the model, with no
//! intermediate `serde_json::Value`. Anything unusual (an unknown field, a wrong type, a
//! malformed row) makes it give up, and [`super::json::parse_case`] takes the `Value` path,
//! which names the problem or keeps the unknown field.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::model::{Case, Closing, Event, ExpectedClose, Shown, Verdict, WireRow, WireStats};

/// An object read as pairs in document order.
struct Pairs<K, V>(Vec<(K, V)>);

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Pairs<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for V2<K, V> {
            type Value = Pairs<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::with_capacity(m.size_hint().unwrap_or(4));
                while let Some(pair) = m.next_entry()? {
                    v.push(pair);
                }
                Ok(Pairs(v))
            }
        }
        d.deserialize_map(V2(std::marker::PhantomData))
    }
}

/// A histogram: `{"8": 1, "15": 10}`.
struct Histogram(BTreeMap<u64, u64>);

impl<'de> Deserialize<'de> for Histogram {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Pairs(pairs) = Pairs::<Cow<'de, str>, u64>::deserialize(d)?;
        pairs
            .into_iter()
            .map(|(k, v)| k.parse().map(|k| (k, v)).map_err(de::Error::custom))
            .collect::<Result<_, _>>()
            .map(Histogram)
    }
}

/// An event: `["message", payload, binary]`, `["ping", p]`, `["pong", p]`, `["timeout", t]`.
struct RawEvent(Event);

impl<'de> Deserialize<'de> for RawEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEvent;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<RawEvent, A::Error> {
                let kind: Cow<'de, str> = next(&mut s)?;
                let text: String = next(&mut s)?;
                let event = match &*kind {
                    "message" => Event::Message {
                        payload: text,
                        binary: next(&mut s)?,
                    },
                    "ping" => Event::Ping(text),
                    "pong" => Event::Pong(text),
                    "timeout" => Event::Timeout(text),
                    _ => return Err(de::Error::custom("unknown event")),
                };
                end(&mut s)?;
                Ok(RawEvent(event))
            }
        }
        d.deserialize_seq(V)
    }
}

fn next<'de, T: Deserialize<'de>, A: SeqAccess<'de>>(s: &mut A) -> Result<T, A::Error> {
    s.next_element()?
        .ok_or_else(|| de::Error::custom("row too short"))
}

fn end<'de, A: SeqAccess<'de>>(s: &mut A) -> Result<(), A::Error> {
    match s.next_element::<IgnoredAny>()? {
        None => Ok(()),
        Some(_) => Err(de::Error::custom("row too long")),
    }
}

fn shown<'de, A: SeqAccess<'de>>(s: &mut A) -> Result<Shown, A::Error> {
    let (len, text): (Option<u64>, String) = next(s)?;
    Ok(Shown { len, text })
}

/// A wire-log row of a kind the model knows; any other gives up.
struct RawRow(WireRow);

impl<'de> Deserialize<'de> for RawRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawRow;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a wire-log row")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<RawRow, A::Error> {
                let kind: Cow<'de, str> = next(&mut s)?;
                let row = match &*kind {
                    "RO" => WireRow::RxOctets(shown(&mut s)?),
                    "TO" => WireRow::TxOctets {
                        data: shown(&mut s)?,
                        sync: next(&mut s)?,
                    },
                    "RF" => WireRow::RxFrame {
                        payload: shown(&mut s)?,
                        opcode: next(&mut s)?,
                        fin: next(&mut s)?,
                        rsv: next(&mut s)?,
                        masked: next(&mut s)?,
                        mask: next(&mut s)?,
                    },
                    "TF" => WireRow::TxFrame {
                        payload: shown(&mut s)?,
                        opcode: next(&mut s)?,
                        fin: next(&mut s)?,
                        rsv: next(&mut s)?,
                        mask: next(&mut s)?,
                        repeat_len: next(&mut s)?,
                        chopsize: next(&mut s)?,
                        sync: next(&mut s)?,
                    },
                    "CT" => WireRow::DelaySet {
                        delay: next(&mut s)?,
                        tag: next(&mut s)?,
                    },
                    "CTE" => WireRow::DelayFired(next(&mut s)?),
                    "KL" => WireRow::KillAfter(next(&mut s)?),
                    "KLE" => WireRow::KillFired,
                    "TI" => WireRow::CloseAfter(next(&mut s)?),
                    "TIE" => WireRow::CloseFired,
                    "WLM" => WireRow::WireLog(next(&mut s)?),
                    _ => return Err(de::Error::custom("unknown row")),
                };
                end(&mut s)?;
                Ok(RawRow(row))
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpectedClose {
    #[serde(rename = "closedByMe")]
    closed_by_me: Option<bool>,
    #[serde(rename = "closeCode", default)]
    close_code: Vec<u64>,
    #[serde(rename = "requireClean")]
    require_clean: Option<bool>,
    #[serde(rename = "closedByWrongEndpointIsFatal")]
    fatal: Option<bool>,
}

/// A case file as the testsuite writes it. `deny_unknown_fields`: anything else takes the
/// `Value` path, which keeps it in [`Case::extra`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawCase<'a> {
    id: Option<Cow<'a, str>>,
    case: Option<u64>,
    agent: Option<String>,
    description: Option<String>,
    expectation: Option<String>,
    started: Option<String>,
    duration: Option<u64>,
    report_time: Option<bool>,
    report_compression_ratio: Option<bool>,
    behavior: Option<Cow<'a, str>>,
    behavior_close: Option<Cow<'a, str>>,
    result: Option<String>,
    result_close: Option<String>,
    expected: Option<Pairs<String, Vec<RawEvent>>>,
    received: Option<Vec<RawEvent>>,
    expected_close: Option<RawExpectedClose>,
    is_server: Option<bool>,
    closed_by_me: Option<bool>,
    failed_by_me: Option<bool>,
    dropped_by_me: Option<bool>,
    was_clean: Option<bool>,
    was_not_clean_reason: Option<String>,
    was_server_connection_drop_timeout: Option<bool>,
    was_open_handshake_timeout: Option<bool>,
    was_close_handshake_timeout: Option<bool>,
    local_close_code: Option<u64>,
    local_close_reason: Option<String>,
    remote_close_code: Option<u64>,
    remote_close_reason: Option<String>,
    http_request: Option<String>,
    http_response: Option<String>,
    create_stats: Option<bool>,
    rx_octet_stats: Option<Histogram>,
    tx_octet_stats: Option<Histogram>,
    rx_frame_stats: Option<Histogram>,
    tx_frame_stats: Option<Histogram>,
    traffic_stats: Option<serde_json::Value>,
    create_wirelog: Option<bool>,
    wirelog: Option<Vec<RawRow>>,
}

fn events(v: Vec<RawEvent>) -> Vec<Event> {
    v.into_iter().map(|RawEvent(e)| e).collect()
}

fn hist(h: Option<Histogram>) -> BTreeMap<u64, u64> {
    h.map(|Histogram(m)| m).unwrap_or_default()
}

/// The case, if the text is a well-formed case file with only the fields the testsuite
/// writes; `None` sends the caller to the `Value` path.
pub(super) fn case(text: &str) -> Option<Case> {
    let r: RawCase = serde_json::from_str(text).ok()?;
    let id = match r.id {
        Some(s) => Some(s.parse().ok()?),
        None => None,
    };
    let expected_close = r
        .expected_close
        .map(|e| ExpectedClose {
            closed_by_me: e.closed_by_me,
            close_code: e.close_code,
            require_clean: e.require_clean,
            closed_by_wrong_endpoint_is_fatal: e.fatal,
        })
        .unwrap_or_default();
    Some(Case {
        id,
        seq: r.case,
        agent: r.agent.unwrap_or_default(),
        description: r.description.unwrap_or_default(),
        expectation: r.expectation.unwrap_or_default(),
        started: r.started,
        duration_ms: r.duration,
        report_time: r.report_time,
        report_compression_ratio: r.report_compression_ratio,
        behavior: r.behavior.map(|b| Verdict::parse(&b)),
        behavior_close: r.behavior_close.map(|b| Verdict::parse(&b)),
        result: r.result,
        result_close: r.result_close,
        expected: r
            .expected
            .map(|Pairs(p)| p.into_iter().map(|(k, v)| (k, events(v))).collect())
            .unwrap_or_default(),
        received: r.received.map(events).unwrap_or_default(),
        expected_close,
        closing: Closing {
            is_server: r.is_server,
            closed_by_me: r.closed_by_me,
            failed_by_me: r.failed_by_me,
            dropped_by_me: r.dropped_by_me,
            was_clean: r.was_clean,
            was_not_clean_reason: r.was_not_clean_reason,
            was_server_connection_drop_timeout: r.was_server_connection_drop_timeout,
            was_open_handshake_timeout: r.was_open_handshake_timeout,
            was_close_handshake_timeout: r.was_close_handshake_timeout,
            local_close_code: r.local_close_code,
            local_close_reason: r.local_close_reason,
            remote_close_code: r.remote_close_code,
            remote_close_reason: r.remote_close_reason,
        },
        http_request: r.http_request,
        http_response: r.http_response,
        create_stats: r.create_stats,
        stats: WireStats {
            rx_octets: hist(r.rx_octet_stats),
            tx_octets: hist(r.tx_octet_stats),
            rx_frames: hist(r.rx_frame_stats),
            tx_frames: hist(r.tx_frame_stats),
        },
        traffic_stats: r.traffic_stats.filter(|v| !v.is_null()),
        create_wirelog: r.create_wirelog,
        wirelog: r
            .wirelog
            .map(|rows| rows.into_iter().map(|RawRow(r)| r).collect())
            .unwrap_or_default(),
        extra: BTreeMap::new(),
    })
}
