//! `--format json`: the value, serialized as one pretty JSON document.

use serde::Serialize;

/// Serializes any report value as the document a command prints.
pub fn render<T: Serialize>(value: &T) -> String {
    let v = serde_json::to_value(value).expect("report values always serialize");
    let mut s = crate::load::json::to_json(&v);
    s.push('\n');
    s
}
