//! Acceptance over `../shared/spec/cases.tsv` (run by `.ci/run`): for every category the
//! catalog has, its ids are the testsuite's (same set, same order), and each case's
//! description, expectation, `expected`, `expectedClose`, `reportTime` and
//! `reportCompressionRatio` equal what reports carry. Payloads are compared in the form reports show them (cut at 64 octets, `0x…` when
//! not UTF-8), so [`shown_event`] is the one place that turns an [`Expect`] into that form.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wsreport::catalog::{self, CaseDef, Expect};
use wsreport::model::{ExpectedClose, shown_payload};

fn cases_tsv() -> PathBuf {
    std::env::var_os("WSREPORT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
        .join("spec/cases.tsv")
}

/// An event as a report's `expected` shows it.
fn shown_event(e: &Expect, show: fn(&[u8]) -> String) -> Value {
    match e {
        Expect::Message(p, binary) => json!(["message", show(p), binary]),
        Expect::Ping(p) => json!(["ping", show(p)]),
        Expect::Pong(p) => json!(["pong", show(p)]),
        Expect::Timeout(tag) => json!(["timeout", tag]),
    }
}

/// How kosoku (which wrote cases.tsv) shows a payload that is not UTF-8: each octet as the
/// Latin-1 character (`þþþ…`), where wstest's reports show `0x` and hex. Cut as reports cut.
fn kosoku_shown(p: &[u8]) -> String {
    if std::str::from_utf8(p).is_ok() {
        return shown_payload(p);
    }
    let cut = p.len() > 60;
    let mut s: String = p[..if cut { 64.min(p.len()) } else { p.len() }]
        .iter()
        .map(|&b| char::from(b))
        .collect();
    if cut {
        s.push_str(" ...");
    }
    s
}

/// A case's `expected` as a report shows it (an object, so the verdict order is lost).
fn shown_expected(def: &CaseDef) -> Value {
    shown_expected_with(def, shown_payload)
}

fn shown_expected_with(def: &CaseDef, show: fn(&[u8]) -> String) -> Value {
    let map: serde_json::Map<String, Value> = def
        .expected
        .iter()
        .map(|(word, events)| {
            (
                word.clone(),
                Value::Array(events.iter().map(|e| shown_event(e, show)).collect()),
            )
        })
        .collect();
    Value::Object(map)
}

/// `expectedClose` as a report shows it.
fn shown_close(c: &ExpectedClose) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("closeCode".into(), json!(c.close_code));
    if let Some(b) = c.closed_by_me {
        m.insert("closedByMe".into(), json!(b));
    }
    if let Some(b) = c.require_clean {
        m.insert("requireClean".into(), json!(b));
    }
    if let Some(b) = c.closed_by_wrong_endpoint_is_fatal {
        m.insert("closedByWrongEndpointIsFatal".into(), json!(b));
    }
    Value::Object(m)
}

/// Splits tab-separated text whose fields may be quoted (`"…"`, `""` inside), with newlines
/// allowed in quoted fields (5.19's description has some).
fn parse_tsv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, '\t') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

struct Row {
    id: String,
    category: String,
    description: String,
    expectation: String,
    expected: Value,
    expected_close: Value,
    report_time: bool,
    report_compression_ratio: bool,
}

fn load_rows() -> Vec<Row> {
    let path = cases_tsv();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut rows = parse_tsv(&text).into_iter();
    let header = rows.next().expect("a header row");
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (id, cat, desc, expn, exp, close, time, ratio) = (
        col("id"),
        col("category"),
        col("description"),
        col("expectation"),
        col("expected"),
        col("expectedClose"),
        col("reportTime"),
        col("reportCompressionRatio"),
    );
    rows.map(|r| Row {
        id: r[id].clone(),
        category: r[cat].clone(),
        description: r[desc].clone(),
        expectation: r[expn].clone(),
        expected: serde_json::from_str(&r[exp]).expect("expected is JSON"),
        expected_close: serde_json::from_str(&r[close]).expect("expectedClose is JSON"),
        report_time: r[time] == "True",
        report_compression_ratio: r[ratio] == "True",
    })
    .collect()
}

