//! Autobahn JSON: `index.json` and case files into the model, and the model back into the
//! testsuite's own JSON (for `export` and for reports wsreport writes).
//!
//! Real case files carry lone UTF-16 surrogate escapes (`"\udc00"`, in the UTF-8 cases' wire
//! logs), which strict JSON parsers reject. [`parse_bytes`] maps each lone surrogate to a
//! private-use character ([`crate::text::surrogate_to_char`]) before parsing, and [`to_json`] maps
//! it back, so such files load and export without loss.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::model::{
    AgentRun, Case, CaseEntry, CaseId, Closing, Event, ExpectedClose, Shown, Verdict, WireRow,
    WireStats,
};
use crate::text;

/// Why a JSON document could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonError {
    /// The file has no content.
    #[error("empty file")]
    Empty,
    /// The file is not UTF-8.
    #[error("not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// The JSON is malformed or cut off.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json said.
        message: String,
    },
    /// A field is missing or has the wrong type.
    #[error("{at}: {problem}")]
    Field {
        /// Where: `behavior`, `agent "x" case "2.11" behavior`, …
        at: String,
        /// What is wrong.
        problem: String,
    },
}

/// Parses JSON bytes, tolerating lone surrogate escapes.
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, JsonError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(JsonError::Empty);
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(JsonError::NotUtf8 {
            offset: e.valid_up_to(),
        });
    }
    let fixed = text::replace_lone_surrogate_escapes(bytes);
    serde_json::from_slice(&fixed).map_err(|e| JsonError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn wrong(at: impl Into<String>, want: &str, got: &Value) -> JsonError {
    JsonError::Field {
        at: at.into(),
        problem: format!("expected {want}, found {}", type_name(got)),
    }
}

/// Typed access to an object's fields; a missing or null field is `None`, a field of another
/// type is an error naming the field.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Fields<'a> {
    fn at(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{} {key}", self.prefix)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn str(&self, key: &str) -> Result<Option<String>, JsonError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(wrong(self.at(key), "a string", v)),
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, JsonError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(wrong(self.at(key), "a boolean", v)),
        }
    }

    fn uint(&self, key: &str) -> Result<Option<u64>, JsonError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => as_uint(v).map(Some).ok_or_else(|| match v.as_f64() {
                // `1e308`, a 26-digit number: a number, but none a u64 holds.
                Some(f) if f >= 0.0 && f.fract() == 0.0 => JsonError::Field {
                    at: self.at(key),
                    problem: format!("{v} is out of range (more than {})", u64::MAX),
                },
                _ => wrong(self.at(key), "a non-negative integer", v),
            }),
        }
    }
}

/// A non-negative integer, also when written as a float (`3.0`); none above `u64::MAX` (a
/// cast would saturate there and make `1e308` read as `u64::MAX`).
fn as_uint(v: &Value) -> Option<u64> {
    // 2^64: the first float a u64 cannot hold.
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < LIMIT)
            .map(|f| f as u64)
    })
}

/// A JSON object read as a list of pairs, in document order, without building a map.
struct Pairs<K, V>(Vec<(K, V)>);

impl<'de, K: serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::Deserialize<'de>
    for Pairs<K, V>
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K: serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::de::Visitor<'de>
            for Visit<K, V>
        {
            type Value = Pairs<K, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut v = Vec::with_capacity(m.size_hint().unwrap_or(0));
                while let Some(pair) = m.next_entry()? {
                    v.push(pair);
                }
                Ok(Pairs(v))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// The shape of an `index.json` entry, for the fast path of [`parse_index`].
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry<'a> {
    #[serde(borrow)]
    behavior: std::borrow::Cow<'a, str>,
    #[serde(rename = "behaviorClose", borrow)]
    behavior_close: std::borrow::Cow<'a, str>,
    duration: Option<u64>,
    #[serde(rename = "remoteCloseCode")]
    remote_close_code: Option<u64>,
    #[serde(borrow)]
    reportfile: Option<std::borrow::Cow<'a, str>>,
}

type RawIndex<'a> =
    Pairs<std::borrow::Cow<'a, str>, Pairs<std::borrow::Cow<'a, str>, RawEntry<'a>>>;

