//! Reproducers: a report's case turned into the exact plan of what its run sent, for
//! `replay --from` (the engine runs it) and for `repro` (a standalone Python script, see
//! [`python`]).
//!
//! The catalog ([`crate::catalog`]) says what a case sends; the report's wire log says how its
//! run sent it. [`Reproduction::new`] lines the two up, frame by frame (`TF` rows against
//! [`planned_frames`], by opcode and length, in order), and keeps from the report what the
//! catalog cannot know: the mask of every frame, each frame's chop size and sync flag, the
//! delays of `CT`/`KL`/`TI` rows, and whether fragmented messages end in an empty frame
//! (wstest) or not (kosoku). Payloads come from the catalog, checked against what the report
//! shows (reports cut payloads longer than 60 octets to their first 64); every disagreement
//! becomes a [`Note`]. The chops planned are checked against the report's octet statistics
//! (`txOctetStats`), the only trace of them when the wire log was off.
//!
//! Nothing here does I/O: a report [`Case`] in, a plan out.

pub mod python;

use std::collections::BTreeMap;
use std::fmt;

use crate::catalog::{self, CaseDef, FragmentEnd, PlannedFrame, Step, planned_frames};
use crate::model::{Case, CaseId, Event, Mode, Verdict, WireRow, shown_payload};
use crate::replay::{FixedMask, ReplayOptions, Role, Target};

/// The pause after each chopped write when replaying a report's case (the scripts' is the
/// same: `CHOP_PAUSE` in `script.py`).
pub const CHOP_PAUSE: std::time::Duration = std::time::Duration::from_millis(1);

/// Why a case cannot be reproduced.
#[derive(Debug, thiserror::Error)]
pub enum ReproduceError {
    /// The case file has no `id`.
    #[error("the case file names no case id")]
    NoId,
    /// The catalog does not know the case.
    #[error("case {0} is not in the catalog")]
    UnknownCase(CaseId),
}

/// Something the plan had to fill in or found in disagreement with the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// The report has no wire log (`createWirelog` off or no rows): masks are fresh and the
    /// chops are the catalog's, checked against the octet statistics only.
    NoWireLog,
    /// The report cut this frame's payload; the catalog's agrees with the prefix shown.
    PayloadFilled {
        /// 1-based position among the frames the case sends.
        frame: usize,
        /// The real payload length.
        len: u64,
    },
    /// The report shows another payload than the catalog's (another testsuite version?);
    /// the catalog's is sent.
    PayloadDiffers {
        /// 1-based position among the frames the case sends.
        frame: usize,
        /// What the report shows.
        report: String,
        /// What the catalog sends, shown the same way.
        catalog: String,
    },
    /// Frames of the case that the report's run never sent (the connection had closed).
    NotSentInReport {
        /// Their 1-based positions among the frames the case sends.
        frames: Vec<usize>,
    },
    /// Frames of the report's run that no step sends (pongs, close replies, timer closes):
    /// sent again when the same happens.
    Replies(usize),
    /// The report ends fragmented messages in an empty final frame (wstest's framing).
    EmptyFinalFragment,
    /// The writes planned disagree with the report's `txOctetStats`.
    OctetStats {
        /// Write size.
        size: u64,
        /// Writes of that size planned.
        planned: u64,
        /// Writes of that size in the report.
        report: u64,
    },
    /// A timer of the report (`CT`, `KL`, `TI`) with another delay than the catalog's; the
    /// report's is used.
    Delay {
        /// What the timer is.
        what: &'static str,
        /// The catalog's seconds.
        catalog: f64,
        /// The report's seconds.
        report: f64,
    },
    /// The case reacts to the echoes (9.x, 12.x, 13.x): what it sends depends on the peer.
    Reactive,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::NoWireLog => f.write_str(
                "the report has no wire log: fresh masks, the catalog's chops (checked against the octet statistics)",
            ),
            Note::PayloadFilled { frame, len } => write!(
                f,
                "frame {frame}: the report cut the payload ({len} octets); filled from the catalog, which agrees with the prefix shown"
            ),
            Note::PayloadDiffers {
                frame,
                report,
                catalog,
            } => write!(
                f,
                "frame {frame}: the report shows payload {report:?} but the catalog sends {catalog:?}; sending the catalog's"
            ),
            Note::NotSentInReport { frames } => {
                let shown: Vec<String> = frames.iter().take(10).map(usize::to_string).collect();
                let more = if frames.len() > 10 { ", …" } else { "" };
                write!(
                    f,
                    "frame(s) {}{more} of the case were not sent in the report's run (the connection was no longer open)",
                    shown.join(", ")
                )
            }
            Note::Replies(n) => write!(
                f,
                "{n} frame(s) of the report were not sent by the case's steps (pongs, close replies, closes on a timer): sent again when the same happens"
            ),
            Note::EmptyFinalFragment => f.write_str(
                "fragmented messages end in an empty final frame, as in the report (wstest's framing)",
            ),
            Note::OctetStats {
                size,
                planned,
                report,
            } => write!(
                f,
                "octet statistics: {planned} write(s) of {size} octet(s) planned, the report's run made {report} (it ended sooner, or chopped otherwise)"
            ),
            Note::Delay {
                what,
                catalog,
                report,
            } => write!(
                f,
                "{what}: the report waited {report} s, the catalog {catalog} s; using the report's"
            ),
            Note::Reactive => f.write_str(
                "the case reacts to the peer's echoes: what it sends next depends on what comes back",
            ),
        }
    }
}

