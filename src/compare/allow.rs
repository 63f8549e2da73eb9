//! Allow-lists: cases a project knowingly fails, each with the reason why.
//!
//! A JSON file (no new dependency; documented in `docs/compare.md`):
//!
//! ```json
//! {
//!   "allow": [
//!     { "case": "6.4.*", "reason": "we validate UTF-8 per message, not per frame" },
//!     { "case": "7.5.1", "agent": "client/*", "reason": "tracked in #12" }
//!   ]
//! }
//! ```
//!
//! `case` is a case id or a glob in the testsuite's own `exclude-cases` style: `*` matches any
//! run of characters (dots included, so `6.*` covers `6.4.1`), `?` one character. `agent`
//! (optional, same glob syntax) limits the entry to some agents. `reason` is required and may
//! not be blank: an allow-list entry nobody can explain is an input error.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::glob::glob_matches;
use crate::model::CaseId;

/// One allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AllowEntry {
    /// Case id or glob.
    pub case: String,
    /// Agent glob, or every agent.
    pub agent: Option<String>,
    /// Why the case is allowed to fail.
    pub reason: String,
}

/// The allow-list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllowList {
    /// Entries in file order; the first that matches gives the reason.
    pub entries: Vec<AllowEntry>,
}

/// Why an allow-list could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AllowError {
    /// The file could not be read.
    #[error("{}: cannot read allow-list", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The JSON is broken.
    #[error("{}: allow-list is not JSON", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: crate::load::json::JsonError,
    },
    /// An entry lacks its reason.
    #[error("{}: allow entry {index} (case {case:?}) has no reason; every allowed case needs one", path.display())]
    MissingReason {
        /// The file.
        path: PathBuf,
        /// 0-based position in `allow`.
        index: usize,
        /// The entry's case pattern.
        case: String,
    },
    /// Anything else wrong with the shape.
    #[error("{}: allow-list {at}: {problem}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// Where.
        at: String,
        /// What.
        problem: String,
    },
}

impl AllowList {
    /// The reason a case of an agent is allowed to fail, if an entry covers it.
    pub fn reason(&self, agent: &str, case: &CaseId) -> Option<&str> {
        let id = case.to_string();
        self.entries
            .iter()
            .find(|e| {
                glob_matches(&e.case, &id)
                    && e.agent.as_deref().is_none_or(|a| glob_matches(a, agent))
            })
            .map(|e| e.reason.as_str())
    }

    /// Reads an allow-list file.
    pub fn read(path: &Path) -> Result<AllowList, AllowError> {
        let bytes = std::fs::read(path).map_err(|source| AllowError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let value = crate::load::json::parse_bytes(&bytes).map_err(|source| AllowError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_value(&value, path)
    }

    fn from_value(value: &Value, path: &Path) -> Result<AllowList, AllowError> {
        let field = |at: String, problem: &str| AllowError::Field {
            path: path.to_path_buf(),
            at,
            problem: problem.to_string(),
        };
        let items = value
            .get("allow")
            .and_then(Value::as_array)
            .ok_or_else(|| field("allow".into(), "missing or not a list"))?;
        let mut entries = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = format!("allow entry {index}");
            let obj = item
                .as_object()
                .ok_or_else(|| field(at.clone(), "expected an object"))?;
            let case = obj
                .get("case")
                .and_then(Value::as_str)
                .ok_or_else(|| field(at.clone(), "`case` is missing or not a string"))?;
            let valid = !case.is_empty()
                && case
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '*' | '?'));
            if !valid {
                return Err(field(
                    at,
                    &format!("`case` {case:?} is not a case id or glob such as 6.4.*"),
                ));
            }
            let agent = match obj.get("agent") {
                None | Some(Value::Null) => None,
                Some(Value::String(a)) => Some(a.clone()),
                Some(_) => return Err(field(at, "`agent` is not a string")),
            };
            let reason = match obj.get("reason") {
                Some(Value::String(r)) if !r.trim().is_empty() => r.clone(),
                None | Some(Value::Null) | Some(Value::String(_)) => {
                    return Err(AllowError::MissingReason {
                        path: path.to_path_buf(),
                        index,
                        case: case.to_string(),
                    });
                }
                Some(_) => return Err(field(at, "`reason` is not a string")),
            };
            entries.push(AllowEntry {
                case: case.to_string(),
                agent,
                reason,
            });
        }
        Ok(AllowList { entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_need_a_reason() {
        let p = Path::new("allow.json");
        let ok = serde_json::json!({"allow": [
            {"case": "6.4.*", "reason": "per-message UTF-8"},
            {"case": "7.*", "agent": "b*", "reason": "b only"}
        ]});
        let list = AllowList::from_value(&ok, p).unwrap();
        let id = |s: &str| s.parse::<CaseId>().unwrap();
        assert_eq!(list.reason("a", &id("6.4.2")), Some("per-message UTF-8"));
        assert_eq!(list.reason("a", &id("7.1.1")), None);
        assert_eq!(list.reason("bee", &id("7.1.1")), Some("b only"));
        for bad in [
            serde_json::json!({"allow": [{"case": "6.4.*"}]}),
            serde_json::json!({"allow": [{"case": "6.4.*", "reason": "  "}]}),
        ] {
            let e = AllowList::from_value(&bad, p).unwrap_err();
            assert!(
                matches!(e, AllowError::MissingReason { index: 0, .. }),
                "{e}"
            );
        }
        let e = AllowList::from_value(
            &serde_json::json!({"allow": [{"case": "a.b", "reason": "x"}]}),
            p,
        )
        .unwrap_err();
        assert!(e.to_string().contains("not a case id"), "{e}");
    }
}
