//! Case pages and `index.html` in the testsuite's own format: the sections, markers, CSS class
//! names and line forms of wstest's case report and master report, with a small stylesheet of
//! our own.
//!
//! Texts go onto pages as bytes (a lone surrogate, held in the model as a stand-in character,
//! is written in its 3-byte form; NUL is written as NUL) and HTML-escaped: agent names,
//! descriptions, results, reprs, handshakes, close reasons and wire-log lines come from the
//! report and from the peer under test, and wstest's unescaped pages let any of them run
//! script once published. Descriptions keep the only markup the testsuite's own texts use
//! (`<br>`, `<b>`, `</b>`, [`markup`]). Our case pages say so in their head
//! ([`ESCAPED_MARKER`]), which is how [`crate::load::html`] tells them from wstest's unescaped
//! pages (a real payload that reads `&lt;` stays `&lt;` there) and reads both back.
//!
//! Where wstest's page loses something and ours need not, ours keeps it, so that
//! [`crate::load::html`] reads our page back to the model it was written from:
//! - an UNIMPLEMENTED case's header says `Unimplemented` (wstest says `Fail`);
//! - wire-log text is wrapped at 100 characters as `textwrap` wraps hex dumps, but a text the
//!   reader would not join back ([`unwrap_lines`]) stays on one line; a newline, which would
//!   end the line, is the one character shown as a space (as `textwrap` shows it);
//! - an empty octet dump keeps its line; timer delays keep every digit they need.
//!
//! What stays lossy, as on wstest's pages: Expected/Observed reprs longer than 1000 characters
//! are cut; octet rows show no length; the closing table shows a missing text as `None`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde_json::Value;

use crate::load::html::{CONTINUATION, ESCAPED_MARKER, unwrap_lines};
use crate::model::{
    AgentRun, CUT_MARK, Case, CaseEntry, CaseId, Event, Verdict, WireRow, case_file_stem,
    category_title,
};
use crate::text::char_to_surrogate;

/// The longest Expected/Observed repr a page shows (wstest's `MAX_CASE_PICKLE_LEN`); a longer
/// one is cut to 996 characters and ` ...`.
pub const MAX_REPR_LEN: usize = 1000;

/// Width of wire-log lines (wstest's `textwrap.wrap(text, 100)`).
const WRAP: usize = 100;

/// Writing into a `String` cannot fail.
macro_rules! w {
    ($out:expr) => {
        $out.push('\n');
    };
    ($out:expr, $($arg:tt)*) => {
        let _ = writeln!($out, $($arg)*);
    };
}

/// The page text as bytes: UTF-8, with stand-ins for lone surrogates written in the 3-byte form
/// the testsuite's Python 2 wrote ([`crate::text`]).
fn page_bytes(s: &str) -> Vec<u8> {
    if !s.chars().any(|c| char_to_surrogate(c).is_some()) {
        return s.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        match char_to_surrogate(c) {
            Some(u) => out.extend_from_slice(&[
                0xED,
                0x80 | ((u >> 6) & 0x3F) as u8,
                0x80 | (u & 0x3F) as u8,
            ]),
            None => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    out
}

/// Escapes text for HTML: `&`, `<`, `>` and `"`.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes text as [`escape`] does but keeps the markup the testsuite's own descriptions
/// use: `<br>`, `<b>`, `</b>` (an escaped `&lt;br&gt;` in the text cannot be mistaken for
/// one: its `&` is escaped too).
pub fn markup(s: &str) -> Cow<'_, str> {
    match escape(s) {
        Cow::Borrowed(b) => Cow::Borrowed(b),
        Cow::Owned(e) => Cow::Owned(
            e.replace("&lt;br&gt;", "<br>")
                .replace("&lt;b&gt;", "<b>")
                .replace("&lt;/b&gt;", "</b>"),
        ),
    }
}

// ---- Python reprs (Expected / Observed) ----

/// Python 2's repr of a string: `u'…'` for text, `'…'` for a byte string (used only for
/// ASCII). Everything outside printable ASCII is escaped (`\xNN`, `\uNNNN`, `\UNNNNNNNN`, a
/// lone surrogate as `\udXXX`), so the repr is ASCII; the quote is `"` when the text holds `'`
/// and no `"`.
pub fn py_str(s: &str, text: bool) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 3);
    if text || !s.is_ascii() {
        out.push('u');
    }
    out.push(quote);
    for c in s.chars() {
        let n = c as u32;
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            c => {
                let _ = match char_to_surrogate(c) {
                    Some(u) => write!(out, "\\u{u:04x}"),
                    None if n < 0x100 => write!(out, "\\x{n:02x}"),
                    None if n < 0x10000 => write!(out, "\\u{n:04x}"),
                    None => write!(out, "\\U{n:08x}"),
                };
            }
        }
    }
    out.push(quote);
    out
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// A payload as wstest's repr shows it: the `0x…` hex form of a payload that is not UTF-8 is a
/// byte string, anything else text.
fn payload_repr(p: &str) -> String {
    let hex = p
        .strip_prefix("0x")
        .map(|h| h.strip_suffix(CUT_MARK).unwrap_or(h))
        .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
    py_str(p, !hex)
}

/// A JSON value (an event this version does not know) as the Python value it came from.
fn value_repr(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("None"),
        Value::Bool(b) => out.push_str(py_bool(*b)),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&py_str(s, true)),
        Value::Array(items) => {
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value_repr(item, out);
            }
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&py_str(k, true));
                out.push_str(": ");
                value_repr(item, out);
            }
            out.push('}');
        }
    }
}

fn event_repr(e: &Event, out: &mut String) {
    match e {
        Event::Message { payload, binary } => {
            let _ = write!(
                out,
                "('message', {}, {})",
                payload_repr(payload),
                py_bool(*binary)
            );
        }
        Event::Ping(p) => {
            let _ = write!(out, "('ping', {})", payload_repr(p));
        }
        Event::Pong(p) => {
            let _ = write!(out, "('pong', {})", payload_repr(p));
        }
        Event::Timeout(tag) => {
            let _ = write!(out, "('timeout', {})", py_str(tag, false));
        }
        Event::Other(v) => value_repr(v, out),
    }
}

/// `[('pong', u'payload-0'), …]`
pub fn events_repr(events: &[Event]) -> String {
    let mut out = String::from("[");
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        event_repr(e, &mut out);
    }
    out.push(']');
    out
}

/// `{'OK': [('pong', u'payload-0')]}`, keys in the model's order.
pub fn expected_repr(expected: &[(String, Vec<Event>)]) -> String {
    let mut out = String::from("{");
    for (i, (k, events)) in expected.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&py_str(k, false));
        out.push_str(": ");
        out.push_str(&events_repr(events));
    }
    out.push('}');
    out
}