/// Reads `index.json` bytes. Well-formed indexes take a typed fast path; anything unusual
/// goes through [`index_from_value`], which names each bad entry and keeps the others.
pub fn parse_index(bytes: &[u8]) -> Result<(Vec<AgentRun>, Vec<JsonError>), JsonError> {
    let fast = std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| serde_json::from_str::<RawIndex>(s).ok());
    if let Some(Pairs(agents)) = fast {
        let mut runs = Vec::with_capacity(agents.len());
        let mut all_ids = true;
        for (agent, Pairs(cases)) in agents {
            let mut entries = Vec::with_capacity(cases.len());
            for (id, e) in cases {
                let Ok(id) = id.parse::<CaseId>() else {
                    all_ids = false;
                    break;
                };
                entries.push(CaseEntry {
                    id,
                    behavior: Verdict::parse(&e.behavior),
                    behavior_close: Verdict::parse(&e.behavior_close),
                    duration_ms: e.duration.unwrap_or(0),
                    remote_close_code: e.remote_close_code,
                    reportfile: e.reportfile.map(|r| r.into_owned()),
                });
            }
            runs.push(AgentRun {
                agent: agent.into_owned(),
                cases: entries,
            });
        }
        if all_ids {
            let mut problems = Vec::new();
            runs = last_of_each_agent(runs, &mut problems);
            for run in &mut runs {
                last_of_each_case(run, &mut problems);
            }
            return Ok((runs, problems));
        }
    }
    let value = parse_bytes(bytes)?;
    let (mut runs, mut problems) = index_from_value(&value);
    for run in &mut runs {
        // Two keys for one id (`1.1`, `1.01`).
        last_of_each_case(run, &mut problems);
    }
    // A map keeps one value per key in silence; the pairs tell which keys came twice.
    if let Ok(s) = std::str::from_utf8(&text::replace_lone_surrogate_escapes(bytes))
        && let Ok(Pairs(agents)) =
            serde_json::from_str::<Pairs<String, Pairs<String, serde::de::IgnoredAny>>>(s)
    {
        let mut seen = std::collections::HashSet::new();
        for (agent, _) in &agents {
            if !seen.insert(agent.as_str()) {
                problems.push(twice(format!("agent {agent:?}")));
            }
        }
        for (agent, Pairs(cases)) in &agents {
            let mut seen = std::collections::HashSet::new();
            for (id, _) in cases {
                if !seen.insert(id.as_str()) {
                    problems.push(twice(format!("agent {agent:?} case {id:?}")));
                }
            }
        }
    }
    Ok((runs, problems))
}

/// A key the index holds more than once (`index.json` is a JSON object: the testsuite never
/// writes a key twice, and readers keep the last).
fn twice(at: String) -> JsonError {
    JsonError::Field {
        at,
        problem: "appears more than once in the index; the last is used".into(),
    }
}

/// Sorts agents by name, keeping the last of any agent named twice (as a JSON map would).
fn last_of_each_agent(mut runs: Vec<AgentRun>, problems: &mut Vec<JsonError>) -> Vec<AgentRun> {
    runs.sort_by(|a, b| a.agent.cmp(&b.agent)); // stable: equal names keep document order
    let mut out: Vec<AgentRun> = Vec::with_capacity(runs.len());
    for run in runs {
        match out.last_mut() {
            Some(prev) if prev.agent == run.agent => {
                problems.push(twice(format!("agent {:?}", run.agent)));
                *prev = run;
            }
            _ => out.push(run),
        }
    }
    out
}

/// Sorts an agent's cases by id, keeping the last of any case listed twice.
fn last_of_each_case(run: &mut AgentRun, problems: &mut Vec<JsonError>) {
    run.cases.sort_by(|a, b| a.id.cmp(&b.id)); // stable: equal ids keep document order
    let before = run.cases.len();
    let mut out: Vec<CaseEntry> = Vec::with_capacity(before);
    for e in run.cases.drain(..) {
        match out.last_mut() {
            Some(prev) if prev.id == e.id => {
                problems.push(twice(format!("agent {:?} case \"{}\"", run.agent, e.id)));
                *prev = e;
            }
            _ => out.push(e),
        }
    }
    run.cases = out;
}

