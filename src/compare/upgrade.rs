//! When the testsuite changed between two runs and closing verdicts changed with it: what the
//! wire logs show. The same close frame sent in both runs and a different answer from the
//! peer means the implementation changed too, not only the testsuite (the nim-websock reports
//! of October 2025 and April 2026 are such a pair).

use crate::model::{Case, WireRow};

use super::run::Run;

/// How many changed cases per agent are read to weigh the evidence.
const SAMPLE: usize = 12;

/// What the sampled cases show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Cases read on both sides.
    pub sampled: usize,
    /// Of those, cases where the fuzzer sent the same frames in both runs.
    pub same_sent: usize,
    /// Of those, cases where the peer's frames differ.
    pub peer_differs: usize,
    /// One example: case id and what the peer did in each run.
    pub example: Option<String>,
}

/// (opcode, payload) of the frames one side sent.
fn frames(case: &Case, sent: bool) -> Vec<(u64, String)> {
    case.wirelog
        .iter()
        .filter_map(|r| match r {
            WireRow::TxFrame {
                opcode, payload, ..
            } if sent => Some((*opcode, payload.text.clone())),
            WireRow::RxFrame {
                opcode, payload, ..
            } if !sent => Some((*opcode, payload.text.clone())),
            _ => None,
        })
        .collect()
}

fn close_answer(case: &Case) -> String {
    match frames(case, false).into_iter().find(|(op, _)| *op == 8) {
        Some((_, p)) => format!("close {p}"),
        None => "no close frame".into(),
    }
}

/// Reads up to [`SAMPLE`] cases per agent whose closing verdict changed, on both sides.
pub fn evidence(old: &Run, new: &Run) -> Evidence {
    let mut ev = Evidence::default();
    for (agent, new_cases) in &new.agents {
        let Some(old_cases) = old.agents.get(agent).or_else(|| {
            (old.agents.len() == 1)
                .then(|| old.agents.values().next())
                .flatten()
        }) else {
            continue;
        };
        let old_agent = old
            .agents
            .iter()
            .find(|(_, c)| std::ptr::eq(*c, old_cases))
            .map(|(a, _)| a.clone())
            .unwrap_or_default();
        let changed = new_cases.iter().filter_map(|(id, n)| {
            let o = old_cases.get(id)?;
            (o.entry.behavior_close != n.entry.behavior_close).then_some((o, n))
        });
        for (o, n) in changed.take(SAMPLE) {
            let (Ok(oc), Ok(nc)) = (
                crate::load::load_case_in(&o.dir, &old_agent, &o.entry),
                crate::load::load_case_in(&n.dir, agent, &n.entry),
            ) else {
                continue;
            };
            ev.sampled += 1;
            if frames(&oc, true) == frames(&nc, true) {
                ev.same_sent += 1;
                if frames(&oc, false) != frames(&nc, false) {
                    ev.peer_differs += 1;
                    ev.example.get_or_insert_with(|| {
                        format!(
                            "{}: the peer answered our close with {} in OLD, {} in NEW",
                            n.entry.id,
                            close_answer(&oc),
                            close_answer(&nc)
                        )
                    });
                }
            }
        }
    }
    ev
}

/// The testsuite warning's second half: what the evidence shows, in words.
pub fn words(ev: &Evidence) -> String {
    if ev.sampled == 0 {
        return "no case file could be read to tell whether the testsuite or the \
                implementation caused it"
            .into();
    }
    if ev.same_sent == ev.sampled && ev.peer_differs * 2 > ev.sampled {
        format!(
            "in {} of {} sampled cases whose closing verdict changed, the fuzzer sent the same \
             octets in both runs and the peer answered differently ({}): the implementation \
             changed too, not only the testsuite",
            ev.peer_differs,
            ev.sampled,
            ev.example.as_deref().unwrap_or("")
        )
    } else if ev.same_sent * 2 < ev.sampled {
        format!(
            "in {} of {} sampled cases whose closing verdict changed, the fuzzer sent different \
             frames: the testsuite's change is the likely cause",
            ev.sampled - ev.same_sent,
            ev.sampled
        )
    } else {
        format!(
            "of {} sampled cases whose closing verdict changed, {} got the same frames from the \
             fuzzer and {} a different answer from the peer: both may have changed",
            ev.sampled, ev.same_sent, ev.peer_differs
        )
    }
}