/// wstest's `limitString`: longer than [`MAX_REPR_LEN`], the first 996 characters and ` ...`.
fn limit(repr: String) -> String {
    if repr.chars().count() <= MAX_REPR_LEN {
        return repr;
    }
    let keep = MAX_REPR_LEN - CUT_MARK.len();
    let mut cut: String = repr.chars().take(keep).collect();
    cut.push_str(CUT_MARK);
    cut
}

// ---- case page ----

/// The header's class and word for a behaviour.
fn header(behavior: Option<&Verdict>) -> (&'static str, &str) {
    match behavior {
        Some(Verdict::Ok) => ("case_ok", "Pass"),
        Some(Verdict::NonStrict) => ("case_non_strict", "Non-Strict"),
        Some(Verdict::Informational) => ("case_info", "Informational"),
        Some(Verdict::Unimplemented) => ("case_unimplemented", "Unimplemented"),
        Some(Verdict::Other(word)) => ("case_failed", word),
        _ => ("case_failed", "Fail"),
    }
}

/// The closing table: key and what it means (our words).
const CLOSING_KEYS: &[(&str, &str)] = &[
    (
        "isServer",
        "The fuzzer was the server (the peer is a client).",
    ),
    ("closedByMe", "The fuzzer sent the first close frame."),
    (
        "failedByMe",
        "The fuzzer failed the connection (protocol error), by closing or by dropping TCP.",
    ),
    ("droppedByMe", "The fuzzer dropped the TCP connection."),
    (
        "wasClean",
        "Close frames went both ways and the server dropped TCP, as it should.",
    ),
    ("wasNotCleanReason", "Why the close was not clean."),
    (
        "wasServerConnectionDropTimeout",
        "The fuzzer, as client, waited in vain for the server to drop TCP.",
    ),
    (
        "wasOpenHandshakeTimeout",
        "The peer did not finish the opening handshake in time.",
    ),
    (
        "wasCloseHandshakeTimeout",
        "The peer did not answer the fuzzer's close in time.",
    ),
    ("localCloseCode", "Close code the fuzzer sent, if any."),
    ("localCloseReason", "Close reason the fuzzer sent, if any."),
    ("remoteCloseCode", "Close code the peer sent, if any."),
    ("remoteCloseReason", "Close reason the peer sent, if any."),
];

fn show_bool(v: Option<bool>) -> String {
    v.map_or("None", py_bool).to_string()
}

fn show_num(v: Option<u64>) -> String {
    v.map_or_else(|| "None".to_string(), |n| n.to_string())
}

fn show_text(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "None".to_string())
}

fn closing_value(c: &Case, key: &str) -> String {
    let k = &c.closing;
    match key {
        "isServer" => show_bool(k.is_server),
        "closedByMe" => show_bool(k.closed_by_me),
        "failedByMe" => show_bool(k.failed_by_me),
        "droppedByMe" => show_bool(k.dropped_by_me),
        "wasClean" => show_bool(k.was_clean),
        "wasNotCleanReason" => show_text(&k.was_not_clean_reason),
        "wasServerConnectionDropTimeout" => show_bool(k.was_server_connection_drop_timeout),
        "wasOpenHandshakeTimeout" => show_bool(k.was_open_handshake_timeout),
        "wasCloseHandshakeTimeout" => show_bool(k.was_close_handshake_timeout),
        "localCloseCode" => show_num(k.local_close_code),
        "localCloseReason" => show_text(&k.local_close_reason),
        "remoteCloseCode" => show_num(k.remote_close_code),
        "remoteCloseReason" => show_text(&k.remote_close_reason),
        _ => "None".to_string(),
    }
}

