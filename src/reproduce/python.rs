//! The standalone reproducer: a [`Reproduction`] written as one Python 3 script (standard
//! library only) a maintainer can run and attach to an issue.
//!
//! The script is the case's data (what to send, frame by frame, with the report's masks,
//! chops and delays; what the case expects) followed by a small engine (`script.py`, the same
//! for every case) that plays the testsuite's side of one connection and judges it by the
//! testsuite's rules. `python3 FILE.py ws://HOST:PORT/path` tests a server;
//! `python3 FILE.py --listen PORT` is a one-case server for a client under test (a harness
//! written for the fuzzing server gets `1` from `/getCaseCount`).

use std::fmt::Write;

use crate::catalog::{Adjust, Expect, Step, step_frames};
use crate::model::CaseId;
use crate::replay::Role;

use super::Reproduction;

/// The engine part of every script.
const ENGINE: &str = include_str!("script.py");

/// Why a case has no script.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// 9.x, 12.x and 13.x send according to the echoes they get, and their messages run to
    /// megabytes: `replay --from` reproduces them, a script does not.
    #[error(
        "case {0} reacts to the peer's echoes (9.x, 12.x, 13.x): no script; use `wsreport replay --from`"
    )]
    Reactive(CaseId),
}

/// A Python string literal.
fn py_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (0xd800..0xe000).contains(&(c as u32)) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python bytes expression: `b"payload-0"`, `bytes.fromhex("cebae1")`, or a short pattern
/// repeated (`rep(b"*", 65535)`) so large payloads stay readable.
fn py_bytes(b: &[u8]) -> String {
    if b.len() > 128
        && let Some(p) = (1..=64).find(|&p| b.iter().enumerate().all(|(i, x)| *x == b[i % p]))
    {
        return format!("rep({}, {})", py_bytes(&b[..p]), b.len());
    }
    if b.iter().all(|&x| (0x20..0x7f).contains(&x)) {
        let mut out = String::from("b\"");
        for &x in b {
            match x {
                b'\\' => out.push_str("\\\\"),
                b'"' => out.push_str("\\\""),
                x => out.push(x as char),
            }
        }
        out.push('"');
        return out;
    }
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("bytes.fromhex(\"{hex}\")")
}

fn py_opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("None".to_string(), |v| v.to_string())
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

fn py_mask(m: Option<[u8; 4]>) -> String {
    m.map_or("None".into(), |m| py_bytes_hex(&m))
}

fn py_bytes_hex(b: &[u8]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("bytes.fromhex(\"{hex}\")")
}

/// Turns steps into the script's `STEPS` lines.
struct Writer<'a> {
    plan: &'a Reproduction,
    frame: usize,
    auto_fragment: Option<usize>,
    streaming: Option<u8>,
}