/// A report's case as an exact plan: the catalog's steps with the report's chops, syncs and
/// delays, and the masks its run used.
#[derive(Debug, Clone)]
pub struct Reproduction {
    /// The report's record of the case, when the plan comes from one.
    pub report: Option<Case>,
    /// The case's steps, adjusted to the report's run.
    pub def: CaseDef,
    /// The fuzzer's role in the report's run (client: a server was tested).
    pub role: Role,
    /// How fragmented messages end.
    pub fragment_end: FragmentEnd,
    /// The frames the steps send, in order, each with the mask the report's run used for it.
    pub frames: Vec<(PlannedFrame, Option<[u8; 4]>)>,
    /// Every mask of the report's `TF` rows, for the engine to reuse ([`FixedMask`]).
    pub masks: Vec<FixedMask>,
    /// The masks of the report's frames that were replies (pongs, close replies): opcode,
    /// length, mask.
    pub reply_masks: Vec<(u8, u64, [u8; 4])>,
    /// What was filled in or disagrees.
    pub notes: Vec<Note>,
}

/// A `TF` row's fields the plan uses.
struct TxRow {
    opcode: u8,
    len: u64,
    shown: String,
    cut: bool,
    mask: Option<[u8; 4]>,
    chopsize: Option<u64>,
    sync: bool,
}

/// A mask as a row writes it: 8 hex digits, or (wstest's pages) the hex of those digits,
/// which the page reader's [`rx_mask`](crate::load::html::rx_mask) undoes.
fn parse_mask(shown: &str) -> Option<[u8; 4]> {
    let hex = crate::load::html::rx_mask(shown.trim())?;
    let bytes = data_encoding::HEXLOWER_PERMISSIVE
        .decode(hex.as_bytes())
        .ok()?;
    bytes.try_into().ok()
}

fn tx_rows(case: &Case) -> Vec<TxRow> {
    case.wirelog
        .iter()
        .filter_map(|r| match r {
            WireRow::TxFrame {
                payload,
                opcode,
                mask,
                repeat_len,
                chopsize,
                sync,
                ..
            } => Some(TxRow {
                opcode: *opcode as u8,
                len: repeat_len.or(payload.len).unwrap_or(0),
                shown: payload.text.clone(),
                cut: payload.is_cut(),
                mask: mask.as_deref().and_then(parse_mask),
                chopsize: *chopsize,
                sync: *sync,
            }),
            _ => None,
        })
        .collect()
}

