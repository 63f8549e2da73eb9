//! Running many cases against one target, several at once: the part `wsreport replay` and
//! `wsreport run` share.
//!
//! Each case is its own tokio task (so a 16 MiB case or a deflate series can use another core
//! while the others wait on the network); at most `jobs` run at a time. Results come back in
//! the order the cases were given, whatever order they finish in.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::{ReplayError, ReplayOptions, Replayed, Target, replay_tcp};
use crate::catalog::CaseDef;
use crate::event::{Events, RunEvent};
use crate::model::CaseId;

/// Cases at once when nothing says otherwise: the machine's cores (at least 1).
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One case to run: its definition and its `case` number (1-based position in the run's
/// selection, in the testsuite's order).
#[derive(Debug, Clone)]
pub struct Job {
    /// The case.
    pub def: CaseDef,
    /// Its `case` number.
    pub seq: u64,
}

/// Runs `jobs` against `target`, at most `parallel` at once, telling `events` when each case
/// starts and ends.
/// Returns one result per job, in the jobs' order.
pub async fn run_cases(
    target: &Target,
    opts: &ReplayOptions,
    jobs: Vec<Job>,
    parallel: usize,
    events: &Events,
) -> Vec<Result<Replayed, ReplayError>> {
    let target = Arc::new(target.clone());
    let one = move |def: CaseDef, opts: Arc<ReplayOptions>, seq: u64| {
        let target = Arc::clone(&target);
        async move { replay_tcp(&target, &def, &opts, seq).await }
    };
    run_jobs(opts, jobs, parallel, events, one).await
}

/// Runs `jobs` with `run_one` (a case's definition, the options and its `case` number to
/// its result: over TCP for [`run_cases`], over any stream for [`crate::suite`]), at most
/// `parallel` at once, telling `events` when each case starts and ends. Returns one result
/// per job, in the jobs' order; a case whose task panicked is [`ReplayError::Aborted`].
pub async fn run_jobs<C, F>(
    opts: &ReplayOptions,
    jobs: Vec<Job>,
    parallel: usize,
    events: &Events,
    run_one: C,
) -> Vec<Result<Replayed, ReplayError>>
where
    C: Fn(CaseDef, Arc<ReplayOptions>, u64) -> F,
    F: Future<Output = Result<Replayed, ReplayError>> + Send + 'static,
{
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
            events(RunEvent::CaseStarted {
                agent: opts.agent.clone(),
                case: job.def.id.clone(),
            });
            let case = run_one(job.def, Arc::clone(&opts), job.seq);
            let handle = set.spawn(async move { (i, case.await) });
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
        let case = r.as_ref().ok().map(|r| &r.case);
        events(RunEvent::CaseFinished {
            agent: opts.agent.clone(),
            case: ids[i].clone(),
            behavior: case.and_then(|c| c.behavior.clone()),
            behavior_close: case.and_then(|c| c.behavior_close.clone()),
            duration_ms: case.and_then(|c| c.duration_ms).unwrap_or(0),
        });
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