/// Category 6 texts that cases.tsv cannot be trusted on: it was written by kosoku, whose
/// Python 3 case files show payload hex as `b'…'` in descriptions and re-encode valid UTF-8
/// vectors as Latin-1 in expected payloads. Real wstest reports (Python 2) show neither;
/// `catalog::utf8`'s reference check compares category 6 with the 25.10.1 reports instead.
fn kosoku_artefact(def: &CaseDef) -> bool {
    def.id.category() == 6
}

/// The differences between one case and its row, in words.
fn differences(def: &CaseDef, row: &Row) -> Vec<String> {
    let mut out = Vec::new();
    if def.description != row.description && !kosoku_artefact(def) {
        out.push(format!(
            "description {:?} vs {:?}",
            def.description, row.description
        ));
    }
    if def.expectation != row.expectation {
        out.push(format!(
            "expectation {:?} vs {:?}",
            def.expectation, row.expectation
        ));
    }
    let words: BTreeSet<&String> = def.expected.iter().map(|(w, _)| w).collect();
    if words.len() != def.expected.len() {
        out.push("a verdict word twice in expected".to_string());
    }
    let expected = shown_expected(def);
    // Binary payloads: cases.tsv shows kosoku's Latin-1 rendering, reports show hex.
    if expected != row.expected
        && shown_expected_with(def, kosoku_shown) != row.expected
        && !kosoku_artefact(def)
    {
        out.push(format!("expected {expected} vs {}", row.expected));
    }
    let close = shown_close(&def.expected_close);
    if close != row.expected_close {
        out.push(format!("expectedClose {close} vs {}", row.expected_close));
    }
    if def.report_time != row.report_time {
        out.push(format!(
            "reportTime {} vs {}",
            def.report_time, row.report_time
        ));
    }
    if def.report_compression_ratio() != row.report_compression_ratio {
        out.push(format!(
            "reportCompressionRatio {} vs {}",
            def.report_compression_ratio(),
            row.report_compression_ratio
        ));
    }
    out
}

#[test]
#[ignore = "reads ../shared; run by .ci/run"]
fn catalog_matches_cases_tsv() {
    let rows = load_rows();
    let ids = catalog::all_ids();
    let mut problems = Vec::new();

    // ids: per category the catalog has, the testsuite's ids in its order
    let mut ours: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for id in &ids {
        ours.entry(id.category().to_string())
            .or_default()
            .push(id.to_string());
    }
    for (cat, got) in &ours {
        let want: Vec<String> = rows
            .iter()
            .filter(|r| &r.category == cat)
            .map(|r| r.id.clone())
            .collect();
        if got != &want {
            problems.push(format!("category {cat}: ids {got:?} vs {want:?}"));
        }
    }

    let mut compared = 0;
    for id in &ids {
        let def = catalog::build(id).unwrap_or_else(|| panic!("{id} listed but not built"));
        let Some(row) = rows.iter().find(|r| r.id == id.to_string()) else {
            problems.push(format!("{id}: not in cases.tsv"));
            continue;
        };
        compared += 1;
        problems.extend(
            differences(&def, row)
                .into_iter()
                .map(|d| format!("{id}: {d}")),
        );
    }
    println!(
        "cases.tsv: {} categories, {compared} cases compared, {} differ",
        ours.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn tsv_quoting_keeps_tabs_quotes_and_newlines() {
    let rows = parse_tsv("a\t\"b\"\"c\"\t\"x\ny\"\n1\t2\t3\n");
    assert_eq!(rows, [vec!["a", "b\"c", "x\ny"], vec!["1", "2", "3"]]);
}

#[test]
fn events_are_shown_as_reports_show_them() {
    assert_eq!(kosoku_shown(&[0xfe; 70]), format!("{} ...", "þ".repeat(64)));
    assert_eq!(kosoku_shown(b"payload-0"), "payload-0");
    assert_eq!(
        shown_event(&Expect::Message(vec![b'*'; 65536], false), shown_payload),
        json!(["message", format!("{} ...", "*".repeat(64)), false])
    );
    assert_eq!(
        shown_event(&Expect::Pong(vec![0xff, 0x00]), shown_payload),
        json!(["pong", "0xff00"])
    );
    assert_eq!(
        shown_event(&Expect::Timeout("A".into()), shown_payload),
        json!(["timeout", "A"])
    );
}