fn wire_len(p: &PlannedFrame) -> u64 {
    p.payload_len.unwrap_or(p.payload.len()) as u64
}

/// Pairs planned frames with rows, in order: each planned frame takes the next row of the
/// same opcode and length; rows skipped are replies.
fn align(planned: &[PlannedFrame], rows: &[TxRow]) -> Vec<Option<usize>> {
    let mut next = 0;
    planned
        .iter()
        .map(|p| {
            let found = rows[next..]
                .iter()
                .position(|r| r.opcode == p.opcode && r.len == wire_len(p))
                .map(|i| next + i);
            if let Some(i) = found {
                next = i + 1;
            }
            found
        })
        .collect()
}

/// Octets a frame takes on the wire with this payload length.
fn encoded_len(len: u64, masked: bool) -> u64 {
    let ext = match len {
        0..=125 => 0,
        126..=65535 => 2,
        _ => 8,
    };
    2 + ext + if masked { 4 } else { 0 } + len
}

impl Reproduction {
    /// The plan of the case a report recorded.
    pub fn new(report: Case) -> Result<Reproduction, ReproduceError> {
        let id = report.id.clone().ok_or(ReproduceError::NoId)?;
        let def = catalog::build(&id).ok_or_else(|| ReproduceError::UnknownCase(id.clone()))?;
        let rows = tx_rows(&report);
        let role = match report.mode() {
            Some(Mode::Clients) => Role::Server,
            Some(Mode::Servers) => Role::Client,
            None if rows.iter().any(|r| r.mask.is_none()) && !rows.is_empty() => Role::Server,
            None => Role::Client,
        };
        let mut notes = Vec::new();
        let reactive = def.steps.iter().any(|s| {
            matches!(
                s,
                Step::SendAndAwaitEcho(_) | Step::EchoSeries(_) | Step::DeflateSeries(_)
            )
        });
        if reactive {
            // what they send depends on the echoes, and their frames run to the tens of
            // thousands with the wire log off: only the masks of the rows shown are kept
            notes.push(Note::Reactive);
            let masks = rows
                .iter()
                .filter_map(|r| {
                    Some(FixedMask {
                        opcode: r.opcode,
                        len: r.len,
                        shown: r.shown.clone(),
                        mask: r.mask?,
                    })
                })
                .collect();
            return Ok(Reproduction {
                report: Some(report),
                def,
                role,
                fragment_end: FragmentEnd::Full,
                frames: Vec::new(),
                masks,
                reply_masks: Vec::new(),
                notes,
            });
        }
        // the framing whose frames the report's rows hold more of
        let matched = |end| {
            align(&planned_frames(&def.steps, end), &rows)
                .iter()
                .flatten()
                .count()
        };
        let fragment_end = if matched(FragmentEnd::EmptyFinal) > matched(FragmentEnd::Full) {
            notes.push(Note::EmptyFinalFragment);
            FragmentEnd::EmptyFinal
        } else {
            FragmentEnd::Full
        };
        let mut plan = Reproduction {
            role,
            fragment_end,
            masks: Vec::new(),
            reply_masks: Vec::new(),
            frames: Vec::new(),
            notes,
            def,
            report: None,
        };
        plan.follow(&report, &rows);
        plan.check_octet_stats(&report);
        plan.report = Some(report);
        Ok(plan)
    }

    /// The plan of a catalog case with no report: fresh masks, the catalog's chops.
    pub fn from_catalog(id: &CaseId, role: Role) -> Result<Reproduction, ReproduceError> {
        let def = catalog::build(id).ok_or_else(|| ReproduceError::UnknownCase(id.clone()))?;
        let frames = planned_frames(&def.steps, FragmentEnd::Full)
            .into_iter()
            .map(|p| (p, None))
            .collect();
        Ok(Reproduction {
            report: None,
            def,
            role,
            fragment_end: FragmentEnd::Full,
            frames,
            masks: Vec::new(),
            reply_masks: Vec::new(),
            notes: Vec::new(),
        })
    }

