//! Writing reports in the testsuite's own layout, for cases wsreport ran or converted.
//!
//! - [`html`]: case pages and `index.html` as wstest writes them, readable by existing
//!   tooling and by [`crate::load::html`] (which reads them back to the same model).
//!
//! The JSON side is [`crate::load::json`] (`case_to_value`, `index_to_value`, `to_json`).
//! [`write_dir`] writes both for cases run by wsreport (`replay --out`, the fuzzing server).

pub mod html;

use std::path::Path;

use crate::load::json::{case_to_value, index_to_value, to_json};
use crate::model::{AgentRun, Case, case_file_stem};

/// Writes the testsuite's layout into `dir` (created when missing): for every agent and case
/// `<agent>_case_<id>.json` and `.html`, then `index.json` and `index.html` over all agents.
/// Cases without an id are skipped.
pub fn write_dir(dir: &Path, agents: &[(String, Vec<Case>)]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut runs = Vec::new();
    let mut details = html::IndexDetails::new();
    for (agent, cases) in agents {
        let mut entries = Vec::new();
        for case in cases {
            let Some(id) = &case.id else { continue };
            let stem = case_file_stem(agent, id);
            let file = format!("{stem}.json");
            std::fs::write(dir.join(&file), to_json(&case_to_value(case)))?;
            std::fs::write(dir.join(format!("{stem}.html")), html::case_page(case))?;
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
    std::fs::write(dir.join("index.html"), html::index_page(&runs, &details))?;
    std::fs::write(dir.join("index.json"), to_json(&index_to_value(&runs)))
}

#[cfg(test)]
mod write_tests {
    use super::*;

    #[test]
    fn written_reports_read_back_from_the_html_alone() {
        let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
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
}
