//! Case families: which cases differ from a sibling in one respect only, and the disputes a
//! user should know about. The knowledge lives here, one table per kind, with its tests.
//!
//! From the case descriptions of the testsuite (`cases.tsv`): 2.11 sends the pings of 2.10 in
//! octet-wise chops; 1.x.8 sends the 65536-octet message of 1.x.7 in chops of 997 octets; 2.6
//! the ping of 2.4 octet-wise; 5.4/5.5 the fragmented message of 5.3 frame-wise/octet-wise, and
//! so on. When the whole variant passes and the chopped one fails, the implementation most
//! likely mishandles frames split across reads.

use crate::model::{CaseEntry, CaseId, Verdict};

use super::hint::{Hint, passes};

// The sibling pairs, 13.x offers and disputes are facts about the cases: they live in the
// catalog beside what each case sends (`crate::catalog::facts`).
pub use crate::catalog::facts::{DEFLATE_OFFERS, Difference, PAIRS, Pair, disputes};

fn verdicts(e: &CaseEntry) -> String {
    if e.behavior_close == Verdict::Ok {
        e.behavior.to_string()
    } else {
        format!("{} / close {}", e.behavior, e.behavior_close)
    }
}

fn find<'a>(siblings: &'a [CaseEntry], id: &str) -> Option<&'a CaseEntry> {
    siblings.iter().find(|e| e.id.to_string() == id)
}

fn pair_hints(id: &CaseId, this_passes: bool, siblings: &[CaseEntry]) -> Vec<Hint> {
    let me = id.to_string();
    let mut out = Vec::new();
    for p in PAIRS {
        let (other, i_am_variant) = if p.variant == me {
            (p.base, true)
        } else if p.base == me {
            (p.variant, false)
        } else {
            continue;
        };
        let Some(sib) = find(siblings, other) else {
            continue;
        };
        let sib_passes = passes(sib);
        let (family, what) = match p.difference {
            Difference::Chopped => ("chopped", "frames split across reads"),
            Difference::Fragmented => ("fragmented", "fragmented messages"),
        };
        let (text, cause) = match (i_am_variant, this_passes, sib_passes) {
            (true, false, true) => (
                format!(
                    "{other} (the same, sent whole) passed while {me} (sent {}) did not: the \
                     difference is the {family} sending, so the implementation likely fails on {what}",
                    p.how
                ),
                Some(match p.difference {
                    Difference::Chopped => "split-across-reads",
                    Difference::Fragmented => "fragmented",
                }),
            ),
            // a frame over 16 KiB reaches the peer in several reads even when written whole:
            // then the whole twin failing says nothing against split reads
            (true, false, false)
                if p.difference == Difference::Chopped
                    && other
                        .parse::<CaseId>()
                        .ok()
                        .and_then(|o| crate::catalog::facts(&o))
                        .is_some_and(|f| f.largest_frame > 16 << 10) =>
            {
                (
                    format!(
                        "{other} (the same, sent whole) fails too ({}); its frame is large \
                         enough to arrive in several reads either way, so both may fail on \
                         {what}",
                        verdicts(sib)
                    ),
                    None,
                )
            }
            (true, false, false) => (
                format!(
                    "{other} (the same, sent whole) fails too ({}): the {family} sending is not \
                     the cause",
                    verdicts(sib)
                ),
                None,
            ),
            (false, false, true) => (
                format!(
                    "{other} (the same, sent {}) passed while {me} did not: odd, since the \
                     {family} variant is the harder one",
                    p.how
                ),
                None,
            ),
            (false, false, false) => (
                format!(
                    "{other} (the same, sent {}) fails as well ({})",
                    p.how,
                    verdicts(sib)
                ),
                None,
            ),
            (_, true, _) => continue,
        };
        out.push(Hint {
            family,
            siblings: vec![other.to_string()],
            text,
            cause,
        });
    }
    out
}

