//! The part of the wire log that matters, and what the wire statistics show.
//!
//! Rows are summarised, not copied: runs of frames of one shape become one line ("10 ping
//! frames sent …"), octet writes or reads of one size become one count ("110 writes of 1
//! octet"), and the opening-handshake octets are left out. Statistics notes read the
//! chop-size and opcode histograms (`txOctetStats`, `rxFrameStats`, …).

use serde::Serialize;

use crate::model::{Case, WireRow, WireStats, is_cut};

/// One summarised line of the wire log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WireLine {
    /// `tx-frames`, `rx-frames`, `tx-octets`, `rx-octets`, `timer`, `wirelog`, `tcp`.
    pub kind: &'static str,
    /// How many rows the line stands for.
    pub rows: usize,
    /// The line in words.
    pub text: String,
}

/// The wire log and statistics, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct WireSummary {
    /// Whether the report has a wire log (large cases switch it off).
    pub logged: bool,
    /// Summarised rows, in the order they started.
    pub lines: Vec<WireLine>,
    /// What the statistics show.
    pub notes: Vec<String>,
}

/// The name of an opcode (RFC 6455 §5.2).
pub fn opcode_name(op: u64) -> String {
    match op {
        0 => "continuation".into(),
        1 => "text".into(),
        2 => "binary".into(),
        8 => "close".into(),
        9 => "ping".into(),
        10 => "pong".into(),
        n => format!("reserved opcode {n}"),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A frame row's shape: rows of the same shape in a row become one line.
#[derive(Debug, Clone, PartialEq)]
struct Shape {
    tx: bool,
    opcode: u64,
    /// `None` when the source did not say (a cut dump read from a page).
    len: Option<u64>,
    fin: bool,
    rsv: u64,
    chop: Option<u64>,
}

struct FrameRun {
    shape: Shape,
    first: usize,
    payloads: Vec<String>,
}

struct OctetRun {
    tx: bool,
    len: Option<u64>,
    first: usize,
    count: usize,
}

fn frame_line(run: &FrameRun) -> WireLine {
    let s = &run.shape;
    let n = run.payloads.len() as u64;
    let name = opcode_name(s.opcode);
    let mut text = format!(
        "{} {} (opcode {}), {} each",
        plural(n, &format!("{name} frame"), &format!("{name} frames")),
        if s.tx { "sent" } else { "received" },
        s.opcode,
        octets(s.len),
    );
    if n == 1 {
        text = text.replace(" each", "");
    }
    if !s.fin {
        text.push_str(", FIN=0");
    }
    if s.rsv != 0 {
        text.push_str(&format!(", RSV={}", s.rsv));
    }
    if let Some(c) = s.chop {
        text.push_str(&format!(
            ", written {} at a time",
            plural(c, "octet", "octets")
        ));
    }
    let shown: Vec<&String> = run.payloads.iter().filter(|p| !p.is_empty()).collect();
    match shown.len() {
        0 => {}
        1 => text.push_str(&format!(": {:?}", shown[0])),
        2 => text.push_str(&format!(": {:?}, {:?}", shown[0], shown[1])),
        _ => text.push_str(&format!(": {:?} … {:?}", shown[0], shown[shown.len() - 1])),
    }
    if run.payloads.iter().any(|p| is_cut(p)) {
        text.push_str(" (payload cut by the report)");
    }
    WireLine {
        kind: if s.tx { "tx-frames" } else { "rx-frames" },
        rows: run.payloads.len(),
        text,
    }
}

/// `1 octet`, `9 octets`, or `an unknown number of octets` when the report did not say.
fn octets(len: Option<u64>) -> String {
    match len {
        Some(n) => plural(n, "octet", "octets"),
        None => "an unknown number of octets".to_string(),
    }
}

fn octet_line(run: &OctetRun) -> WireLine {
    let c = run.count as u64;
    let what = if run.tx {
        plural(c, "write", "writes")
    } else {
        plural(c, "read", "reads")
    };
    WireLine {
        kind: if run.tx { "tx-octets" } else { "rx-octets" },
        rows: run.count,
        text: format!("{what} of {}", octets(run.len)),
    }
}

fn is_handshake(hex: &str) -> bool {
    // "GET " or "HTTP" in hex: the opening handshake, told in the case's own fields.
    hex.starts_with("47455420") || hex.starts_with("48545450")
}

/// Summarises the wire log: see the module documentation.
pub fn lines(rows: &[WireRow]) -> Vec<WireLine> {
    let mut out: Vec<(usize, WireLine)> = Vec::new();
    let mut frames: Option<FrameRun> = None;
    let mut octets: Vec<OctetRun> = Vec::new();
    let close_frames = |f: &mut Option<FrameRun>, out: &mut Vec<(usize, WireLine)>| {
        if let Some(run) = f.take() {
            out.push((run.first, frame_line(&run)));
        }
    };
    for (i, row) in rows.iter().enumerate() {
        let (shape, payload) = match row {
            WireRow::TxFrame {
                payload,
                opcode,
                fin,
                rsv,
                repeat_len,
                chopsize,
                ..
            } => (
                Shape {
                    tx: true,
                    opcode: *opcode,
                    len: repeat_len.or(payload.len),
                    fin: *fin,
                    rsv: *rsv,
                    chop: *chopsize,
                },
                payload.text.clone(),
            ),
            WireRow::RxFrame {
                payload,
                opcode,
                fin,
                rsv,
                ..
            } => (
                Shape {
                    tx: false,
                    opcode: *opcode,
                    len: payload.len,
                    fin: *fin,
                    rsv: *rsv,
                    chop: None,
                },
                payload.text.clone(),
            ),
            WireRow::TxOctets { data, .. } | WireRow::RxOctets(data) => {
                let tx = matches!(row, WireRow::TxOctets { .. });
                if is_handshake(&data.text) {
                    continue;
                }
                // Octet runs of one size span the frames and timers between them: the
                // point is how the stream was chopped, not where each write fell.
                match octets.iter_mut().rev().find(|r| r.tx == tx) {
                    Some(r) if r.len == data.len => r.count += 1,
                    _ => octets.push(OctetRun {
                        tx,
                        len: data.len,
                        first: i,
                        count: 1,
                    }),
                }
                continue;
            }
            other => {
                close_frames(&mut frames, &mut out);
                let (kind, text) = match other {
                    WireRow::DelaySet { delay, tag } => (
                        "timer",
                        format!("wait {} before continuing{}", secs(*delay), tag_note(tag)),
                    ),
                    WireRow::DelayFired(tag) => ("timer", format!("wait over{}", tag_note(tag))),
                    WireRow::KillAfter(d) => {
                        ("timer", format!("fail-connection timer set: {}", secs(*d)))
                    }
                    WireRow::KillFired => ("timer", "fail-connection timer fired".to_string()),
                    WireRow::CloseAfter(d) => {
                        ("timer", format!("close-after timer set: {}", secs(*d)))
                    }
                    WireRow::CloseFired => (
                        "timer",
                        "close-after timer fired: we start the close".to_string(),
                    ),
                    WireRow::WireLog(on) => (
                        "wirelog",
                        format!("wire log switched {}", if *on { "on" } else { "off" }),
                    ),
                    WireRow::TcpDropped { by_me } => (
                        "tcp",
                        format!("TCP dropped by {}", if *by_me { "us" } else { "the peer" }),
                    ),
                    WireRow::Other(v) => ("other", format!("row {v}")),
                    _ => unreachable!("frames and octets are handled above"),
                };
                out.push((
                    i,
                    WireLine {
                        kind,
                        rows: 1,
                        text,
                    },
                ));
                continue;
            }
        };
        match &mut frames {
            Some(run) if run.shape == shape => run.payloads.push(payload),
            _ => {
                close_frames(&mut frames, &mut out);
                frames = Some(FrameRun {
                    shape,
                    first: i,
                    payloads: vec![payload],
                });
            }
        }
    }
    close_frames(&mut frames, &mut out);
    out.extend(octets.iter().map(|r| (r.first, octet_line(r))));
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, l)| l).collect()
}

