//! Running many cases against one target, several at once: the part `wsreport replay` and
//! `wsreport run` share.
//!
//! Each case is its own tokio task (so a 16 MiB case or a deflate series can use another core
//! while the others wait on the network); at most `jobs` run at a time. They start in the
//! order `StartOrder` gives (the light cases first, then the compression series with the
//! cases that wait on their own timers spread among them); results come back in the order
//! the cases were given, whatever order they start or finish in.

use std::collections::VecDeque;
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
            let Some(i) = order.next(parallel.max(1) - set.len()) else {
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

/// How a case uses its job slot, for the order the cases start in ([`StartOrder`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotUse {
    /// Short and light: most cases.
    Light,
    /// Mostly waits on its own timers (6.4.x, 5.19, 5.20: seconds of `continueLater`) or
    /// on its own pace (9.5.1–9.5.5, 9.6.1–9.6.5: a megabyte in thousands of chops, a
    /// reactor turn after each).
    Waits,
    /// A compression series (12.x, 13.x): seconds of CPU on both sides.
    Works,
}

fn slot_use(def: &CaseDef) -> SlotUse {
    use crate::catalog::Step;
    fn waits(steps: &[Step]) -> f64 {
        steps
            .iter()
            .map(|step| match step {
                Step::Later { delay, steps, .. } => delay + waits(steps),
                _ => 0.0,
            })
            .sum()
    }
    let paced = super::engine::many_chops(def);
    if def.test_data().is_some() {
        SlotUse::Works
    } else if paced || waits(&def.steps) >= 0.5 {
        SlotUse::Waits
    } else {
        SlotUse::Light
    }
}

/// The order the cases start in (results still come back in the given order):
///
/// - the light cases first, in the given order, on a machine nothing else loads (some of
///   their verdicts depend on how the peer's reads meet our writes);
/// - then the compression series in the given order, but the cases that send the same series
///   (`memo::series_key`) as one gang: it starts when it has a slot for each of its cases (or
///   all the slots a waiting case does not hold), so that they read the series together from
///   the run's memo; while it waits for slots, a series sent once (a short case) takes a free
///   one;
/// - the cases that mostly wait on their own timers beside the series, at most
///   [`StartOrder::waiting_at_once`] at a time. In the given order the waiting cases took most
///   slots in a run's first seconds while the CPU idled.
#[derive(Debug)]
struct StartOrder {
    light: VecDeque<usize>,
    waits: VecDeque<usize>,
    /// The series, a gang of cases each.
    works: VecDeque<VecDeque<usize>>,
    /// The rest of the gang under way (when it has more cases than there are slots).
    gang: VecDeque<usize>,
    /// The number of slots.
    slots: usize,
    /// Which jobs are waiting cases.
    is_wait: Vec<bool>,
    /// Waiting cases under way.
    waiting: usize,
    /// At most this many waiting cases at once while there are series to run.
    waiting_at_once: usize,
}

