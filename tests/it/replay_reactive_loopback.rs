//! The reactive cases (9.x, 12.x) over TCP loopback against the reference server. Apart from
//! `replay_loopback.rs`: test binaries run one after another, so these echo-heavy cases do not
//! load the machine while 2.11's read-timing test runs.

use std::time::Duration;

use wsreport::catalog;
use wsreport::model::Verdict;
use wsreport::replay::{ReplayOptions, Target, replay_tcp};
use wsreport::serve::{ServeOptions, serve};

const BOUND: Duration = Duration::from_secs(60);

/// The reactive cases over TCP: 9.1.1's 64 KiB echo and 9.7.1's 1000 round trips pass, and
/// 12.1.1's 1000 compressed messages (stand-in test data, no --testdata) come back from the
/// reference server's permessage-deflate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactive_cases_run_over_loopback() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(serve(listener, ServeOptions::default()));
    let target = Target::parse(&format!("ws://{addr}")).unwrap();
    let opts = ReplayOptions::client(&target, "serve");
    let run = async {
        let mut verdicts = Vec::new();
        for id in ["9.1.1", "9.7.1", "12.1.1"] {
            let def = catalog::build(&id.parse().unwrap()).unwrap();
            let r = replay_tcp(&target, &def, &opts, 1).await.unwrap();
            verdicts.push((r.case.behavior.unwrap(), r.case.behavior_close.unwrap()));
        }
        verdicts
    };
    let verdicts = tokio::time::timeout(BOUND, run).await.expect("in time");
    server.abort();
    assert_eq!(
        verdicts,
        [
            (Verdict::Ok, Verdict::Ok),
            (Verdict::Ok, Verdict::Ok),
            (Verdict::Ok, Verdict::Ok)
        ]
    );
}