/// Reads `index.json`: agent → case id → entry. A bad entry is reported and skipped; the
/// others are kept.
pub fn index_from_value(value: &Value) -> (Vec<AgentRun>, Vec<JsonError>) {
    let mut errors = Vec::new();
    let Some(agents) = value.as_object() else {
        errors.push(wrong("top level", "an object of agents", value));
        return (Vec::new(), errors);
    };
    let mut runs = Vec::new();
    for (agent, cases) in agents {
        let Some(cases) = cases.as_object() else {
            errors.push(wrong(
                format!("agent {agent:?}"),
                "an object of cases",
                cases,
            ));
            continue;
        };
        let mut entries = Vec::with_capacity(cases.len());
        for (id, entry) in cases {
            let at = format!("agent {agent:?} case {id:?}");
            match entry_from_value(id, entry, &at) {
                Ok(e) => entries.push(e),
                Err(e) => errors.push(e),
            }
        }
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        runs.push(AgentRun {
            agent: agent.clone(),
            cases: entries,
        });
    }
    runs.sort_by(|a, b| a.agent.cmp(&b.agent));
    (runs, errors)
}

fn entry_from_value(id: &str, entry: &Value, at: &str) -> Result<CaseEntry, JsonError> {
    let id: CaseId = id
        .parse()
        .map_err(|e: crate::model::BadCaseId| JsonError::Field {
            at: at.to_string(),
            problem: e.to_string(),
        })?;
    let Some(map) = entry.as_object() else {
        return Err(wrong(at, "an object", entry));
    };
    let f = Fields {
        map,
        prefix: at.to_string(),
    };
    let required = |key: &str| JsonError::Field {
        at: f.at(key),
        problem: "missing".to_string(),
    };
    Ok(CaseEntry {
        id,
        behavior: Verdict::parse(&f.str("behavior")?.ok_or_else(|| required("behavior"))?),
        behavior_close: Verdict::parse(
            &f.str("behaviorClose")?
                .ok_or_else(|| required("behaviorClose"))?,
        ),
        duration_ms: f.uint("duration")?.unwrap_or(0),
        remote_close_code: f.uint("remoteCloseCode")?,
        reportfile: f.str("reportfile")?,
    })
}

/// Fields of a case file the model holds; the rest go to [`Case::extra`].
const CASE_FIELDS: &[&str] = &[
    "id",
    "case",
    "agent",
    "description",
    "expectation",
    "started",
    "duration",
    "reportTime",
    "reportCompressionRatio",
    "behavior",
    "behaviorClose",
    "result",
    "resultClose",
    "expected",
    "received",
    "expectedClose",
    "isServer",
    "closedByMe",
    "failedByMe",
    "droppedByMe",
    "wasClean",
    "wasNotCleanReason",
    "wasServerConnectionDropTimeout",
    "wasOpenHandshakeTimeout",
    "wasCloseHandshakeTimeout",
    "localCloseCode",
    "localCloseReason",
    "remoteCloseCode",
    "remoteCloseReason",
    "httpRequest",
    "httpResponse",
    "createStats",
    "rxOctetStats",
    "txOctetStats",
    "rxFrameStats",
    "txFrameStats",
    "trafficStats",
    "createWirelog",
    "wirelog",
];

/// Reads a case file's bytes: the typed fast path for well-formed files, else the `Value` path,
/// which names what is wrong or keeps the fields the model does not know.
pub fn parse_case(bytes: &[u8]) -> Result<Case, JsonError> {
    if std::str::from_utf8(bytes).is_ok() {
        let fixed = text::replace_lone_surrogate_escapes(bytes);
        if let Some(case) = std::str::from_utf8(&fixed).ok().and_then(super::fast::case) {
            return Ok(case);
        }
    }
    case_from_value(&parse_bytes(bytes)?)
}

