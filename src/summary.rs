//! `summarize`: per agent, how many cases, which verdicts, how long, per category.
//!
//! Built from the index alone; the renderers in [`crate::render`] only lay it out. The JSON
//! rendering of [`Summary`] is a documented contract (docs/commands.md, "summarize").

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::model::{AgentRun, Mode, Report, Verdict, category_title};

/// Verdict word → count, in a fixed order (OK first, FAILED last, unknown words after).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(pub BTreeMap<Verdict, usize>);

impl Counts {
    /// The count of one word (0 when absent).
    pub fn get(&self, v: &Verdict) -> usize {
        self.0.get(v).copied().unwrap_or(0)
    }
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k.as_str(), v)))
    }
}

/// One category's share of an agent's cases.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategorySummary {
    /// The category number as text: `"2"`.
    pub category: String,
    /// Its title: `Pings/Pongs`.
    pub title: &'static str,
    /// Number of cases.
    pub cases: usize,
    /// `behavior` counts.
    pub behavior: Counts,
    /// `behaviorClose` counts.
    #[serde(rename = "behaviorClose")]
    pub behavior_close: Counts,
}

/// One agent of one report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgentSummary {
    /// The agent name.
    pub agent: String,
    /// Number of cases.
    pub cases: usize,
    /// `behavior` counts.
    pub behavior: Counts,
    /// `behaviorClose` counts.
    #[serde(rename = "behaviorClose")]
    pub behavior_close: Counts,
    /// Sum of the case durations.
    pub duration_ms: u64,
    /// Per category, in category order.
    pub categories: Vec<CategorySummary>,
    /// Cases whose re-runs (`run --rerun-failed`) got different verdicts, from the report's
    /// attempts file ([`crate::compare::attempts`]); absent from the JSON when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flaky: Vec<crate::model::CaseId>,
}

/// One report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReportSummary {
    /// The path the user named.
    pub path: PathBuf,
    /// `servers`, `clients`, or null when nothing revealed it.
    pub mode: Option<Mode>,
    /// The testsuite version, or null.
    pub testsuite: Option<String>,
    /// The agents, by name.
    pub agents: Vec<AgentSummary>,
    /// When this is the shards of one run merged (`run --shard K/N`): every shard's path, the
    /// first being `path`; absent from the JSON otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<PathBuf>,
}

/// A file that could not be read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorSummary {
    /// The file or directory.
    pub path: PathBuf,
    /// The problem.
    pub error: String,
}

/// The whole `summarize` answer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// One per report found.
    pub reports: Vec<ReportSummary>,
    /// One per file that could not be read.
    pub errors: Vec<ErrorSummary>,
}

/// Counting by position for the words the testsuite writes, by word for the rest; turned
/// into [`Counts`] once at the end (a map insert per case was most of the summary's time).
#[derive(Default)]
struct Tally {
    known: [usize; KNOWN.len()],
    others: BTreeMap<Verdict, usize>,
}

/// The verdicts [`Tally`] counts by position.
const KNOWN: [Verdict; 8] = [
    Verdict::Ok,
    Verdict::NonStrict,
    Verdict::Informational,
    Verdict::Unimplemented,
    Verdict::WrongCode,
    Verdict::FailedByClient,
    Verdict::Unclean,
    Verdict::Failed,
];

impl Tally {
    fn add(&mut self, v: &Verdict) {
        let i = match v {
            Verdict::Ok => 0,
            Verdict::NonStrict => 1,
            Verdict::Informational => 2,
            Verdict::Unimplemented => 3,
            Verdict::WrongCode => 4,
            Verdict::FailedByClient => 5,
            Verdict::Unclean => 6,
            Verdict::Failed => 7,
            Verdict::Other(_) => {
                *self.others.entry(v.clone()).or_default() += 1;
                return;
            }
        };
        self.known[i] += 1;
    }

    fn counts(self) -> Counts {
        let mut map = self.others;
        for (v, n) in KNOWN.into_iter().zip(self.known) {
            if n > 0 {
                map.insert(v, n);
            }
        }
        Counts(map)
    }
}

/// Summarizes one agent's cases.
pub fn summarize_agent(run: &AgentRun) -> AgentSummary {
    let mut behavior = Tally::default();
    let mut behavior_close = Tally::default();
    let mut categories: BTreeMap<u32, (usize, Tally, Tally)> = BTreeMap::new();
    let mut duration_ms = 0u64;
    for e in &run.cases {
        behavior.add(&e.behavior);
        behavior_close.add(&e.behavior_close);
        duration_ms = duration_ms.saturating_add(e.duration_ms);
        let c = categories.entry(e.id.category()).or_default();
        c.0 += 1;
        c.1.add(&e.behavior);
        c.2.add(&e.behavior_close);
    }
    AgentSummary {
        agent: run.agent.clone(),
        cases: run.cases.len(),
        behavior: behavior.counts(),
        behavior_close: behavior_close.counts(),
        duration_ms,
        categories: categories
            .into_iter()
            .map(|(cat, (cases, b, c))| CategorySummary {
                category: cat.to_string(),
                title: category_title(cat),
                cases,
                behavior: b.counts(),
                behavior_close: c.counts(),
            })
            .collect(),
        flaky: Vec::new(),
    }
}

/// Summarizes one report, naming the flaky cases its attempts file records.
pub fn summarize_report(r: &Report) -> ReportSummary {
    summarize_shards(&[r])
}