    /// Takes masks, chops, syncs and delays from the report's rows.
    fn follow(&mut self, report: &Case, rows: &[TxRow]) {
        let planned = planned_frames(&self.def.steps, self.fragment_end);
        if rows.is_empty() {
            if !planned.is_empty() {
                self.notes.push(Note::NoWireLog);
            }
            self.frames = planned.into_iter().map(|p| (p, None)).collect();
            return;
        }
        let pairs = align(&planned, rows);
        let mut paired = vec![false; rows.len()];
        let mut not_sent = Vec::new();
        for (k, (p, row)) in planned.iter().zip(&pairs).enumerate() {
            let frame = k + 1;
            let Some(&i) = row.as_ref() else {
                not_sent.push(frame);
                continue;
            };
            paired[i] = true;
            let r = &rows[i];
            let ours = shown_payload(&p.payload);
            if ours != r.shown {
                self.notes.push(Note::PayloadDiffers {
                    frame,
                    report: r.shown.clone(),
                    catalog: ours,
                });
            } else if r.cut {
                self.notes.push(Note::PayloadFilled { frame, len: r.len });
            }
        }
        if !not_sent.is_empty() {
            self.notes.push(Note::NotSentInReport { frames: not_sent });
        }
        let replies = paired.iter().filter(|p| !**p).count();
        if replies > 0 {
            self.notes.push(Note::Replies(replies));
        }
        for (i, r) in rows.iter().enumerate() {
            let Some(mask) = r.mask else { continue };
            self.masks.push(FixedMask {
                opcode: r.opcode,
                len: r.len,
                shown: r.shown.clone(),
                mask,
            });
            if !paired[i] {
                self.reply_masks.push((r.opcode, r.len, mask));
            }
        }
        // chops and syncs of the frames sent with `sendFrame`
        let frame_rows: Vec<Option<&TxRow>> = pairs.iter().map(|p| p.map(|i| &rows[i])).collect();
        let timers: Vec<&WireRow> = report
            .wirelog
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    WireRow::DelaySet { .. } | WireRow::KillAfter(_) | WireRow::CloseAfter(_)
                )
            })
            .collect();
        let mut walk = Walk {
            end: self.fragment_end,
            auto_fragment: None,
            frame: 0,
            frame_rows: &frame_rows,
            timers: &timers,
            timer: 0,
            notes: &mut self.notes,
        };
        let mut steps = std::mem::take(&mut self.def.steps);
        walk.steps(&mut steps);
        self.def.steps = steps;
        let planned = planned_frames(&self.def.steps, self.fragment_end);
        self.frames = planned
            .into_iter()
            .zip(&pairs)
            .map(|(p, row)| (p, row.and_then(|i| rows[i].mask)))
            .collect();
    }

    /// Compares the chopped writes planned with the report's `txOctetStats`.
    fn check_octet_stats(&mut self, report: &Case) {
        let stats = &report.stats.tx_octets;
        if stats.is_empty() {
            return;
        }
        let mut writes: BTreeMap<u64, u64> = BTreeMap::new();
        for (p, _) in &self.frames {
            let Some(n) = p.chopsize.filter(|&n| n > 0) else {
                continue;
            };
            let n = n as u64;
            let total = encoded_len(wire_len(p), self.role == Role::Client);
            *writes.entry(n).or_default() += total / n;
            if !total.is_multiple_of(n) {
                *writes.entry(total % n).or_default() += 1;
            }
        }
        for (size, planned) in writes {
            let report = stats.get(&size).copied().unwrap_or(0);
            if planned > report {
                self.notes.push(Note::OctetStats {
                    size,
                    planned,
                    report,
                });
            }
        }
    }

    /// The engine's options for replaying the plan against `target` (testing a server): the
    /// report's masks and framing.
    pub fn client_options(&self, target: &Target, agent: impl Into<String>) -> ReplayOptions {
        let mut opts = ReplayOptions::client(target, agent);
        opts.masks = self.masks.clone();
        opts.fragment_end = self.fragment_end;
        opts.chop_pause = self.chop_pause();
        opts
    }

    /// The pause after each chop: a short one, so the peer reads the chops one by one as in
    /// the report's run, except in the reactive cases whose chops run to the thousands.
    fn chop_pause(&self) -> Option<std::time::Duration> {
        (!self.notes.contains(&Note::Reactive)).then_some(CHOP_PAUSE)
    }

    /// The engine's options for replaying the plan to a client that connected.
    pub fn server_options(&self, agent: impl Into<String>) -> ReplayOptions {
        let mut opts = ReplayOptions::server(agent);
        opts.fragment_end = self.fragment_end;
        opts.chop_pause = self.chop_pause();
        opts
    }

    /// The report's verdicts, when there is a report.
    pub fn report_verdicts(&self) -> Option<(Verdict, Verdict)> {
        let r = self.report.as_ref()?;
        Some((r.behavior.clone()?, r.behavior_close.clone()?))
    }
}