/// Reads one case file's JSON into the model.
pub fn case_from_value(value: &Value) -> Result<Case, JsonError> {
    let Some(map) = value.as_object() else {
        return Err(wrong("top level", "a case object", value));
    };
    let f = Fields {
        map,
        prefix: String::new(),
    };
    let id = match f.str("id")? {
        Some(s) => Some(
            s.parse()
                .map_err(|e: crate::model::BadCaseId| JsonError::Field {
                    at: "id".into(),
                    problem: e.to_string(),
                })?,
        ),
        None => None,
    };
    let expected = match f.get("expected") {
        None => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| Ok((k.clone(), events(v, &format!("expected {k}"))?)))
            .collect::<Result<_, JsonError>>()?,
        Some(v) => return Err(wrong("expected", "an object", v)),
    };
    let received = match f.get("received") {
        None => Vec::new(),
        Some(v) => events(v, "received")?,
    };
    let expected_close = match f.get("expectedClose") {
        None => ExpectedClose::default(),
        Some(Value::Object(m)) => {
            let g = Fields {
                map: m,
                prefix: "expectedClose".into(),
            };
            let close_code = match g.get("closeCode") {
                None => Vec::new(),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|c| {
                        as_uint(c).ok_or_else(|| wrong("expectedClose closeCode", "integers", c))
                    })
                    .collect::<Result<_, _>>()?,
                Some(v) => return Err(wrong("expectedClose closeCode", "a list", v)),
            };
            ExpectedClose {
                closed_by_me: g.bool("closedByMe")?,
                close_code,
                require_clean: g.bool("requireClean")?,
                closed_by_wrong_endpoint_is_fatal: g.bool("closedByWrongEndpointIsFatal")?,
            }
        }
        Some(v) => return Err(wrong("expectedClose", "an object", v)),
    };
    let closing = Closing {
        is_server: f.bool("isServer")?,
        closed_by_me: f.bool("closedByMe")?,
        failed_by_me: f.bool("failedByMe")?,
        dropped_by_me: f.bool("droppedByMe")?,
        was_clean: f.bool("wasClean")?,
        was_not_clean_reason: f.str("wasNotCleanReason")?,
        was_server_connection_drop_timeout: f.bool("wasServerConnectionDropTimeout")?,
        was_open_handshake_timeout: f.bool("wasOpenHandshakeTimeout")?,
        was_close_handshake_timeout: f.bool("wasCloseHandshakeTimeout")?,
        local_close_code: f.uint("localCloseCode")?,
        local_close_reason: f.str("localCloseReason")?,
        remote_close_code: f.uint("remoteCloseCode")?,
        remote_close_reason: f.str("remoteCloseReason")?,
    };
    let stats = WireStats {
        rx_octets: histogram(&f, "rxOctetStats")?,
        tx_octets: histogram(&f, "txOctetStats")?,
        rx_frames: histogram(&f, "rxFrameStats")?,
        tx_frames: histogram(&f, "txFrameStats")?,
    };
    let wirelog = match f.get("wirelog") {
        None => Vec::new(),
        Some(Value::Array(rows)) => rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                wire_row(r).map_err(|problem| JsonError::Field {
                    at: format!("wirelog row {i}"),
                    problem,
                })
            })
            .collect::<Result<_, _>>()?,
        Some(v) => return Err(wrong("wirelog", "a list", v)),
    };
    let extra = map
        .iter()
        .filter(|(k, _)| !CASE_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Case {
        id,
        seq: f.uint("case")?,
        agent: f.str("agent")?.unwrap_or_default(),
        description: f.str("description")?.unwrap_or_default(),
        expectation: f.str("expectation")?.unwrap_or_default(),
        started: f.str("started")?,
        duration_ms: f.uint("duration")?,
        report_time: f.bool("reportTime")?,
        report_compression_ratio: f.bool("reportCompressionRatio")?,
        behavior: f.str("behavior")?.map(|s| Verdict::parse(&s)),
        behavior_close: f.str("behaviorClose")?.map(|s| Verdict::parse(&s)),
        result: f.str("result")?,
        result_close: f.str("resultClose")?,
        expected,
        received,
        expected_close,
        closing,
        http_request: f.str("httpRequest")?,
        http_response: f.str("httpResponse")?,
        create_stats: f.bool("createStats")?,
        stats,
        traffic_stats: f.get("trafficStats").cloned(),
        create_wirelog: f.bool("createWirelog")?,
        wirelog,
        extra,
    })
}

fn histogram(f: &Fields, key: &str) -> Result<BTreeMap<u64, u64>, JsonError> {
    match f.get(key) {
        None => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let size = k.parse::<u64>().map_err(|_| JsonError::Field {
                    at: key.to_string(),
                    problem: format!("key {k:?} is not a number"),
                })?;
                let count = as_uint(v).ok_or_else(|| wrong(format!("{key} {k}"), "a count", v))?;
                Ok((size, count))
            })
            .collect(),
        Some(v) => Err(wrong(key, "an object", v)),
    }
}

fn events(v: &Value, at: &str) -> Result<Vec<Event>, JsonError> {
    let Some(list) = v.as_array() else {
        return Err(wrong(at, "a list of events", v));
    };
    Ok(list.iter().map(event).collect())
}

/// One event; a shape this version does not know is kept as [`Event::Other`].
pub fn event(v: &Value) -> Event {
    let parsed = (|| {
        let a = v.as_array()?;
        let kind = a.first()?.as_str()?;
        let text = || a.get(1)?.as_str().map(str::to_string);
        Some(match (kind, a.len()) {
            ("message", 3) => Event::Message {
                payload: text()?,
                binary: a[2].as_bool()?,
            },
            ("ping", 2) => Event::Ping(text()?),
            ("pong", 2) => Event::Pong(text()?),
            ("timeout", 2) => Event::Timeout(text()?),
            _ => return None,
        })
    })();
    parsed.unwrap_or_else(|| Event::Other(v.clone()))
}

