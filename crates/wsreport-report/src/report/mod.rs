//! Writing reports in the testsuite's own layout, for cases wsreport ran or converted.
//!
//! - [`html`]: case pages and `index.html` as wstest writes them, readable by existing
//!   tooling and by [`crate::load::html`] (which reads them back to the same model).
//!
//! The JSON side is [`crate::load::json`] (`case_to_value`, `index_to_value`, `to_json`).
//! [`write_dir`] writes both for cases run by wsreport (`replay --out`, the fuzzing server).

pub mod files;
pub mod html;

use std::path::Path;

use crate::load::json::{case_to_value, index_to_value, to_json};
use crate::model::{AgentRun, Case};

/// Writes the testsuite's layout into `dir` (created when missing): for every agent and case
/// `<agent>_case_<id>.json` and `.html`, then `index.json` and `index.html` over all agents.
/// Cases without an id are skipped. Agents whose names fold to one file name get their own
/// ([`files::Stems`]); no link in `dir` is followed ([`files::write_file`]). A case that cannot
/// be written is left out of the index and the others are still written; the first such
/// error is returned once everything else is.
pub fn write_dir(dir: &Path, agents: &[(String, Vec<Case>)]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut runs = Vec::new();
    let mut details = html::IndexDetails::new();
    let mut stems = files::Stems::new();
    let mut first_error = None;
    for (agent, cases) in agents {
        let mut entries = Vec::new();
        for case in cases {
            let Some(id) = &case.id else { continue };
            let stem = stems.case(agent, id);
            let file = format!("{stem}.json");
            let written = files::write_file(&dir.join(&file), to_json(&case_to_value(case)))
                .and_then(|()| {
                    files::write_file(&dir.join(format!("{stem}.html")), html::case_page(case))
                });
            if let Err(e) = written {
                first_error.get_or_insert(e);
                continue;
            }
            details.add(agent, case);
            if let Some(e) = case.entry(Some(file)) {
                entries.push(e);
            }
        }
        runs.push(AgentRun {
            agent: agent.clone(),
            cases: entries,
        });
    }
    files::write_file(&dir.join("index.html"), html::index_page(&runs, &details))?;
    files::write_file(&dir.join("index.json"), to_json(&index_to_value(&runs)))?;
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Verdict, case_file_stem};

    fn case(agent: &str, duration: u64) -> Case {
        Case {
            id: "1.1.1".parse().ok(),
            agent: agent.into(),
            duration_ms: Some(duration),
            behavior: Some(Verdict::Ok),
            behavior_close: Some(Verdict::Ok),
            ..Case::default()
        }
    }

    #[test]
    fn agents_whose_names_fold_together_keep_their_own_files() {
        let dir = tempfile::tempdir().unwrap();
        let long = "y".repeat(400);
        let agents: Vec<(String, Vec<Case>)> = ["a/b", "A B", long.as_str(), ".."]
            .iter()
            .enumerate()
            .map(|(i, a)| (a.to_string(), vec![case(a, i as u64)]))
            .collect();
        // Before: the second agent overwrote the first; the long name failed every write.
        write_dir(dir.path(), &agents).unwrap();
        let loaded = crate::load::load_paths(&[dir.path().to_path_buf()]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let report = &loaded.reports[0];
        for (i, (agent, _)) in agents.iter().enumerate() {
            let run = report.agents.iter().find(|r| &r.agent == agent).unwrap();
            let case = crate::load::load_case(report, agent, &run.cases[0]).unwrap();
            assert_eq!(&case.agent, agent);
            assert_eq!(case.duration_ms, Some(i as u64));
        }
        let id = "1.1.1".parse().unwrap();
        assert!(
            dir.path()
                .join(format!("{}.json", case_file_stem("a/b", &id)))
                .is_file()
        );
    }
}

#[cfg(test)]
mod write_tests {
    use super::*;

    #[test]
    #[cfg(feature = "html")]
    fn written_reports_read_back_from_the_html_alone() {
        let seed = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("fixtures/reports/clients/stratus_2_case_2_11.json");
        let case = crate::load::read_case_file(&seed).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        write_dir(tmp.path(), &[("stratus@2".into(), vec![case.clone()])]).unwrap();
        for f in [
            "index.json",
            "index.html",
            "stratus_2_case_2_11.json",
            "stratus_2_case_2_11.html",
        ] {
            assert!(tmp.path().join(f).is_file(), "{f}");
        }
        // Only the pages: every command must still read them.
        std::fs::remove_file(tmp.path().join("index.json")).unwrap();
        std::fs::remove_file(tmp.path().join("stratus_2_case_2_11.json")).unwrap();
        let loaded = crate::load::load_paths(&[tmp.path().to_path_buf()]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let run = &loaded.reports[0].agents[0];
        assert_eq!(run.agent, "stratus@2");
        assert_eq!(run.cases[0].behavior, crate::model::Verdict::Failed);
        assert_eq!(run.cases[0].behavior_close, crate::model::Verdict::Unclean);
        let back = crate::load::load_case(&loaded.reports[0], &run.agent, &run.cases[0]).unwrap();
        assert_eq!(back.received, case.received);
        assert_eq!(back.closing, case.closing);
    }

    /// Built without the HTML parser, a report of pages only is one clear error naming its
    /// index.html, while the JSON of the same report still loads.
    #[test]
    #[cfg(not(feature = "html"))]
    fn without_the_html_feature_an_index_page_is_one_clear_error() {
        let seed = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("fixtures/reports/clients/stratus_2_case_2_11.json");
        let case = crate::load::read_case_file(&seed).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        write_dir(tmp.path(), &[("stratus@2".into(), vec![case])]).unwrap();
        let both = crate::load::load_paths(&[tmp.path().to_path_buf()]);
        assert!(both.errors.is_empty(), "{:?}", both.errors);
        assert_eq!(both.reports[0].agents[0].cases.len(), 1);
        std::fs::remove_file(tmp.path().join("index.json")).unwrap();
        let pages = crate::load::load_paths(&[tmp.path().to_path_buf()]);
        assert_eq!(pages.errors.len(), 1, "{:?}", pages.errors);
        let line = crate::text::error_chain(&pages.errors[0]);
        assert!(line.contains("index.html"), "{line}");
        assert!(line.contains("`html` feature"), "{line}");
    }
}
