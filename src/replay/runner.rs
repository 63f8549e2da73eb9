//! Running many cases against one target, several at once: the part `wsreport replay` and
//! `wsreport run` share.
//!
//! Each case is its own tokio task (so a 16 MiB case or a deflate series can use another core
//! while the others wait on the network); at most `jobs` run at a time. Results come back in
//! the order the cases were given, whatever order they finish in.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;

use super::{ReplayError, ReplayOptions, Replayed, Target, replay_tcp};
use crate::catalog::CaseDef;
use crate::model::CaseId;

/// One case to run: its definition and its `case` number (1-based position in the run's
/// selection, in the testsuite's order).
#[derive(Debug, Clone)]
pub struct Job {
    /// The case.
    pub def: CaseDef,
    /// Its `case` number.
    pub seq: u64,
}

/// Runs `jobs` against `target`, at most `parallel` at once, reporting to `progress`.
/// Returns one result per job, in the jobs' order.
pub async fn run_cases(
    target: &Target,
    opts: &ReplayOptions,
    jobs: Vec<Job>,
    parallel: usize,
    progress: &Progress,
) -> Vec<Result<Replayed, ReplayError>> {
    let target = Arc::new(target.clone());
    let opts = Arc::new(opts.clone());
    let n = jobs.len();
    let mut results: Vec<Option<Result<Replayed, ReplayError>>> = (0..n).map(|_| None).collect();
    let mut ids: Vec<CaseId> = Vec::with_capacity(n);
    let mut set = JoinSet::new();
    let mut task_index = std::collections::HashMap::new();
    let mut pending = jobs.into_iter().enumerate();
    loop {
        while set.len() < parallel.max(1) {
            let Some((i, job)) = pending.next() else {
                break;
            };
            ids.push(job.def.id.clone());
            progress.started(&opts.agent, &job.def.id);
            let (target, opts) = (Arc::clone(&target), Arc::clone(&opts));
            let handle = set.spawn(async move {
                let r = replay_tcp(&target, &job.def, &opts, job.seq).await;
                (i, r)
            });
            task_index.insert(handle.id(), i);
        }
        let Some(joined) = set.join_next_with_id().await else {
            break;
        };
        let (i, r) = match joined {
            Ok((_, (i, r))) => (i, r),
            Err(e) => {
                let i = task_index[&e.id()];
                let message = if e.is_panic() {
                    "the case engine panicked".to_string()
                } else {
                    e.to_string()
                };
                let case = ids[i].clone();
                (i, Err(ReplayError::Aborted { case, message }))
            }
        };
        progress.finished(&opts.agent, &ids[i]);
        results[i] = Some(r);
    }
    results
        .into_iter()
        .zip(ids)
        .map(|(r, case)| {
            r.unwrap_or_else(|| {
                Err(ReplayError::Aborted {
                    case,
                    message: "never finished".into(),
                })
            })
        })
        .collect()
}

/// The progress bar: how many cases are done, which are running, an estimate of the time
/// left. Inert when disabled (not a terminal, or a single case).
#[derive(Debug)]
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    running: Mutex<Vec<String>>,
    name_agents: bool,
}

impl Progress {
    /// A bar over `total` cases, drawn on stderr when `enabled`. With `name_agents`, running
    /// cases are shown as `agent 2.11` (a run over several servers).
    pub fn new(total: usize, enabled: bool, name_agents: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed:>4} [{bar:30}] {pos}/{len} ETA {eta:<4} {wide_msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Progress {
            bar,
            running: Mutex::new(Vec::new()),
            name_agents,
        }
    }

    /// No bar.
    pub fn hidden() -> Progress {
        Progress::new(0, false, false)
    }

    fn label(&self, agent: &str, id: &CaseId) -> String {
        if self.name_agents {
            format!("{agent} {id}")
        } else {
            id.to_string()
        }
    }

    fn show(&self, running: &[String]) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("running {}", running.join(", ")));
        }
    }

    /// A case started.
    pub fn started(&self, agent: &str, id: &CaseId) {
        if self.bar.is_none() {
            return;
        }
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.push(self.label(agent, id));
        self.show(&running);
    }

    /// A case finished.
    pub fn finished(&self, agent: &str, id: &CaseId) {
        let Some(bar) = &self.bar else {
            return;
        };
        let label = self.label(agent, id);
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = running.iter().position(|r| *r == label) {
            running.remove(i);
        }
        self.show(&running);
        bar.inc(1);
    }

    /// Cases that will not run after all (skipped agent): counted as done.
    pub fn skip(&self, n: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
