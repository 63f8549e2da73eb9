//! The event diff: `received` against each accepted `expected` list.
//!
//! The judge compares `received` for exact equality with every list in `expected` (README of the
//! spec, "How a case is judged", step 1). To say *why* none matched, [`align`] computes a plain
//! longest-common-subsequence diff against each list and [`closest`] keeps the one with the
//! fewest edits. The missing and unexpected lists are exactly that LCS diff; "different payload"
//! and "out of order" are annotations drawn from them and never change them.
//!
//! Tie-break (so that the diff is reproducible): with `L[i][j]` the LCS length of
//! `received[i..]` and `expected[j..]`, walk from the start; equal events are matched; otherwise
//! `received[i]` is unexpected when `L[i+1][j] >= L[i][j+1]`, else `expected[j]` is missing.

use serde::Serialize;

use crate::model::{Event, is_cut};

/// An event as the explanation shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView {
    /// `message`, `ping`, `pong`, `timeout` or `other`.
    pub kind: String,
    /// Payload (or timeout tag) as the report shows it; `None` for unknown events.
    pub payload: Option<String>,
    /// For messages: whether binary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<bool>,
    /// The report cut the payload at 64 characters (it ends in ` ...`).
    pub cut: bool,
    /// Unknown event shapes, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl EventView {
    /// The view of a model event.
    pub fn of(e: &Event) -> EventView {
        EventView {
            kind: e.kind().to_string(),
            payload: e.payload().map(str::to_string),
            binary: match e {
                Event::Message { binary, .. } => Some(*binary),
                _ => None,
            },
            cut: e.payload().is_some_and(is_cut),
            raw: match e {
                Event::Other(v) => Some(v.to_string()),
                _ => None,
            },
        }
    }
}

/// An event at a position of its list (0-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placed {
    /// Position in `expected` (for missing) or `received` (for unexpected).
    pub index: usize,
    /// The event.
    pub event: EventView,
}

/// A missing and an unexpected event of the same kind between the same matched neighbours:
/// most likely one event whose payload (or binary flag) differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayloadChange {
    /// Position in the expected list.
    pub expected_index: usize,
    /// Position in the received list.
    pub received_index: usize,
    /// The expected event.
    pub expected: EventView,
    /// The received event.
    pub received: EventView,
    /// Either payload was cut by the report, so they may differ beyond what is shown (or be
    /// equal where the difference is hidden).
    pub cut: bool,
}

/// An event that arrived, but at another position than expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// Position in the expected list.
    pub expected_index: usize,
    /// Position in the received list.
    pub received_index: usize,
    /// The event.
    pub event: EventView,
}

/// The LCS diff of `received` against one expected list, with its annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Alignment {
    /// Expected events not matched, in expected order.
    pub missing: Vec<Placed>,
    /// Received events not matched, in received order.
    pub unexpected: Vec<Placed>,
    /// Annotation: missing/unexpected pairs that look like one event with another payload.
    pub different_payload: Vec<PayloadChange>,
    /// Annotation: missing events that did arrive, elsewhere.
    pub out_of_order: Vec<Moved>,
    /// Number of edits: `missing + unexpected`.
    pub edits: usize,
}

/// The plain LCS diff: indices of unmatched events in `received` (unexpected) and in
/// `expected` (missing), with the tie-break of the module documentation.
pub fn lcs_diff<T: PartialEq>(received: &[T], expected: &[T]) -> (Vec<usize>, Vec<usize>) {
    let (n, m) = (received.len(), expected.len());
    // Common prefix: matching greedily is what the walk below would do anyway.
    let start = received
        .iter()
        .zip(expected)
        .take_while(|(a, b)| a == b)
        .count();
    let (r, e) = (&received[start..], &expected[start..]);
    let (rn, em) = (n - start, m - start);
    let w = em + 1;
    let mut l = vec![0u32; (rn + 1) * w];
    for i in (0..rn).rev() {
        for j in (0..em).rev() {
            l[i * w + j] = if r[i] == e[j] {
                l[(i + 1) * w + j + 1] + 1
            } else {
                l[(i + 1) * w + j].max(l[i * w + j + 1])
            };
        }
    }
    let (mut unexpected, mut missing) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < rn && j < em {
        if r[i] == e[j] {
            i += 1;
            j += 1;
        } else if l[(i + 1) * w + j] >= l[i * w + j + 1] {
            unexpected.push(start + i);
            i += 1;
        } else {
            missing.push(start + j);
            j += 1;
        }
    }
    unexpected.extend((i..rn).map(|k| start + k));
    missing.extend((j..em).map(|k| start + k));
    (unexpected, missing)
}