impl Writer<'_> {
    fn next_mask(&mut self) -> Option<[u8; 4]> {
        let m = self.plan.frames.get(self.frame).and_then(|(_, m)| *m);
        self.frame += 1;
        m
    }

    fn steps(
        &mut self,
        steps: &[Step],
        indent: usize,
        out: &mut String,
    ) -> Result<(), ScriptError> {
        let pad = " ".repeat(indent);
        for step in steps {
            match step {
                Step::Frame(f) => {
                    let mask = self.next_mask();
                    let _ = writeln!(
                        out,
                        "{pad}(\"frame\", dict(opcode={}, payload={}, fin={}, rsv={}, mask={}, chop={}, sync={}, repeat={})),",
                        f.opcode,
                        py_bytes(&f.payload),
                        py_bool(f.fin),
                        f.rsv,
                        py_mask(mask),
                        py_opt(f.chopsize),
                        py_bool(f.sync),
                        py_opt(f.payload_len)
                    );
                }
                // the frames the engine writes, as the catalog plans them
                Step::Message { .. } => {
                    let end = self.plan.fragment_end;
                    for f in step_frames(step, end, self.auto_fragment) {
                        let mask = self.next_mask();
                        let _ = writeln!(
                            out,
                            "{pad}(\"frame\", dict(opcode={}, payload={}, fin={}, rsv=0, mask={}, chop=None, sync=False, repeat=None, open_only=True)),",
                            f.opcode,
                            py_bytes(&f.payload),
                            py_bool(f.fin),
                            py_mask(mask)
                        );
                    }
                }
                Step::AutoFragmentSize(n) => self.auto_fragment = Some(*n),
                Step::BeginMessage { binary } => self.streaming = Some(if *binary { 2 } else { 1 }),
                Step::BeginMessageFrame(len) => {
                    let op = self.streaming.take().unwrap_or(0);
                    let _ = writeln!(
                        out,
                        "{pad}(\"begin_frame\", dict(opcode={op}, len={len}, mask=None)),"
                    );
                }
                Step::MessageFrameData(data) => {
                    let _ = writeln!(out, "{pad}(\"frame_data\", dict(data={})),", py_bytes(data));
                }
                Step::EndMessage => {
                    let mask = self.next_mask();
                    let _ = writeln!(
                        out,
                        "{pad}(\"frame\", dict(opcode=0, payload=b\"\", fin=True, rsv=0, mask={}, chop=None, sync=False, repeat=None, open_only=True)),",
                        py_mask(mask)
                    );
                }
                Step::Close { code, reason } | Step::CloseFrame { code, reason } => {
                    let mut reason = reason.clone();
                    if matches!(step, Step::Close { .. })
                        && let Some(r) = reason.as_mut()
                    {
                        r.truncate(123);
                    }
                    let mask = self.next_mask();
                    let _ = writeln!(
                        out,
                        "{pad}(\"close\", dict(code={}, reason={}, mask={})),",
                        py_opt(*code),
                        reason.as_deref().map_or("None".into(), py_bytes),
                        py_mask(mask)
                    );
                }
                Step::KillAfter(s) => {
                    let _ = writeln!(out, "{pad}(\"kill_after\", dict(delay={s:?})),");
                }
                Step::CloseAfter(s) => {
                    let _ = writeln!(out, "{pad}(\"close_after\", dict(delay={s:?})),");
                }
                Step::Later {
                    delay,
                    tag,
                    only_if_open,
                    record_timeout,
                    steps,
                } => {
                    let _ = writeln!(
                        out,
                        "{pad}(\"later\", dict(delay={delay:?}, tag={}, only_if_open={}, record_timeout={}, steps=[",
                        tag.as_deref().map_or("None".into(), py_str),
                        py_bool(*only_if_open),
                        py_bool(*record_timeout)
                    );
                    self.steps(steps, indent + 4, out)?;
                    let _ = writeln!(out, "{pad}])),");
                }
                Step::SendAndAwaitEcho(_) | Step::EchoSeries(_) | Step::DeflateSeries(_) => {
                    return Err(ScriptError::Reactive(self.plan.def.id.clone()));
                }
            }
        }
        Ok(())
    }
}

fn py_event(e: &Expect) -> String {
    match e {
        Expect::Message(p, binary) => {
            format!("(\"message\", {}, {})", py_bytes(p), py_bool(*binary))
        }
        Expect::Ping(p) => format!("(\"ping\", {})", py_bytes(p)),
        Expect::Pong(p) => format!("(\"pong\", {})", py_bytes(p)),
        Expect::Timeout(t) => format!("(\"timeout\", {})", py_str(t)),
    }
}

/// Text for the docstring: no closing triple quote, no backslash escapes.
fn doc(s: &str) -> String {
    s.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"")
}

/// Wraps `text` at about 92 columns, each line starting with `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + word.len() + 1 > 92 {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out
}

