//! Running many cases against one target, several at once: the part `wsreport replay` and
//! `wsreport run` share.
//!
//! Each case is its own tokio task (so a 16 MiB case or a deflate series can use another core
//! while the others wait on the network); at most `jobs` run at a time. They start in the
//! order `StartOrder` gives (the light cases first, then the compression series with the
//! cases that wait on their own timers spread among them); results come back in the order
//! the cases were given, whatever order they start or finish in.

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
    let mut opts = opts.clone();
    // the series several of these cases send alike are compressed once (see `memo`)
    opts.series_memo = super::memo::SeriesMemo::for_cases(jobs.iter().map(|job| &job.def))
        .map(super::memo::MemoRef);
    let opts = Arc::new(opts);
    let n = jobs.len();
    let mut results: Vec<Option<Result<Replayed, ReplayError>>> = (0..n).map(|_| None).collect();
    let ids: Vec<CaseId> = jobs.iter().map(|job| job.def.id.clone()).collect();
    let mut order = StartOrder::new(jobs.iter().map(|job| &job.def), parallel);
    let mut jobs: Vec<Option<Job>> = jobs.into_iter().map(Some).collect();
    let mut set = JoinSet::new();
    let mut task_index = std::collections::HashMap::new();
    loop {
        while set.len() < parallel.max(1) {
            let Some(i) = order.next() else {
                break;
            };
            let Some(job) = jobs[i].take() else {
                continue;
            };
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
        order.finished(i);
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

/// How a case uses its job slot, for the order the cases start in ([`start_order`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotUse {
    /// Short and light: most cases.
    Light,
    /// Mostly waits on its own timers (6.4.x, 5.19, 5.20: seconds of `continueLater`) or
    /// its own pacing (9.5.x, 9.6.x: a megabyte in thousands of spaced chops).
    Waits,
    /// A compression series (12.x, 13.x): seconds of CPU on both sides.
    Works,
}

fn slot_use(def: &CaseDef) -> SlotUse {
    use crate::catalog::{BigSend, Step};
    /// Chops of one write at least this many: paced for about a second or more.
    const PACED_CHOPS: usize = 1000;
    fn waits(steps: &[Step]) -> f64 {
        steps
            .iter()
            .map(|step| match step {
                Step::Later { delay, steps, .. } => delay + waits(steps),
                _ => 0.0,
            })
            .sum()
    }
    let paced = def.steps.iter().any(|step| match step {
        Step::SendAndAwaitEcho(echo) => match &echo.send {
            BigSend::Frame(f) => f
                .chopsize
                .is_some_and(|chop| chop > 0 && f.wire_len() / chop >= PACED_CHOPS),
            BigSend::Message { .. } => false,
        },
        _ => false,
    });
    if def.test_data().is_some() {
        SlotUse::Works
    } else if paced || waits(&def.steps) >= 0.5 {
        SlotUse::Waits
    } else {
        SlotUse::Light
    }
}

/// The order the cases start in (results still come back in the given order): the light
/// cases first, in the given order, on a machine nothing else loads (some of their verdicts
/// depend on how the peer's reads meet our writes); then the compression series in the given
/// order, with the cases that mostly wait on their own timers started beside them, at most
/// [`StartOrder::waiting_at_once`] at a time. In the given order the waiting cases took most
/// slots for a run's first seconds while the CPU idled; they now hold a slot the series barely
/// miss.
#[derive(Debug)]
struct StartOrder {
    light: std::collections::VecDeque<usize>,
    waits: std::collections::VecDeque<usize>,
    works: std::collections::VecDeque<usize>,
    /// Which jobs are waiting cases.
    is_wait: Vec<bool>,
    /// Waiting cases under way.
    waiting: usize,
    /// At most this many waiting cases at once while there are series to run.
    waiting_at_once: usize,
}

impl StartOrder {
    fn new<'a>(defs: impl Iterator<Item = &'a CaseDef>, parallel: usize) -> StartOrder {
        let mut order = StartOrder {
            light: Default::default(),
            waits: Default::default(),
            works: Default::default(),
            is_wait: Vec::new(),
            waiting: 0,
            // a quarter of the slots: the others keep both cores busy with series
            waiting_at_once: (parallel / 4).max(1),
        };
        let mut keys = Vec::new();
        for (i, def) in defs.enumerate() {
            keys.push(super::memo::series_key(def));
            let kind = slot_use(def);
            order.is_wait.push(kind == SlotUse::Waits);
            match kind {
                SlotUse::Light => order.light.push_back(i),
                SlotUse::Waits => order.waits.push_back(i),
                SlotUse::Works => order.works.push_back(i),
            }
        }
        // the cases that send the same series one after the other, at the first one's place,
        // so that they read it together from the run's memo (`memo`)
        let mut works = std::mem::take(&mut order.works);
        while let Some(i) = works.pop_front() {
            order.works.push_back(i);
            let (same, others): (std::collections::VecDeque<usize>, _) = works
                .into_iter()
                .partition(|&j| keys[j].is_some() && keys[j] == keys[i]);
            works = others;
            order.works.extend(same);
        }
        order
    }

    /// The next job to start.
    fn next(&mut self) -> Option<usize> {
        let next = if let Some(i) = self.light.pop_front() {
            Some(i)
        } else if self.waiting < self.waiting_at_once && !self.waits.is_empty() {
            self.waits.pop_front()
        } else {
            self.works.pop_front().or_else(|| self.waits.pop_front())
        };
        if let Some(i) = next
            && self.is_wait[i]
        {
            self.waiting += 1;
        }
        next
    }

    /// Job `i` ended.
    fn finished(&mut self, i: usize) {
        if self.is_wait[i] {
            self.waiting -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn all() -> Vec<CaseDef> {
        catalog::all_ids()
            .iter()
            .map(|id| catalog::build(id).unwrap())
            .collect()
    }

    #[test]
    fn the_waiting_cases_are_those_with_seconds_of_timers_or_paced_chops() {
        let defs = all();
        let waits: Vec<String> = defs
            .iter()
            .filter(|d| slot_use(d) == SlotUse::Waits)
            .map(|d| d.id.to_string())
            .collect();
        let want = "5.19 5.20 6.4.1 6.4.2 6.4.3 6.4.4 9.5.1 9.5.2 9.5.3 9.5.4 9.5.5 9.6.1 9.6.2 \
                    9.6.3 9.6.4 9.6.5";
        assert_eq!(waits.join(" "), want);
        let works = defs.iter().filter(|d| slot_use(d) == SlotUse::Works);
        assert!(
            works.map(|d| d.id.to_string()).eq(defs
                .iter()
                .map(|d| d.id.to_string())
                .filter(|id| id.starts_with("12.") || id.starts_with("13.")))
        );
    }

    #[test]
    fn light_cases_start_first_and_waiting_cases_one_at_a_time_beside_the_series() {
        let defs = all();
        let mut order = StartOrder::new(defs.iter(), 4);
        // run it as the runner does: four slots, the oldest case ends first
        let mut running: std::collections::VecDeque<usize> = Default::default();
        let mut started = Vec::new();
        loop {
            while running.len() < 4 {
                let Some(i) = order.next() else { break };
                started.push(i);
                running.push_back(i);
                let series_left = order.works.len();
                let waiting = running
                    .iter()
                    .filter(|&&j| slot_use(&defs[j]) == SlotUse::Waits);
                assert!(
                    series_left == 0 || waiting.count() <= 1,
                    "two waiting cases at once beside the series (at {})",
                    defs[i].id
                );
            }
            let Some(i) = running.pop_front() else { break };
            order.finished(i);
        }
        let mut sorted = started.clone();
        sorted.sort_unstable();
        assert!(
            sorted.into_iter().eq(0..defs.len()),
            "each case starts once"
        );
        let light = defs
            .iter()
            .filter(|d| slot_use(d) == SlotUse::Light)
            .count();
        assert!(started[..light].windows(2).all(|w| w[0] < w[1]));
        assert!(
            started[..light]
                .iter()
                .all(|&i| slot_use(&defs[i]) == SlotUse::Light)
        );
        // the waiting cases are spread over the series, not all at the start
        let first_wait = started
            .iter()
            .position(|&i| slot_use(&defs[i]) == SlotUse::Waits);
        let last_wait = started
            .iter()
            .rposition(|&i| slot_use(&defs[i]) == SlotUse::Waits);
        assert!(last_wait.unwrap() - first_wait.unwrap() >= 3 * 15);
    }
}
