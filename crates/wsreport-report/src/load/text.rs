//! The plain text a person gets by copying a case page out of a browser (the form of
//! `../shared/seed/`): the page's sections as lines, table cells run together.
//!
//! What copying loses is not guessed back: the closing table's key, value and description
//! run together (`closedByMeTrueTrue, iff I have…`) and are split with the known keys and
//! the known description texts; stats rows run their numbers together (`2321232`) and are
//! split so that size × count = octets; a TX OCTETS row's "sync" colour is gone (read as
//! not sync); the handshake's CRLFs are restored.

use std::collections::BTreeMap;

use crate::load::html::{self, Page, PageError, PageNotes};
use crate::load::pyrepr;
use crate::model::{Case, Verdict, WireRow};

/// The closing-table keys and the description the page shows after each value.
const CLOSING: &[(&str, &str)] = &[
    (
        "isServer",
        "True, iff I (the fuzzer) am a server, and the peer is a client.",
    ),
    (
        "closedByMe",
        "True, iff I have initiated closing handshake (that is, did send close first).",
    ),
    (
        "failedByMe",
        "True, iff I have failed the WS connection (i.e. due to protocol error). Failing can be either by initiating closing handshake or brutal drop TCP.",
    ),
    ("droppedByMe", "True, iff I dropped the TCP connection."),
    (
        "wasClean",
        "True, iff full WebSocket closing handshake was performed (close frame sent and received) _and_ the server dropped the TCP (which is its responsibility).",
    ),
    (
        "wasNotCleanReason",
        "When wasClean == False, the reason what happened.",
    ),
    (
        "wasServerConnectionDropTimeout",
        "When we are a client, and we expected the server to drop the TCP, but that didn't happen in time, this gets True.",
    ),
    (
        "wasOpenHandshakeTimeout",
        "When performing the opening handshake, but the peer did not finish in time, this gets True.",
    ),
    (
        "wasCloseHandshakeTimeout",
        "When we initiated a closing handshake, but the peer did not respond in time, this gets True.",
    ),
    (
        "localCloseCode",
        "The close code I sent in close frame (if any).",
    ),
    (
        "localCloseReason",
        "The close reason I sent in close frame (if any).",
    ),
    (
        "remoteCloseCode",
        "The close code the peer sent me in close frame (if any).",
    ),
    (
        "remoteCloseReason",
        "The close reason the peer sent me in close frame (if any).",
    ),
];

const SECTIONS: &[&str] = &[
    "Case Description",
    "Case Expectation",
    "Case Outcome",
    "Case Closing Behavior",
    "Opening Handshake",
    "Closing Behavior",
    "Wire Statistics",
    "Wire Log",
];

fn malformed(part: &'static str, text: &str) -> PageError {
    PageError::Malformed {
        part,
        text: text.chars().take(60).collect(),
    }
}

/// Splits copied text into its sections (title → lines).
fn sections(text: &str) -> (Option<&str>, BTreeMap<&'static str, Vec<&str>>) {
    let mut header = None;
    let mut out: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    let mut current: Option<&'static str> = None;
    for line in text.lines() {
        let trimmed = line.trim_end_matches('\r');
        if let Some(t) = SECTIONS.iter().find(|t| trimmed.trim() == **t) {
            // "Closing Behavior" comes once as a title; "Case Closing Behavior" is another.
            if !out.contains_key(t) {
                current = Some(t);
                out.insert(t, Vec::new());
                continue;
            }
        }
        match current {
            Some(t) => out.entry(t).or_default().push(trimmed),
            None => {
                if header.is_none() && trimmed.contains(" - Case ") && trimmed.contains(" ms @ ") {
                    header = Some(trimmed);
                }
            }
        }
    }
    (header, out)
}

