//! Every case file of the corpus (real reports, testsuite 0.7.5 to 25.10.1, both modes) gives
//! a reproduction plan whose frames line up with the report's wire log: the catalog's
//! payloads agree with what each report shows, each frame a case sends has its row, and the
//! chops planned are in the octet statistics. The scripts are written for every case that is
//! not reactive.

use std::collections::BTreeMap;

use wsreport::reproduce::{Note, Reproduction, python};

use crate::common::{corpus_root, report_dirs};

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn corpus_case_files_line_up_with_the_catalog() {
    let root = corpus_root();
    let dirs = report_dirs(&root);
    if dirs.is_empty() {
        eprintln!("no corpus at {}: skipped", root.display());
        return;
    }
    let (mut plans, mut scripts, mut pages, mut masked) = (0, 0, 0, 0);
    let mut notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && p.file_name().is_some_and(|n| n != "index.json")
            })
            .collect();
        files.sort();
        for file in files {
            let case = wsreport::load::read_case_file(&file).unwrap();
            let Ok(plan) = Reproduction::new(case) else {
                // cases of an older testsuite the catalog does not have
                continue;
            };
            plans += 1;
            // the page of the same run gives the same plan: masks (wstest writes them as hex
            // of hex there), chops and syncs
            let page = file.with_extension("html");
            if plan.notes.iter().all(|n| !matches!(n, Note::Reactive))
                && let Ok(page_case) = wsreport::load::read_case_file(&page)
            {
                let from_page = Reproduction::new(page_case).unwrap();
                let key = |p: &Reproduction| -> Vec<(u8, u64, [u8; 4])> {
                    p.masks.iter().map(|m| (m.opcode, m.len, m.mask)).collect()
                };
                assert_eq!(key(&from_page), key(&plan), "{}", page.display());
                assert_eq!(from_page.def.steps, plan.def.steps, "{}", page.display());
                pages += 1;
                masked += usize::from(!plan.masks.is_empty());
            }
            if python::script(&plan).is_ok() {
                scripts += 1;
            }
            for n in &plan.notes {
                let kind = match n {
                    Note::PayloadDiffers { .. } => "payload differs",
                    Note::NotSentInReport { .. } => "not sent",
                    Note::OctetStats { .. } => "octet stats",
                    Note::Delay { .. } => "delay",
                    _ => continue,
                };
                notes
                    .entry(kind.to_string())
                    .or_default()
                    .push(format!("{}: {n}", file.display()));
            }
        }
    }
    eprintln!("{plans} plans, {pages} pages agree ({masked} with masks), {scripts} scripts");
    for (k, v) in &notes {
        eprintln!("{k}: {}", v.len());
        for n in v.iter().take(12) {
            eprintln!("  {n}");
        }
    }
    assert!(plans > 2000, "{plans}");
    assert!(scripts > 1000, "{scripts}");
    // the servers-mode reports' frames are masked: three of the five directories
    assert!(masked > 600, "{masked}");
    // only the older case set of testsuite 0.7.5 sends other close codes in 7.9.x
    for n in notes.get("payload differs").into_iter().flatten() {
        assert!(
            n.contains("autobahn-reports-servers-2017") && n.contains("_case_7_9_"),
            "{n}"
        );
    }
}
