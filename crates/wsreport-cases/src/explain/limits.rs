//! The families whose cases differ by size: 9.x (limits and performance) and the message sizes
//! of 12.x/13.x (compression). A case there has no `expected` events; its `result` says what
//! went wrong (a timeout, a wrong length), and its siblings say at which size it started.
//!
//! Sizes come from the catalog, so the words match what the case sent: "4 MiB in one frame",
//! "1 MiB in writes of 64 octets", "1000 messages of 256 octets, frames of 256 octets".

use crate::catalog::{self, BigSend, FragmentEnd, Step};
use crate::model::{CaseEntry, CaseId};

use super::hint::{Hint, passes};

/// Octets in words: `64 KiB`, `1 MiB`, `997 octets`.
pub fn octets(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} octets")
    }
}

/// What a size case sends, in words; `None` for cases that are not about sizes.
pub fn label(id: &CaseId) -> Option<String> {
    let def = catalog::build(id)?;
    let mut auto_fragment = 0;
    for step in &def.steps {
        match step {
            Step::AutoFragmentSize(n) => auto_fragment = *n,
            Step::SendAndAwaitEcho(echo) => {
                let size = octets(echo.len());
                return Some(match &echo.send {
                    BigSend::Frame(f) => match f.chopsize {
                        Some(c) => format!("{size} in writes of {}", octets(c)),
                        None => format!("{size} in one frame"),
                    },
                    BigSend::Message { fragment_size, .. } => {
                        format!("{size} in fragments of {}", octets(*fragment_size))
                    }
                });
            }
            Step::EchoSeries(s) => {
                return Some(format!(
                    "{} messages of {}",
                    s.count,
                    octets(s.frame.wire_len())
                ));
            }
            Step::DeflateSeries(s) => {
                let frames = if auto_fragment == 0 {
                    "one frame each".to_string()
                } else {
                    format!("frames of {}", octets(auto_fragment))
                };
                return Some(format!(
                    "{} messages of {}, {frames}",
                    s.count,
                    octets(s.len)
                ));
            }
            _ => {}
        }
    }
    None
}

/// The frames of a 9.3/9.4 message as kosoku sends it (the last full fragment final); wstest,
/// and wsreport by default, send one more (an empty final frame) when the length is a multiple.
fn frame_count(id: &CaseId) -> Option<usize> {
    let def = catalog::build(id)?;
    def.steps.iter().find_map(|step| match step {
        Step::SendAndAwaitEcho(echo) => match &echo.send {
            BigSend::Message {
                payload,
                fragment_size,
                ..
            } => Some(catalog::fragments(payload.len, *fragment_size, FragmentEnd::Full).len()),
            BigSend::Frame(_) => None,
        },
        _ => None,
    })
}

/// The siblings of `id` that share its subcategory (`9.1.*` for `9.1.4`), in case order.
fn subgroup<'a>(id: &CaseId, siblings: &'a [CaseEntry]) -> Vec<&'a CaseEntry> {
    let prefix = &id.parts()[..2.min(id.parts().len())];
    let mut out: Vec<&CaseEntry> = siblings
        .iter()
        .filter(|e| e.id.parts().len() == 3 && e.id.parts().starts_with(prefix))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// 9.x: the sizes of the subcategory with their verdicts, and where failing starts. When every
/// case below a size passes and every case from it on fails, the peer has a limit there.
pub fn size_hint(id: &CaseId, siblings: &[CaseEntry]) -> Option<Hint> {
    if id.category() != 9 {
        return None;
    }
    // A close-only failure (every message echoed, the close unclean) is not about sizes.
    let echoed = |e: &CaseEntry| crate::policy::clean(&e.behavior);
    if siblings.iter().find(|e| &e.id == id).is_some_and(echoed) {
        return None;
    }
    let group = subgroup(id, siblings);
    if group.len() < 2 {
        return None;
    }
    let first_fail = group.iter().position(|e| !echoed(e))?;
    let shown: Vec<String> = group
        .iter()
        .map(|e| {
            let what = label(&e.id).unwrap_or_else(|| e.id.to_string());
            let word = if echoed(e) { "pass" } else { "FAIL" };
            format!("{} ({what}) {word}", e.id)
        })
        .collect();
    let first = group[first_fail];
    let first_label = label(&first.id).unwrap_or_default();
    let threshold = group[first_fail..].iter().all(|e| !echoed(e));
    let sub = &id.parts()[..2];
    let axis = match sub[1] {
        1 | 2 => "message size",
        3 | 4 => "fragment size",
        5 | 6 => "write size",
        _ => "message size",
    };
    let last_fail = group.iter().rposition(|e| !echoed(e))?;
    let fewer_frames_pass = matches!(sub[1], 3 | 4)
        && first_fail == 0
        && last_fail + 1 < group.len()
        && group[last_fail + 1..].iter().all(|e| echoed(e));
    let text = if fewer_frames_pass {
        let frames = |e: &CaseEntry| frame_count(&e.id).unwrap_or(0);
        let (failed, passed) = (frames(group[last_fail]), frames(group[last_fail + 1]));
        format!(
            "{}: the smallest fragments fail and the larger pass: the peer limits the frames of \
             a message, somewhere from {failed} frames ({}, FAIL) down to {passed} ({}, pass). \
             {} is {} frames as wstest and wsreport send it (with an empty final frame), \
             {passed} as kosoku sends it (--framing kosoku): a peer that caps a message at \
             exactly {passed} frames (as Python websockets does at 4096) passes it only under \
             kosoku's framing. {}",
            sub.iter().map(u32::to_string).collect::<Vec<_>>().join("."),
            group[last_fail].id,
            group[last_fail + 1].id,
            group[last_fail + 1].id,
            passed + 1,
            shown.join(", ")
        )
    } else if threshold && first_fail > 0 {
        format!(
            "{}: first failing {axis}: {} ({first_label}); every smaller case passes, every \
             larger one fails: a limit or a timeout between {} and {}. {}",
            sub.iter().map(u32::to_string).collect::<Vec<_>>().join("."),
            first.id,
            label(&group[first_fail - 1].id).unwrap_or_default(),
            first_label,
            shown.join(", ")
        )
    } else if first_fail == 0 && threshold {
        format!(
            "{}: every {axis} fails, the smallest too: not a size limit. {}",
            sub.iter().map(u32::to_string).collect::<Vec<_>>().join("."),
            shown.join(", ")
        )
    } else {
        format!(
            "{}: first failing {axis}: {} ({first_label}); failures are not ordered by size \
             (timing?). {}",
            sub.iter().map(u32::to_string).collect::<Vec<_>>().join("."),
            first.id,
            shown.join(", ")
        )
    };
    Some(Hint {
        family: "sizes",
        siblings: group.iter().map(|e| e.id.to_string()).collect(),
        text,
        cause: None,
    })
}

