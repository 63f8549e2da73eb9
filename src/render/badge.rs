//! `--format badge`: a shields.io endpoint document (<https://shields.io/badges/endpoint-badge>)
//! to publish beside the report and point a README badge at:
//! `{"schemaVersion":1,"label":"autobahn","message":"517/517 OK","color":"brightgreen"}`.
//!
//! The message counts the cases that do not fail the gate out of every case judged; the colour
//! says what the gate said: green passed with nothing excused, yellow passed with known,
//! allowed or flaky failures, red failed.

use serde::Serialize;

use crate::compare::check::{CheckReport, Status};
use crate::compare::diff::Comparison;

/// The endpoint document's fields.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    /// Always 1.
    pub schema_version: u8,
    /// Left-hand text.
    pub label: String,
    /// Right-hand text.
    pub message: String,
    /// A shields.io colour name.
    pub color: &'static str,
}

fn json(b: &Badge) -> String {
    serde_json::to_string(b).expect("a badge serializes") + "\n"
}

/// `check` (and `run`): `510/517 OK`, coloured by the gate.
pub fn check(r: &CheckReport) -> String {
    let judged = r.cases.iter().filter(|c| c.status != Status::Skip).count();
    let ok = r
        .cases
        .iter()
        .filter(|c| c.status != Status::Skip && c.allowed.is_none())
        .filter(|c| {
            matches!(c.status, Status::Pass | Status::Improvement)
                || (c.status == Status::Changed && !c.gating)
        })
        .count();
    let excused = r.cases.iter().any(|c| c.allowed.is_some() || c.flaky)
        || r.counts.contains_key(Status::KnownFailure.as_str());
    let color = if !r.passed {
        "red"
    } else if excused || ok < judged {
        "yellow"
    } else {
        "brightgreen"
    };
    let mut message = format!("{ok}/{judged} OK");
    let skipped = r.cases.len() - judged;
    if skipped > 0 {
        message.push_str(&format!(", {skipped} skipped"));
    }
    let flaky = r.cases.iter().filter(|c| c.flaky).count();
    if flaky > 0 {
        message.push_str(&format!(", {flaky} flaky"));
    }
    json(&Badge {
        schema_version: 1,
        label: "autobahn".into(),
        message,
        color,
    })
}

/// `compare`: `no regressions` or `3 regressions`.
pub fn compare(c: &Comparison) -> String {
    let n = c.counts.regression;
    json(&Badge {
        schema_version: 1,
        label: "autobahn".into(),
        message: match n {
            0 => "no regressions".into(),
            1 => "1 regression".into(),
            n => format!("{n} regressions"),
        },
        color: if n == 0 { "brightgreen" } else { "red" },
    })
}
