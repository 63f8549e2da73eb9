//! A WebSocket client test harness, the kind a client library runs against the testsuite's
//! fuzzing server (`wstest -m fuzzingserver`, `kosoku -m fuzzingserver`, or
//! `wsreport fuzzingserver`), with one known fault on demand.
//!
//! ```text
//! cargo run --example harness_client -- --url ws://127.0.0.1:9001 --agent NAME --fault none
//! ```
//! asks `/getCaseCount`, runs `/runCase?case=N&agent=NAME` for every N as an echo client
//! (echoes every message, answers pings, completes close handshakes, fails the connection
//! with 1002 or 1007 on protocol errors and invalid UTF-8, masks every frame), then asks
//! `/updateReports?agent=NAME`. Options:
//! - `--fault none|no-reassembly|…`: the faults of `faulty_server`, in the client role;
//!   `no-reassembly` parses each read on its own, so frames split across reads are lost
//!   (fails 2.11 as in the seed report).
//! - `--jobs N`: run up to N cases at once (default 1).
//! - `--idle SECS`: give a connection up after SECS without a read (default 15); every case
//!   is also bounded as a whole, so the harness never hangs.
//! - `--stop`: send `/stopServer` at the end (wsreport and wstest have it).
//!
//! Exits 0 once the reports were asked for, 1 when the server could not be used.

mod common;

use std::time::Duration;

use futures_util::StreamExt;

use common::Fault;

struct Options {
    /// `host:port` of the fuzzing server.
    host: String,
    agent: String,
    fault: Fault,
    jobs: usize,
    idle: Duration,
    stop: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        host: "127.0.0.1:9001".into(),
        agent: "wsreport-harness".into(),
        fault: Fault::None,
        jobs: 1,
        idle: Duration::from_secs(15),
        stop: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--stop" {
            o.stop = true;
            continue;
        }
        let value = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--url" => {
                let rest = value
                    .strip_prefix("ws://")
                    .ok_or(format!("--url `{value}` is not a ws:// URL"))?;
                o.host = rest.split('/').next().unwrap_or_default().to_string();
                if o.host.is_empty() {
                    return Err(format!("--url `{value}` has no host"));
                }
            }
            "--agent" => o.agent = value,
            "--fault" => o.fault = Fault::parse(&value)?,
            "--jobs" => {
                o.jobs = value
                    .parse()
                    .ok()
                    .filter(|&j| j > 0)
                    .ok_or(format!("--jobs `{value}` is not a positive number"))?;
            }
            "--idle" => {
                let secs: f64 = value
                    .parse()
                    .ok()
                    .filter(|&s: &f64| s > 0.0 && s.is_finite())
                    .ok_or(format!("--idle `{value}` is not a positive number"))?;
                o.idle = Duration::from_secs_f64(secs);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

async fn run_case(o: &Options, n: usize) -> Result<(), String> {
    common::client_case(&o.host, n, &o.agent, o.fault, o.idle).await
}

async fn ask(o: &Options, resource: &str) -> Result<Vec<String>, String> {
    common::ask(&o.host, resource, o.idle).await
}

async fn harness(o: &Options) -> Result<(), String> {
    let count = ask(o, "/getCaseCount").await?;
    let count: usize = count
        .first()
        .and_then(|c| c.trim().parse().ok())
        .ok_or(format!("/getCaseCount answered {count:?}, not a number"))?;
    let troubled = futures_util::stream::iter(1..=count)
        .map(|n| async move { (n, run_case(o, n).await) })
        .buffer_unordered(o.jobs)
        .filter_map(|(n, r)| async move { r.err().map(|e| (n, e)) })
        .collect::<Vec<_>>()
        .await;
    for (n, e) in &troubled {
        eprintln!("harness_client: case {n}: {e}");
    }
    let agent = common::query_escape(&o.agent);
    ask(o, &format!("/updateReports?agent={agent}")).await?;
    if o.stop {
        // the server may stop before answering; whatever happens, it was asked
        let _ = ask(o, "/stopServer").await;
    }
    println!(
        "harness_client: {count} cases run as `{}` (fault {:?}, {} jobs){}",
        o.agent,
        o.fault,
        o.jobs,
        if troubled.is_empty() {
            String::new()
        } else {
            format!(", {} not ended by a close", troubled.len())
        }
    );
    Ok(())
}

#[tokio::main]
async fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "harness_client: {e}\nusage: harness_client --url ws://HOST:PORT --agent NAME \
                 [--fault {}] [--jobs N] [--idle SECS] [--stop]",
                Fault::NAMES
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = harness(&options).await {
        eprintln!("harness_client: {e}");
        std::process::exit(1);
    }
}
