//! Whole-id globs: the one matcher for allow-lists (`case`, `agent`) and the spec's
//! `exclude-agent-cases`. (Case *selection* follows the testsuite's own prefix rule instead:
//! `spec::case_pattern_matches`.)

/// `*` any run of characters, `?` one character, everything else itself.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_ids() {
        let rows = [
            ("6.4.*", "6.4.1", true),
            ("6.4.*", "6.4", false),
            ("6.*", "6.4.1", true),
            ("6.4.?", "6.4.3", true),
            ("6.4.?", "6.4.10", false),
            ("7.5.1", "7.5.1", true),
            ("7.5.1", "7.5.10", false),
            ("*", "1.1.1", true),
            ("client/*", "client/sync", true),
        ];
        for (p, t, want) in rows {
            assert_eq!(glob_matches(p, t), want, "{p} vs {t}");
        }
    }
}