/// The walk over the steps that applies the report's rows.
struct Walk<'a> {
    end: FragmentEnd,
    auto_fragment: Option<usize>,
    frame: usize,
    frame_rows: &'a [Option<&'a TxRow>],
    timers: &'a [&'a WireRow],
    timer: usize,
    notes: &'a mut Vec<Note>,
}

impl Walk<'_> {
    fn steps(&mut self, steps: &mut [Step]) {
        for step in steps {
            self.step(step);
        }
    }

    fn next_timer(&mut self) -> Option<&WireRow> {
        let row = self.timers.get(self.timer).copied();
        self.timer += 1;
        row
    }

    fn delay(&mut self, what: &'static str, catalog: &mut f64, report: Option<f64>) {
        if let Some(r) = report
            && (r - *catalog).abs() > 1e-6
        {
            self.notes.push(Note::Delay {
                what,
                catalog: *catalog,
                report: r,
            });
            *catalog = r;
        }
    }

    fn step(&mut self, step: &mut Step) {
        match step {
            Step::AutoFragmentSize(n) => self.auto_fragment = Some(*n),
            Step::Frame(spec) => {
                if let Some(Some(row)) = self.frame_rows.get(self.frame) {
                    spec.chopsize = row.chopsize.map(|n| n as usize);
                    spec.sync = row.sync;
                }
                self.frame += 1;
            }
            Step::Later { delay, steps, .. } => {
                let report = match self.next_timer() {
                    Some(WireRow::DelaySet { delay, .. }) => Some(*delay),
                    _ => None,
                };
                self.delay("continue-later delay (CT)", delay, report);
                self.steps(steps);
            }
            Step::KillAfter(s) => {
                let report = match self.next_timer() {
                    Some(WireRow::KillAfter(d)) => Some(*d),
                    _ => None,
                };
                self.delay("fail-connection-after timer (KL)", s, report);
            }
            Step::CloseAfter(s) => {
                let report = match self.next_timer() {
                    Some(WireRow::CloseAfter(d)) => Some(*d),
                    _ => None,
                };
                self.delay("close-after timer (TI)", s, report);
            }
            other => {
                let mut one = Vec::with_capacity(2);
                if let Some(n) = self.auto_fragment {
                    one.push(Step::AutoFragmentSize(n));
                }
                one.push(other.clone());
                self.frame += planned_frames(&one, self.end).len();
            }
        }
    }
}

