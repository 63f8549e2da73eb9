//! Autobahn HTML: a per-case page into [`Case`], and `index.html` into agents and entries.
//!
//! The testsuite writes case pages from a fixed template and inserts texts without HTML
//! escaping: payloads may hold `<`, `&`, NUL bytes and raw surrogates. An HTML parser would
//! turn those into markup, entities or U+FFFD, so case pages are read by the template's own
//! markers over the decoded bytes ([`crate::text::decode_page`]); `index.html`, whose cells
//! hold only words and numbers, is read with `scraper`. wsreport's own pages escape their
//! texts and say so in their head ([`ESCAPED_MARKER`]); their texts are unescaped as read.
//!
//! What a page cannot tell is said, not guessed ([`PageNotes`]): an UNIMPLEMENTED case's page
//! says `Fail`; Expected/Observed reprs may be cut at 1000 characters; octet rows show no
//! length.

use std::collections::BTreeMap;

#[cfg(feature = "html")]
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use crate::load::pyrepr::{self, ReprError};
use crate::model::{AgentRun, Case, CaseEntry, Closing, Shown, Verdict, WireRow};
use crate::text::decode_page;

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PageError {
    /// No Autobahn case header.
    #[error("not an Autobahn case page (no `<p class=\"case …\">` header line)")]
    NotAutobahn,
    /// The page ends before its template does.
    #[error("page is cut off: {missing} missing")]
    Cut {
        /// The first part not found.
        missing: &'static str,
    },
    /// A part is there but does not read.
    #[error("{part}: cannot read {text:?}")]
    Malformed {
        /// Which part.
        part: &'static str,
        /// The text (shortened).
        text: String,
    },
    /// An Expected/Observed repr does not read.
    #[error("{part}")]
    Repr {
        /// `Expected` or `Observed`.
        part: &'static str,
        /// The problem.
        source: ReprError,
    },
}

/// What a page could not say for certain.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageNotes {
    /// The header word (`Pass`, `Fail`, `Non-Strict`, `Info`, …).
    pub header_word: String,
    /// The header's outcome class (`case_ok`, `case_failed`, …).
    pub header_class: String,
    /// The header says `Fail`: the case may be FAILED or UNIMPLEMENTED; only an index tells.
    pub behavior_uncertain: bool,
    /// The `Expected:` repr was cut by the page: only its complete events are kept.
    pub expected_cut: bool,
    /// The `Observed:` repr was cut by the page.
    pub received_cut: bool,
}

/// A case page read.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The case.
    pub case: Case,
    /// What the page could not say.
    pub notes: PageNotes,
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

fn malformed(part: &'static str, text: &str) -> PageError {
    PageError::Malformed {
        part,
        text: short(text),
    }
}

/// The line in the head of wsreport's case pages that says their texts are HTML-escaped
/// (wstest's are not; see [`crate::report::html`]).
pub const ESCAPED_MARKER: &str = "<meta name=\"generator\" content=\"wsreport; texts escaped\" />";

