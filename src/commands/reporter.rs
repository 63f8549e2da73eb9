//! Turns the engine's [`RunEvent`]s into what a person sees: a progress bar on a terminal
//! (cases done, which are running, time left) and, for the fuzzing server, a line per case.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wsreport::event::{Events, RunEvent};
use wsreport::model::{CaseId, Verdict};

/// What the reporter shows.
pub(crate) struct Reporter {
    bar: Option<indicatif::ProgressBar>,
    running: Mutex<Vec<String>>,
    /// Running cases are shown as `agent 2.11` (a run over several servers).
    name_agents: bool,
    /// A line on stderr per case finished or refused (the fuzzing server's log).
    lines: bool,
}

impl Reporter {
    /// A bar over `total` cases, drawn on stderr when `enabled` (a terminal and more than one
    /// case).
    pub(crate) fn progress(total: usize, enabled: bool, name_agents: bool) -> Arc<Reporter> {
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
        Arc::new(Reporter {
            bar,
            running: Mutex::new(Vec::new()),
            name_agents,
            lines: false,
        })
    }

    /// One line on stderr per case that ends or is refused.
    pub(crate) fn lines() -> Arc<Reporter> {
        Arc::new(Reporter {
            bar: None,
            running: Mutex::new(Vec::new()),
            name_agents: true,
            lines: true,
        })
    }

    /// The sink the library sends its events to.
    pub(crate) fn events(self: &Arc<Self>) -> Events {
        let me = Arc::clone(self);
        Arc::new(move |e| me.on(e))
    }

    fn label(&self, agent: &str, id: &CaseId) -> String {
        if self.name_agents {
            format!("{agent} {id}")
        } else {
            id.to_string()
        }
    }

    fn on(&self, event: RunEvent) {
        match event {
            RunEvent::CaseStarted { agent, case } => {
                if let Some(bar) = &self.bar {
                    let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
                    running.push(self.label(&agent, &case));
                    bar.set_message(format!("running {}", running.join(", ")));
                }
            }
            RunEvent::CaseFinished {
                agent,
                case,
                behavior,
                behavior_close,
                duration_ms,
            } => {
                if let Some(bar) = &self.bar {
                    let label = self.label(&agent, &case);
                    let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(i) = running.iter().position(|r| *r == label) {
                        running.remove(i);
                    }
                    bar.set_message(format!("running {}", running.join(", ")));
                    bar.inc(1);
                }
                if self.lines {
                    let v =
                        |x: &Option<Verdict>| x.as_ref().map_or("?", Verdict::as_str).to_string();
                    line(&format!(
                        "{agent}: case {case}: behavior {}, close {} ({duration_ms} ms)",
                        v(&behavior),
                        v(&behavior_close),
                    ));
                }
            }
            RunEvent::Skipped { cases, .. } => {
                if let Some(bar) = &self.bar {
                    bar.inc(cases as u64);
                }
            }
            RunEvent::Refused { agent, case, why } => {
                if self.lines {
                    line(&refused_line(&agent, case.as_ref(), &why));
                }
            }
        }
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The log line of a refused case.
fn refused_line(agent: &str, case: Option<&CaseId>, why: &str) -> String {
    match case {
        Some(case) => format!("{agent}: case {case}: {why}"),
        None => format!("{agent}: {why}"),
    }
}

/// One log line on stderr, made [`visible`].
fn line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", visible(text));
}

/// Agent names come from the client: a log line shows their control characters as escapes, so
/// a name cannot send escape sequences to the operator's terminal.
fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    wsreport::text::visible(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_chosen_agent_names_reach_the_log_visibly() {
        // Before: the title-setting sequence went to the terminal as it was.
        let id: CaseId = "1.1.1".parse().unwrap();
        let said = refused_line("\x1b]0;owned\x07evil\r\n", Some(&id), "excluded");
        assert_eq!(
            visible(&said),
            r"\u{1b}]0;owned\u{7}evil\r\n: case 1.1.1: excluded"
        );
    }
}