/// The script that reproduces `plan`, as one file's text.
pub fn script(plan: &Reproduction) -> Result<String, ScriptError> {
    let def = &plan.def;
    let mut steps = String::new();
    Writer {
        plan,
        frame: 0,
        auto_fragment: None,
        streaming: None,
    }
    .steps(&def.steps, 4, &mut steps)?;

    let mut out = String::new();
    let _ = writeln!(out, "#!/usr/bin/env python3");
    let _ = writeln!(
        out,
        "\"\"\"Reproduces Autobahn|Testsuite case {} (written by wsreport repro).\n",
        def.id
    );
    let _ = writeln!(
        out,
        "{}\n",
        wrap(&doc(&format!("Case {}: {}", def.id, def.description)), "")
    );
    let _ = writeln!(
        out,
        "{}\n",
        wrap(&doc(&format!("Expectation: {}", def.expectation)), "")
    );
    let peer = match plan.role {
        Role::Client => "a server (run with ws://HOST:PORT/path)",
        Role::Server => "a client (run with --listen PORT and point the client at it)",
    };
    match &plan.report {
        Some(r) => {
            let verdict = |v: &Option<crate::model::Verdict>| {
                v.as_ref().map_or("?".to_string(), |v| v.to_string())
            };
            let mut line = format!(
                "The report: agent {:?}, behavior {}, close {}",
                r.agent,
                verdict(&r.behavior),
                verdict(&r.behavior_close)
            );
            if let Some(t) = r.testsuite() {
                let _ = write!(line, ", testsuite {t}");
            }
            if let Some(s) = &r.started {
                let _ = write!(line, ", run {s}");
            }
            let _ = write!(line, "; it tested {peer}.");
            let _ = writeln!(out, "{}", wrap(&doc(&line), ""));
            for what in [&r.result, &r.result_close].into_iter().flatten() {
                let _ = writeln!(out, "{}", wrap(&doc(what), "  "));
            }
            let _ = writeln!(out);
        }
        None => {
            let _ = writeln!(
                out,
                "From wsreport's catalog (no report): fresh masks, the catalog's chops.\n"
            );
        }
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(out, "How the report's run was followed:");
        for n in &plan.notes {
            let _ = writeln!(out, "{}", wrap(&doc(&format!("- {n}")), "  ").trim_start());
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "Run:  python3 THIS_FILE ws://HOST:PORT[/path]   a server under test\n      \
         python3 THIS_FILE --listen [HOST:]PORT       a client under test (one case)\n\
         Exit status: 0 the peer behaves, 1 the case fails (the failure reproduced), 2 usage or\n\
         connection error.\n\"\"\"\n"
    );

    // the data
    let _ = writeln!(out, "def rep(pattern, n):");
    let _ = writeln!(out, "    \"\"\"`pattern` repeated to `n` octets.\"\"\"");
    let _ = writeln!(
        out,
        "    return (pattern * (n // max(len(pattern), 1) + 1))[:n]\n\n"
    );
    let _ = writeln!(out, "CASE_ID = {}", py_str(&def.id.to_string()));
    let (b, bc) = plan
        .report_verdicts()
        .map(|(b, bc)| (b.to_string(), bc.to_string()))
        .unwrap_or_else(|| ("(no report)".into(), "(no report)".into()));
    let _ = writeln!(out, "REPORT_VERDICT = ({}, {})", py_str(&b), py_str(&bc));
    let _ = writeln!(
        out,
        "\n# What the fuzzer does once the connection is open, in order. `chop`: written that\n\
         # many octets per write; `mask`: the report's (client role); `later`: after `delay`\n\
         # seconds."
    );
    let _ = writeln!(out, "STEPS = [");
    out.push_str(&steps);
    let _ = writeln!(out, "]");
    let _ = writeln!(
        out,
        "\n# Verdict word -> the events that earn it (the first list equal to what was received)."
    );
    let _ = writeln!(out, "EXPECTED = [");
    for (word, events) in &def.expected {
        let evs: Vec<String> = events.iter().map(py_event).collect();
        let _ = writeln!(out, "    ({}, [{}]),", py_str(word), evs.join(", "));
    }
    let _ = writeln!(out, "]");
    let ec = &def.expected_close;
    let codes: Vec<String> = ec.close_code.iter().map(u64::to_string).collect();
    let _ = writeln!(
        out,
        "EXPECTED_CLOSE = {{\"closedByMe\": {}, \"closeCode\": [{}], \"requireClean\": {}, \"closedByWrongEndpointIsFatal\": {}}}",
        py_bool(ec.closed_by_me == Some(true)),
        codes.join(", "),
        py_bool(ec.require_clean == Some(true)),
        py_bool(ec.closed_by_wrong_endpoint_is_fatal == Some(true))
    );
    let adjust = match def.adjust {
        Adjust::None => "None".to_string(),
        Adjust::Informational => "\"informational\"".into(),
        Adjust::UndefinedBySpec => "\"undefined\"".into(),
        Adjust::WrongCodeFailsBehavior | Adjust::WrongCodeFailsBehaviorHexCloseReason => {
            "\"wrong-code-fails-behavior\"".into()
        }
        Adjust::AutoFragmentCount { len, size } => {
            format!("(\"auto-fragment-count\", {len}, {})", size.max(1))
        }
    };
    let _ = writeln!(out, "ADJUST = {adjust}");
    let _ = writeln!(
        out,
        "# Masks the report's run used for its replies (pongs, close replies): opcode, length, mask."
    );
    let masks: Vec<String> = plan
        .reply_masks
        .iter()
        .map(|(op, len, m)| format!("({op}, {len}, {})", py_bytes_hex(m)))
        .collect();
    let _ = writeln!(out, "REPLY_MASKS = [{}]", masks.join(", "));
    out.push_str(ENGINE);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_as_python_literals() {
        assert_eq!(py_bytes(b"payload-0"), "b\"payload-0\"");
        assert_eq!(py_bytes(b"a\"b\\"), "b\"a\\\"b\\\\\"");
        assert_eq!(py_bytes(&[0xce, 0xba]), "bytes.fromhex(\"ceba\")");
        assert_eq!(py_bytes(&[b'*'; 65535]), "rep(b\"*\", 65535)");
        assert_eq!(py_str("a\"\n"), "\"a\\\"\\n\"");
    }

    #[test]
    fn a_streamed_frame_goes_out_as_a_header_and_parts_after_delays_6_4_3() {
        let plan = Reproduction::from_catalog(&"6.4.3".parse().unwrap(), Role::Client).unwrap();
        let text = script(&plan).unwrap();
        let steps = &text[text.find("STEPS = [").unwrap()..text.find("EXPECTED = [").unwrap()];
        let kinds: Vec<&str> = steps
            .lines()
            .filter_map(|l| l.trim().strip_prefix("(\""))
            .filter_map(|l| l.split('"').next())
            .collect();
        assert_eq!(
            kinds,
            [
                "begin_frame",
                "frame_data",
                "later",
                "frame_data",
                "later",
                "frame_data",
                "frame",
                "kill_after"
            ],
            "{steps}"
        );
    }

    #[test]
    fn every_non_reactive_case_has_a_script_and_reactive_ones_say_why_not() {
        let mut written = 0;
        for id in crate::catalog::all_ids() {
            let plan = Reproduction::from_catalog(&id, Role::Client).unwrap();
            match script(&plan) {
                Ok(text) => {
                    written += 1;
                    assert!(text.contains(&format!("CASE_ID = \"{id}\"")), "{id}");
                    assert!(!text.contains("\0"), "{id}");
                }
                Err(ScriptError::Reactive(r)) => assert!(matches!(r.category(), 9 | 12 | 13)),
            }
        }
        assert_eq!(written, 517 - 54 - 90 - 126);
    }
}