/// Undoes [`crate::report::html::escape`]: `&lt;`, `&gt;`, `&quot;`, `&amp;`; anything else
/// (a `&` that starts none of them) is kept as it is.
pub fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let entity = [
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&amp;", '&'),
        ]
        .into_iter()
        .find(|(e, _)| rest.starts_with(e));
        match entity {
            Some((e, c)) => {
                out.push(c);
                rest = &rest[e.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// A page's texts as written: unescaped when the page says it escaped them.
#[derive(Debug, Clone, Copy)]
struct Texts {
    escaped: bool,
}

impl Texts {
    fn of<'a>(&self, t: &'a str) -> std::borrow::Cow<'a, str> {
        if self.escaped {
            unescape(t)
        } else {
            std::borrow::Cow::Borrowed(t)
        }
    }
}

/// A cursor over page text that finds the template's markers in order.
struct Scan<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    fn find(&self, marker: &str) -> Option<usize> {
        self.s[self.at..].find(marker).map(|i| self.at + i)
    }

    /// Moves past `marker`.
    fn skip(&mut self, marker: &str, part: &'static str) -> Result<(), PageError> {
        let i = self.find(marker).ok_or(PageError::Cut { missing: part })?;
        self.at = i + marker.len();
        Ok(())
    }

    /// The text up to `end`, moving past `end`.
    fn until(&mut self, end: &str, part: &'static str) -> Result<&'a str, PageError> {
        let i = self.find(end).ok_or(PageError::Cut { missing: part })?;
        let t = &self.s[self.at..i];
        self.at = i + end.len();
        Ok(t)
    }
}

/// The behaviour a header word names. `Fail` is FAILED or UNIMPLEMENTED (see [`PageNotes`]).
pub fn header_verdict(word: &str) -> Verdict {
    match word {
        "Pass" => Verdict::Ok,
        "Non-Strict" => Verdict::NonStrict,
        "Fail" => Verdict::Failed,
        "Info" | "Informational" => Verdict::Informational,
        "Unimplemented" => Verdict::Unimplemented,
        other => Verdict::Other(other.to_uppercase()),
    }
}

/// Reads a case page's bytes (not necessarily UTF-8).
pub fn parse_case_page(bytes: &[u8]) -> Result<Page, PageError> {
    parse_case_text(&decode_page(bytes))
}

/// Reads a case page already decoded.
pub fn parse_case_text(s: &str) -> Result<Page, PageError> {
    let mut sc = Scan { s, at: 0 };
    let mut case = Case::default();
    let mut notes = PageNotes::default();
    let texts = Texts {
        escaped: s
            .find("<p class=\"case ")
            .is_some_and(|header| s[..header].contains(ESCAPED_MARKER)),
    };

    // Header: `<p class="case case_ok">AGENT - <span …><b>Case 2.11</b></span> : Pass - <span
    // …><b>108</b> ms @ STARTED</a></p>`
    sc.skip("<p class=\"case ", "header")
        .map_err(|_| PageError::NotAutobahn)?;
    notes.header_class = sc.until("\">", "header")?.trim().to_string();
    case.agent = texts.of(sc.until(" - <span", "header agent")?).into_owned();
    sc.skip("<b>Case ", "header case id")?;
    let id = sc.until("</b>", "header case id")?;
    case.id = Some(id.parse().map_err(|_| malformed("case id", id))?);
    sc.skip("</span> : ", "header outcome")?;
    notes.header_word = texts
        .of(sc.until(" - <span", "header outcome")?.trim())
        .into_owned();
    let verdict = header_verdict(&notes.header_word);
    notes.behavior_uncertain = verdict == Verdict::Failed;
    case.behavior = Some(verdict);
    sc.skip("<b>", "header duration")?;
    let dur = sc.until("</b>", "header duration")?;
    case.duration_ms = Some(dur.trim().parse().map_err(|_| malformed("duration", dur))?);
    sc.skip(" ms @ ", "header start time")?;
    let line_end = sc
        .find("</p>")
        .ok_or(PageError::Cut { missing: "header" })?;
    let started = &s[sc.at..line_end];
    case.started = Some(
        texts
            .of(started.strip_suffix("</a>").unwrap_or(started))
            .into_owned(),
    );
    sc.at = line_end;

    sc.skip("<b>Case Description</b><br/><br/>", "Case Description")?;
    case.description = texts.of(sc.until("</p>", "Case Description")?).into_owned();
    sc.skip("<b>Case Expectation</b><br/><br/>", "Case Expectation")?;
    case.expectation = texts.of(sc.until("</p>", "Case Expectation")?).into_owned();

    sc.skip("<b>Case Outcome</b><br/><br/>", "Case Outcome")?;
    case.result = Some(
        texts
            .of(sc.until("<br/><br/>", "Case Outcome")?)
            .into_owned(),
    );
    sc.skip("<span class=\"case_pickle\">", "Expected")?;
    let expected = texts.of(sc.until("</span><br/><br/>", "Expected")?);
    let (exp, cut) = pyrepr::parse_expected(&expected).map_err(|source| PageError::Repr {
        part: "Expected",
        source,
    })?;
    case.expected = exp;
    notes.expected_cut = cut;
    sc.skip("<span class=\"case_pickle\">", "Observed")?;
    let closing_at = sc
        .find("<b>Case Closing Behavior</b>")
        .ok_or(PageError::Cut {
            missing: "Case Closing Behavior",
        })?;
    let observed_block = &s[sc.at..closing_at];
    let observed = observed_block
        .rfind("</span>")
        .map(|i| &observed_block[..i])
        .ok_or(PageError::Cut {
            missing: "Observed",
        })?;
    let (rec, cut) =
        pyrepr::parse_events(&texts.of(observed)).map_err(|source| PageError::Repr {
            part: "Observed",
            source,
        })?;
    case.received = rec;
    notes.received_cut = cut;
    sc.at = closing_at;
    sc.skip(
        "<b>Case Closing Behavior</b><br/><br/>",
        "Case Closing Behavior",
    )?;
    let closing = texts.of(sc.until("</p>", "Case Closing Behavior")?);
    match closing.rsplit_once(" (") {
        Some((sentence, verdict)) if verdict.ends_with(')') => {
            case.result_close = Some(sentence.to_string());
            case.behavior_close = Some(Verdict::parse(&verdict[..verdict.len() - 1]));
        }
        _ => return Err(malformed("Case Closing Behavior", &closing)),
    }

    sc.skip("<h2>Opening Handshake</h2>", "Opening Handshake")?;
    sc.skip("<pre class=\"http_dump\">", "Opening Handshake request")?;
    case.http_request = Some(handshake(
        &texts.of(sc.until("</pre>", "Opening Handshake")?),
    ));
    sc.skip("<pre class=\"http_dump\">", "Opening Handshake response")?;
    case.http_response = Some(handshake(
        &texts.of(sc.until("</pre>", "Opening Handshake")?),
    ));

    sc.skip("<h2>Closing Behavior</h2>", "Closing Behavior")?;
    let table = sc.until("</table>", "Closing Behavior")?;
    case.closing = closing_table(table, texts)?;

    sc.skip("<h2>Wire Statistics</h2>", "Wire Statistics")?;
    let log_at = sc.find("<h2>Wire Log</h2>").ok_or(PageError::Cut {
        missing: "Wire Log",
    })?;
    let stats = &s[sc.at..log_at];
    if stats.contains("disabled!") {
        case.create_stats = Some(false);
    } else {
        case.create_stats = Some(true);
        case.stats.rx_octets = stats_table(stats, "<h3>Octets Received by Chop Size</h3>")?;
        case.stats.tx_octets = stats_table(stats, "<h3>Octets Transmitted by Chop Size</h3>")?;
        case.stats.rx_frames = stats_table(stats, "<h3>Frames Received by Opcode</h3>")?;
        case.stats.tx_frames = stats_table(stats, "<h3>Frames Transmitted by Opcode</h3>")?;
    }
    sc.at = log_at;
    let div = sc.find("<div id=\"wirelog\">").ok_or(PageError::Cut {
        missing: "Wire Log",
    })?;
    case.create_wirelog = Some(!s[sc.at..div].contains("disabled!"));
    sc.at = div;
    case.wirelog = wire_log(&s[div..], texts)?;
    if !s[sc.at..].contains("</html>") {
        return Err(PageError::Cut { missing: "</html>" });
    }
    Ok(Page { case, notes })
}

/// The page shows the handshake without its final blank line; the JSON keeps the CRLFs.
fn handshake(shown: &str) -> String {
    if shown.contains("\r\n") {
        format!("{shown}\r\n\r\n")
    } else {
        shown.to_string()
    }
}

fn cells(row: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = row;
    while let Some(i) = rest.find("<td") {
        rest = &rest[i..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        rest = &rest[open_end + 1..];
        let end = rest.find("</td>").unwrap_or(rest.len());
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

fn rows<'a>(table: &'a str, class: &str) -> Vec<&'a str> {
    let marker = format!("<tr class=\"{class}\">");
    table
        .split(marker.as_str())
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap_or(r))
        .collect()
}

/// A closing-table value: `True`/`False`/`None`.
pub fn py_bool(v: &str) -> Result<Option<bool>, PageError> {
    match v {
        "True" => Ok(Some(true)),
        "False" => Ok(Some(false)),
        "None" | "" => Ok(None),
        other => Err(malformed("closing value", other)),
    }
}

fn py_uint(v: &str) -> Result<Option<u64>, PageError> {
    match v {
        "None" | "" => Ok(None),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| malformed("closing value", n)),
    }
}