/// One way a run differs from the report's.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    /// `behavior` or `behaviorClose` differ.
    Verdict {
        /// `behavior` or `behaviorClose`.
        field: &'static str,
        /// The report's.
        report: Verdict,
        /// This run's.
        run: Verdict,
    },
    /// The received events differ.
    Events {
        /// The report's, as shown.
        report: Vec<Event>,
        /// This run's.
        run: Vec<Event>,
    },
    /// A closing field differs.
    Closing {
        /// The field's name as reports spell it.
        field: &'static str,
        /// The report's value.
        report: String,
        /// This run's.
        run: String,
    },
    /// The case took another time (`duration`).
    Duration {
        /// The report's milliseconds.
        report: u64,
        /// This run's.
        run: u64,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let events = |evs: &[Event]| {
            let items: Vec<String> = evs
                .iter()
                .map(|e| format!("{} {:?}", e.kind(), e.payload().unwrap_or("")))
                .collect();
            format!("[{}]", items.join(", "))
        };
        match self {
            Difference::Verdict { field, report, run } => {
                write!(f, "{field}: report {report}, this run {run}")
            }
            Difference::Events { report, run } => write!(
                f,
                "received: report {}, this run {}",
                events(report),
                events(run)
            ),
            Difference::Closing { field, report, run } => {
                write!(f, "{field}: report {report}, this run {run}")
            }
            Difference::Duration { report, run } => {
                write!(f, "duration: report {report} ms, this run {run} ms")
            }
        }
    }
}