fn shown(v: &Value) -> Option<Shown> {
    let a = v.as_array()?;
    if a.len() != 2 {
        return None;
    }
    Some(Shown {
        len: opt_uint(&a[0])?,
        text: a[1].as_str()?.to_string(),
    })
}

fn opt_str(v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        _ => None,
    }
}

fn opt_uint(v: &Value) -> Option<Option<u64>> {
    match v {
        Value::Null => Some(None),
        v => as_uint(v).map(Some),
    }
}

/// One wire-log row. Unknown row kinds are kept as [`WireRow::Other`]; a known kind with a
/// broken shape is an error.
pub fn wire_row(v: &Value) -> Result<WireRow, String> {
    let Some(a) = v.as_array() else {
        return Err(format!("expected a list, found {}", type_name(v)));
    };
    let Some(kind) = a.first().and_then(Value::as_str) else {
        return Ok(WireRow::Other(v.clone()));
    };
    let bad = || format!("malformed {kind} row {v}");
    let row = match kind {
        "RO" if a.len() == 2 => WireRow::RxOctets(shown(&a[1]).ok_or_else(bad)?),
        "TO" if a.len() == 3 => WireRow::TxOctets {
            data: shown(&a[1]).ok_or_else(bad)?,
            sync: a[2].as_bool().ok_or_else(bad)?,
        },
        "RF" if a.len() == 7 => WireRow::RxFrame {
            payload: shown(&a[1]).ok_or_else(bad)?,
            opcode: as_uint(&a[2]).ok_or_else(bad)?,
            fin: a[3].as_bool().ok_or_else(bad)?,
            rsv: as_uint(&a[4]).ok_or_else(bad)?,
            masked: a[5].as_bool().ok_or_else(bad)?,
            mask: opt_str(&a[6]).ok_or_else(bad)?,
        },
        "TF" if a.len() == 9 => WireRow::TxFrame {
            payload: shown(&a[1]).ok_or_else(bad)?,
            opcode: as_uint(&a[2]).ok_or_else(bad)?,
            fin: a[3].as_bool().ok_or_else(bad)?,
            rsv: as_uint(&a[4]).ok_or_else(bad)?,
            mask: opt_str(&a[5]).ok_or_else(bad)?,
            repeat_len: opt_uint(&a[6]).ok_or_else(bad)?,
            chopsize: opt_uint(&a[7]).ok_or_else(bad)?,
            sync: a[8].as_bool().ok_or_else(bad)?,
        },
        "CT" if a.len() == 3 => WireRow::DelaySet {
            delay: a[1].as_f64().ok_or_else(bad)?,
            tag: opt_str(&a[2]).ok_or_else(bad)?,
        },
        "CTE" if a.len() == 2 => WireRow::DelayFired(opt_str(&a[1]).ok_or_else(bad)?),
        "KL" if a.len() == 2 => WireRow::KillAfter(a[1].as_f64().ok_or_else(bad)?),
        "KLE" if a.len() == 1 => WireRow::KillFired,
        "TI" if a.len() == 2 => WireRow::CloseAfter(a[1].as_f64().ok_or_else(bad)?),
        "TIE" if a.len() == 1 => WireRow::CloseFired,
        "WLM" if a.len() == 2 => WireRow::WireLog(a[1].as_bool().ok_or_else(bad)?),
        "RO" | "TO" | "RF" | "TF" | "CT" | "CTE" | "KL" | "KLE" | "TI" | "TIE" | "WLM" => {
            return Err(bad());
        }
        _ => WireRow::Other(v.clone()),
    };
    Ok(row)
}

// ---- the model back into the testsuite's JSON ----

fn event_value(e: &Event) -> Value {
    match e {
        Event::Message { payload, binary } => json!(["message", payload, binary]),
        Event::Ping(p) => json!(["ping", p]),
        Event::Pong(p) => json!(["pong", p]),
        Event::Timeout(t) => json!(["timeout", t]),
        Event::Other(v) => v.clone(),
    }
}

fn shown_value(s: &Shown) -> Value {
    json!([s.len, s.text])
}