/// Siblings of the same sub-group (`7.7.*`), passing and not.
fn group<'a>(
    siblings: &'a [CaseEntry],
    prefix: &[u32],
) -> (Vec<&'a CaseEntry>, Vec<&'a CaseEntry>) {
    siblings
        .iter()
        .filter(|e| e.id.parts().starts_with(prefix) && e.id.parts().len() > prefix.len())
        .partition(|e| passes(e))
}

fn ids(list: &[&CaseEntry]) -> String {
    list.iter()
        .map(|e| e.id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn group_hints(id: &CaseId, siblings: &[CaseEntry]) -> Vec<Hint> {
    let parts = id.parts();
    let mut out = Vec::new();
    let prefix = &parts[..parts.len().saturating_sub(1)];
    let (pass, fail) = group(siblings, prefix);
    let sub = prefix
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".");
    let all = || {
        let mut s: Vec<String> = pass.iter().chain(&fail).map(|e| e.id.to_string()).collect();
        s.sort();
        s
    };
    match parts {
        [6, 4, _] => out.push(Hint {
            family: "fail-fast",
            siblings: all(),
            text: format!(
                "6.4.x send invalid UTF-8 in pieces with pauses between them (6.4.1/6.4.2 as \
                 3 frames, 6.4.3/6.4.4 as 3 chops of one frame); here: {}. Failing fast on \
                 the invalid octet needs UTF-8 validation of partial frames",
                sorted_verdicts(siblings, prefix)
            ),
            cause: None,
        }),
        [7, 7, _] | [7, 9, _] => {
            let valid = parts[1] == 7;
            if !fail.is_empty() {
                out.push(Hint {
                    family: "close-codes",
                    siblings: all(),
                    text: format!(
                        "{} of {} {sub}.x cases ({} close codes) do not pass: {}{}",
                        fail.len(),
                        fail.len() + pass.len(),
                        if valid { "valid" } else { "invalid" },
                        ids(&fail),
                        if valid {
                            "; the peer likely rejects (or does not echo) some valid codes"
                        } else {
                            "; the peer likely accepts codes it should refuse with 1002"
                        }
                    ),
                    cause: None,
                });
            }
        }
        [13, _, _] | [12, _, _] => {
            let mut groups: Vec<(u32, usize, usize)> = Vec::new();
            for e in siblings.iter().filter(|e| e.id.category() == parts[0]) {
                let Some(&g) = e.id.parts().get(1) else {
                    continue;
                };
                let slot = match groups.iter_mut().find(|(k, _, _)| *k == g) {
                    Some(s) => s,
                    None => {
                        groups.push((g, 0, 0));
                        groups.last_mut().expect("just pushed")
                    }
                };
                slot.2 += 1;
                if passes(e) {
                    slot.1 += 1;
                }
            }
            groups.sort();
            let text = groups
                .iter()
                .map(|(g, p, n)| {
                    let key = format!("{}.{g}", parts[0]);
                    let offer = DEFLATE_OFFERS
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, o)| format!(" ({o})"))
                        .unwrap_or_default();
                    format!("{key}{offer} {p}/{n} pass")
                })
                .collect::<Vec<_>>()
                .join("; ");
            if !groups.is_empty() {
                out.push(Hint {
                    family: "deflate",
                    siblings: Vec::new(),
                    text: format!(
                        "permessage-deflate groups: {text}. Failures confined to some groups \
                         follow the offer's parameters"
                    ),
                    cause: None,
                });
            }
        }
        _ => {}
    }
    out
}

