//! Acceptance over the real reports in `../shared/corpus`: every case read from its HTML page
//! alone equals its JSON file on every field the page carries, and every `index.html` gives
//! the entries of `index.json`.

use crate::common;

use common::{compare_page, corpus_root, report_dirs};
use wsreport::load::{self, html};
use wsreport::model::{Verdict, case_file_stem};

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn html_pages_equal_json_on_every_field_they_carry() {
    let root = corpus_root();
    let dirs = report_dirs(&root);
    assert!(
        !dirs.is_empty(),
        "no report directories under {}",
        root.display()
    );
    let (mut compared, mut differ, mut errors, mut cut_reprs) = (0, 0, 0, 0);
    let mut shown = 0;
    for dir in &dirs {
        // The index from HTML alone must give index.json's entries.
        let from_json = load::load_paths(&[dir.join("index.json")]);
        let from_html = load::load_paths(&[dir.join("index.html")]);
        errors += from_html.errors.len();
        for e in &from_html.errors {
            eprintln!("load error: {e}");
        }
        let jr = &from_json.reports[0];
        let hr = &from_html.reports[0];
        assert_eq!(
            jr.agents.iter().map(|a| &a.agent).collect::<Vec<_>>(),
            hr.agents.iter().map(|a| &a.agent).collect::<Vec<_>>(),
            "{}: agents",
            dir.display()
        );
        for (ja, ha) in jr.agents.iter().zip(&hr.agents) {
            assert_eq!(
                ja.cases.len(),
                ha.cases.len(),
                "{}: case count",
                dir.display()
            );
            for (je, he) in ja.cases.iter().zip(&ha.cases) {
                let mut he = he.clone();
                he.reportfile = he.reportfile.map(|f| f.replace(".html", ".json"));
                if *je != he {
                    differ += 1;
                    if shown < 20 {
                        shown += 1;
                        eprintln!(
                            "{}: index entry differs:\n  json {je:?}\n  html {he:?}",
                            dir.display()
                        );
                    }
                }
            }
        }
        for run in &jr.agents {
            for entry in &run.cases {
                let stem = case_file_stem(&run.agent, &entry.id);
                let json_case = load::read_case_file(&dir.join(format!("{stem}.json")))
                    .expect("corpus JSON reads");
                let page_path = dir.join(format!("{stem}.html"));
                let bytes = std::fs::read(&page_path).expect("page");
                let page = match html::parse_case_page(&bytes) {
                    Ok(p) => p,
                    Err(e) => {
                        errors += 1;
                        eprintln!("load error: {}: {e}", page_path.display());
                        continue;
                    }
                };
                let mut html_case = page.case;
                if page.notes.behavior_uncertain && entry.behavior == Verdict::Unimplemented {
                    html_case.behavior = Some(Verdict::Unimplemented);
                }
                compared += 1;
                let page = html::Page {
                    case: html_case,
                    notes: page.notes,
                };
                let result = compare_page(&json_case, &page);
                cut_reprs += result.cut_reprs;
                for d in result.diffs {
                    differ += 1;
                    if shown < 20 {
                        shown += 1;
                        eprintln!(
                            "{} {}:\n  json …{}\n  html …{}",
                            page_path.display(),
                            d.key,
                            d.want,
                            d.got
                        );
                    }
                }
            }
        }
    }
    println!(
        "html-vs-json: {compared} cases compared, {differ} fields differ ({cut_reprs} cut reprs not compared), {errors} load errors"
    );
    assert_eq!(errors, 0, "load errors");
    assert_eq!(differ, 0, "fields differ");
}
