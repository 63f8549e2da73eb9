//! What the CI-flag tests share: the reference server on a free port, `run` executed on a
//! runtime of its own (the binary with a clean environment is [`super::wsreport`]).

use wsreport::run::{self, Gate, RunCommand};
use wsreport::serve::{ServeOptions, serve};

/// The reference server with `opts` on a free loopback port, running until the runtime drops.
pub fn start_serve(opts: ServeOptions) -> (tokio::runtime::Runtime, std::net::SocketAddr) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(serve(listener, opts));
    (rt, addr)
}

/// Plans and executes `cmd` (no case may fail to run), then reads the report back and judges
/// it under the default gate.
pub fn run_report(cmd: &RunCommand) -> run::RunReport {
    let plan = run::plan(cmd).unwrap();
    let done = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run::execute(&plan, cmd.jobs, &wsreport::event::ignore()))
        .unwrap();
    assert!(done.errors.is_empty(), "{:?}", done.errors);
    run::report(done, &Gate::default())
}