/// A timer delay as the testsuite writes it: the cases give whole seconds as integers
/// (`["TI", 3]`) and fractions as floats (`["KL", 0.5]`), so an integral value is written
/// as an integer.
fn seconds(d: f64) -> Value {
    if d.is_finite() && d.fract() == 0.0 && d.abs() < 9.0e15 {
        json!(d as i64)
    } else {
        json!(d)
    }
}

/// A wire-log row as the testsuite writes it; `None` for rows only pages carry.
pub fn wire_row_value(r: &WireRow) -> Option<Value> {
    Some(match r {
        WireRow::RxOctets(s) => json!(["RO", shown_value(s)]),
        WireRow::TxOctets { data, sync } => json!(["TO", shown_value(data), sync]),
        WireRow::RxFrame {
            payload,
            opcode,
            fin,
            rsv,
            masked,
            mask,
        } => json!(["RF", shown_value(payload), opcode, fin, rsv, masked, mask]),
        WireRow::TxFrame {
            payload,
            opcode,
            fin,
            rsv,
            mask,
            repeat_len,
            chopsize,
            sync,
        } => json!([
            "TF",
            shown_value(payload),
            opcode,
            fin,
            rsv,
            mask,
            repeat_len,
            chopsize,
            sync
        ]),
        WireRow::DelaySet { delay, tag } => json!(["CT", seconds(*delay), tag]),
        WireRow::DelayFired(tag) => json!(["CTE", tag]),
        WireRow::KillAfter(d) => json!(["KL", seconds(*d)]),
        WireRow::KillFired => json!(["KLE"]),
        WireRow::CloseAfter(d) => json!(["TI", seconds(*d)]),
        WireRow::CloseFired => json!(["TIE"]),
        WireRow::WireLog(on) => json!(["WLM", on]),
        WireRow::TcpDropped { .. } => return None,
        WireRow::Other(v) => v.clone(),
    })
}

fn histogram_value(h: &BTreeMap<u64, u64>) -> Value {
    Value::Object(h.iter().map(|(k, v)| (k.to_string(), json!(v))).collect())
}