fn py_text(v: &str) -> Option<String> {
    (v != "None").then(|| v.to_string())
}

/// Sets one closing field from its key and shown value; unknown keys are ignored.
pub fn set_closing(c: &mut Closing, key: &str, v: &str) -> Result<(), PageError> {
    match key {
        "isServer" => c.is_server = py_bool(v)?,
        "closedByMe" => c.closed_by_me = py_bool(v)?,
        "failedByMe" => c.failed_by_me = py_bool(v)?,
        "droppedByMe" => c.dropped_by_me = py_bool(v)?,
        "wasClean" => c.was_clean = py_bool(v)?,
        "wasNotCleanReason" => c.was_not_clean_reason = py_text(v),
        "wasServerConnectionDropTimeout" => c.was_server_connection_drop_timeout = py_bool(v)?,
        "wasOpenHandshakeTimeout" => c.was_open_handshake_timeout = py_bool(v)?,
        "wasCloseHandshakeTimeout" => c.was_close_handshake_timeout = py_bool(v)?,
        "localCloseCode" => c.local_close_code = py_uint(v)?,
        "localCloseReason" => c.local_close_reason = py_text(v),
        "remoteCloseCode" => c.remote_close_code = py_uint(v)?,
        "remoteCloseReason" => c.remote_close_reason = py_text(v),
        _ => {}
    }
    Ok(())
}

fn closing_table(table: &str, texts: Texts) -> Result<Closing, PageError> {
    let mut c = Closing::default();
    for row in rows(table, "stats_row") {
        let cs = cells(row);
        if cs.len() >= 2 {
            set_closing(&mut c, cs[0], &texts.of(cs[1]))?;
        }
    }
    Ok(c)
}

