//! What the engines and servers tell their owner while they work. The runner and the fuzzing
//! server send [`RunEvent`]s; the binary's reporter turns them into a progress bar or log lines
//! (nextest's `reporter/events.rs` habit): the library never draws or prints.

use std::sync::Arc;

use crate::model::{CaseId, Verdict};

/// One thing that happened during a run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// A case started against (or for) `agent`.
    CaseStarted {
        /// The agent under test.
        agent: String,
        /// The case.
        case: CaseId,
    },
    /// A case ended; the verdicts are `None` when it produced no record (a connection error).
    CaseFinished {
        /// The agent under test.
        agent: String,
        /// The case.
        case: CaseId,
        /// `behavior`, when the case produced a record.
        behavior: Option<Verdict>,
        /// `behaviorClose`, when the case produced a record.
        behavior_close: Option<Verdict>,
        /// How long it took (ms).
        duration_ms: u64,
    },
    /// Cases that will not run after all (their server is unreachable).
    Skipped {
        /// The agent whose cases are skipped.
        agent: String,
        /// How many.
        cases: usize,
    },
    /// A case the fuzzing server did not run: unknown, excluded for the agent, or its upgrade
    /// request refused (the testsuite records nothing then either).
    Refused {
        /// The agent the client named.
        agent: String,
        /// The case, when the request named a known one.
        case: Option<CaseId>,
        /// Why, in words.
        why: String,
    },
}

/// Where events go. Called from the engine's tasks, so it must be cheap and thread-safe.
pub type Events = Arc<dyn Fn(RunEvent) + Send + Sync>;

/// A sink that drops every event (tests, and callers that show nothing).
pub fn ignore() -> Events {
    Arc::new(|_| {})
}
