//! Platform limits: GitHub cuts a step summary at 1 MiB and refuses a PR comment over 65,536
//! characters, and shows at most 10 error annotations per step. [`markdown`] shortens a
//! Markdown rendering to a byte budget by dropping table rows (never cutting a row or a line in
//! half) and saying how many it left out; [`ANNOTATIONS`] is the cap the GitHub renderer keeps.

/// Error annotations GitHub shows per step; the GitHub renderer emits at most this many.
pub const ANNOTATIONS: usize = 10;

/// The default `--max-bytes`: a PR comment's limit (65,536 characters; a character is at least
/// one byte), which also fits a step summary (1 MiB).
pub const PR_COMMENT_BYTES: usize = 65_536;

/// `text` when it fits in `max` bytes; otherwise the same document with the last rows of its
/// tables left out, each shortened table followed by a line `_… N more rows not shown …_`.
/// Headings, warnings and counts (every line outside a table's body) are kept. When even those
/// do not fit, whole lines are dropped from the end and a last line says so.
pub fn markdown(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // which lines are table body rows: after a `|---|` separator, until a non-`|` line
    let mut body = vec![false; lines.len()];
    let mut in_table = false;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if !t.starts_with('|') {
            in_table = false;
        } else if in_table {
            body[i] = true;
        } else if t.starts_with("|---") || t.starts_with("| ---") {
            in_table = true;
        }
    }
    let note = |n: usize| {
        format!(
            "\n_… {n} more row(s) not shown: the output is capped at {max} bytes (--max-bytes); `--format json` has every case._\n"
        )
    };
    let fixed: usize = lines
        .iter()
        .zip(&body)
        .filter(|(_, b)| !**b)
        .map(|(l, _)| l.len())
        .sum();
    // room for the rows, keeping space for one note per table
    let tables = body
        .iter()
        .zip(body.iter().skip(1).chain([&false]))
        .filter(|(a, b)| **a && !**b)
        .count();
    let mut room = max
        .saturating_sub(fixed)
        .saturating_sub(tables * note(usize::MAX).len());
    let mut out = String::with_capacity(max);
    let mut dropped = 0usize;
    for (i, l) in lines.iter().enumerate() {
        if body[i] {
            if dropped == 0 && l.len() <= room {
                room -= l.len();
                out.push_str(l);
            } else {
                dropped += 1;
            }
            if body.get(i + 1) != Some(&true) && dropped > 0 {
                out.push_str(&note(dropped));
                dropped = 0;
            }
        } else {
            out.push_str(l);
        }
    }
    if out.len() <= max {
        return out;
    }
    // the fixed lines alone are too long: keep whole lines from the top
    let tail = "\n_… cut: the output is capped at --max-bytes; `--format json` has everything._\n";
    let mut cut = String::new();
    for l in out.split_inclusive('\n') {
        if cut.len() + l.len() + tail.len() > max {
            break;
        }
        cut.push_str(l);
    }
    cut.push_str(tail);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize) -> String {
        let mut s = String::from("### heading\n\n| a | b |\n|---|---|\n");
        for i in 0..rows {
            s.push_str(&format!("| row {i} | {} |\n", "x".repeat(40)));
        }
        s.push_str("\npass 1, fail 2\n");
        s
    }

    #[test]
    fn short_text_is_untouched() {
        let t = table(3);
        assert_eq!(markdown(&t, 10_000), t);
    }

    #[test]
    fn long_tables_lose_whole_rows_and_say_how_many() {
        let t = table(1000);
        let m = markdown(&t, 4096);
        assert!(m.len() <= 4096, "{}", m.len());
        assert!(m.starts_with("### heading\n\n| a | b |\n|---|---|\n| row 0 |"));
        assert!(m.ends_with("\npass 1, fail 2\n"), "the counts stay");
        let shown = m.lines().filter(|l| l.starts_with("| row ")).count();
        assert!(shown > 10);
        assert!(
            m.contains(&format!("_… {} more row(s) not shown", 1000 - shown)),
            "{m}"
        );
        // every kept line is a whole line of the original
        for l in m.lines().filter(|l| l.starts_with('|')) {
            assert!(t.lines().any(|o| o == l), "{l}");
        }
    }

    #[test]
    fn without_room_for_the_fixed_lines_whole_lines_are_dropped() {
        let t = "line one\n".repeat(100);
        let m = markdown(&t, 200);
        assert!(m.len() <= 200);
        assert!(m.starts_with("line one\n"));
        assert!(m.ends_with("`--format json` has everything._\n"));
    }
}
