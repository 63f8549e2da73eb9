//! Acceptance over `../shared/corpus` (run by `.ci/run`): for every case the catalog knows,
//! the frames its steps send match the `TF` rows of the real reports' wire logs (opcode, fin,
//! rsv, payload length, shown payload, chop size), planned with wstest's framing (an empty final
//! fragment after a message of whole fragments, the default; `--framing kosoku` drops it).
//! The planned frames are the ones the engine writes: its case machine executes the catalog's
//! `step_frames`, the one derivation of a case's frames (the machine's `sends_the_plan` test
//! checks its octets against the same plan), so this compares the engine with wstest.
//!
//! The testsuite's own frames that no step asks for (its close replies, pongs to the peer's
//! pings) may sit between them; the planned frames may stop early when the peer ended the
//! connection first, and a report whose wire log was switched off shows none.

use crate::common;

use wsreport::catalog::{self, PlannedFrame};
use wsreport::model::{WireRow, shown_payload};

struct Tf {
    opcode: u64,
    fin: bool,
    rsv: u64,
    len: u64,
    text: String,
    repeat_len: Option<u64>,
    chopsize: Option<u64>,
}

fn differs(p: &PlannedFrame, t: &Tf) -> Option<String> {
    let want = (
        u64::from(p.opcode),
        p.fin,
        u64::from(p.rsv),
        p.payload.len() as u64,
        shown_payload(&p.payload),
        p.payload_len.map(|n| n as u64),
        p.chopsize.map(|n| n as u64),
    );
    let got = (
        t.opcode,
        t.fin,
        t.rsv,
        t.len,
        t.text.clone(),
        t.repeat_len,
        t.chopsize,
    );
    (want != got).then(|| format!("planned {want:?}, report {got:?}"))
}

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn planned_frames_match_the_reports() {
    let loaded = wsreport::load::load_paths(&[common::corpus_root()]);
    assert!(loaded.errors.is_empty());
    let (mut cases, mut frames, mut skipped) = (0, 0, 0);
    let mut problems = Vec::new();
    for report in &loaded.reports {
        for run in &report.agents {
            for entry in &run.cases {
                let Some(def) = catalog::build(&entry.id) else {
                    continue;
                };
                let case = wsreport::load::load_case(report, &run.agent, entry).unwrap();
                if case
                    .wirelog
                    .iter()
                    .any(|r| matches!(r, WireRow::WireLog(false)))
                {
                    skipped += 1;
                    continue;
                }
                let tfs: Vec<Tf> = case
                    .wirelog
                    .iter()
                    .filter_map(|r| match r {
                        WireRow::TxFrame {
                            payload,
                            opcode,
                            fin,
                            rsv,
                            repeat_len,
                            chopsize,
                            ..
                        } => Some(Tf {
                            opcode: *opcode,
                            fin: *fin,
                            rsv: *rsv,
                            len: payload.len.unwrap_or_default(),
                            text: payload.text.clone(),
                            repeat_len: *repeat_len,
                            chopsize: *chopsize,
                        }),
                        _ => None,
                    })
                    .collect();
                // the corpus was written by wstest: its framing
                let planned = catalog::planned_frames(&def.steps, catalog::FragmentEnd::EmptyFinal);
                let mut next = 0;
                for t in &tfs {
                    let Some(p) = planned.get(next) else { break };
                    match differs(p, t) {
                        None => {
                            next += 1;
                            frames += 1;
                        }
                        // the testsuite's own close replies and pongs
                        Some(_) if t.opcode == 8 || t.opcode == 10 => {}
                        Some(d) => {
                            problems.push(format!(
                                "{} {} {}: frame {next}: {d}",
                                report.path.display(),
                                run.agent,
                                entry.id
                            ));
                            break;
                        }
                    }
                }
                cases += 1;
            }
        }
    }
    println!(
        "replay frames: {cases} corpus cases checked, {frames} frames equal, {} differ, {skipped} without wire log",
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