/// Summarizes reports that are shards of one run (see [`shard_groups`]) as one report: each
/// agent's cases from every shard, in case order, and the flaky cases of every shard's
/// attempts file.
fn summarize_shards(shards: &[&Report]) -> ReportSummary {
    let first = shards[0];
    let flaky: Vec<(String, crate::model::CaseId)> = shards
        .iter()
        .flat_map(|r| {
            crate::compare::attempts::Attempts::read(&r.dir)
                .map(|a| a.flaky())
                .unwrap_or_default()
        })
        .collect();
    let agents = first
        .agents
        .iter()
        .map(|run| {
            let mut merged = run.clone();
            for r in &shards[1..] {
                if let Some(other) = r.agents.iter().find(|a| a.agent == run.agent) {
                    merged.cases.extend(other.cases.iter().cloned());
                }
            }
            merged.cases.sort_by(|a, b| a.id.cmp(&b.id));
            let mut s = summarize_agent(&merged);
            s.flaky = flaky
                .iter()
                .filter(|(agent, id)| {
                    *agent == merged.agent && merged.cases.iter().any(|e| e.id == *id)
                })
                .map(|(_, id)| id.clone())
                .collect();
            s
        })
        .collect();
    ReportSummary {
        path: first.path.clone(),
        mode: first.mode,
        testsuite: first.testsuite.clone(),
        agents,
        shards: if shards.len() > 1 {
            shards.iter().map(|r| r.path.clone()).collect()
        } else {
            Vec::new()
        },
    }
}

/// Groups reports that are shards of one run: the same mode, testsuite version and agents,
/// and no case in two of them (shards never overlap; two runs of the same agents do, and
/// stay separate reports). Each group lists report indexes in the order given.
pub fn shard_groups(reports: &[Report]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    fn agents(r: &Report) -> Vec<&str> {
        let mut a: Vec<&str> = r.agents.iter().map(|a| a.agent.as_str()).collect();
        a.sort_unstable();
        a
    }
    let ids: Vec<std::collections::HashSet<(&str, &crate::model::CaseId)>> = reports
        .iter()
        .map(|r| {
            r.agents
                .iter()
                .flat_map(|a| a.cases.iter().map(move |e| (a.agent.as_str(), &e.id)))
                .collect()
        })
        .collect();
    'next: for (i, r) in reports.iter().enumerate() {
        if !r.agents.is_empty() {
            for g in &mut groups {
                let h = &reports[g[0]];
                let same_run =
                    h.mode == r.mode && h.testsuite == r.testsuite && agents(h) == agents(r);
                if same_run && g.iter().all(|&k| ids[k].is_disjoint(&ids[i])) {
                    g.push(i);
                    continue 'next;
                }
            }
        }
        groups.push(vec![i]);
    }
    groups
}

/// Summarizes everything loaded, with the errors met; the shards of one run
/// ([`shard_groups`]) are summarized as one report.
pub fn summarize(reports: &[Report], errors: &[crate::load::LoadError]) -> Summary {
    Summary {
        reports: shard_groups(reports)
            .iter()
            .map(|g| summarize_shards(&g.iter().map(|&i| &reports[i]).collect::<Vec<_>>()))
            .collect(),
        errors: errors
            .iter()
            .map(|e| ErrorSummary {
                path: e.path().to_path_buf(),
                error: e.problem(),
            })
            .collect(),
    }
}

/// Loads the paths, checks that every case file the indexes name is present, and summarizes.
pub fn summarize_paths(paths: &[PathBuf]) -> (Summary, Vec<crate::load::LoadError>) {
    let mut loaded = crate::load::load_paths(paths);
    for r in &loaded.reports {
        loaded.errors.extend(crate::load::check_case_files(r));
    }
    (summarize(&loaded.reports, &loaded.errors), loaded.errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CaseEntry;

    fn entry(id: &str, b: &str, c: &str, d: u64) -> CaseEntry {
        CaseEntry {
            id: id.parse().unwrap(),
            behavior: Verdict::parse(b),
            behavior_close: Verdict::parse(c),
            duration_ms: d,
            remote_close_code: None,
            reportfile: None,
        }
    }

    #[test]
    fn counts_per_agent_and_category() {
        let run = AgentRun {
            agent: "a".into(),
            cases: vec![
                entry("1.1.1", "OK", "OK", 2),
                entry("2.10", "OK", "OK", 3),
                entry("2.11", "FAILED", "UNCLEAN", 4002),
                entry("10.1.1", "NEW WORD", "OK", 5),
            ],
        };
        let s = summarize_agent(&run);
        assert_eq!(s.cases, 4);
        assert_eq!(s.duration_ms, 4012);
        assert_eq!(s.behavior.get(&Verdict::Ok), 2);
        assert_eq!(s.behavior.get(&Verdict::Other("NEW WORD".into())), 1);
        assert_eq!(s.behavior_close.get(&Verdict::Unclean), 1);
        let cats: Vec<(&str, usize)> = s
            .categories
            .iter()
            .map(|c| (c.category.as_str(), c.cases))
            .collect();
        assert_eq!(cats, [("1", 1), ("2", 2), ("10", 1)]);
        assert_eq!(s.categories[1].behavior.get(&Verdict::Failed), 1);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["behavior"]["NEW WORD"], 1);
        assert_eq!(json["behaviorClose"]["UNCLEAN"], 1);
        assert_eq!(json["categories"][1]["title"], "Pings/Pongs");
    }
}
