//! `wsreport run` over loopback with a spec of two servers (the reference server under two
//! agent names): the written directory loads back with both agents and the right verdicts,
//! from the JSON and from the HTML alone.

use std::path::Path;

use wsreport::load;
use wsreport::model::{CaseId, Verdict};
use wsreport::run::{self, Gate, RunCommand};
use wsreport::serve::{ServeOptions, serve};

/// The reference server on a free loopback port, running on its own runtime until dropped.
fn start_serve() -> (tokio::runtime::Runtime, std::net::SocketAddr) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(serve(listener, ServeOptions::default()));
    (rt, addr)
}

/// Runs the plan on a runtime of its own, telling nobody about progress.
fn execute(plan: &run::Plan, jobs: usize) -> run::Executed {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run::execute(plan, jobs, &wsreport::event::ignore()))
        .unwrap()
}

fn ids(list: &[&str]) -> Vec<CaseId> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

#[test]
fn two_agents_of_a_spec_are_written_into_one_report_that_reads_back() {
    let (server, addr) = start_serve();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports/servers");
    let spec = tmp.path().join("fuzzingclient.json");
    std::fs::write(
        &spec,
        format!(
            r#"{{"outdir": "{}",
                "servers": [{{"agent": "serve-a", "url": "ws://{addr}"}},
                            {{"agent": "serve-b", "url": "ws://{addr}/",
                              "options": {{"failByDrop": false}}}}],
                "cases": ["1.1.*", "2.*", "9.1.1", "12.1.1"],
                "exclude-cases": ["2.1*", "1.1.6"],
                "exclude-agent-cases": {{"*-b": ["1.1.8", "2.2"]}}}}"#,
            out.display()
        ),
    )
    .unwrap();
    let cmd = RunCommand {
        spec: Some(spec),
        jobs: 3,
        ..RunCommand::default()
    };
    let plan = run::plan(&cmd).unwrap();
    assert_eq!(plan.out, out);
    let done = execute(&plan, cmd.jobs);
    drop(server);
    assert!(done.errors.is_empty(), "{:?}", done.errors);
    let report = run::report(done, &Gate::default());
    assert!(!report.has_errors(), "{:?}", report.errors);
    assert!(report.passed());

    // 1.1.1–1.1.8 less 1.1.6, 2.2–2.9 (2.1* excludes 2.1, 2.10, 2.11: a prefix, as in the
    // testsuite), 9.1.1, and 12.1.1 (its 1000 compressed messages on stand-in test data)
    let a_ids = ids(&[
        "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.7", "1.1.8", "2.2", "2.3", "2.4", "2.5",
        "2.6", "2.7", "2.8", "2.9", "9.1.1", "12.1.1",
    ]);
    let b_ids: Vec<CaseId> = a_ids
        .iter()
        .filter(|i| !["1.1.8", "2.2"].contains(&i.to_string().as_str()))
        .cloned()
        .collect();

    let check = |dir: &Path, from_html: bool| {
        let loaded = load::load_paths(&[dir.to_path_buf()]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(loaded.reports.len(), 1);
        let r = &loaded.reports[0];
        let agents: Vec<&str> = r.agents.iter().map(|a| a.agent.as_str()).collect();
        assert_eq!(agents, ["serve-a", "serve-b"], "html only: {from_html}");
        for (run, want) in r.agents.iter().zip([&a_ids, &b_ids]) {
            let got: Vec<CaseId> = run.cases.iter().map(|e| e.id.clone()).collect();
            assert_eq!(&got, want, "{} (html only: {from_html})", run.agent);
            for e in &run.cases {
                assert_eq!(e.behavior, Verdict::Ok, "{} {}", run.agent, e.id);
                assert_eq!(e.behavior_close, Verdict::Ok, "{} {}", run.agent, e.id);
                let case = load::load_case(r, &run.agent, e).unwrap();
                assert_eq!(case.id.as_ref(), Some(&e.id));
                assert_eq!(case.agent, run.agent);
                assert_eq!(case.behavior.as_ref(), Some(&e.behavior));
            }
        }
        loaded
    };
    let from_json = check(&out, false);

    // The `case` number is the position in the spec's selection (before the per-agent
    // exclusion), as the testsuite numbers it: 2.3 is the 10th selected case.
    let r = &from_json.reports[0];
    let entry = |agent: usize, id: &str| {
        r.agents[agent]
            .cases
            .iter()
            .find(|e| e.id.to_string() == id)
            .unwrap()
            .clone()
    };
    for agent in [0, 1] {
        let case = load::load_case(r, &r.agents[agent].agent, &entry(agent, "2.3")).unwrap();
        // the position in the run: 1.1.1–1.1.8 less 1.1.6, then 2.2, 2.3
        assert_eq!(case.seq, Some(9));
    }

    // The pages alone: every command must read the same model from them.
    for f in std::fs::read_dir(&out).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(p).unwrap();
        }
    }
    let from_html = check(&out, true);
    let (j, h) = (&from_json.reports[0], &from_html.reports[0]);
    for (ja, ha) in j.agents.iter().zip(&h.agents) {
        for (je, he) in ja.cases.iter().zip(&ha.cases) {
            assert_eq!(
                (&je.id, &je.behavior, &je.behavior_close),
                (&he.id, &he.behavior, &he.behavior_close)
            );
            assert_eq!(je.remote_close_code, he.remote_close_code, "{}", je.id);
        }
    }
}

#[test]
fn an_unreachable_server_is_an_error_and_the_other_still_runs() {
    let (server, addr) = start_serve();
    // A port nothing listens on: bind, note it, close.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec.json");
    std::fs::write(
        &spec,
        format!(
            r#"{{"servers": [{{"agent": "dead", "url": "ws://{dead}"}},
                            {{"agent": "alive", "url": "ws://{addr}"}}],
                "cases": ["1.1.1", "1.1.2"]}}"#
        ),
    )
    .unwrap();
    let cmd = RunCommand {
        spec: Some(spec),
        out: Some(tmp.path().join("out")),
        jobs: 2,
        ..RunCommand::default()
    };
    let plan = run::plan(&cmd).unwrap();
    let done = execute(&plan, cmd.jobs);
    drop(server);
    assert_eq!(done.errors.len(), 1, "{:?}", done.errors);
    assert!(done.errors[0].contains("dead"), "{}", done.errors[0]);
    let report = run::report(done, &Gate::default());
    assert!(report.has_errors());
    let agents: Vec<&str> = report.summary.reports[0]
        .agents
        .iter()
        .map(|a| a.agent.as_str())
        .collect();
    assert_eq!(agents, ["alive"]);

    // Every server unreachable: the report already there is left as it was.
    let cmd = RunCommand {
        agent: Some("dead".into()),
        ..cmd
    };
    let before = std::fs::read(tmp.path().join("out/index.json")).unwrap();
    let plan = run::plan(&cmd).unwrap();
    let done = execute(&plan, cmd.jobs);
    let report = run::report(done, &Gate::default());
    assert!(report.has_errors());
    assert!(report.check.is_none());
    assert_eq!(
        std::fs::read(tmp.path().join("out/index.json")).unwrap(),
        before
    );
}