/// A case in the testsuite's case-file shape. Fields the model does not know (from
/// [`Case::extra`]) are written back as they were.
pub fn case_to_value(c: &Case) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("agent", json!(c.agent));
    put("behavior", json!(c.behavior.as_ref().map(Verdict::as_str)));
    put(
        "behaviorClose",
        json!(c.behavior_close.as_ref().map(Verdict::as_str)),
    );
    put("case", json!(c.seq));
    put("closedByMe", json!(c.closing.closed_by_me));
    put("createStats", json!(c.create_stats));
    put("createWirelog", json!(c.create_wirelog));
    put("description", json!(c.description));
    put("droppedByMe", json!(c.closing.dropped_by_me));
    put("duration", json!(c.duration_ms));
    put("expectation", json!(c.expectation));
    let expected: Map<String, Value> = c
        .expected
        .iter()
        .map(|(k, evs)| {
            (
                k.clone(),
                Value::Array(evs.iter().map(event_value).collect()),
            )
        })
        .collect();
    put("expected", Value::Object(expected));
    let mut ec = Map::new();
    ec.insert("closeCode".into(), json!(c.expected_close.close_code));
    ec.insert("closedByMe".into(), json!(c.expected_close.closed_by_me));
    ec.insert("requireClean".into(), json!(c.expected_close.require_clean));
    if let Some(fatal) = c.expected_close.closed_by_wrong_endpoint_is_fatal {
        ec.insert("closedByWrongEndpointIsFatal".into(), json!(fatal));
    }
    put("expectedClose", Value::Object(ec));
    put("failedByMe", json!(c.closing.failed_by_me));
    put("httpRequest", json!(c.http_request));
    put("httpResponse", json!(c.http_response));
    put("id", json!(c.id.as_ref().map(ToString::to_string)));
    put("isServer", json!(c.closing.is_server));
    put("localCloseCode", json!(c.closing.local_close_code));
    put("localCloseReason", json!(c.closing.local_close_reason));
    put(
        "received",
        Value::Array(c.received.iter().map(event_value).collect()),
    );
    put("remoteCloseCode", json!(c.closing.remote_close_code));
    put("remoteCloseReason", json!(c.closing.remote_close_reason));
    put("reportCompressionRatio", json!(c.report_compression_ratio));
    put("reportTime", json!(c.report_time));
    put("result", json!(c.result));
    put("resultClose", json!(c.result_close));
    put("rxFrameStats", histogram_value(&c.stats.rx_frames));
    put("rxOctetStats", histogram_value(&c.stats.rx_octets));
    put("started", json!(c.started));
    put(
        "trafficStats",
        c.traffic_stats.clone().unwrap_or(Value::Null),
    );
    put("txFrameStats", histogram_value(&c.stats.tx_frames));
    put("txOctetStats", histogram_value(&c.stats.tx_octets));
    put("wasClean", json!(c.closing.was_clean));
    put(
        "wasCloseHandshakeTimeout",
        json!(c.closing.was_close_handshake_timeout),
    );
    put("wasNotCleanReason", json!(c.closing.was_not_clean_reason));
    put(
        "wasOpenHandshakeTimeout",
        json!(c.closing.was_open_handshake_timeout),
    );
    put(
        "wasServerConnectionDropTimeout",
        json!(c.closing.was_server_connection_drop_timeout),
    );
    put(
        "wirelog",
        Value::Array(c.wirelog.iter().filter_map(wire_row_value).collect()),
    );
    for (k, v) in &c.extra {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

/// An index in the testsuite's `index.json` shape.
pub fn index_to_value(agents: &[AgentRun]) -> Value {
    let mut top = Map::new();
    for run in agents {
        let mut cases = Map::new();
        for e in &run.cases {
            cases.insert(
                e.id.to_string(),
                json!({
                    "behavior": e.behavior.as_str(),
                    "behaviorClose": e.behavior_close.as_str(),
                    "duration": e.duration_ms,
                    "remoteCloseCode": e.remote_close_code,
                    "reportfile": e.reportfile,
                }),
            );
        }
        top.insert(run.agent.clone(), Value::Object(cases));
    }
    Value::Object(top)
}

/// Pretty JSON text with lone surrogates written back as `\udXXX` escapes.
pub fn to_json(v: &Value) -> String {
    let s = serde_json::to_string_pretty(v).expect("a Value always serializes");
    text::restore_lone_surrogate_escapes(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(b: &str, duration: &str) -> String {
        format!(
            r#"{{"behavior": "{b}", "behaviorClose": "OK", "duration": {duration}, "reportfile": "x.json"}}"#
        )
    }

    #[test]
    fn keys_the_index_holds_twice_are_said_and_counted_once() {
        let ok = entry("OK", "1");
        let failed = entry("FAILED", "2");
        let odd = r#"{"behavior": "OK", "behaviorClose": "OK", "extra": 1}"#;
        let rows = [
            // the fast path (plain entries) and the general one (an unknown field)
            format!(r#"{{"a": {{"1.1": {ok}, "1.1": {failed}}}}}"#),
            format!(r#"{{"a": {{"1.1": {ok}, "1.1": {failed}, "2.1": {odd}}}}}"#),
            format!(r#"{{"a": {{"1.1": {ok}, "1.01": {failed}, "2.1": {odd}}}}}"#),
        ];
        for (i, text) in rows.iter().enumerate() {
            // Before: two entries for one case, no word said.
            let (runs, problems) = parse_index(text.as_bytes()).unwrap();
            let cases: Vec<String> = runs[0].cases.iter().map(|e| e.id.to_string()).collect();
            assert_eq!(cases.iter().filter(|c| *c == "1.1").count(), 1, "{text}");
            let first = runs[0]
                .cases
                .iter()
                .find(|e| e.id.to_string() == "1.1")
                .unwrap();
            if i < 2 {
                assert_eq!(first.behavior, Verdict::Failed, "{text}: the last is used");
            }
            assert_eq!(problems.len(), 1, "{text}: {problems:?}");
            assert!(
                problems[0].to_string().contains("appears more than once"),
                "{problems:?}"
            );
        }
        for text in [
            format!(r#"{{"a": {{"1.1": {ok}}}, "a": {{"1.1": {failed}}}}}"#),
            format!(r#"{{"a": {{"1.1": {ok}}}, "a": {{"2.1": {odd}}}}}"#),
        ] {
            let (runs, problems) = parse_index(text.as_bytes()).unwrap();
            assert_eq!(runs.len(), 1, "{text}");
            assert_eq!(problems.len(), 1, "{text}: {problems:?}");
            assert!(
                problems[0]
                    .to_string()
                    .starts_with("agent \"a\": appears more than once")
            );
        }
    }

    #[test]
    fn numbers_a_u64_cannot_hold_are_errors_naming_the_field() {
        for huge in [
            "1e308",
            "12345678901234567890123456",
            "18446744073709551616.0",
        ] {
            let text = format!(r#"{{"a": {{"1.1": {}}}}}"#, entry("OK", huge));
            // Before: the duration became u64::MAX, silently.
            let (runs, problems) = parse_index(text.as_bytes()).unwrap();
            assert!(runs[0].cases.is_empty(), "{huge}");
            assert_eq!(
                problems[0].to_string(),
                format!(
                    "agent \"a\" case \"1.1\" duration: {} is out of range (more than {})",
                    serde_json::from_str::<Value>(huge).unwrap(),
                    u64::MAX
                )
            );
        }
        let text = format!(r#"{{"a": {{"1.1": {}}}}}"#, entry("OK", "3.0"));
        let (runs, problems) = parse_index(text.as_bytes()).unwrap();
        assert!(problems.is_empty());
        assert_eq!(runs[0].cases[0].duration_ms, 3);
    }

    #[test]
    fn parse_errors_name_the_problem() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty file"),
            (b"  \n", "empty file"),
            (
                b"{\"a\": [1, 2",
                "invalid JSON at line 1, column 11: EOF while parsing a list",
            ),
            (
                b"{\"a\": \"\xff\"}",
                "not valid UTF-8 (first bad byte at offset 7)",
            ),
        ];
        for (input, want) in cases {
            let got = parse_bytes(input).unwrap_err().to_string();
            assert_eq!(&got, want, "input {:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn lone_surrogates_load_and_export_unchanged() {
        let src = br#"{"p": "a\udc00b", "q": "\ud97f\udfff", "r": "\\udc00"}"#;
        let v = parse_bytes(src).unwrap();
        assert_eq!(v["q"].as_str().unwrap(), "\u{6ffff}");
        assert_eq!(v["r"].as_str().unwrap(), "\\udc00");
        let back = to_json(&v);
        assert!(back.contains(r#""a\udc00b""#), "{back}");
        assert!(back.contains(r#""\\udc00""#), "{back}");
    }

    #[test]
    fn index_keeps_good_entries_and_names_bad_ones() {
        let v: Value = serde_json::from_str(
            r#"{"a": {"2.11": {"behavior": "FAILED", "behaviorClose": "UNCLEAN", "duration": 4002,
                              "remoteCloseCode": null, "reportfile": "a_case_2_11.json"},
                     "2.2": {"behavior": 7, "behaviorClose": "OK"},
                     "1.1.10": {"behavior": "OK", "behaviorClose": "OK", "duration": 1},
                     "1.1.2": {"behavior": "OK", "behaviorClose": "OK", "duration": 1}}}"#,
        )
        .unwrap();
        let (runs, errors) = index_from_value(&v);
        let ids: Vec<String> = runs[0].cases.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(ids, ["1.1.2", "1.1.10", "2.11"]);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            r#"agent "a" case "2.2" behavior: expected a string, found a number"#
        );
    }

    #[test]
    fn unusual_case_files_take_the_value_path_and_keep_everything() {
        let plain = br#"{"id": "2.11", "behavior": "OK", "received": [["pong", "p"]],
                         "wirelog": [["CT", 1, null], ["KL", 0.5]]}"#;
        let fast = parse_case(plain).unwrap();
        assert_eq!(
            Ok(&fast),
            case_from_value(&parse_bytes(plain).unwrap()).as_ref()
        );
        let unusual = br#"{"id": "2.11", "behavior": "OK", "newField": [1],
                           "received": [["close", 1000]], "wirelog": [["ZZ"]]}"#;
        let c = parse_case(unusual).unwrap();
        assert_eq!(c.extra["newField"], json!([1]));
        assert_eq!(c.received, [Event::Other(json!(["close", 1000]))]);
        assert_eq!(c.wirelog, [WireRow::Other(json!(["ZZ"]))]);
        let bad = br#"{"id": "2.11", "duration": "long"}"#;
        assert_eq!(
            parse_case(bad).unwrap_err().to_string(),
            "duration: expected a non-negative integer, found a string"
        );
    }

    #[test]
    fn unknown_rows_and_events_are_kept() {
        assert_eq!(
            wire_row(&json!(["ZZ", 1])).unwrap(),
            WireRow::Other(json!(["ZZ", 1]))
        );
        assert!(wire_row(&json!(["RO", "x"])).is_err());
        assert_eq!(
            event(&json!(["close", 1])),
            Event::Other(json!(["close", 1]))
        );
    }
}