fn stats_table(stats: &str, title: &'static str) -> Result<BTreeMap<u64, u64>, PageError> {
    let start = stats.find(title).ok_or(PageError::Cut { missing: title })?;
    let rest = &stats[start..];
    let table = &rest[..rest
        .find("</table>")
        .ok_or(PageError::Cut { missing: title })?];
    let mut out = BTreeMap::new();
    for row in rows(table, "stats_row") {
        let cs = cells(row);
        let (Some(k), Some(n)) = (cs.first(), cs.get(1)) else {
            return Err(malformed(title, row));
        };
        let k = k.trim().parse().map_err(|_| malformed(title, row))?;
        let n = n.trim().parse().map_err(|_| malformed(title, row))?;
        out.insert(k, n);
    }
    Ok(out)
}

/// A row being read: its kind line and the continuation lines that follow it.
struct Pending<'a> {
    class: &'a str,
    head: std::borrow::Cow<'a, str>,
    more: Vec<std::borrow::Cow<'a, str>>,
}

/// Joins the lines Python's `textwrap.wrap(text, 100)` made: a long word (hex) is broken at
/// exactly 100 characters with nothing lost; a break at a space drops the space; the cut mark
/// ` ...` may land alone on the last line.
pub fn unwrap_lines(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut prev_len = 0;
    for (i, l) in lines.iter().enumerate() {
        if i > 0 && (prev_len < 100 || *l == "...") {
            out.push(' ');
        }
        out.push_str(l);
        prev_len = l.chars().count();
    }
    out
}

fn field<'a>(fields: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn frame_fields(text: &str) -> Vec<(&str, &str)> {
    text.split(", ")
        .filter_map(|kv| kv.split_once('='))
        .collect()
}

/// wstest writes an RX frame's mask as the hex of its hex text (`60e668a9` shows as
/// `3630653636386139`); kosoku writes it plainly. Both give the plain hex.
pub fn rx_mask(shown: &str) -> Option<String> {
    if shown == "None" {
        return None;
    }
    if shown.len() == 16 && shown.bytes().all(|b| b.is_ascii_hexdigit()) {
        let decoded: Option<String> = (0..16)
            .step_by(2)
            .map(|i| {
                u8::from_str_radix(&shown[i..i + 2], 16)
                    .ok()
                    .filter(u8::is_ascii_hexdigit)
                    .map(char::from)
            })
            .collect();
        if let Some(d) = decoded {
            return Some(d);
        }
    }
    Some(shown.to_string())
}

fn seconds(part: &'static str, text: &str) -> Result<f64, PageError> {
    text.trim()
        .strip_suffix(" sec")
        .unwrap_or(text)
        .trim()
        .parse()
        .map_err(|_| malformed(part, text))
}

fn opt_num(part: &'static str, v: Option<&str>) -> Result<Option<u64>, PageError> {
    match v {
        None | Some("None") => Ok(None),
        Some(n) => n.parse().map(Some).map_err(|_| malformed(part, n)),
    }
}

fn bool_field(part: &'static str, v: Option<&str>) -> Result<bool, PageError> {
    match v {
        Some("True") => Ok(true),
        Some("False") => Ok(false),
        _ => Err(malformed(part, v.unwrap_or("missing"))),
    }
}

fn tag(t: &str) -> Option<String> {
    (t != "None").then(|| t.to_string())
}

fn octets(text: String) -> Shown {
    let len = (!crate::model::is_cut(&text)).then_some(text.len() as u64 / 2);
    Shown { len, text }
}