fn joined(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits `size count octets` run together (`2321232`) so that size × count = octets.
fn split_octet_row(digits: &str) -> Option<(u64, u64)> {
    let n = digits.len();
    for i in 1..n {
        for j in i + 1..n {
            let (s, c, o) = (&digits[..i], &digits[i..j], &digits[j..]);
            if [s, c, o].iter().any(|p| p.len() > 1 && p.starts_with('0')) {
                continue;
            }
            let (Ok(s), Ok(c), Ok(o)) = (s.parse::<u64>(), c.parse::<u64>(), o.parse::<u64>())
            else {
                continue;
            };
            if s.checked_mul(c) == Some(o) {
                return Some((s, c));
            }
        }
    }
    None
}

/// Splits `opcode count` run together (`910`): opcodes are 0..=15, counts have no leading
/// zero; the common opcodes (0, 1, 2, 8, 9, 10) are preferred when both readings work.
fn split_frame_row(digits: &str) -> Option<(u64, u64)> {
    let mut options = Vec::new();
    for i in 1..digits.len().min(3) {
        let (op, c) = (&digits[..i], &digits[i..]);
        if c.starts_with('0') || (op.len() > 1 && op.starts_with('0')) {
            continue;
        }
        if let (Ok(op), Ok(c)) = (op.parse::<u64>(), c.parse::<u64>())
            && op <= 15
            && c > 0
        {
            options.push((op, c));
        }
    }
    options
        .iter()
        .find(|(op, _)| matches!(op, 0 | 1 | 2 | 8 | 9 | 10))
        .or(options.first())
        .copied()
}

fn stats(lines: &[&str]) -> Result<[BTreeMap<u64, u64>; 4], PageError> {
    let titles = [
        "Octets Received by Chop Size",
        "Octets Transmitted by Chop Size",
        "Frames Received by Opcode",
        "Frames Transmitted by Opcode",
    ];
    let mut out: [BTreeMap<u64, u64>; 4] = Default::default();
    let mut current: Option<usize> = None;
    for l in lines {
        let l = l.trim();
        if let Some(i) = titles.iter().position(|t| *t == l) {
            current = Some(i);
            continue;
        }
        let Some(i) = current else { continue };
        if l.is_empty() || l.starts_with("Total") || !l.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let pair = if i < 2 {
            split_octet_row(l)
        } else {
            split_frame_row(l)
        };
        let (k, n) = pair.ok_or_else(|| malformed("Wire Statistics", l))?;
        out[i].insert(k, n);
    }
    Ok(out)
}

fn wire_log(lines: &[&str]) -> Result<Vec<WireRow>, PageError> {
    let mut rows = Vec::new();
    let mut head: Option<&str> = None;
    let mut more: Vec<&str> = Vec::new();
    for l in lines {
        if l.trim().is_empty() {
            continue;
        }
        if let Some(c) = l.strip_prefix("               ") {
            more.push(c);
            continue;
        }
        if let Some(h) = head.take() {
            rows.push(html::wire_row("", h, &more)?);
            more.clear();
        }
        let (num, rest) = l.split_once(' ').ok_or_else(|| malformed("Wire Log", l))?;
        if !num.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed("Wire Log", l));
        }
        head = Some(rest);
    }
    if let Some(h) = head {
        rows.push(html::wire_row("", h, &more)?);
    }
    Ok(rows)
}