/// 12.x/13.x: whether failures follow fragmentation (cases 11–18 of each subcategory send
/// their compressed messages in several frames, 1–10 in one).
pub fn deflate_fragment_hint(id: &CaseId, siblings: &[CaseEntry]) -> Option<Hint> {
    if !matches!(id.category(), 12 | 13) {
        return None;
    }
    let in_cat: Vec<&CaseEntry> = siblings
        .iter()
        .filter(|e| e.id.category() == id.category() && e.id.parts().len() == 3)
        .collect();
    let (frag, whole): (Vec<&CaseEntry>, Vec<&CaseEntry>) =
        in_cat.into_iter().partition(|e| e.id.parts()[2] >= 11);
    let count = |v: &[&CaseEntry]| v.iter().filter(|e| passes(e)).count();
    let (fp, wp) = (count(&frag), count(&whole));
    if frag.is_empty() || whole.is_empty() {
        return None;
    }
    let text = format!(
        "{}.x: messages in one frame (x.1–x.10) {wp}/{} pass; messages in several frames \
         (x.11–x.18) {fp}/{} pass",
        id.category(),
        whole.len(),
        frag.len()
    );
    let cause = (wp == whole.len() && fp < frag.len()).then_some("fragmented");
    Some(Hint {
        family: "deflate-fragments",
        siblings: Vec::new(),
        text: if cause.is_some() {
            format!(
                "{text}: the peer mishandles compressed messages split in frames (RSV1 is set \
                 on the first frame only, the rest are continuations)"
            )
        } else {
            text
        },
        cause,
    })
}

