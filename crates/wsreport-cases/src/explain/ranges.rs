//! Words that keep explain's output readable at 80 columns: case ids collapsed into ranges,
//! long payloads cut with their length.

use crate::model::CaseId;

/// Case ids in order with runs of consecutive siblings collapsed: `6.22.1–6.22.34, 7.1.1`.
/// Consecutive means same parent, last part +1.
pub fn collapse<'a>(ids: impl IntoIterator<Item = &'a CaseId>) -> String {
    let mut ids: Vec<&CaseId> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && next(ids[j], ids[j + 1]) {
            j += 1;
        }
        out.push(match j - i {
            0 => ids[i].to_string(),
            1 => format!("{}, {}", ids[i], ids[j]),
            _ => format!("{}–{}", ids[i], ids[j]),
        });
        i = j + 1;
    }
    out.join(", ")
}

fn next(a: &CaseId, b: &CaseId) -> bool {
    let (a, b) = (a.parts(), b.parts());
    a.len() == b.len()
        && a.len() >= 2
        && a[..a.len() - 1] == b[..b.len() - 1]
        && a[a.len() - 1] + 1 == b[b.len() - 1]
}

/// `s` cut to `max` characters, with its length said when cut: `0x8a0c… (1024 chars)`.
pub fn cut(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}… ({n} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<CaseId> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn runs_of_siblings_collapse() {
        let mut list: Vec<String> = (1..=34).map(|i| format!("6.22.{i}")).collect();
        list.push("7.1.1".into());
        list.push("2.10".into());
        list.push("2.11".into());
        let refs: Vec<&str> = list.iter().map(String::as_str).collect();
        assert_eq!(collapse(&ids(&refs)), "2.10, 2.11, 6.22.1–6.22.34, 7.1.1");
        assert_eq!(
            collapse(&ids(&["5.3", "5.5", "5.6", "5.7"])),
            "5.3, 5.5–5.7"
        );
    }

    #[test]
    fn long_text_is_cut_with_its_length() {
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("abcdefgh", 3), "abc… (8 chars)");
    }
}