/// Reads one wire-log row from its kind line (without the `NNN ` number) and the lines that
/// continue it.
pub fn wire_row(class: &str, head: &str, more: &[&str]) -> Result<WireRow, PageError> {
    let sync = class.ends_with("_sync");
    if let Some(hex) = head.strip_prefix("RX OCTETS: ") {
        let mut lines = vec![hex];
        lines.extend_from_slice(more);
        return Ok(WireRow::RxOctets(octets(unwrap_lines(&lines))));
    }
    if let Some(hex) = head.strip_prefix("TX OCTETS: ") {
        let mut lines = vec![hex];
        lines.extend_from_slice(more);
        return Ok(WireRow::TxOctets {
            data: octets(unwrap_lines(&lines)),
            sync,
        });
    }
    if let Some(rest) = head.strip_prefix("RX FRAME : ") {
        let f = frame_fields(rest);
        let part = "RX FRAME";
        return Ok(WireRow::RxFrame {
            payload: Shown {
                len: opt_num(part, field(&f, "PAYLOAD-LEN"))?,
                text: unwrap_lines(more),
            },
            opcode: opt_num(part, field(&f, "OPCODE"))?.ok_or_else(|| malformed(part, rest))?,
            fin: bool_field(part, field(&f, "FIN"))?,
            rsv: opt_num(part, field(&f, "RSV"))?.ok_or_else(|| malformed(part, rest))?,
            masked: bool_field(part, field(&f, "MASKED"))?,
            mask: field(&f, "MASK").and_then(rx_mask),
        });
    }
    if let Some(rest) = head.strip_prefix("TX FRAME : ") {
        let f = frame_fields(rest);
        let part = "TX FRAME";
        return Ok(WireRow::TxFrame {
            payload: Shown {
                len: opt_num(part, field(&f, "PAYLOAD-LEN"))?,
                text: unwrap_lines(more),
            },
            opcode: opt_num(part, field(&f, "OPCODE"))?.ok_or_else(|| malformed(part, rest))?,
            fin: bool_field(part, field(&f, "FIN"))?,
            rsv: opt_num(part, field(&f, "RSV"))?.ok_or_else(|| malformed(part, rest))?,
            mask: field(&f, "MASK")
                .filter(|m| *m != "None")
                .map(str::to_string),
            repeat_len: opt_num(part, field(&f, "PAYLOAD-REPEAT-LEN"))?,
            chopsize: opt_num(part, field(&f, "CHOPSIZE"))?,
            sync: bool_field(part, field(&f, "SYNC"))?,
        });
    }
    if let Some(t) = head.strip_prefix("DELAY TIMEOUT on TAG ") {
        return Ok(WireRow::DelayFired(tag(t)));
    }
    if let Some(rest) = head.strip_prefix("DELAY ") {
        let (d, t) = rest
            .split_once(" sec for TAG ")
            .ok_or_else(|| malformed("DELAY", rest))?;
        return Ok(WireRow::DelaySet {
            delay: seconds("DELAY", d)?,
            tag: tag(t),
        });
    }
    if let Some(d) = head.strip_prefix("FAIL CONNECTION AFTER ") {
        return Ok(WireRow::KillAfter(seconds("FAIL CONNECTION AFTER", d)?));
    }
    if let Some(d) = head.strip_prefix("CLOSE CONNECTION AFTER ") {
        return Ok(WireRow::CloseAfter(seconds("CLOSE CONNECTION AFTER", d)?));
    }
    Ok(match head {
        "FAILING CONNECTION" => WireRow::KillFired,
        "CLOSING CONNECTION" => WireRow::CloseFired,
        "WIRELOG ENABLED" => WireRow::WireLog(true),
        "WIRELOG DISABLED" => WireRow::WireLog(false),
        "TCP DROPPED BY ME" => WireRow::TcpDropped { by_me: true },
        "TCP DROPPED BY PEER" => WireRow::TcpDropped { by_me: false },
        other => WireRow::Other(Value::String(other.to_string())),
    })
}

/// Indent of continuation lines: `NNN ` plus `RX OCTETS: ` (15 characters).
pub const CONTINUATION: &str = "               ";

fn wire_log(div: &str, texts: Texts) -> Result<Vec<WireRow>, PageError> {
    let mut rows = Vec::new();
    let mut pending: Option<Pending> = None;
    let mut closed = false;
    let finish = |p: Pending, rows: &mut Vec<WireRow>| -> Result<(), PageError> {
        let more: Vec<&str> = p.more.iter().map(|m| m.as_ref()).collect();
        rows.push(wire_row(p.class, &p.head, &more)?);
        Ok(())
    };
    for line in div.split('\n').skip(1) {
        let t = line.trim_start_matches([' ', '\t']);
        if t.starts_with("</div>") {
            closed = true;
            break;
        }
        let Some(rest) = t.strip_prefix("<pre class=\"") else {
            continue;
        };
        let Some((class, rest)) = rest.split_once("\">") else {
            return Err(PageError::Cut {
                missing: "end of a wire-log line",
            });
        };
        let Some(content) = rest
            .strip_suffix("</pre>")
            .or_else(|| rest.rfind("</pre>").map(|i| &rest[..i]))
        else {
            return Err(PageError::Cut {
                missing: "end of a wire-log line",
            });
        };
        if let Some(cont) = content.strip_prefix(CONTINUATION) {
            match pending.as_mut() {
                Some(p) => p.more.push(texts.of(cont)),
                None => return Err(malformed("wire log", content)),
            }
            continue;
        }
        if let Some(p) = pending.take() {
            finish(p, &mut rows)?;
        }
        let (num, head) = content.split_at(content.find(' ').unwrap_or(0));
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed("wire log", content));
        }
        pending = Some(Pending {
            class,
            head: texts.of(&head[1..]),
            more: Vec::new(),
        });
    }
    if let Some(p) = pending.take() {
        finish(p, &mut rows)?;
    }
    if !closed {
        return Err(PageError::Cut {
            missing: "end of the Wire Log",
        });
    }
    Ok(rows)
}

// ---- index.html ----

/// Why an index page could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndexError {
    /// No agent/case table.
    #[error("not an Autobahn index page (no agent_case_results table)")]
    NotAutobahn,
    /// A row that does not read.
    #[error("row {row}: {problem}")]
    Row {
        /// 1-based case row.
        row: usize,
        /// What is wrong.
        problem: String,
    },
    /// This build leaves the HTML parser out (the `html` feature of `wsreport-report`).
    #[error(
        "reading index.html needs the `html` feature of wsreport-report (read index.json instead)"
    )]
    NoHtmlFeature,
}