const CASE_CSS: &str = "
body { background: #f6f6f4; color: #222; font-family: sans-serif; margin: 0 1em 4em; }
h2 { margin-left: 1.5em; } h3 { margin-left: 2.5em; }
p.case { color: #fff; border-radius: 8px; padding: 1em; margin: 1em; font-size: 1.2em; }
p.case_ok { background: #2a2; } p.case_non_strict { background: #9a2; }
p.case_info { background: #48b; } p.case_unimplemented { background: #737; }
p.case_failed { background: #a22; }
p.case_text_block { border: 1px solid #bbb; border-radius: 8px; padding: 1em; margin: .3em 1em; }
span.case_pickle, pre.http_dump { font-family: monospace; font-size: .8em; }
pre.http_dump { border: 1px solid #bbb; border-radius: 8px; padding: 1em; margin: .3em 1em; }
table { border-collapse: collapse; margin: 0 0 1em 4em; }
td { padding: .3em 1em; font-size: .85em; text-align: right; border: 1px solid #fff; }
td.left { text-align: left; }
tr.stats_header { background: #222; color: #eee; } tr.stats_row { background: #fd5; }
tr.stats_total { background: #888; color: #fff; }
div#wirelog { margin: 1em 0 4em; }
div#wirelog pre { margin: 0; padding: 1px 3px; color: #fff; }
pre.wirelog_rx_octets { background: #363; } pre.wirelog_tx_octets { background: #633; }
pre.wirelog_tx_octets_sync { background: #636; } pre.wirelog_rx_frame { background: #2a2; }
pre.wirelog_tx_frame { background: #a22; } pre.wirelog_tx_frame_sync { background: #a2a; }
pre.wirelog_delay, pre.wirelog_kill_after, pre.wirelog_tcp_closed_by_peer { background: #222; }
pre.wirelog_tcp_closed_by_me { background: #226; }
";

/// One case's page, as wstest writes `<agent>_case_<id>.html`.
pub fn case_page(case: &Case) -> Vec<u8> {
    let mut o = String::with_capacity(8192 + case.wirelog.len() * 120);
    w!(o, "<!DOCTYPE html>");
    w!(o, "<html>");
    w!(o, "   <head>");
    w!(o, "      <meta charset=\"utf-8\" />");
    w!(o, "      {ESCAPED_MARKER}");
    w!(o, "      <style lang=\"css\">{CASE_CSS}</style>");
    w!(o, "   </head>");
    w!(o, "   <body>");
    w!(o, "      <a name=\"top\"></a>");
    // The header line, byte for byte as wstest's (including its stray `</a>`, which readers
    // of real pages strip).
    let (class, word) = header(case.behavior.as_ref());
    let word = escape(word);
    let id = case
        .id
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    w!(
        o,
        "      <p class=\"case {class}\">{} - <span style=\"font-size: 1.3em;\"><b>Case {id}</b></span> : {word} - <span style=\"font-size: 0.9em;\"><b>{}</b> ms @ {}</a></p>",
        escape(&case.agent),
        case.duration_ms.unwrap_or(0),
        escape(case.started.as_deref().unwrap_or(""))
    );
    w!(
        o,
        "      <p class=\"case_text_block case_desc\"><b>Case Description</b><br/><br/>{}</p>",
        markup(&case.description)
    );
    w!(
        o,
        "      <p class=\"case_text_block case_expect\"><b>Case Expectation</b><br/><br/>{}</p>",
        markup(&case.expectation)
    );
    w!(o);
    w!(o, "      <p class=\"case_text_block case_outcome\">");
    w!(
        o,
        "         <b>Case Outcome</b><br/><br/>{}<br/><br/>",
        escape(case.result.as_deref().unwrap_or(""))
    );
    w!(
        o,
        "         <i>Expected:</i><br/><span class=\"case_pickle\">{}</span><br/><br/>",
        escape(&limit(expected_repr(&case.expected)))
    );
    w!(
        o,
        "         <i>Observed:</i><br><span class=\"case_pickle\">{}</span>",
        escape(&limit(events_repr(&case.received)))
    );
    w!(o, "      </p>");
    w!(
        o,
        "      <p class=\"case_text_block case_closing_beh\"><b>Case Closing Behavior</b><br/><br/>{} ({})</p>",
        escape(case.result_close.as_deref().unwrap_or("")),
        escape(case.behavior_close.as_ref().map_or("", Verdict::as_str))
    );
    w!(o, "      <br/><hr/>");

    w!(o, "      <h2>Opening Handshake</h2>");
    for h in [&case.http_request, &case.http_response] {
        w!(
            o,
            "      <pre class=\"http_dump\">{}</pre>",
            escape(h.as_deref().unwrap_or("").trim())
        );
    }
    w!(o, "      <br/><hr/>");

    w!(o, "      <h2>Closing Behavior</h2>");
    w!(o, "      <table>");
    w!(
        o,
        "         <tr class=\"stats_header\"><td>Key</td><td class=\"left\">Value</td><td class=\"left\">Description</td></tr>"
    );
    for (key, what) in CLOSING_KEYS {
        w!(
            o,
            "         <tr class=\"stats_row\"><td>{key}</td><td class=\"left\">{}</td><td class=\"left\">{what}</td></tr>",
            escape(&closing_value(case, key))
        );
    }
    // wstest ends this table without a newline; kept, for tools that match its lines.
    w!(o, "      </table>      <br/><hr/>");

    w!(o, "      <h2>Wire Statistics</h2>");
    let s = &case.stats;
    let any_stats = [&s.rx_octets, &s.tx_octets, &s.rx_frames, &s.tx_frames]
        .iter()
        .any(|m| !m.is_empty());
    if case.create_stats == Some(true) || any_stats {
        for (dir, stats) in [("Received", &s.rx_octets), ("Transmitted", &s.tx_octets)] {
            octet_table(&mut o, dir, stats);
        }
        for (dir, stats) in [("Received", &s.rx_frames), ("Transmitted", &s.tx_frames)] {
            frame_table(&mut o, dir, stats);
        }
    } else {
        w!(
            o,
            "      <p style=\"margin-left: 40px; color: #f00;\"><i>Statistics for octets/frames disabled!</i></p>"
        );
    }
    w!(o, "      <br/><hr/>");

    w!(o, "      <h2>Wire Log</h2>");
    let log_off = match case.create_wirelog {
        Some(on) => !on,
        None => case.wirelog.is_empty(),
    };
    if log_off {
        w!(
            o,
            "      <p style=\"margin-left: 40px; color: #f00;\"><i>Wire log after handshake disabled!</i></p>"
        );
    }
    w!(o, "      <div id=\"wirelog\">");
    wire_log(&mut o, case);
    w!(o, "      </div>");
    w!(o, "      <br/><hr/>");
    w!(o, "   </body>");
    w!(o, "</html>");
    page_bytes(&o)
}

fn octet_table(o: &mut String, dir: &str, stats: &BTreeMap<u64, u64>) {
    w!(o, "      <h3>Octets {dir} by Chop Size</h3>");
    w!(o, "      <table>");
    w!(
        o,
        "         <tr class=\"stats_header\"><td>Chop Size</td><td>Count</td><td>Octets</td></tr>"
    );
    let (mut count, mut octets) = (0u64, 0u64);
    for (size, n) in stats {
        let total = size.saturating_mul(*n);
        w!(
            o,
            "         <tr class=\"stats_row\"><td>{size}</td><td>{n}</td><td>{total}</td></tr>"
        );
        count = count.saturating_add(*n);
        octets = octets.saturating_add(total);
    }
    w!(
        o,
        "         <tr class=\"stats_total\"><td>Total</td><td>{count}</td><td>{octets}</td></tr>"
    );
    w!(o, "      </table>");
}

fn frame_table(o: &mut String, dir: &str, stats: &BTreeMap<u64, u64>) {
    w!(o, "      <h3>Frames {dir} by Opcode</h3>");
    w!(o, "      <table>");
    w!(
        o,
        "         <tr class=\"stats_header\"><td>Opcode</td><td>Count</td></tr>"
    );
    let mut count = 0u64;
    for (opcode, n) in stats {
        w!(
            o,
            "         <tr class=\"stats_row\"><td>{opcode}</td><td>{n}</td></tr>"
        );
        count = count.saturating_add(*n);
    }
    w!(
        o,
        "         <tr class=\"stats_total\"><td>Total</td><td>{count}</td></tr>"
    );
    w!(o, "      </table>");
}

/// Wire-log text in lines of 100 characters, as wstest's `textwrap.wrap(text, 100)` splits
/// hex dumps: long runs are broken every 100 characters and the cut mark ` ...` stays with the
/// last piece when it fits. A text the reader would not join back to itself
/// ([`unwrap_lines`]) stays on one line. A newline would end the `<pre>` line, so it is shown
/// as a space, as `textwrap` shows it.
pub fn wrap(text: &str) -> Vec<String> {
    let text: Cow<str> = if text.contains('\n') {
        Cow::Owned(text.replace('\n', " "))
    } else {
        Cow::Borrowed(text)
    };
    if text.is_empty() {
        return Vec::new();
    }
    let (body, cut) = match text.strip_suffix(CUT_MARK) {
        Some(body) => (body, true),
        None => (&*text, false),
    };
    let chars: Vec<char> = body.chars().collect();
    let mut lines: Vec<String> = chars.chunks(WRAP).map(|c| c.iter().collect()).collect();
    if cut {
        match lines.last_mut() {
            Some(last) if last.chars().count() + CUT_MARK.len() <= WRAP => last.push_str(CUT_MARK),
            _ => lines.push("...".to_string()),
        }
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    if unwrap_lines(&refs) == *text {
        lines
    } else {
        vec![text.into_owned()]
    }
}

/// Seconds as wstest's `%f` shows them, with more digits when six would change the value.
fn seconds(d: f64) -> String {
    let six = format!("{d:.6}");
    if six.parse::<f64>().ok() == Some(d) {
        six
    } else {
        format!("{d}")
    }
}

/// A frame's payload lines, or an octet row's continuation lines.
fn continuation(o: &mut String, class: &str, lines: &[String]) {
    for l in lines {
        w!(
            o,
            "         <pre class=\"{class}\">{CONTINUATION}{}</pre>",
            escape(l)
        );
    }
}

/// wstest writes a received frame's mask as the hex of its hex text.
fn rx_mask(mask: &Option<String>) -> String {
    match mask {
        None => "None".to_string(),
        Some(m) if m.len() == 8 && m.bytes().all(|b| b.is_ascii_hexdigit()) => {
            m.bytes().map(|b| format!("{b:02x}")).collect()
        }
        Some(m) => m.clone(),
    }
}

fn wire_log(o: &mut String, case: &Case) {
    let mut n = 0usize;
    for row in &case.wirelog {
        let line = |o: &mut String, class: &str, text: &str| {
            w!(
                o,
                "         <pre class=\"{class}\">{n:03} {}</pre>",
                escape(text)
            );
        };
        match row {
            WireRow::RxOctets(data) | WireRow::TxOctets { data, .. } => {
                let (class, prefix) = match row {
                    WireRow::TxOctets { sync: true, .. } => ("wirelog_tx_octets_sync", "TX"),
                    WireRow::TxOctets { .. } => ("wirelog_tx_octets", "TX"),
                    _ => ("wirelog_rx_octets", "RX"),
                };
                let lines = wrap(&data.text);
                let first = lines.first().map_or("", String::as_str);
                line(o, class, &format!("{prefix} OCTETS: {first}"));
                continuation(o, class, lines.get(1..).unwrap_or(&[]));
            }
            WireRow::RxFrame {
                payload,
                opcode,
                fin,
                rsv,
                masked,
                mask,
            } => {
                let class = "wirelog_rx_frame";
                line(
                    o,
                    class,
                    &format!(
                        "RX FRAME : OPCODE={opcode}, FIN={}, RSV={rsv}, PAYLOAD-LEN={}, MASKED={}, MASK={}",
                        py_bool(*fin),
                        show_num(payload.len),
                        py_bool(*masked),
                        rx_mask(mask)
                    ),
                );
                continuation(o, class, &wrap(&payload.text));
            }
            WireRow::TxFrame {
                payload,
                opcode,
                fin,
                rsv,
                mask,
                repeat_len,
                chopsize,
                sync,
            } => {
                let class = if *sync || chopsize.is_some() {
                    "wirelog_tx_frame_sync"
                } else {
                    "wirelog_tx_frame"
                };
                line(
                    o,
                    class,
                    &format!(
                        "TX FRAME : OPCODE={opcode}, FIN={}, RSV={rsv}, PAYLOAD-LEN={}, MASK={}, PAYLOAD-REPEAT-LEN={}, CHOPSIZE={}, SYNC={}",
                        py_bool(*fin),
                        show_num(payload.len),
                        mask.as_deref().unwrap_or("None"),
                        show_num(*repeat_len),
                        show_num(*chopsize),
                        py_bool(*sync)
                    ),
                );
                continuation(o, class, &wrap(&payload.text));
            }
            WireRow::DelaySet { delay, tag } => line(
                o,
                "wirelog_delay",
                &format!(
                    "DELAY {} sec for TAG {}",
                    seconds(*delay),
                    tag.as_deref().unwrap_or("None")
                ),
            ),
            WireRow::DelayFired(tag) => line(
                o,
                "wirelog_delay",
                &format!("DELAY TIMEOUT on TAG {}", tag.as_deref().unwrap_or("None")),
            ),
            WireRow::KillAfter(d) => line(
                o,
                "wirelog_kill_after",
                &format!("FAIL CONNECTION AFTER {} sec", seconds(*d)),
            ),
            WireRow::KillFired => line(o, "wirelog_kill_after", "FAILING CONNECTION"),
            WireRow::CloseAfter(d) => line(
                o,
                "wirelog_kill_after",
                &format!("CLOSE CONNECTION AFTER {} sec", seconds(*d)),
            ),
            WireRow::CloseFired => line(o, "wirelog_kill_after", "CLOSING CONNECTION"),
            WireRow::WireLog(on) => line(
                o,
                "wirelog_delay",
                if *on {
                    "WIRELOG ENABLED"
                } else {
                    "WIRELOG DISABLED"
                },
            ),
            WireRow::TcpDropped { by_me } => tcp_dropped(o, n, *by_me),
            WireRow::Other(v) => {
                let text = match v {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                };
                line(o, "wirelog_delay", &text.replace('\n', " "));
            }
        }
        n += 1;
    }
    // The JSON has no row for the end of TCP (only `droppedByMe`); a model read from a page
    // has one already.
    if !case
        .wirelog
        .iter()
        .any(|r| matches!(r, WireRow::TcpDropped { .. }))
    {
        tcp_dropped(o, n, case.closing.dropped_by_me == Some(true));
    }
}

fn tcp_dropped(o: &mut String, n: usize, by_me: bool) {
    if by_me {
        w!(
            o,
            "         <pre class=\"wirelog_tcp_closed_by_me\">{n:03} TCP DROPPED BY ME</pre>"
        );
    } else {
        w!(
            o,
            "         <pre class=\"wirelog_tcp_closed_by_peer\">{n:03} TCP DROPPED BY PEER</pre>"
        );
    }
}

// ---- index.html ----

/// What an index cell shows beyond its [`CaseEntry`]; wstest takes it from the case record.
#[derive(Debug, Clone, PartialEq)]
pub struct CellDetail {
    /// `reportTime`: the cell shows the duration.
    pub report_time: bool,
    /// `reportCompressionRatio` with `trafficStats`: the incoming and outgoing
    /// `…CompressionRatio`, shown as `[in/out]` after the duration.
    pub compression: Option<(Option<f64>, Option<f64>)>,
}

impl Default for CellDetail {
    /// Without the case record the duration is shown: it is what a reader wants first.
    fn default() -> Self {
        CellDetail {
            report_time: true,
            compression: None,
        }
    }
}

impl CellDetail {
    /// What the index shows of a case record.
    pub fn of(case: &Case) -> CellDetail {
        let ratio = |key: &str| {
            case.traffic_stats
                .as_ref()
                .and_then(|t| t.get(key))
                .and_then(Value::as_f64)
        };
        CellDetail {
            report_time: case.report_time == Some(true),
            compression: (case.report_compression_ratio == Some(true)
                && case.traffic_stats.as_ref().is_some_and(|t| !t.is_null()))
            .then(|| {
                (
                    ratio("incomingCompressionRatio"),
                    ratio("outgoingCompressionRatio"),
                )
            }),
        }
    }
}

/// What `index.html` shows beyond the entries: each cell's [`CellDetail`] and each case's
/// description and expectation (the section below the table). Filled from case records as
/// they are written; what is not there is left out (cells then show the duration).
#[derive(Debug, Clone, Default)]
pub struct IndexDetails {
    cells: HashMap<(String, CaseId), CellDetail>,
    texts: BTreeMap<CaseId, (String, String)>,
}

impl IndexDetails {
    /// No details.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes what the index shows from one agent's case record.
    pub fn add(&mut self, agent: &str, case: &Case) {
        let Some(id) = case.id.clone() else {
            return;
        };
        self.cells
            .insert((agent.to_string(), id.clone()), CellDetail::of(case));
        self.texts
            .entry(id)
            .or_insert_with(|| (case.description.clone(), case.expectation.clone()));
    }

    fn cell(&self, agent: &str, id: &CaseId) -> CellDetail {
        self.cells
            .get(&(agent.to_string(), id.clone()))
            .cloned()
            .unwrap_or_default()
    }
}

/// The index's title of a category; 12 and 13 are told apart as the testsuite tells them.
fn category_row_title(category: u32) -> &'static str {
    match category {
        12 => "WebSocket Compression (different payloads)",
        13 => "WebSocket Compression (different parameters)",
        c => category_title(c),
    }
}

/// Sub-category titles (testsuite 25.10.1's index); categories without them have no
/// sub-category rows.
fn subcategory_title(category: u32, sub: u32) -> Option<&'static str> {
    Some(match (category, sub) {
        (1, 1) => "Text Messages",
        (1, 2) => "Binary Messages",
        (4, 1) => "Non-control Opcodes",
        (4, 2) => "Control Opcodes",
        (6, 1) => "Valid UTF-8 with zero payload fragments",
        (6, 2) => "Valid UTF-8 unfragmented, fragmented on code-points and within code-points",
        (6, 3) => "Invalid UTF-8 differently fragmented",
        (6, 4) => "Fail-fast on invalid UTF-8",
        (6, 5) => "Some valid UTF-8 sequences",
        (6, 6) => "All prefixes of a valid UTF-8 string that contains multi-byte code points",
        (6, 7) => "First possible sequence of a certain length",
        (6, 8) => "First possible sequence length 5/6 (invalid codepoints)",
        (6, 9) => "Last possible sequence of a certain length",
        (6, 10) => "Last possible sequence length 4/5/6 (invalid codepoints)",
        (6, 11) => "Other boundary conditions",
        (6, 12) => "Unexpected continuation bytes",
        (6, 13) => "Lonely start characters",
        (6, 14) => "Sequences with last continuation byte missing",
        (6, 15) => "Concatenation of incomplete sequences",
        (6, 16) => "Impossible bytes",
        (6, 17) => "Examples of an overlong ASCII character",
        (6, 18) => "Maximum overlong sequences",
        (6, 19) => "Overlong representation of the NUL character",
        (6, 20) => "Single UTF-16 surrogates",
        (6, 21) => "Paired UTF-16 surrogates",
        (6, 22) => "Non-character code points (valid UTF-8)",
        (6, 23) => "Unicode specials (i.e. replacement char)",
        (7, 1) => "Basic close behavior (fuzzer initiated)",
        (7, 3) => "Close frame structure: payload length (fuzzer initiated)",
        (7, 5) => "Close frame structure: payload value (fuzzer initiated)",
        (7, 7) => "Close frame structure: valid close codes (fuzzer initiated)",
        (7, 9) => "Close frame structure: invalid close codes (fuzzer initiated)",
        (7, 13) => "Informational close information (fuzzer initiated)",
        (9, 1) => "Text Message (increasing size)",
        (9, 2) => "Binary Message (increasing size)",
        (9, 3) => "Fragmented Text Message (fixed size, increasing fragment size)",
        (9, 4) => "Fragmented Binary Message (fixed size, increasing fragment size)",
        (9, 5) => "Text Message (fixed size, increasing chop size)",
        (9, 6) => "Binary Text Message (fixed size, increasing chop size)",
        (9, 7) => "Text Message Roundtrip Time (fixed number, increasing size)",
        (9, 8) => "Binary Message Roundtrip Time (fixed number, increasing size)",
        (10, 1) => "Auto-Fragmentation",
        (12, 1) => "Large JSON data file (utf8, 194056 bytes)",
        (12, 2) => "Lena Picture, Bitmap 512x512 bw (binary, 263222 bytes)",
        (12, 3) => "Human readable text, Goethe's Faust I (German) (binary, 222218 bytes)",
        (12, 4) => "Large HTML file (utf8, 263647 bytes)",
        (12, 5) => "A larger PDF (binary, 1042328 bytes)",
        (13, 1) => "permessage-deflate offer [(False, 0)], accept [(False, 0)]",
        (13, 2) => "permessage-deflate offer [(True, 0)], accept [(True, 0)]",
        (13, 3) => "permessage-deflate offer [(False, 9)], accept [(False, 9)]",
        (13, 4) => "permessage-deflate offer [(False, 15)], accept [(False, 15)]",
        (13, 5) => "permessage-deflate offer [(True, 9)], accept [(True, 9)]",
        (13, 6) => "permessage-deflate offer [(True, 15)], accept [(True, 15)]",
        (13, 7) => "permessage-deflate offer [(True, 9), (True, 0), (False, 0)], accept the same",
        _ => return None,
    })
}

/// An outcome cell's text and class, as wstest paints them.
fn outcome_cell(behavior: &Verdict) -> (&str, &'static str) {
    match behavior {
        Verdict::Ok => ("Pass", "case_ok"),
        Verdict::NonStrict => ("Non-Strict", "case_non_strict"),
        Verdict::Informational => ("Info", "case_info"),
        // A word this version does not know is shown as it is (the reader keeps it).
        Verdict::Other(word) => (word, "case_failed"),
        _ => ("Fail", "case_failed"),
    }
}

/// The testsuite's colour word (CSS class) of a behaviour verdict, as its case page paints it.
pub fn behavior_class(behavior: &Verdict) -> &'static str {
    header(Some(behavior)).0
}

/// The testsuite's colour word (CSS class) of a closing verdict, as its index paints it.
pub fn close_class(close: &Verdict) -> &'static str {
    match close {
        Verdict::Ok => "case_ok",
        Verdict::FailedByClient => "case_almost",
        Verdict::WrongCode => "case_non_strict",
        Verdict::Informational => "case_info",
        _ => "case_failed",
    }
}

/// A close cell's text and class: the peer's close code, painted by the closing verdict;
/// `UNCLEAN` and failures show a word instead of the code.
fn close_cell(entry: &CaseEntry) -> (String, &'static str) {
    let class = close_class(&entry.behavior_close);
    match entry.behavior_close {
        Verdict::Ok | Verdict::FailedByClient | Verdict::WrongCode | Verdict::Informational => {
            (show_num(entry.remote_close_code), class)
        }
        Verdict::Unclean => ("Unclean".to_string(), class),
        _ => ("Fail".to_string(), class),
    }
}

const INDEX_CSS: &str = "
body { background: #f6f6f4; color: #222; font-family: sans-serif; margin: 0 1em 4em; }
table { border-collapse: collapse; }
td { padding: .3em 1em; font-size: .85em; color: #fff; border: 1px solid #fff; }
table#agent_case_results { margin: 1em; }
td.outcome_desc { color: #222; }
td.agent { background: #248; text-align: center; min-width: 8em; }
td.case { background: #666; padding-left: 2.5em; }
td.case_category { background: #000; } td.case_subcategory { background: #333; padding-left: 1.5em; }
tr.agent_case_result_row a { color: #eee; }
td.case_ok, td.case_almost, td.case_non_strict, td.case_info, td.case_unimplemented,
td.case_failed, td.case_missing { text-align: center; }
td.case_ok { background: #2a2; } td.case_almost { background: #6c6; }
td.case_non_strict { background: #9a2; } td.case_info { background: #48b; }
td.case_unimplemented { background: #737; } td.case_failed { background: #a22; }
td.case_missing { background: #a63; }
td.close { font-size: .7em; padding: .3em; }
span.case_duration { font-size: .75em; }
p.case_text_block { border: 1px solid #bbb; border-radius: 8px; padding: 1em; margin: .3em 1em; }
div#toggle_button { position: fixed; bottom: 1em; right: 1em; background: #555; color: #fff;
  border-radius: 1em; padding: .3em .8em; cursor: pointer; }
";

/// Hides or shows the close cells (wstest's "Toggle Details").
const INDEX_JS: &str = "
function toggleClose() {
   var hide = !document.body.classList.toggle('closes_shown');
   document.querySelectorAll('.close_hide').forEach(function (e) { e.style.display = hide ? 'none' : ''; });
   document.querySelectorAll('.close_flex').forEach(function (e) { e.colSpan = hide ? 1 : 2; });
}
";

/// The master report, as wstest writes `index.html`: one column per agent (sorted by name),
/// one row per case (every case any agent ran, in id order) grouped under category and
/// sub-category rows, each cell linking to the case page.
pub fn index_page(agents: &[AgentRun], details: &IndexDetails) -> Vec<u8> {
    let mut runs: Vec<&AgentRun> = agents.iter().collect();
    runs.sort_by(|a, b| a.agent.cmp(&b.agent));
    let ids: BTreeSet<&CaseId> = runs
        .iter()
        .flat_map(|r| r.cases.iter().map(|e| &e.id))
        .collect();
    let lookup: Vec<HashMap<&CaseId, &CaseEntry>> = runs
        .iter()
        .map(|r| r.cases.iter().map(|e| (&e.id, e)).collect())
        .collect();

    let mut o = String::with_capacity(4096 + ids.len() * runs.len() * 200);
    w!(o, "<!DOCTYPE html>");
    w!(o, "<html>");
    w!(o, "   <head>");
    w!(o, "      <meta charset=\"utf-8\" />");
    w!(o, "      <style lang=\"css\">{INDEX_CSS}</style>");
    w!(
        o,
        "      <script language=\"javascript\">{INDEX_JS}</script>"
    );
    w!(o, "   </head>");
    w!(o, "   <body class=\"closes_shown\">");
    w!(
        o,
        "      <a href=\"#\"><div id=\"toggle_button\" class=\"unselectable\" onclick=\"toggleClose();\">Toggle Details</div></a>"
    );
    w!(o, "      <a name=\"top\"></a>");
    w!(o, "      <div id=\"master_report_header\" class=\"block\">");
    w!(
        o,
        "         <p id=\"intro\">Summary report written by wsreport {} in the layout of the Autobahn WebSocket Testsuite.</p>",
        env!("CARGO_PKG_VERSION")
    );
    w!(o, "         <table id=\"case_outcome_desc\">");
    for (class, word, what) in [
        ("case_ok", "Pass", "The case ran and passed."),
        (
            "case_non_strict",
            "Non-Strict",
            "Passed, but not the way a SHOULD of the spec asks; still conformant.",
        ),
        ("case_failed", "Fail", "The case ran and failed."),
        (
            "case_info",
            "Info",
            "Informational: behaviour the spec leaves open.",
        ),
        (
            "case_unimplemented",
            "Unimplemented",
            "The tested feature (e.g. an extension) is not implemented.",
        ),
        (
            "case_missing",
            "Missing",
            "The case was not run for this agent.",
        ),
    ] {
        w!(
            o,
            "            <tr><td class=\"{class}\">{word}</td><td class=\"outcome_desc\">{what}</td></tr>"
        );
    }
    w!(o, "         </table>");
    w!(o, "      </div>");

    w!(o, "      <table id=\"agent_case_results\">");
    let columns = runs.len() * 2 + 1;
    let mut last: Option<(u32, Option<u32>)> = None;
    for id in &ids {
        let parts = id.parts();
        let category = id.category();
        let sub = parts.get(1).copied();
        let sub_title = sub.and_then(|s| subcategory_title(category, s));
        let sub_key = sub_title.and(sub);
        let new_category = last.is_none_or(|(c, _)| c != category);
        let new_sub = new_category || last.is_some_and(|(_, s)| s != sub_key);
        // The agent row is repeated at every category and sub-category, as wstest does.
        if new_category || new_sub {
            w!(o, "         <tr class=\"case_category_row\">");
            w!(
                o,
                "            <td class=\"case_category\">{category} {}</td>",
                category_row_title(category)
            );
            for r in &runs {
                w!(
                    o,
                    "            <td class=\"agent close_flex\" colspan=\"2\">{}</td>",
                    escape(&r.agent)
                );
            }
            w!(o, "         </tr>");
        }
        if let (true, Some(title), Some(sub)) = (new_sub, sub_title, sub) {
            w!(o, "         <tr class=\"case_subcategory_row\">");
            w!(
                o,
                "            <td class=\"case_subcategory\" colspan=\"{columns}\">{category}.{sub} {title}</td>"
            );
            w!(o, "         </tr>");
        }
        last = Some((category, sub_key));

        w!(o, "         <tr class=\"agent_case_result_row\">");
        w!(
            o,
            "            <td class=\"case\"><a href=\"#case_desc_{}\">Case {id}</a></td>",
            id.file_stem()
        );
        for (r, cases) in runs.iter().zip(&lookup) {
            let Some(entry) = cases.get(id) else {
                w!(
                    o,
                    "            <td class=\"case_missing close_flex\" colspan=\"2\">Missing</td>"
                );
                continue;
            };
            if entry.behavior == Verdict::Unimplemented {
                w!(
                    o,
                    "            <td class=\"case_unimplemented close_flex\" colspan=\"2\">Unimplemented</td>"
                );
                continue;
            }
            let (text, class) = outcome_cell(&entry.behavior);
            let (close_text, close_class) = close_cell(entry);
            // The page beside the case file the index names (its own name when two agents
            // fold to one), else the testsuite's name.
            let page = match entry.reportfile.as_deref() {
                Some(f) => {
                    let stem = f.strip_suffix(".json").or(f.strip_suffix(".html"));
                    format!("{}.html", stem.unwrap_or(f))
                }
                None => format!("{}.html", case_file_stem(&r.agent, id)),
            };
            let detail = details.cell(&r.agent, id);
            let mut shown = String::new();
            if detail.report_time {
                let _ = write!(shown, "{} ms", entry.duration_ms);
            }
            if let Some((rx, tx)) = detail.compression {
                let ratio =
                    |r: Option<f64>| r.map_or_else(|| "-".to_string(), |r| format!("{r:.3}"));
                let _ = write!(shown, " [{}/{}]", ratio(rx), ratio(tx));
            }
            let duration = if shown.is_empty() {
                String::new()
            } else {
                format!("<br/><span class=\"case_duration\">{shown}</span>")
            };
            w!(
                o,
                "            <td class=\"{class}\"><a href=\"{}\">{}</a>{duration}</td><td class=\"close close_hide {close_class}\"><span class=\"close_code\">{close_text}</span></td>",
                escape(&page),
                escape(text)
            );
        }
        w!(o, "         </tr>");
    }
    w!(o, "      </table>");
    w!(o, "      <br/><hr/>");

    w!(o, "      <div id=\"test_case_descriptions\">");
    for id in &ids {
        let Some((description, expectation)) = details.texts.get(id) else {
            continue;
        };
        let stem = id.file_stem();
        w!(o, "      <br/>");
        w!(o, "      <a name=\"case_desc_{stem}\"></a>");
        w!(o, "      <h2>Case {id}</h2>");
        w!(o, "      <a class=\"up\" href=\"#top\">Up</a>");
        w!(
            o,
            "      <p class=\"case_text_block case_desc\"><b>Case Description</b><br/><br/>{}</p>",
            markup(description)
        );
        w!(
            o,
            "      <p class=\"case_text_block case_expect\"><b>Case Expectation</b><br/><br/>{}</p>",
            markup(expectation)
        );
    }
    w!(o, "      </div>");
    w!(o, "      <br/><hr/>");
    w!(o, "   </body>");
    w!(o, "</html>");
    page_bytes(&o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::html::parse_case_page;
    use crate::model::{Closing, Shown};
    use crate::text::surrogate_to_char;

    #[test]
    fn python2_reprs_of_strings() {
        let lone = surrogate_to_char(0xDC00).to_string();
        let rows: &[(&str, bool, &str)] = &[
            ("payload-0", true, "u'payload-0'"),
            ("", true, "u''"),
            ("0xfefe", false, "'0xfefe'"),
            ("it's", true, "u\"it's\""),
            ("it's \"q\"", true, r#"u'it\'s "q"'"#),
            ("a\\b\t\n\r\0\x7f", true, r"u'a\\b\t\n\r\x00\x7f'"),
            ("µκ\u{10000}", true, r"u'\xb5\u03ba\U00010000'"),
            (&lone, true, r"u'\udc00'"),
            // A byte string is written only for ASCII.
            ("κ", false, r"u'\u03ba'"),
        ];
        for (s, text, want) in rows {
            assert_eq!(py_str(s, *text), *want, "{s:?}");
        }
    }

    #[test]
    fn payloads_in_reprs_are_text_unless_hex() {
        let evs = [
            Event::Message {
                payload: "0xfe ...".into(),
                binary: true,
            },
            Event::Pong("0x".into()),
            Event::Timeout("A".into()),
            Event::Other(serde_json::json!(["close", 1000])),
        ];
        assert_eq!(
            events_repr(&evs),
            "[('message', '0xfe ...', True), ('pong', u'0x'), ('timeout', 'A'), (u'close', 1000)]"
        );
        assert_eq!(
            expected_repr(&[("OK".into(), vec![Event::Ping("p".into())])]),
            "{'OK': [('ping', u'p')]}"
        );
    }

    #[test]
    fn long_reprs_are_cut_as_wstest_cuts_them() {
        let short = "x".repeat(MAX_REPR_LEN);
        assert_eq!(limit(short.clone()), short);
        let cut = limit("x".repeat(MAX_REPR_LEN + 1));
        assert_eq!(cut.len(), MAX_REPR_LEN);
        assert!(cut.ends_with("x ..."));
    }

    #[test]
    fn wire_text_wraps_as_textwrap_wraps_hex_and_always_reads_back() {
        let h128 = "ab".repeat(64);
        let rows: Vec<(String, Vec<String>)> = vec![
            (String::new(), vec![]),
            ("8a03".into(), vec!["8a03".into()]),
            (
                format!("{h128} ..."),
                vec![h128[..100].to_string(), format!("{} ...", &h128[100..])],
            ),
            // The cut mark goes alone when it does not fit.
            (
                format!("{} ...", "c".repeat(98)),
                vec!["c".repeat(98), "...".into()],
            ),
            // What the reader would not join back stays on one line.
            (
                format!("{}...", "d".repeat(100)),
                vec![format!("{}...", "d".repeat(100))],
            ),
            ("a\nb".into(), vec!["a b".into()]),
        ];
        for (text, want) in rows {
            assert_eq!(wrap(&text), want, "{text:?}");
        }
        for text in [" lead", "trail  ", &"e f ".repeat(60), " ..."] {
            let lines = wrap(text);
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            assert_eq!(unwrap_lines(&refs), text);
        }
    }

    fn tricky_case() -> Case {
        let lone = surrogate_to_char(0xDC00);
        let payload = format!("<b>&amp; a\0b{lone}</pre>\">");
        Case {
            id: Some("6.20.1".parse().unwrap()),
            agent: "tricky <agent> & co".into(),
            description: "Send <b>bold</b> text.<br>".into(),
            expectation: "Close &amp; done.".into(),
            started: Some("2026-01-02T03:04:05.678Z".into()),
            duration_ms: Some(7),
            behavior: Some(Verdict::Unimplemented),
            behavior_close: Some(Verdict::WrongCode),
            result: Some("Actual events differ from any expected.".into()),
            result_close: Some("The close code was not expected".into()),
            expected: vec![(
                "OK".into(),
                vec![Event::Message {
                    payload: payload.clone(),
                    binary: false,
                }],
            )],
            received: vec![Event::Ping(payload.clone())],
            closing: Closing {
                is_server: Some(true),
                was_not_clean_reason: Some("peer said <no> & left".into()),
                remote_close_code: Some(1002),
                dropped_by_me: Some(true),
                ..Closing::default()
            },
            http_request: Some("GET / HTTP/1.1\r\nHost: x\r\n\r\n".into()),
            http_response: Some("HTTP/1.1 101 OK\r\n\r\n".into()),
            create_stats: Some(true),
            create_wirelog: Some(true),
            wirelog: vec![
                WireRow::RxFrame {
                    payload: Shown {
                        len: Some(12),
                        text: payload.clone(),
                    },
                    opcode: 1,
                    fin: true,
                    rsv: 0,
                    masked: true,
                    mask: Some("60e668a9".into()),
                },
                WireRow::TxOctets {
                    data: Shown {
                        len: Some(0),
                        text: String::new(),
                    },
                    sync: true,
                },
                WireRow::DelaySet {
                    delay: 0.1234567,
                    tag: None,
                },
                WireRow::TcpDropped { by_me: true },
            ],
            ..Case::default()
        }
    }

    #[test]
    fn no_text_of_a_case_reaches_the_page_as_markup() {
        let xss = "<script>alert(1)</script>";
        let mut case = tricky_case();
        case.agent = xss.into();
        case.description = format!("{xss}<br>");
        case.expectation = xss.into();
        case.result = Some(xss.into());
        case.result_close = Some(xss.into());
        case.started = Some(xss.into());
        case.behavior = Some(Verdict::Other(xss.into()));
        case.behavior_close = Some(Verdict::Other(xss.into()));
        case.http_request = Some(format!("GET / HTTP/1.1\r\nX: {xss}\r\n\r\n"));
        case.http_response = Some(format!("HTTP/1.1 101 OK\r\nY: {xss}\r\n\r\n"));
        case.closing.remote_close_reason = Some(xss.into());
        case.wirelog.push(WireRow::Other(Value::String(xss.into())));
        case.received = vec![Event::Message {
            payload: xss.into(),
            binary: false,
        }];
        let page = crate::text::decode_page(&case_page(&case));
        // Before: every one of these was written as a live <script> element.
        assert!(!page.contains("<script"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
        let back = parse_case_page(page.as_bytes()).unwrap().case;
        assert_eq!(back.agent, case.agent);
        assert_eq!(back.description, case.description);
        assert_eq!(back.expectation, case.expectation);
        assert_eq!(back.result, case.result);
        assert_eq!(back.result_close, case.result_close);
        assert_eq!(back.started, case.started);
        assert_eq!(back.http_request, case.http_request);
        assert_eq!(back.closing, case.closing);
        assert_eq!(back.received, case.received);
        assert_eq!(back.wirelog.last(), case.wirelog.last());
        let mut details = IndexDetails::new();
        details.add(&case.agent, &case);
        let run = AgentRun {
            agent: case.agent.clone(),
            cases: vec![case.entry(Some("x_case_6_20_1.json".into())).unwrap()],
        };
        let index = crate::text::decode_page(&index_page(&[run], &details));
        assert!(!index.contains(xss), "{index}");
    }

    #[test]
    fn a_page_with_markup_nul_and_lone_surrogates_reads_back() {
        let case = tricky_case();
        let bytes = case_page(&case);
        // The lone surrogate is written in its 3-byte form, NUL as NUL, markup escaped
        // (before: written raw, as wstest writes it).
        assert!(bytes.windows(3).any(|w| w == [0xED, 0xB0, 0x80]));
        assert!(bytes.contains(&0));
        let text = crate::text::decode_page(&bytes);
        assert!(text.contains("&lt;b&gt;&amp;amp; a\0b"), "{text}");
        assert!(!text.contains("<b>&amp; a"), "{text}");
        assert!(text.contains("tricky &lt;agent&gt; &amp; co"), "{text}");
        assert!(text.contains("peer said &lt;no&gt; &amp; left"), "{text}");
        // The testsuite's own description markup is kept.
        assert!(text.contains("Send <b>bold</b> text.<br>"), "{text}");
        let page = parse_case_page(&bytes).unwrap();
        assert!(!page.notes.behavior_uncertain);
        assert_eq!(page.case.agent, case.agent);
        assert_eq!(page.case.behavior, case.behavior);
        assert_eq!(page.case.behavior_close, case.behavior_close);
        assert_eq!(page.case.description, case.description);
        assert_eq!(page.case.expectation, case.expectation);
        assert_eq!(page.case.expected, case.expected);
        assert_eq!(page.case.received, case.received);
        assert_eq!(page.case.closing, case.closing);
        assert_eq!(page.case.http_request, case.http_request);
        assert_eq!(page.case.wirelog, case.wirelog);
    }

    #[test]
    fn a_page_from_json_gets_its_tcp_line_from_dropped_by_me() {
        let mut case = tricky_case();
        case.wirelog.pop();
        let text = String::from_utf8_lossy(&case_page(&case)).into_owned();
        assert!(
            text.contains("<pre class=\"wirelog_tcp_closed_by_me\">003 TCP DROPPED BY ME</pre>")
        );
        case.closing.dropped_by_me = Some(false);
        let text = String::from_utf8_lossy(&case_page(&case)).into_owned();
        assert!(text.contains("003 TCP DROPPED BY PEER"));
    }

    #[test]
    #[cfg(feature = "html")]
    fn index_cells_read_back_with_escaped_agent_names() {
        let case = tricky_case();
        let entry = case.entry(None).unwrap();
        let runs = [AgentRun {
            agent: case.agent.clone(),
            cases: vec![entry.clone()],
        }];
        let mut details = IndexDetails::new();
        details.add(&case.agent, &case);
        let cells = crate::load::html::parse_index(&index_page(&runs, &details)).unwrap();
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].agent, case.agent);
        assert_eq!(cells[0].entry.behavior, Verdict::Unimplemented);
        assert_eq!(cells[0].entry.id, entry.id);
    }

    #[test]
    fn a_cut_repr_reads_back_as_its_complete_events_and_says_so() {
        let mut case = tricky_case();
        case.received = (0..100)
            .map(|i| Event::Pong(format!("payload-{i}")))
            .collect();
        let page = parse_case_page(&case_page(&case)).unwrap();
        assert!(page.notes.received_cut);
        let n = page.case.received.len();
        assert!(n > 10 && n < 100, "{n}");
        assert_eq!(page.case.received[..], case.received[..n]);
    }
}