/// Aligns `received` against one expected list.
pub fn align(received: &[Event], expected: &[Event]) -> Alignment {
    let (unexp, miss) = lcs_diff(received, expected);
    // Matched pairs, to know which gap (between matched neighbours) each edit sits in.
    let gap_of = |idx: usize, unmatched: &[usize]| -> usize {
        // Matched events before `idx` in its own list = its gap number.
        idx - unmatched.iter().take_while(|&&k| k < idx).count()
    };
    let mut out_of_order = Vec::new();
    let mut used_r = vec![false; unexp.len()];
    let mut paired_m = vec![false; miss.len()];
    for (mi, &m) in miss.iter().enumerate() {
        if let Some(ri) =
            (0..unexp.len()).find(|&ri| !used_r[ri] && received[unexp[ri]] == expected[m])
        {
            used_r[ri] = true;
            paired_m[mi] = true;
            out_of_order.push(Moved {
                expected_index: m,
                received_index: unexp[ri],
                event: EventView::of(&expected[m]),
            });
        }
    }
    let mut different_payload = Vec::new();
    for (mi, &m) in miss.iter().enumerate() {
        if paired_m[mi] {
            continue;
        }
        let gap = gap_of(m, &miss);
        let found = (0..unexp.len()).find(|&ri| {
            !used_r[ri]
                && gap_of(unexp[ri], &unexp) == gap
                && received[unexp[ri]].kind() == expected[m].kind()
        });
        if let Some(ri) = found {
            used_r[ri] = true;
            let (e, r) = (
                EventView::of(&expected[m]),
                EventView::of(&received[unexp[ri]]),
            );
            different_payload.push(PayloadChange {
                expected_index: m,
                received_index: unexp[ri],
                cut: e.cut || r.cut,
                expected: e,
                received: r,
            });
        }
    }
    Alignment {
        edits: miss.len() + unexp.len(),
        missing: miss
            .iter()
            .map(|&k| Placed {
                index: k,
                event: EventView::of(&expected[k]),
            })
            .collect(),
        unexpected: unexp
            .iter()
            .map(|&k| Placed {
                index: k,
                event: EventView::of(&received[k]),
            })
            .collect(),
        different_payload,
        out_of_order,
    }
}

/// The expected list closest to `received` (fewest edits), as its position in `expected`.
///
/// Ties go to the list whose verdict the report gave, then to `OK`, then to the first list.
pub fn closest(
    received: &[Event],
    expected: &[(String, Vec<Event>)],
    reported: Option<&str>,
) -> Option<(usize, Alignment)> {
    let rank = |word: &str| match (Some(word) == reported, word == "OK") {
        (true, _) => 0,
        (false, true) => 1,
        _ => 2,
    };
    expected
        .iter()
        .enumerate()
        .map(|(k, (word, list))| (k, word, align(received, list)))
        .min_by_key(|(k, word, a)| (a.edits, rank(word), *k))
        .map(|(k, _, a)| (k, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn lcs_diff_table() {
        // received, expected, unexpected indices, missing indices
        let rows: &[(&str, &str, &[usize], &[usize])] = &[
            ("", "", &[], &[]),
            ("", "abc", &[], &[0, 1, 2]),
            ("abc", "", &[0, 1, 2], &[]),
            ("abc", "abc", &[], &[]),
            ("ac", "abc", &[], &[1]),
            ("abxc", "abc", &[2], &[]),
            ("axc", "abc", &[1], &[1]),
            ("ba", "ab", &[0], &[1]),
            ("bab", "b", &[1, 2], &[]),
            ("aabb", "ab", &[1, 3], &[]),
            ("xyz", "abc", &[0, 1, 2], &[0, 1, 2]),
            ("abcd", "acbd", &[1], &[2]),
        ];
        for (r, e, unexp, miss) in rows {
            let (u, m) = lcs_diff(&chars(r), &chars(e));
            assert_eq!(
                (&u[..], &m[..]),
                (*unexp, *miss),
                "received {r:?} expected {e:?}"
            );
        }
    }

    fn pong(p: &str) -> Event {
        Event::Pong(p.into())
    }

    fn text(p: &str) -> Event {
        Event::Message {
            payload: p.into(),
            binary: false,
        }
    }

    #[test]
    fn annotations_sit_on_top_of_the_diff() {
        // A payload that differs, between two matched neighbours.
        let a = align(
            &[text("a"), text("X"), text("c")],
            &[text("a"), text("b"), text("c")],
        );
        assert_eq!(a.missing.len(), 1);
        assert_eq!(a.unexpected.len(), 1);
        assert_eq!(a.different_payload.len(), 1);
        assert_eq!(
            a.different_payload[0].expected.payload.as_deref(),
            Some("b")
        );
        assert_eq!(
            a.different_payload[0].received.payload.as_deref(),
            Some("X")
        );
        assert!(!a.different_payload[0].cut);
        // Swapped pongs: one is out of order.
        let a = align(&[pong("1"), pong("0")], &[pong("0"), pong("1")]);
        assert_eq!(a.edits, 2);
        assert_eq!(a.out_of_order.len(), 1);
        assert!(a.different_payload.is_empty());
        // A cut payload is flagged.
        let long = format!("{} ...", "*".repeat(64));
        let a = align(&[text(&long)], &[text(&format!("{} ...", "+".repeat(64)))]);
        assert!(a.different_payload[0].cut);
    }

    #[test]
    fn closest_prefers_fewest_edits_then_the_reported_word() {
        let expected = vec![
            (
                "NON-STRICT".to_string(),
                vec![Event::Timeout("A".into()), Event::Timeout("B".into())],
            ),
            ("OK".to_string(), vec![Event::Timeout("A".into())]),
        ];
        let (k, a) = closest(&[Event::Timeout("A".into())], &expected, Some("OK")).unwrap();
        assert_eq!((k, a.edits), (1, 0));
        let (k, _) = closest(&[], &expected, Some("FAILED")).unwrap();
        assert_eq!(k, 1);
        assert!(closest(&[], &[], None).is_none());
    }
}
