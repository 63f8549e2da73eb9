//! The testsuite's spec files and case selection.
//!
//! Projects drive wstest with a JSON spec: `fuzzingclient.json` (`servers`: a list of
//! `{agent, url, options}`) or `fuzzingserver.json` (`url`), both with `outdir`, `cases`,
//! `exclude-cases` and `exclude-agent-cases` (agent glob → case globs). wsreport reads the same
//! files so a project switches with no change. Case globs work as in the testsuite: `*` is any
//! run of characters (dots included: `6.*` covers `6.4.1`), `?` one character.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::glob::glob_matches;
use crate::model::CaseId;

/// One server of a `fuzzingclient.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSpec {
    /// `agent` (the testsuite's default: `UnknownServer`).
    pub agent: String,
    /// `url`, e.g. `ws://127.0.0.1:9001`.
    pub url: String,
    /// `options`, kept as written.
    pub options: Value,
}

/// A spec file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spec {
    /// `url` (fuzzingserver: where to listen).
    pub url: Option<String>,
    /// `outdir`
    pub outdir: Option<PathBuf>,
    /// `servers` (fuzzingclient).
    pub servers: Vec<ServerSpec>,
    /// `cases` (default `["*"]`).
    pub cases: Vec<String>,
    /// `exclude-cases`
    pub exclude_cases: Vec<String>,
    /// `exclude-agent-cases`: agent glob → case globs.
    pub exclude_agent_cases: Vec<(String, Vec<String>)>,
}

/// Why a spec file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("{}: cannot read", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not JSON.
    #[error("{}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The problem.
        source: crate::load::json::JsonError,
    },
    /// A field of the wrong shape.
    #[error("{}: {field}: {problem}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// The field.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

fn strings(v: Option<&Value>, field: &str, path: &Path) -> Result<Vec<String>, SpecError> {
    let bad = || SpecError::Field {
        path: path.to_path_buf(),
        field: field.to_string(),
        problem: "expected a list of strings".into(),
    };
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

impl Spec {
    /// Reads a spec file.
    pub fn read(path: &Path) -> Result<Spec, SpecError> {
        let bytes = std::fs::read(path).map_err(|source| SpecError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let v = crate::load::json::parse_bytes(&bytes).map_err(|source| SpecError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        Spec::from_value(&v, path)
    }

    /// Reads a spec from its JSON; `path` names it in errors.
    pub fn from_value(v: &Value, path: &Path) -> Result<Spec, SpecError> {
        let field = |field: &str, problem: &str| SpecError::Field {
            path: path.to_path_buf(),
            field: field.to_string(),
            problem: problem.to_string(),
        };
        let Some(m) = v.as_object() else {
            return Err(field("top level", "expected an object"));
        };
        let text = |k: &str| -> Result<Option<String>, SpecError> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(field(k, "expected a string")),
            }
        };
        let mut servers = Vec::new();
        match m.get("servers") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (i, s) in list.iter().enumerate() {
                    let at = format!("servers[{i}]");
                    let url = s
                        .get("url")
                        .and_then(Value::as_str)
                        .ok_or_else(|| field(&at, "needs a url"))?;
                    let agent = match s.get("agent") {
                        None | Some(Value::Null) => "UnknownServer",
                        Some(Value::String(a)) => a,
                        Some(_) => return Err(field(&at, "agent must be a string")),
                    };
                    servers.push(ServerSpec {
                        agent: agent.to_string(),
                        url: url.to_string(),
                        options: s.get("options").cloned().unwrap_or(Value::Null),
                    });
                }
            }
            Some(_) => return Err(field("servers", "expected a list")),
        }
        let mut exclude_agent_cases = Vec::new();
        match m.get("exclude-agent-cases") {
            None | Some(Value::Null) => {}
            Some(Value::Object(o)) => {
                for (agent, cases) in o {
                    let cases =
                        strings(Some(cases), &format!("exclude-agent-cases {agent:?}"), path)?;
                    exclude_agent_cases.push((agent.clone(), cases));
                }
            }
            Some(_) => return Err(field("exclude-agent-cases", "expected an object")),
        }
        let mut cases = strings(m.get("cases"), "cases", path)?;
        if m.get("cases").is_none() {
            cases.push("*".into());
        }
        Ok(Spec {
            url: text("url")?,
            outdir: text("outdir")?.map(PathBuf::from),
            servers,
            cases,
            exclude_cases: strings(m.get("exclude-cases"), "exclude-cases", path)?,
            exclude_agent_cases,
        })
    }

    /// The selection this spec makes for every agent.
    pub fn selection(&self) -> Selection {
        Selection {
            include: self.cases.clone(),
            exclude: self.exclude_cases.clone(),
        }
    }
}

/// Whether `exclude-agent-cases` (agent glob → case globs) refuses case `id` to `agent`. Unlike
/// `cases`, both sides match whole: the testsuite anchors these patterns (`^…$`).
pub fn agent_excludes(
    exclude_agent_cases: &[(String, Vec<String>)],
    agent: &str,
    id: &str,
) -> bool {
    exclude_agent_cases
        .iter()
        .filter(|(a, _)| glob_matches(a, agent))
        .any(|(_, globs)| globs.iter().any(|g| glob_matches(g, id)))
}