/// Reads copied page text.
pub fn parse_page_text(text: &str) -> Result<Page, PageError> {
    let (header, sec) = sections(text);
    let header = header.ok_or(PageError::NotAutobahn)?;
    let need = |t: &'static str| sec.get(t).ok_or(PageError::Cut { missing: t });
    let mut case = Case::default();
    let mut notes = PageNotes::default();

    // `stratus@2 - Case 2.11 : Fail - 4002 ms @ 2026-04-02T15:17:13.860Z`
    let (agent, rest) = header
        .split_once(" - Case ")
        .ok_or_else(|| malformed("header", header))?;
    let (id, rest) = rest
        .split_once(" : ")
        .ok_or_else(|| malformed("header", header))?;
    let (word, rest) = rest
        .split_once(" - ")
        .ok_or_else(|| malformed("header", header))?;
    let (dur, started) = rest
        .split_once(" ms @ ")
        .ok_or_else(|| malformed("header", header))?;
    case.agent = agent.trim().to_string();
    case.id = Some(id.parse().map_err(|_| malformed("case id", id))?);
    notes.header_word = word.to_string();
    let verdict = html::header_verdict(word);
    notes.behavior_uncertain = verdict == Verdict::Failed;
    case.behavior = Some(verdict);
    case.duration_ms = Some(dur.trim().parse().map_err(|_| malformed("duration", dur))?);
    case.started = Some(started.trim().to_string());

    case.description = joined(need("Case Description")?);
    case.expectation = joined(need("Case Expectation")?);

    let outcome: Vec<&str> = need("Case Outcome")?
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let pos = |w: &str| outcome.iter().position(|l| *l == w);
    // `Observed:` after `Expected:` (a page with them the other way round is not one)
    let observed_after = |e: usize| pos("Observed:").filter(|&o| o > e);
    let (Some(e), Some(o)) = (pos("Expected:"), pos("Expected:").and_then(observed_after)) else {
        return Err(PageError::Cut {
            missing: "Expected/Observed",
        });
    };
    case.result = Some(outcome[..e].join(" "));
    let expected = outcome[e + 1..o].join(" ");
    let observed = outcome[o + 1..].join(" ");
    let (exp, cut) = pyrepr::parse_expected(&expected).map_err(|source| PageError::Repr {
        part: "Expected",
        source,
    })?;
    case.expected = exp;
    notes.expected_cut = cut;
    let (rec, cut) = pyrepr::parse_events(&observed).map_err(|source| PageError::Repr {
        part: "Observed",
        source,
    })?;
    case.received = rec;
    notes.received_cut = cut;

    let closing = joined(need("Case Closing Behavior")?);
    let (sentence, verdict) = closing
        .rsplit_once(" (")
        .filter(|(_, v)| v.ends_with(')'))
        .ok_or_else(|| malformed("Case Closing Behavior", &closing))?;
    case.result_close = Some(sentence.to_string());
    case.behavior_close = Some(Verdict::parse(&verdict[..verdict.len() - 1]));

    let hs: Vec<&str> = need("Opening Handshake")?
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let split = hs
        .iter()
        .skip(1)
        .position(|l| l.starts_with("HTTP/"))
        .map(|i| i + 1);
    let crlf = |ls: &[&str]| format!("{}\r\n\r\n", ls.join("\r\n"));
    match split {
        Some(i) => {
            case.http_request = Some(crlf(&hs[..i]));
            case.http_response = Some(crlf(&hs[i..]));
        }
        None if !hs.is_empty() => case.http_request = Some(crlf(&hs)),
        None => {}
    }

    for line in need("Closing Behavior")? {
        let line = line.trim();
        // Longest key first: `wasClean` is a prefix of `wasCloseHandshakeTimeout`.
        let mut keys: Vec<&(&str, &str)> = CLOSING.iter().collect();
        keys.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        let Some((key, desc)) = keys.into_iter().find(|(k, _)| line.starts_with(k)) else {
            continue;
        };
        let rest = &line[key.len()..];
        let value = rest.strip_suffix(desc).unwrap_or(rest);
        html::set_closing(&mut case.closing, key, value)?;
    }

    let st = need("Wire Statistics")?;
    if st.iter().any(|l| l.contains("disabled!")) {
        case.create_stats = Some(false);
    } else {
        let [rx_o, tx_o, rx_f, tx_f] = stats(st)?;
        case.stats.rx_octets = rx_o;
        case.stats.tx_octets = tx_o;
        case.stats.rx_frames = rx_f;
        case.stats.tx_frames = tx_f;
        case.create_stats = Some(true);
    }
    let log = need("Wire Log")?;
    case.create_wirelog = Some(!log.iter().any(|l| l.contains("disabled!")));
    let log: Vec<&str> = log
        .iter()
        .copied()
        .filter(|l| !l.contains("disabled!"))
        .collect();
    case.wirelog = wire_log(&log)?;
    Ok(Page { case, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `page_text` fuzz target (issue 15): a page whose Observed line comes
    /// before its Expected line panicked on a reversed slice.
    #[test]
    fn observed_before_expected_is_an_error_not_a_panic() {
        let page = std::fs::read_to_string(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
                .join("fixtures/seed/case-2.11-stratus-page-text.txt"),
        )
        .unwrap();
        assert!(parse_page_text(&page).is_ok());
        let swapped = page
            .replace("\nExpected:\n", "\nSWAP\n")
            .replace("\nObserved:\n", "\nExpected:\n")
            .replace("\nSWAP\n", "\nObserved:\n");
        assert!(matches!(
            parse_page_text(&swapped),
            Err(PageError::Cut {
                missing: "Expected/Observed"
            })
        ));
    }

    #[test]
    fn run_together_stats_rows_split() {
        let octets = [
            ("2321232", Some((232, 1))),
            ("1110110", Some((1, 110))),
            ("212", Some((2, 1))),
            ("2081208", Some((208, 1))),
        ];
        for (row, want) in octets {
            assert_eq!(split_octet_row(row), want, "{row}");
        }
        let frames = [
            ("81", Some((8, 1))),
            ("910", Some((9, 10))),
            ("1010", Some((10, 10))),
            ("101", Some((10, 1))),
        ];
        for (row, want) in frames {
            assert_eq!(split_frame_row(row), want, "{row}");
        }
    }

    #[test]
    fn the_seed_page_text_reads() {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("../shared/seed/case-2.11-stratus-page-text.txt");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return; // the shared seed is not part of the crate
        };
        let p = parse_page_text(&text).unwrap();
        let c = p.case;
        assert_eq!(c.agent, "stratus@2");
        assert_eq!(c.id.unwrap().to_string(), "2.11");
        assert_eq!(c.behavior_close, Some(Verdict::Unclean));
        assert_eq!(c.duration_ms, Some(4002));
        assert!(c.received.is_empty());
        assert_eq!(c.expected[0].1.len(), 10);
        assert_eq!(c.closing.is_server, Some(true));
        assert_eq!(
            c.closing.was_not_clean_reason.as_deref(),
            Some("peer did not respond (in time) in closing handshake")
        );
        assert_eq!(c.closing.local_close_code, None);
        assert_eq!(c.stats.rx_octets.get(&232), Some(&1));
        assert_eq!(c.stats.tx_frames.get(&9), Some(&10));
        assert!(c.http_response.unwrap().starts_with("HTTP/1.1 101"));
        assert!(matches!(c.wirelog[2], WireRow::TxFrame { .. }));
    }
}
