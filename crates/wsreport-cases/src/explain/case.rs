//! `wsreport case CASE` (and `explain CASE` with no report): a case described from the
//! catalog alone — what it sends (frames, chops, timers), what it expects and why (the RFC
//! section), the faults that make it fail, and its known disputes. Data; `render` lays it out.

use serde::Serialize;

use crate::catalog::{self, BigSend, CaseDef, Expect, Step};
use crate::model::CaseId;

use super::faults::{self, FAULTS};
use super::limits::{label, octets};
use super::ranges::cut;
use super::wire::opcode_name;

/// A fault that makes the case fail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultRef {
    /// Its key.
    pub key: &'static str,
    /// Its title.
    pub title: &'static str,
}

/// One case, described from the catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDescription {
    /// The id.
    pub id: CaseId,
    /// The testsuite's description, on one line.
    pub description: String,
    /// The testsuite's expectation.
    pub expectation: String,
    /// What the fuzzer does, one step a line.
    pub sends: Vec<String>,
    /// Accepted event lists per verdict word: `OK: message "Hello" (text)`.
    pub expects: Vec<String>,
    /// The expected closing, in words.
    pub closing: String,
    /// The RFC section the expectation rests on.
    pub rfc: &'static str,
    /// The faults that make it fail.
    pub faults: Vec<FaultRef>,
    /// Known disputes.
    pub disputes: Vec<&'static str>,
}

fn payload(p: &[u8]) -> String {
    match std::str::from_utf8(p) {
        Ok(s) => format!("{:?}", cut(s, 32)),
        Err(_) => {
            let hex: String = p.iter().map(|b| format!("{b:02x}")).collect();
            format!("0x{}", cut(&hex, 32))
        }
    }
}

fn secs(s: f64) -> String {
    format!("{s} s")
}

fn steps(list: &[Step], indent: &str, out: &mut Vec<String>) {
    for s in list {
        let line = match s {
            Step::Frame(f) => {
                let mut l = format!(
                    "{} frame, {}",
                    opcode_name(u64::from(f.opcode)),
                    octets(f.wire_len())
                );
                if f.wire_len() > 0 && f.payload_len.is_none() {
                    l.push_str(&format!(" {}", payload(&f.payload)));
                }
                if !f.fin {
                    l.push_str(", FIN=0");
                }
                if f.rsv != 0 {
                    l.push_str(&format!(", RSV={}", f.rsv));
                }
                match f.chopsize {
                    Some(1) => l.push_str(", written octet-wise"),
                    Some(c) => l.push_str(&format!(", written in chops of {}", octets(c))),
                    None => {}
                }
                l
            }
            Step::Message {
                payload: p,
                binary,
                fragment_size,
            } => {
                let mut l = format!(
                    "{} message, {}",
                    if *binary { "binary" } else { "text" },
                    octets(p.len())
                );
                if let Some(n) = fragment_size {
                    l.push_str(&format!(" in fragments of {}", octets(*n)));
                }
                l
            }
            Step::AutoFragmentSize(n) => format!("later messages in frames of {}", octets(*n)),
            Step::BeginMessage { binary } => format!(
                "begin a {} message frame by frame",
                if *binary { "binary" } else { "text" }
            ),
            Step::BeginMessageFrame(n) => format!("begin a frame of {}", octets(*n)),
            Step::MessageFrameData(d) => format!("{} of frame data, written raw", octets(d.len())),
            Step::EndMessage => "end the message (an empty final continuation frame)".into(),
            Step::Close { code, reason } | Step::CloseFrame { code, reason } => {
                let mut l = match code {
                    Some(c) => format!("close frame, code {c}"),
                    None => "close frame, no code".into(),
                };
                if let Some(r) = reason {
                    l.push_str(&format!(", reason {}", payload(r)));
                }
                l
            }
            Step::KillAfter(s) => format!("fail-connection timer: {}", secs(*s)),
            Step::CloseAfter(s) => format!("close-after timer: {} (then close 1000)", secs(*s)),
            Step::Later {
                delay, steps: sub, ..
            } => {
                out.push(format!("{indent}after {}:", secs(*delay)));
                steps(sub, &format!("{indent}  "), out);
                continue;
            }
            Step::SendAndAwaitEcho(echo) => {
                let how = match &echo.send {
                    BigSend::Frame(_) => "",
                    BigSend::Message { .. } => "",
                };
                format!(
                    "one message, {}{how}; waits up to {} s for the echo",
                    octets(echo.len()),
                    echo.wait_secs
                )
            }
            Step::EchoSeries(s) => format!(
                "{} messages of {}, each on the previous echo; {} s for all",
                s.count,
                octets(s.frame.wire_len()),
                s.wait_secs
            ),
            Step::DeflateSeries(s) => format!(
                "{} compressed messages, each on the previous echo; {} s for all",
                s.count, s.wait_secs
            ),
        };
        out.push(format!("{indent}{line}"));
    }
}

fn expect(e: &Expect) -> String {
    match e {
        Expect::Message(p, binary) => format!(
            "message {}{}",
            payload(p),
            if *binary { " (binary)" } else { "" }
        ),
        Expect::Ping(p) => format!("ping {}", payload(p)),
        Expect::Pong(p) => format!("pong {}", payload(p)),
        Expect::Timeout(t) => format!("timeout {t:?}"),
    }
}