impl StartOrder {
    fn new<'a>(defs: impl Iterator<Item = &'a CaseDef>, slots: usize) -> StartOrder {
        let slots = slots.max(1);
        let mut order = StartOrder {
            light: VecDeque::new(),
            waits: VecDeque::new(),
            works: VecDeque::new(),
            gang: VecDeque::new(),
            slots,
            is_wait: Vec::new(),
            waiting: 0,
            // a quarter of the slots: the others keep both cores busy with series
            waiting_at_once: (slots / 4).max(1),
        };
        let mut gangs: Vec<(Option<String>, VecDeque<usize>)> = Vec::new();
        for (i, def) in defs.enumerate() {
            let kind = slot_use(def);
            order.is_wait.push(kind == SlotUse::Waits);
            match kind {
                SlotUse::Light => order.light.push_back(i),
                SlotUse::Waits => order.waits.push_back(i),
                SlotUse::Works => {
                    let key = super::memo::series_key(def);
                    match gangs.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
                        Some((_, gang)) => gang.push_back(i),
                        None => gangs.push((key, VecDeque::from([i]))),
                    }
                }
            }
        }
        order.works = gangs.into_iter().map(|(_, gang)| gang).collect();
        order
    }

    /// The next job to start when `free` slots are free; `None` also when the next gang
    /// waits for more slots to free.
    fn next(&mut self, free: usize) -> Option<usize> {
        let next = self.pick(free);
        if let Some(i) = next
            && self.is_wait[i]
        {
            self.waiting += 1;
        }
        next
    }

    fn pick(&mut self, free: usize) -> Option<usize> {
        if let Some(i) = self.light.pop_front() {
            return Some(i);
        }
        if let Some(i) = self.gang.pop_front() {
            return Some(i);
        }
        let Some(head) = self.works.front() else {
            return self.waits.pop_front();
        };
        if self.waiting < self.waiting_at_once && !self.waits.is_empty() {
            return self.waits.pop_front();
        }
        // the slots a waiting case holds free up late: a gang does not wait for them
        let need = head
            .len()
            .min(self.slots - self.waiting.min(self.slots - 1));
        if free >= need {
            self.gang = self.works.pop_front().unwrap_or_default();
            return self.gang.pop_front();
        }
        // while the gang waits for slots, a series sent once (short: 16 to 4096 octets a
        // message) takes the free one
        let single = self.works.iter().position(|gang| gang.len() == 1)?;
        self.works
            .remove(single)
            .and_then(|mut gang| gang.pop_front())
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
    use crate::replay::memo;

    fn all() -> Vec<CaseDef> {
        catalog::all_ids()
            .iter()
            .map(|id| catalog::build(id).unwrap())
            .collect()
    }

    /// The runner hands its cases the run's memo when two of them send one series, and
    /// none when no two do.
    #[tokio::test]
    async fn the_cases_get_the_runs_memo_when_two_send_one_series() {
        let shared_in = |ids: &'static [&'static str]| async move {
            let jobs = ids
                .iter()
                .zip(1..)
                .map(|(id, seq)| Job {
                    def: catalog::build(&id.parse().unwrap()).unwrap(),
                    seq,
                })
                .collect();
            let opts = ReplayOptions::client(
                &crate::replay::Target::parse("ws://127.0.0.1:9001").unwrap(),
                "test",
            );
            let one = |def: CaseDef, opts: Arc<ReplayOptions>, _| async move {
                let message = format!("memo {}", opts.series_memo.is_some());
                Err(ReplayError::Aborted {
                    case: def.id,
                    message,
                })
            };
            let results = run_jobs(&opts, jobs, 2, &crate::event::ignore(), one).await;
            let said = |r: &Result<Replayed, ReplayError>| match r {
                Err(ReplayError::Aborted { message, .. }) => message.clone(),
                _ => String::new(),
            };
            results.iter().map(said).collect::<Vec<_>>()
        };
        assert_eq!(shared_in(&["12.2.9", "12.2.14"]).await, ["memo true"; 2]);
        assert_eq!(shared_in(&["12.2.9", "12.2.10"]).await, ["memo false"; 2]);
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
    fn light_cases_first_then_each_series_as_a_gang_and_waiting_cases_one_at_a_time() {
        let defs = all();
        let mut order = StartOrder::new(defs.iter(), 4);
        // run it as the runner does: four slots, the oldest case ends first
        let mut running: VecDeque<usize> = VecDeque::new();
        let mut started = Vec::new();
        // the round of slot filling in which each case started (a case ends between rounds)
        let mut round = vec![0; defs.len()];
        for r in 0.. {
            while running.len() < 4 {
                let Some(i) = order.next(4 - running.len()) else {
                    break;
                };
                started.push(i);
                round[i] = r;
                running.push_back(i);
                let series_left = !order.works.is_empty() || !order.gang.is_empty();
                let waiting = running
                    .iter()
                    .filter(|&&j| slot_use(&defs[j]) == SlotUse::Waits);
                assert!(
                    !series_left || waiting.count() <= 1,
                    "two waiting cases at once beside the series (at {})",
                    defs[i].id
                );
            }
            let Some(i) = running.pop_front() else { break };
            order.finished(i);
        }
        // the cases of one series start one after the other, and together when they fit
        let key = |i: usize| memo::series_key(&defs[i]);
        let mut gangs: Vec<Vec<usize>> = Vec::new();
        for &i in started.iter().filter(|&&i| key(i).is_some()) {
            match gangs.last_mut() {
                Some(gang) if key(gang[0]) == key(i) => gang.push(i),
                _ => gangs.push(vec![i]),
            }
        }
        let mut keys: Vec<_> = gangs.iter().map(|g| key(g[0])).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), gangs.len(), "a series' cases started apart");
        let sizes = |n: usize| gangs.iter().filter(|g| g.len() == n).count();
        // the 131072-octet cases of 12.2-12.5 and 13.2-13.7; 12.1's and 13.1's are one
        // series (data1.json, the default offer)
        assert_eq!((sizes(5), sizes(10)), (4 + 6, 1));
        for gang in &gangs {
            let together = gang.iter().filter(|&&i| round[i] == round[gang[0]]).count();
            // all four slots, or the three a waiting case leaves
            assert!(together >= gang.len().min(3), "{:?}", defs[gang[0]].id);
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