/// One cell of `index.html`, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexCell {
    /// The agent (column).
    pub agent: String,
    /// The entry the cell implies (duration 0 and no close code when the cell does not show
    /// them; see [`IndexCell::shows_duration`] and [`IndexCell::shows_close`]).
    pub entry: CaseEntry,
    /// The outcome cell's text (`Pass`, `Fail`, `Unimplemented`, …).
    pub text: String,
    /// The outcome cell's class (`case_ok`, …).
    pub class: String,
    /// Whether the cell shows a duration (the case's `reportTime`).
    pub shows_duration: bool,
    /// Whether a close cell is there (UNIMPLEMENTED and missing cases have none).
    pub shows_close: bool,
}

/// The behaviour an index cell names.
pub fn index_verdict(text: &str, class: &str) -> Verdict {
    match (text, class) {
        ("Pass", _) => Verdict::Ok,
        ("Non-Strict", _) => Verdict::NonStrict,
        ("Info", _) | ("Informational", _) => Verdict::Informational,
        ("Unimplemented", _) | (_, "case_unimplemented") => Verdict::Unimplemented,
        ("Fail", _) => Verdict::Failed,
        (other, _) => Verdict::Other(other.to_uppercase()),
    }
}

/// The closing verdict an index close cell names, and the close code it shows.
pub fn index_close(text: &str, class: &str) -> (Verdict, Option<u64>) {
    let code = text.trim().parse().ok();
    let verdict = if class.contains("case_almost") {
        Verdict::FailedByClient
    } else if class.contains("case_non_strict") {
        Verdict::WrongCode
    } else if class.contains("case_info") {
        Verdict::Informational
    } else if class.contains("case_ok") {
        Verdict::Ok
    } else if text.trim() == "Unclean" {
        Verdict::Unclean
    } else {
        Verdict::Failed
    };
    (verdict, code)
}

#[cfg(feature = "html")]
fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("a fixed selector")
}

#[cfg(feature = "html")]
fn text_of(e: ElementRef) -> String {
    e.text().collect::<String>().trim().to_string()
}

/// The element children of `e` named `name`.
#[cfg(feature = "html")]
fn children_named<'a>(e: ElementRef<'a>, name: &'a str) -> impl Iterator<Item = ElementRef<'a>> {
    e.children()
        .filter_map(ElementRef::wrap)
        .filter(move |c| c.value().name() == name)
}