fn sorted_verdicts(siblings: &[CaseEntry], prefix: &[u32]) -> String {
    let mut list: Vec<&CaseEntry> = siblings
        .iter()
        .filter(|e| e.id.parts().starts_with(prefix))
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    list.iter()
        .map(|e| format!("{} {}", e.id, verdicts(e)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Hints for a case that does not pass, from the index entries of the same agent.
pub fn hints(id: &CaseId, this_passes: bool, siblings: &[CaseEntry]) -> Vec<Hint> {
    if this_passes {
        return Vec::new();
    }
    let mut out = pair_hints(id, this_passes, siblings);
    out.extend(group_hints(id, siblings));
    out.extend(super::limits::size_hint(id, siblings));
    out.extend(super::limits::deflate_fragment_hint(id, siblings));
    out.extend(super::limits::deflate_parameter_hint(id, siblings));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, b: &str, c: &str) -> CaseEntry {
        CaseEntry {
            id: id.parse().unwrap(),
            behavior: Verdict::parse(b),
            behavior_close: Verdict::parse(c),
            duration_ms: 0,
            remote_close_code: None,
            reportfile: None,
        }
    }

    #[test]
    fn every_pair_names_real_distinct_cases() {
        for p in PAIRS {
            assert!(p.variant.parse::<CaseId>().is_ok() && p.base.parse::<CaseId>().is_ok());
            assert_ne!(p.variant, p.base);
        }
    }

    #[test]
    fn chopped_variant_failing_alone_points_at_split_reads() {
        let sibs = [
            entry("2.10", "OK", "OK"),
            entry("2.11", "FAILED", "UNCLEAN"),
        ];
        let h = hints(&"2.11".parse().unwrap(), false, &sibs);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].cause, Some("split-across-reads"));
        assert!(h[0].text.contains("2.10"), "{}", h[0].text);
        // Both fail, the whole one small: not the chopping.
        let sibs = [entry("2.10", "FAILED", "OK"), entry("2.11", "FAILED", "OK")];
        let h = hints(&"2.11".parse().unwrap(), false, &sibs);
        assert_eq!(h[0].cause, None);
        assert!(h[0].text.contains("not the cause"));
        // A passing case gets no hints.
        assert!(hints(&"2.10".parse().unwrap(), true, &sibs).is_empty());
    }

    #[test]
    fn a_large_whole_twin_failing_does_not_clear_split_reads() {
        // 1.1.7's 64 KiB frame arrives in several reads however it is written
        let sibs = [
            entry("1.1.7", "FAILED", "OK"),
            entry("1.1.8", "FAILED", "OK"),
        ];
        let h = hints(&"1.1.8".parse().unwrap(), false, &sibs);
        assert!(!h[0].text.contains("not the cause"), "{}", h[0].text);
        assert!(h[0].text.contains("either way"), "{}", h[0].text);
    }

    #[test]
    fn close_code_group_lists_the_failing_codes() {
        let sibs = [
            entry("7.7.1", "OK", "OK"),
            entry("7.7.8", "OK", "WRONG CODE"),
            entry("7.7.9", "OK", "WRONG CODE"),
        ];
        let h = hints(&"7.7.8".parse().unwrap(), false, &sibs);
        assert_eq!(h.len(), 1);
        assert!(h[0].text.starts_with("2 of 3 7.7.x cases"), "{}", h[0].text);
        assert!(h[0].text.contains("7.7.8, 7.7.9"));
    }

    #[test]
    fn deflate_groups_are_counted_with_their_offers() {
        let sibs = [
            entry("13.1.1", "OK", "OK"),
            entry("13.3.1", "FAILED", "OK"),
            entry("13.3.2", "OK", "OK"),
        ];
        let h = hints(&"13.3.1".parse().unwrap(), false, &sibs);
        assert!(
            h[0].text.contains("13.1 (default offer) 1/1 pass"),
            "{}",
            h[0].text
        );
        assert!(h[0].text.contains("13.3 (max window bits 9) 1/2 pass"));
    }

    #[test]
    fn disputes_cover_the_known_families() {
        for id in [
            "2.10", "2.11", "6.4.3", "7.7.1", "7.9.2", "12.4.1", "12.5.18",
        ] {
            assert!(!disputes(&id.parse().unwrap()).is_empty(), "{id}");
        }
        assert!(disputes(&"1.1.1".parse().unwrap()).is_empty());
    }
}