/// The RFC section a category's expectation rests on.
pub fn rfc(id: &CaseId) -> &'static str {
    match id.category() {
        1 => "RFC 6455 §5.6 (data frames), §5.2",
        2 => "RFC 6455 §5.5.2-§5.5.3 (ping and pong)",
        3 => "RFC 6455 §5.2 (RSV bits: fail unless an extension defines them)",
        4 => "RFC 6455 §5.2 (reserved opcodes: fail)",
        5 => "RFC 6455 §5.4 (fragmentation; control frames between fragments)",
        6 => "RFC 6455 §8.1 (invalid UTF-8 in text: fail with 1007)",
        7 => "RFC 6455 §5.5.1, §7.1-§7.4 (closing handshake, close codes)",
        9 => "RFC 6455 §10.4 (limits are the implementation's choice)",
        10 => "RFC 6455 §5.4 (auto-fragmentation)",
        12 | 13 => "RFC 7692 (permessage-deflate)",
        _ => "RFC 6455",
    }
}

/// The faults of the catalog that make case `id` fail.
pub fn faults_for(id: &CaseId) -> Vec<FaultRef> {
    let Some(f) = catalog::facts(id) else {
        return Vec::new();
    };
    FAULTS
        .iter()
        .filter(|fault| {
            faults::predicts_case(fault, f)
                || match fault.key {
                    "size-limit" => f.message_size.is_some() && !f.deflate,
                    "frame-cap" => f.frames_per_message.is_some_and(|n| n > 1),
                    "utf8-late" => matches!(id.parts(), [6, 4, _]),
                    "pong-last-only" => f.pongs_expected.len() > 1,
                    "deflate-parameter-refused" => f.deflate,
                    "fail-before-echo" => matches!(id.category(), 3..=5) && f.messages_expected > 0,
                    "disputed-close-codes" => {
                        matches!(id.parts(), [7, 9, _])
                            && f.close_code_sent
                                .is_some_and(|c| (1012..=1014).contains(&c))
                    }
                    _ => false,
                }
        })
        .filter(|fault| fault.key != "handshake-refused")
        .map(|fault| FaultRef {
            key: fault.key,
            title: fault.title,
        })
        .collect()
}

/// Describes case `id` from the catalog; `None` when the catalog lacks it.
pub fn describe(id: &CaseId) -> Option<CaseDescription> {
    let def: CaseDef = catalog::build(id)?;
    let mut sends = Vec::new();
    if let Some(d) = &def.deflate {
        sends.push(format!("opening handshake offers: {}", d.offer_header()));
    }
    steps(&def.steps, "", &mut sends);
    if let Some(l) = label(id) {
        sends.push(format!("in short: {l}"));
    }
    let expects = if def.expected.is_empty() {
        vec!["no event list: the case judges the echoes itself (its result says why)".into()]
    } else {
        def.expected
            .iter()
            .map(|(w, list)| {
                let events: Vec<String> = list.iter().map(expect).collect();
                format!(
                    "{w}: {}",
                    if events.is_empty() {
                        "no events".to_string()
                    } else {
                        events.join(", ")
                    }
                )
            })
            .collect()
    };
    let e = &def.expected_close;
    let mut closing = Vec::new();
    if let Some(me) = e.closed_by_me {
        closing.push(if me {
            "the fuzzer starts the close".to_string()
        } else {
            "the peer must fail the connection (start the close)".to_string()
        });
    }
    if !e.close_code.is_empty() {
        let mut codes = e.close_code.clone();
        codes.dedup();
        closing.push(format!(
            "peer's close code {}",
            codes
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    match e.require_clean {
        Some(true) => closing.push("a clean close required".into()),
        Some(false) => closing.push("clean or not".into()),
        None => {}
    }
    let description = def.description.replace("<br>", " ");
    Some(CaseDescription {
        id: id.clone(),
        description: description.split_whitespace().collect::<Vec<_>>().join(" "),
        expectation: def
            .expectation
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        sends,
        expects,
        closing: closing.join("; "),
        rfc: rfc(id),
        faults: faults_for(id),
        disputes: super::families::disputes(id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_case_is_described_from_the_catalog() {
        let d = describe(&"2.11".parse().unwrap()).unwrap();
        assert!(
            d.sends
                .iter()
                .any(|s| s.contains("ping frame") && s.contains("written octet-wise")),
            "{:?}",
            d.sends
        );
        assert!(d.sends.iter().any(|s| s.contains("close-after timer: 3 s")));
        assert!(d.expects[0].starts_with("OK: pong \"payload-0\""));
        let keys: Vec<&str> = d.faults.iter().map(|f| f.key).collect();
        for k in ["split-reads", "no-pong", "pong-payload", "pong-last-only"] {
            assert!(keys.contains(&k), "{keys:?}");
        }
        assert!(d.disputes[0].contains("§5.5.3"));
        assert!(d.rfc.contains("§5.5.2"));
    }

    #[test]
    fn a_size_case_names_the_size_limit() {
        let d = describe(&"9.1.6".parse().unwrap()).unwrap();
        assert!(d.faults.iter().any(|f| f.key == "size-limit"));
        assert!(
            d.sends.iter().any(|s| s.contains("16 MiB")),
            "{:?}",
            d.sends
        );
    }
}