/// 13.x: whether failures follow one negotiated parameter. 13.2, 13.5, 13.6 (and 13.7's first
/// offer) ask for `no_context_takeover`; 13.3 and 13.5 for window bits 9; 13.4 and 13.6 for 15.
pub fn deflate_parameter_hint(id: &CaseId, siblings: &[CaseEntry]) -> Option<Hint> {
    if id.category() != 13 {
        return None;
    }
    let rate = |groups: &[u32]| {
        let list: Vec<&CaseEntry> = siblings
            .iter()
            .filter(|e| e.id.category() == 13 && groups.contains(&e.id.parts()[1]))
            .collect();
        (list.iter().filter(|e| passes(e)).count(), list.len())
    };
    let axes: [(&str, &[u32], &[u32]); 3] = [
        ("no_context_takeover", &[2, 5, 6], &[1, 3, 4]),
        ("max_window_bits=9", &[3, 5], &[1, 2, 4, 6]),
        ("max_window_bits=15", &[4, 6], &[1, 2, 3, 5]),
    ];
    let mut found = Vec::new();
    for (name, with, without) in axes {
        let (wp, wn) = rate(with);
        let (op, on) = rate(without);
        if wn > 0 && on > 0 && wp < wn && op == on {
            found.push(format!(
                "with {name} {wp}/{wn} pass, without it {op}/{on}: the peer mishandles \
                 {name}"
            ));
        }
    }
    (!found.is_empty()).then(|| Hint {
        family: "deflate-parameters",
        siblings: Vec::new(),
        text: found.join("; "),
        cause: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verdict;

    fn entry(id: &str, pass: bool) -> CaseEntry {
        CaseEntry {
            id: id.parse().unwrap(),
            behavior: if pass { Verdict::Ok } else { Verdict::Failed },
            behavior_close: Verdict::Ok,
            duration_ms: 0,
            remote_close_code: None,
            reportfile: None,
        }
    }

    #[test]
    fn labels_name_what_the_case_sends() {
        let l = |s: &str| label(&s.parse().unwrap()).unwrap();
        assert_eq!(l("9.1.4"), "4 MiB in one frame");
        assert_eq!(l("9.3.1"), "4 MiB in fragments of 64 octets");
        assert_eq!(l("9.5.1"), "1 MiB in writes of 64 octets");
        assert_eq!(l("9.7.3"), "1000 messages of 64 octets");
        assert_eq!(l("12.1.1"), "1000 messages of 16 octets, one frame each");
        assert_eq!(l("13.3.11"), "1000 messages of 8 KiB, frames of 256 octets");
        assert!(label(&"1.1.1".parse().unwrap()).is_none());
    }

    #[test]
    fn a_close_only_failure_is_not_a_size_limit() {
        let mut sib: Vec<CaseEntry> = (1..=6).map(|n| entry(&format!("9.1.{n}"), true)).collect();
        sib[3].behavior_close = Verdict::Unclean;
        assert!(size_hint(&"9.1.4".parse().unwrap(), &sib).is_none());
    }

    #[test]
    fn a_size_limit_is_named_where_failing_starts() {
        let sib: Vec<CaseEntry> = (1..=6)
            .map(|n| entry(&format!("9.1.{n}"), n < 4))
            .chain([entry("9.2.1", false)])
            .collect();
        let h = size_hint(&"9.1.5".parse().unwrap(), &sib).unwrap();
        assert!(
            h.text
                .contains("first failing message size: 9.1.4 (4 MiB in one frame)")
        );
        assert!(
            h.text
                .contains("between 1 MiB in one frame and 4 MiB in one frame")
        );
        assert_eq!(h.siblings.len(), 6, "9.2.1 is another subcategory");
    }

    #[test]
    fn unordered_failures_are_not_called_a_limit() {
        let sib: Vec<CaseEntry> = (1..=6)
            .map(|n| entry(&format!("9.5.{n}"), n != 2))
            .collect();
        let h = size_hint(&"9.5.2".parse().unwrap(), &sib).unwrap();
        assert!(h.text.contains("not ordered by size"), "{}", h.text);
        let all_fail: Vec<CaseEntry> = (1..=6).map(|n| entry(&format!("9.7.{n}"), false)).collect();
        let h = size_hint(&"9.7.1".parse().unwrap(), &all_fail).unwrap();
        assert!(h.text.contains("not a size limit"), "{}", h.text);
    }

    #[test]
    fn small_fragments_failing_name_a_frame_count_limit() {
        // Python websockets caps a message at 4096 frames: 9.3.1 (65536) and 9.3.2 (16384)
        // fail, 9.3.3 (4096, or 4097 with wstest's empty final frame) is the edge
        let sib: Vec<CaseEntry> = (1..=9).map(|n| entry(&format!("9.3.{n}"), n > 2)).collect();
        let h = size_hint(&"9.3.1".parse().unwrap(), &sib).unwrap();
        assert!(
            h.text.contains(
                "limits the frames of a message, somewhere from 16384 frames (9.3.2, FAIL) \
                 down to 4096 (9.3.3, pass)"
            ),
            "{}",
            h.text
        );
        assert!(
            h.text.contains(
                "9.3.3 is 4097 frames as wstest and wsreport send it (with an empty final \
                           frame), 4096 as kosoku sends it (--framing kosoku)"
            ),
            "{}",
            h.text
        );
        // larger fragments failing is not about frame counts
        let sib: Vec<CaseEntry> = (1..=9).map(|n| entry(&format!("9.4.{n}"), n < 8)).collect();
        let h = size_hint(&"9.4.8".parse().unwrap(), &sib).unwrap();
        assert!(!h.text.contains("frames of a message"), "{}", h.text);
    }

    #[test]
    fn deflate_failures_follow_fragments_or_parameters() {
        let sib: Vec<CaseEntry> = (1..=7)
            .flat_map(|g| (1..=18).map(move |n| (g, n)))
            .map(|(g, n)| entry(&format!("13.{g}.{n}"), n <= 10))
            .collect();
        let h = deflate_fragment_hint(&"13.1.12".parse().unwrap(), &sib).unwrap();
        assert_eq!(h.cause, Some("fragmented"));
        assert!(h.text.contains("70/70 pass"), "{}", h.text);
        // fragments fail everywhere: no parameter is to blame
        assert!(deflate_parameter_hint(&"13.1.12".parse().unwrap(), &sib).is_none());

        let sib: Vec<CaseEntry> = (1..=7)
            .flat_map(|g| (1..=18).map(move |n| (g, n)))
            .map(|(g, n)| entry(&format!("13.{g}.{n}"), g != 3 && g != 5))
            .collect();
        let h = deflate_parameter_hint(&"13.3.1".parse().unwrap(), &sib).unwrap();
        assert!(
            h.text.contains("mishandles max_window_bits=9"),
            "{}",
            h.text
        );
        assert!(!h.text.contains("no_context_takeover"), "{}", h.text);
    }
}