/// A table's own rows: its `tr` children and those of its `thead`, `tbody` and `tfoot` (the
/// parser puts rows in an implied `tbody`), never the rows of a table inside a cell. Rows
/// and cells are taken from the table's own structure so that each element of the page is
/// looked at by one cell only: a descendant search per row and per cell (`tr`, `td`, `a`
/// under every row) costs the cube of the nesting depth on tables nested in cells (a
/// 147 KiB page, 1000 tables deep, took 44 s).
#[cfg(feature = "html")]
fn own_rows(table: ElementRef<'_>) -> impl Iterator<Item = ElementRef<'_>> {
    table
        .children()
        .filter_map(ElementRef::wrap)
        .flat_map(|c| match c.value().name() {
            "tr" => vec![c],
            "thead" | "tbody" | "tfoot" => children_named(c, "tr").collect(),
            _ => Vec::new(),
        })
}

/// Reads `index.html` (bytes, decoded leniently): every cell that is not `Missing`.
#[cfg(feature = "html")]
pub fn parse_index(bytes: &[u8]) -> Result<Vec<IndexCell>, IndexError> {
    let doc = Html::parse_document(&decode_page(bytes));
    let table = doc
        .select(&sel("table#agent_case_results"))
        .next()
        .ok_or(IndexError::NotAutobahn)?;
    let a = sel("a");
    let dur = sel("span.case_duration");
    let mut agents: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut case_row = 0;
    for row in own_rows(table) {
        let class = row.value().attr("class").unwrap_or("");
        let tds: Vec<ElementRef> = children_named(row, "td").collect();
        if class == "case_category_row" {
            agents = tds.iter().skip(1).map(|c| text_of(*c)).collect();
            continue;
        }
        if class != "agent_case_result_row" {
            continue;
        }
        case_row += 1;
        let bad = |problem: String| IndexError::Row {
            row: case_row,
            problem,
        };
        let Some(first) = tds.first() else {
            return Err(bad("no cells".into()));
        };
        let id_text = text_of(*first);
        let id: crate::model::CaseId = id_text
            .strip_prefix("Case ")
            .unwrap_or(&id_text)
            .parse()
            .map_err(|e: crate::model::BadCaseId| bad(e.to_string()))?;
        let mut cells = tds[1..].iter().peekable();
        let mut col = 0;
        while let Some(cell) = cells.next() {
            let agent = agents
                .get(col)
                .cloned()
                .ok_or_else(|| bad(format!("more cells than agents ({})", agents.len())))?;
            col += 1;
            let cell_class = cell.value().attr("class").unwrap_or("").to_string();
            let spans_two = cell.value().attr("colspan") == Some("2");
            let link = cell.select(&a).next();
            let text = link.map(text_of).unwrap_or_else(|| {
                cell.text()
                    .next()
                    .map(|t| t.trim().to_string())
                    .unwrap_or_default()
            });
            let duration = cell.select(&dur).next().and_then(|d| {
                text_of(d)
                    .strip_suffix(" ms")
                    .and_then(|n| n.trim().parse::<u64>().ok())
            });
            let class_word = cell_class
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
            let mut close = None;
            if !spans_two {
                close = cells.next().map(|c| {
                    (
                        text_of(*c),
                        c.value().attr("class").unwrap_or("").to_string(),
                    )
                });
            }
            if class_word == "case_missing" {
                continue;
            }
            let (behavior_close, remote_close_code) = match &close {
                Some((t, c)) => index_close(t, c),
                None => (Verdict::Other(String::new()), None),
            };
            let reportfile = link
                .and_then(|l| l.value().attr("href"))
                .map(str::to_string);
            out.push(IndexCell {
                agent,
                entry: CaseEntry {
                    id: id.clone(),
                    behavior: index_verdict(&text, &class_word),
                    behavior_close,
                    duration_ms: duration.unwrap_or(0),
                    remote_close_code,
                    reportfile,
                },
                text,
                class: class_word,
                shows_duration: duration.is_some(),
                shows_close: close.is_some(),
            });
        }
    }
    Ok(out)
}

/// Without the `html` feature no index page is read: the caller reports it, as any unreadable
/// index, and loads the report's `index.json` if it has one.
#[cfg(not(feature = "html"))]
pub fn parse_index(_bytes: &[u8]) -> Result<Vec<IndexCell>, IndexError> {
    Err(IndexError::NoHtmlFeature)
}

/// Groups index cells into agents (sorted by name, cases by id).
pub fn index_runs(cells: &[IndexCell]) -> Vec<AgentRun> {
    // by name, not a search of the runs per cell: agents × cells on a page with many agents
    let mut by_agent: BTreeMap<&str, Vec<CaseEntry>> = BTreeMap::new();
    for c in cells {
        by_agent.entry(&c.agent).or_default().push(c.entry.clone());
    }
    by_agent
        .into_iter()
        .map(|(agent, mut cases)| {
            cases.sort_by(|a, b| a.id.cmp(&b.id));
            AgentRun {
                agent: agent.to_string(),
                cases,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_join_as_textwrap_split_them() {
        let h100 = "a".repeat(100);
        let cases: &[(&[&str], String)] = &[
            (&["abc"], "abc".into()),
            (&[&h100, "bb ..."], format!("{h100}bb ...")),
            (&[&h100, "..."], format!("{h100} ...")),
            (&["hello", "world"], "hello world".into()),
            (&[], String::new()),
        ];
        for (lines, want) in cases {
            assert_eq!(&unwrap_lines(lines), want, "{lines:?}");
        }
    }

    #[test]
    fn rx_masks_are_hex_of_hex_in_wstest_pages() {
        let cases = [
            ("3630653636386139", Some("60e668a9")),
            ("60e668a9", Some("60e668a9")),
            ("None", None),
            // 16 hex digits that do not decode to hex text are kept.
            ("ffffffffffffffff", Some("ffffffffffffffff")),
        ];
        for (shown, want) in cases {
            assert_eq!(rx_mask(shown).as_deref(), want, "{shown}");
        }
    }

    #[test]
    fn row_lines_become_rows() {
        let cases: &[(&str, &str, &[&str], WireRow)] = &[
            (
                "wirelog_delay",
                "WIRELOG ENABLED",
                &[],
                WireRow::WireLog(true),
            ),
            (
                "wirelog_kill_after",
                "FAILING CONNECTION",
                &[],
                WireRow::KillFired,
            ),
            (
                "wirelog_kill_after",
                "CLOSING CONNECTION",
                &[],
                WireRow::CloseFired,
            ),
            (
                "wirelog_kill_after",
                "FAIL CONNECTION AFTER 0.500000 sec",
                &[],
                WireRow::KillAfter(0.5),
            ),
            (
                "wirelog_tcp_closed_by_peer",
                "TCP DROPPED BY PEER",
                &[],
                WireRow::TcpDropped { by_me: false },
            ),
            (
                "wirelog_tx_octets_sync",
                "TX OCTETS: 89",
                &[],
                WireRow::TxOctets {
                    data: Shown {
                        len: Some(1),
                        text: "89".into(),
                    },
                    sync: true,
                },
            ),
            (
                "wirelog_rx_frame",
                "RX FRAME : OPCODE=8, FIN=True, RSV=0, PAYLOAD-LEN=2, MASKED=False, MASK=None",
                &["0x03e8"],
                WireRow::RxFrame {
                    payload: Shown {
                        len: Some(2),
                        text: "0x03e8".into(),
                    },
                    opcode: 8,
                    fin: true,
                    rsv: 0,
                    masked: false,
                    mask: None,
                },
            ),
            (
                "wirelog_delay",
                "SOMETHING NEW",
                &[],
                WireRow::Other(Value::String("SOMETHING NEW".into())),
            ),
        ];
        for (class, head, more, want) in cases {
            assert_eq!(&wire_row(class, head, more).unwrap(), want, "{head}");
        }
    }

    #[test]
    fn header_and_index_words() {
        assert_eq!(header_verdict("Pass"), Verdict::Ok);
        assert_eq!(header_verdict("Fail"), Verdict::Failed);
        assert_eq!(header_verdict("Non-Strict"), Verdict::NonStrict);
        assert_eq!(
            index_verdict("Unimplemented", "case_unimplemented"),
            Verdict::Unimplemented
        );
        assert_eq!(index_verdict("Info", "case_info"), Verdict::Informational);
        let cases = [
            ("1000", "close close_hide case_ok", Verdict::Ok, Some(1000)),
            (
                "1002",
                "close close_hide case_non_strict",
                Verdict::WrongCode,
                Some(1002),
            ),
            (
                "None",
                "close close_hide case_almost",
                Verdict::FailedByClient,
                None,
            ),
            (
                "Unclean",
                "close close_hide case_failed",
                Verdict::Unclean,
                None,
            ),
            (
                "Fail",
                "close close_hide case_failed",
                Verdict::Failed,
                None,
            ),
        ];
        for (text, class, verdict, code) in cases {
            assert_eq!(index_close(text, class), (verdict, code), "{text} {class}");
        }
    }

    #[test]
    #[cfg(feature = "html")]
    fn tables_nested_in_cells_are_cell_content_read_once_not_rows_of_the_index() {
        // Each case row's outcome cell holds the next table, 300 deep, with agents enough
        // for every cell: the old reader took every descendant `tr` as a row and every
        // descendant `td` as its cell, so row k had 300 - k cells (45,150 in all, and a
        // descendant search per cell: 44 s at 1000 deep).
        let depth = 300;
        let mut page = String::from(
            "<html><body><table id=\"agent_case_results\"><tr class=\"case_category_row\"><td>1</td>",
        );
        for a in 0..2 * depth {
            page += &format!("<td colspan=\"2\">agent {a}</td>");
        }
        page += "</tr>";
        for c in 1..=depth {
            page += &format!(
                "<tr class=\"agent_case_result_row\"><td>Case 1.1.{c}</td>\
                 <td class=\"case_ok\" colspan=\"2\"><a href=\"a_case_1_1_{c}.html\">Pass</a><table>"
            );
        }
        page += &"</table>".repeat(depth + 1);
        let cells = parse_index(page.as_bytes()).unwrap();
        // the work done is bounded by the page: at most one cell per `td` element
        let tds = page.matches("<td").count();
        assert!(cells.len() <= tds, "{} cells from {tds} td", cells.len());
        // and the one row of the index is read as written (its link, not a nested one's)
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].agent, "agent 0");
        assert_eq!(cells[0].entry.id.to_string(), "1.1.1");
        assert_eq!(
            cells[0].entry.reportfile.as_deref(),
            Some("a_case_1_1_1.html")
        );
        assert_eq!(cells[0].text, "Pass");
        let runs = index_runs(&cells);
        assert_eq!(runs.len(), 1);
    }

    #[test]
    #[cfg(feature = "html")]
    fn index_rows_are_read_in_thead_tbody_tfoot_and_directly_in_the_table() {
        let row = |c: u32| {
            format!(
                "<tr class=\"agent_case_result_row\"><td>Case 1.1.{c}</td><td class=\"case_ok\">Pass</td><td class=\"close case_ok\">1000</td></tr>"
            )
        };
        let page = format!(
            "<table id=\"agent_case_results\"><thead><tr class=\"case_category_row\"><td>1</td><td colspan=\"2\">b</td><td colspan=\"2\">a</td></tr></thead>\
             <tbody>{}</tbody>{}<tfoot>{}</tfoot></table>",
            row(3),
            row(1),
            row(2)
        );
        let cells = parse_index(page.as_bytes()).unwrap();
        let ids: Vec<String> = cells.iter().map(|c| c.entry.id.to_string()).collect();
        assert_eq!(ids, ["1.1.3", "1.1.1", "1.1.2"]);
        assert!(cells.iter().all(|c| c.agent == "b" && c.shows_close));
        let runs = index_runs(&cells);
        let ids: Vec<String> = runs[0].cases.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(ids, ["1.1.1", "1.1.2", "1.1.3"]);
    }
}
