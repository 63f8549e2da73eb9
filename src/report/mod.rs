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
