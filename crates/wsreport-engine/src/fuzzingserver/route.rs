//! The fuzzing server's URL protocol (clients mode), as client harnesses speak it:
//! `/getCaseCount`, `/runCase?case=N&agent=A` (N 1-based in the selected, ordered list) or
//! `/runCase?casetuple=2.11&agent=A`, `/getCaseInfo?case=N`, `/getCaseStatus?case=N&agent=A`,
//! `/updateReports?agent=A`, `/stopServer`.

use crate::model::CaseId;

/// Which case a `runCase`/`getCaseInfo`/`getCaseStatus` request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseRef {
    /// `case=N`: 1-based position in the selected list.
    Index(usize),
    /// `casetuple=2.11` (also `2_11`, as some harnesses write it).
    Id(CaseId),
}

/// A request the fuzzing server understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/getCaseCount`
    CaseCount,
    /// `/runCase`
    RunCase {
        /// The case.
        case: CaseRef,
        /// `agent`
        agent: String,
    },
    /// `/getCaseInfo`
    CaseInfo(CaseRef),
    /// `/getCaseStatus`
    CaseStatus {
        /// The case.
        case: CaseRef,
        /// `agent`
        agent: String,
    },
    /// `/updateReports`
    UpdateReports {
        /// `agent`, when given (the testsuite writes every agent's reports either way).
        agent: Option<String>,
    },
    /// `/stopServer`
    Stop,
}

/// Why a request was refused; the text goes back to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// An unknown path.
    #[error(
        "unknown path {0:?}: expected /getCaseCount, /runCase, /getCaseInfo, /getCaseStatus, /updateReports or /stopServer"
    )]
    UnknownPath(String),
    /// A parameter is missing.
    #[error("{path} needs the parameter {param}")]
    Missing {
        /// The path.
        path: &'static str,
        /// The parameter.
        param: &'static str,
    },
    /// A parameter does not parse.
    #[error("{param}={value:?} is not a valid {what}")]
    Bad {
        /// The parameter.
        param: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        what: &'static str,
    },
}

/// Decodes `%XX` escapes and `+` (the agent `stratus%402` is `stratus@2`). Invalid escapes are
/// kept as written; the result is read as UTF-8, lossily.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("x"), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

fn case_ref(path: &'static str, ps: &[(String, String)]) -> Result<CaseRef, RouteError> {
    let get = |k: &str| ps.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(v) = get("case") {
        return match v.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(CaseRef::Index(n)),
            _ => Err(RouteError::Bad {
                param: "case",
                value: v,
                what: "case number (1, 2, …)",
            }),
        };
    }
    if let Some(v) = get("casetuple") {
        return v
            .replace('_', ".")
            .parse()
            .map(CaseRef::Id)
            .map_err(|_| RouteError::Bad {
                param: "casetuple",
                value: v,
                what: "case id (2.11)",
            });
    }
    Err(RouteError::Missing {
        path,
        param: "case",
    })
}

/// Parses a request target such as `/runCase?case=27&agent=stratus%402`.
pub fn parse(target: &str) -> Result<Route, RouteError> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let ps = params(query);
    let agent = || {
        ps.iter()
            .find(|(n, _)| n == "agent")
            .map(|(_, v)| v.clone())
    };
    let need_agent = |path: &'static str| {
        agent()
            .filter(|a| !a.is_empty())
            .ok_or(RouteError::Missing {
                path,
                param: "agent",
            })
    };
    match path.trim_end_matches('/') {
        "/getCaseCount" => Ok(Route::CaseCount),
        "/runCase" => Ok(Route::RunCase {
            case: case_ref("/runCase", &ps)?,
            agent: need_agent("/runCase")?,
        }),
        "/getCaseInfo" => Ok(Route::CaseInfo(case_ref("/getCaseInfo", &ps)?)),
        "/getCaseStatus" => Ok(Route::CaseStatus {
            case: case_ref("/getCaseStatus", &ps)?,
            agent: need_agent("/getCaseStatus")?,
        }),
        "/updateReports" => Ok(Route::UpdateReports { agent: agent() }),
        "/stopServer" => Ok(Route::Stop),
        _ => Err(RouteError::UnknownPath(path.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_of_the_url_protocol() {
        let id = |s: &str| CaseRef::Id(s.parse().unwrap());
        let rows: Vec<(&str, Result<Route, RouteError>)> = vec![
            ("/getCaseCount", Ok(Route::CaseCount)),
            (
                "/runCase?case=27&agent=stratus%402",
                Ok(Route::RunCase {
                    case: CaseRef::Index(27),
                    agent: "stratus@2".into(),
                }),
            ),
            (
                "/runCase?casetuple=2.11&agent=gws-client/async",
                Ok(Route::RunCase {
                    case: id("2.11"),
                    agent: "gws-client/async".into(),
                }),
            ),
            (
                "/runCase?casetuple=2_11&agent=a+b",
                Ok(Route::RunCase {
                    case: id("2.11"),
                    agent: "a b".into(),
                }),
            ),
            (
                "/getCaseInfo?case=1",
                Ok(Route::CaseInfo(CaseRef::Index(1))),
            ),
            (
                "/getCaseStatus?case=3&agent=x",
                Ok(Route::CaseStatus {
                    case: CaseRef::Index(3),
                    agent: "x".into(),
                }),
            ),
            (
                "/updateReports?agent=x",
                Ok(Route::UpdateReports {
                    agent: Some("x".into()),
                }),
            ),
            ("/stopServer", Ok(Route::Stop)),
            ("/", Err(RouteError::UnknownPath("/".into()))),
            (
                "/runCase?case=0&agent=x",
                Err(RouteError::Bad {
                    param: "case",
                    value: "0".into(),
                    what: "case number (1, 2, …)",
                }),
            ),
            (
                "/runCase?case=1",
                Err(RouteError::Missing {
                    path: "/runCase",
                    param: "agent",
                }),
            ),
            (
                "/runCase?agent=x",
                Err(RouteError::Missing {
                    path: "/runCase",
                    param: "case",
                }),
            ),
        ];
        for (target, want) in rows {
            assert_eq!(parse(target), want, "{target}");
        }
    }

    #[test]
    fn percent_decoding_never_fails() {
        assert_eq!(percent_decode("stratus%402"), "stratus@2");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%ff"), "\u{FFFD}");
    }
}