/// Whether a `cases`/`exclude-cases` pattern selects case `id`, by the testsuite's rule: a
/// pattern without `*` names one case exactly; with `*` (any run of characters) it only has to
/// match the start of the id, so `13.*.1` also selects 13.1.10–13.1.18 and `2.1` is not a
/// prefix pattern. wstest and kosoku select this way; a spec moved over selects the same cases.
pub fn case_pattern_matches(pattern: &str, id: &str) -> bool {
    if pattern.contains('*') {
        glob_matches(&format!("{pattern}*"), id)
    } else {
        pattern == id
    }
}

/// Which cases to run: those matching an include pattern and no exclude pattern
/// ([`case_pattern_matches`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// Include globs; empty means every case.
    pub include: Vec<String>,
    /// Exclude globs.
    pub exclude: Vec<String>,
}

impl Selection {
    /// Whether a case is selected.
    pub fn selects(&self, id: &CaseId) -> bool {
        let text = id.to_string();
        let matches = |g: &String| case_pattern_matches(g, &text);
        (self.include.is_empty() || self.include.iter().any(matches))
            && !self.exclude.iter().any(matches)
    }

    /// The selected cases of `all`, in the order of `all` (the testsuite's order, which gives
    /// the `case` numbers).
    pub fn select(&self, all: &[CaseId]) -> Vec<CaseId> {
        all.iter().filter(|id| self.selects(id)).cloned().collect()
    }

    /// Include globs that select nothing in `all` (worth a warning: a typo, or a case the
    /// catalog does not have yet).
    pub fn unmatched(&self, all: &[CaseId]) -> Vec<String> {
        self.include
            .iter()
            .filter(|g| {
                !all.iter()
                    .any(|id| case_pattern_matches(g, &id.to_string()))
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<CaseId> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn reads_a_fuzzingclient_spec() {
        let v: Value = serde_json::from_str(
            r#"{"outdir": "./reports/servers",
                "servers": [{"agent": "AutobahnServer", "url": "ws://127.0.0.1:9001"},
                            {"url": "ws://127.0.0.1:9002", "options": {"version": 18}}],
                "cases": ["*"], "exclude-cases": ["9.*", "12.*", "13.*"],
                "exclude-agent-cases": {"Auto*": ["7.1.*"]}}"#,
        )
        .unwrap();
        let s = Spec::from_value(&v, Path::new("fuzzingclient.json")).unwrap();
        assert_eq!(s.servers[0].agent, "AutobahnServer");
        assert_eq!(s.servers[1].agent, "UnknownServer");
        assert_eq!(s.outdir.as_deref(), Some(Path::new("./reports/servers")));
        let pairs = &s.exclude_agent_cases;
        assert!(agent_excludes(pairs, "AutobahnServer", "7.1.2"));
        assert!(!agent_excludes(pairs, "UnknownServer", "7.1.2"));
        assert!(!agent_excludes(pairs, "AutobahnServer", "7.10.1"));
        let all = ids(&["1.1.1", "6.4.1", "9.1.1", "10.1.1", "12.1.1", "13.7.18"]);
        let picked: Vec<String> = s
            .selection()
            .select(&all)
            .iter()
            .map(|i| i.to_string())
            .collect();
        assert_eq!(picked, ["1.1.1", "6.4.1", "10.1.1"]);
    }

    #[test]
    fn bad_specs_name_the_field() {
        let cases = [
            (
                r#"{"cases": "*"}"#,
                "spec.json: cases: expected a list of strings",
            ),
            (
                r#"{"servers": [{"agent": "x"}]}"#,
                "spec.json: servers[0]: needs a url",
            ),
            (r#"[]"#, "spec.json: top level: expected an object"),
        ];
        for (text, want) in cases {
            let v: Value = serde_json::from_str(text).unwrap();
            let e = Spec::from_value(&v, Path::new("spec.json")).unwrap_err();
            assert_eq!(e.to_string(), want);
        }
    }

    #[test]
    fn selection_keeps_the_testsuite_order_and_reports_unmatched_globs() {
        let all = ids(&["1.1.1", "1.1.2", "2.10", "2.11", "10.1.1"]);
        let s = Selection {
            include: vec!["2.1*".into(), "10.*".into(), "42.*".into()],
            exclude: vec!["2.10".into()],
        };
        let picked: Vec<String> = s.select(&all).iter().map(|i| i.to_string()).collect();
        assert_eq!(picked, ["2.11", "10.1.1"]);
        assert_eq!(s.unmatched(&all), ["42.*"]);
        assert_eq!(Selection::default().select(&all).len(), 5);
    }

    #[test]
    fn star_patterns_match_a_prefix_of_the_id_and_plain_ones_the_whole() {
        // the testsuite's resolveCasePatternList: `re.match` of `.`→`\.`, `*`→`.*`
        for (pattern, id, want) in [
            ("13.*.1", "13.1.1", true),
            ("13.*.1", "13.7.18", true),
            ("13.*.1", "13.2.10", true),
            ("13.*.1", "13.2.2", false),
            ("9.*", "9.1.1", true),
            ("9.*", "19.1", false),
            ("*", "1.1.1", true),
            ("2.1", "2.1", true),
            ("2.1", "2.10", false),
            ("2.1*", "2.10", true),
        ] {
            assert_eq!(case_pattern_matches(pattern, id), want, "{pattern} {id}");
        }
    }
}