fn secs(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

fn get(m: &std::collections::BTreeMap<u64, u64>, k: u64) -> u64 {
    m.get(&k).copied().unwrap_or(0)
}

/// Notes on the statistics tables.
pub fn notes(stats: &WireStats, rows: &[WireRow]) -> Vec<String> {
    let mut out = Vec::new();
    let ones = get(&stats.tx_octets, 1);
    if ones >= 2 {
        out.push(format!(
            "our {ones} writes of 1 octet: the frames arrived one byte at a time"
        ));
    }
    let mut chops: Vec<u64> = rows
        .iter()
        .filter_map(|r| match r {
            WireRow::TxFrame {
                chopsize: Some(c), ..
            } if *c > 1 => Some(*c),
            _ => None,
        })
        .collect();
    chops.sort_unstable();
    chops.dedup();
    for c in chops {
        let n = get(&stats.tx_octets, c);
        out.push(format!(
            "frames were written {c} octets at a time ({}): they arrived split across reads",
            plural(n, "write", "writes")
        ));
    }
    let rx_total: u64 = stats.rx_frames.values().sum();
    let stats_present = !(stats.rx_octets.is_empty() && stats.tx_octets.is_empty());
    if rx_total == 0 && stats_present {
        out.push("no frames received".to_string());
    }
    let pings = get(&stats.tx_frames, 9);
    if pings > 0 {
        out.push(format!(
            "{} sent (opcode 9), {} received (opcode 10)",
            plural(pings, "ping", "pings"),
            plural(get(&stats.rx_frames, 10), "pong", "pongs")
        ));
    }
    if rx_total > 0 && get(&stats.rx_frames, 8) == 0 {
        out.push("no close frame received (opcode 8)".to_string());
    }
    let reserved: Vec<String> = stats
        .rx_frames
        .keys()
        .filter(|op| !matches!(op, 0..=2 | 8..=10))
        .map(|op| op.to_string())
        .collect();
    if !reserved.is_empty() {
        out.push(format!(
            "frames with reserved opcodes received: {}",
            reserved.join(", ")
        ));
    }
    out
}

/// Summarises a case's wire log and statistics.
pub fn summarize(case: &Case) -> WireSummary {
    WireSummary {
        logged: !case.wirelog.is_empty(),
        lines: lines(&case.wirelog),
        notes: notes(&case.stats, &case.wirelog),
    }
}

/// ` (tag A)`, or nothing for a timer without a tag (5.19/5.20).
fn tag_note(tag: &Option<String>) -> String {
    tag.as_ref()
        .map(|t| format!(" (tag {t})"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Shown;

    fn tf(p: &str, op: u64, chop: Option<u64>) -> WireRow {
        WireRow::TxFrame {
            payload: Shown {
                len: Some(p.len() as u64),
                text: p.into(),
            },
            opcode: op,
            fin: true,
            rsv: 0,
            mask: None,
            repeat_len: None,
            chopsize: chop,
            sync: false,
        }
    }

    fn to(len: u64) -> WireRow {
        WireRow::TxOctets {
            data: Shown {
                len: Some(len),
                text: "00".repeat(len as usize),
            },
            sync: false,
        }
    }

    #[test]
    fn runs_collapse() {
        let mut rows = vec![
            tf("payload-0", 9, Some(1)),
            to(1),
            tf("payload-1", 9, Some(1)),
        ];
        rows.push(WireRow::CloseAfter(3.0));
        rows.extend((0..5).map(|_| to(1)));
        rows.push(WireRow::CloseFired);
        rows.push(tf("", 8, None));
        rows.push(to(2));
        let got: Vec<String> = lines(&rows).into_iter().map(|l| l.text).collect();
        assert_eq!(
            got,
            [
                "2 ping frames sent (opcode 9), 9 octets each, written 1 octet at a time: \"payload-0\", \"payload-1\"",
                "6 writes of 1 octet",
                "close-after timer set: 3 s",
                "close-after timer fired: we start the close",
                "1 close frame sent (opcode 8), 0 octets",
                "1 write of 2 octets",
            ]
        );
    }
}