/// How `run` differs from `report`: verdicts, events, the closing fields that decide the
/// close verdict, and the duration when it differs by more than a tenth and 100 ms.
pub fn differences(report: &Case, run: &Case) -> Vec<Difference> {
    let mut out = Vec::new();
    for (field, a, b) in [
        ("behavior", &report.behavior, &run.behavior),
        ("behaviorClose", &report.behavior_close, &run.behavior_close),
    ] {
        if let (Some(a), Some(b)) = (a, b)
            && a != b
        {
            out.push(Difference::Verdict {
                field,
                report: a.clone(),
                run: b.clone(),
            });
        }
    }
    if report.received != run.received {
        out.push(Difference::Events {
            report: report.received.clone(),
            run: run.received.clone(),
        });
    }
    let shown = |v: Option<bool>| match v {
        Some(true) => "True".to_string(),
        Some(false) => "False".to_string(),
        None => "None".to_string(),
    };
    let (a, b) = (&report.closing, &run.closing);
    let fields: [(&'static str, String, String); 6] = [
        ("closedByMe", shown(a.closed_by_me), shown(b.closed_by_me)),
        ("failedByMe", shown(a.failed_by_me), shown(b.failed_by_me)),
        (
            "droppedByMe",
            shown(a.dropped_by_me),
            shown(b.dropped_by_me),
        ),
        ("wasClean", shown(a.was_clean), shown(b.was_clean)),
        (
            "remoteCloseCode",
            format!("{:?}", a.remote_close_code),
            format!("{:?}", b.remote_close_code),
        ),
        (
            "wasNotCleanReason",
            format!("{:?}", a.was_not_clean_reason),
            format!("{:?}", b.was_not_clean_reason),
        ),
    ];
    for (field, x, y) in fields {
        if x != y {
            out.push(Difference::Closing {
                field,
                report: x,
                run: y,
            });
        }
    }
    if let (Some(x), Some(y)) = (report.duration_ms, run.duration_ms) {
        let gap = x.abs_diff(y);
        if gap > 100 && gap * 10 > x.max(y) {
            out.push(Difference::Duration { report: x, run: y });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Closing, Shown};

    fn tf(text: &str, opcode: u64, mask: Option<&str>, chop: Option<u64>) -> WireRow {
        WireRow::TxFrame {
            payload: Shown {
                len: Some(text.len() as u64),
                text: text.into(),
            },
            opcode,
            fin: true,
            rsv: 0,
            mask: mask.map(String::from),
            repeat_len: None,
            chopsize: chop,
            sync: false,
        }
    }

    fn case_2_11(masks: bool) -> Case {
        let mut wirelog = Vec::new();
        for i in 0..10 {
            let m = format!("0102030{i}");
            wirelog.push(tf(
                &format!("payload-{i}"),
                9,
                masks.then_some(m.as_str()),
                Some(1),
            ));
        }
        wirelog.push(WireRow::CloseAfter(3.0));
        wirelog.push(tf("", 8, masks.then_some("aabbccdd"), None));
        Case {
            id: Some("2.11".parse().unwrap()),
            closing: Closing {
                is_server: Some(!masks),
                ..Closing::default()
            },
            wirelog,
            ..Case::default()
        }
    }

    #[test]
    fn masks_chops_and_replies_come_from_the_rows() {
        let plan = Reproduction::new(case_2_11(true)).unwrap();
        assert_eq!(plan.role, Role::Client);
        assert_eq!(plan.frames.len(), 10);
        assert_eq!(plan.frames[3].1, Some([1, 2, 3, 3]));
        assert!(plan.frames.iter().all(|(p, _)| p.chopsize == Some(1)));
        // the close sent by closeAfter is not a step's frame: a reply mask
        assert_eq!(plan.reply_masks, [(8, 0, [0xaa, 0xbb, 0xcc, 0xdd])]);
        assert_eq!(plan.masks.len(), 11);
        assert!(plan.notes.contains(&Note::Replies(1)), "{:?}", plan.notes);
    }

    #[test]
    fn a_page_mask_written_as_hex_of_hex_reads_as_the_mask() {
        assert_eq!(parse_mask("60e668a9"), Some([0x60, 0xe6, 0x68, 0xa9]));
        assert_eq!(
            parse_mask("3630653636386139"),
            Some([0x60, 0xe6, 0x68, 0xa9])
        );
        assert_eq!(parse_mask("None"), None);
    }

    #[test]
    fn a_payload_the_report_shows_otherwise_is_noted() {
        let mut case = case_2_11(false);
        if let WireRow::TxFrame { payload, .. } = &mut case.wirelog[0] {
            payload.text = "payload-X".into();
        }
        let plan = Reproduction::new(case).unwrap();
        assert_eq!(plan.role, Role::Server);
        assert!(plan.notes.iter().any(|n| matches!(
            n,
            Note::PayloadDiffers { frame: 1, report, .. } if report == "payload-X"
        )));
    }

    #[test]
    fn a_report_delay_replaces_the_catalogs_and_says_so() {
        let mut case = case_2_11(false);
        case.wirelog[10] = WireRow::CloseAfter(5.0);
        let plan = Reproduction::new(case).unwrap();
        assert!(plan.def.steps.contains(&Step::CloseAfter(5.0)));
        assert!(
            plan.notes
                .iter()
                .any(|n| matches!(n, Note::Delay { report, .. } if *report == 5.0))
        );
    }

    #[test]
    fn differences_name_verdicts_events_closing_and_a_real_change_of_duration() {
        let report = Case {
            behavior: Some(Verdict::Failed),
            behavior_close: Some(Verdict::Ok),
            duration_ms: Some(3000),
            closing: Closing {
                was_clean: Some(true),
                ..Closing::default()
            },
            ..Case::default()
        };
        let mut run = report.clone();
        run.duration_ms = Some(2950);
        assert_eq!(differences(&report, &run), []);
        run.behavior = Some(Verdict::Ok);
        run.received = vec![Event::Pong("payload-0".into())];
        run.closing.was_clean = Some(false);
        run.duration_ms = Some(10);
        let shown: Vec<String> = differences(&report, &run)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "behavior: report FAILED, this run OK",
                "received: report [], this run [pong \"payload-0\"]",
                "wasClean: report True, this run False",
                "duration: report 3000 ms, this run 10 ms",
            ]
        );
    }

    #[test]
    fn chops_the_octet_statistics_do_not_hold_are_noted() {
        let mut case = case_2_11(false);
        // 10 unmasked pings of 9 octets, 1 octet per write: 110 writes of 1
        case.stats.tx_octets.insert(1, 110);
        assert!(
            !Reproduction::new(case.clone())
                .unwrap()
                .notes
                .iter()
                .any(|n| matches!(n, Note::OctetStats { .. }))
        );
        case.stats.tx_octets.insert(1, 20);
        let notes = Reproduction::new(case).unwrap().notes;
        assert!(notes.contains(&Note::OctetStats {
            size: 1,
            planned: 110,
            report: 20
        }));
    }
}
