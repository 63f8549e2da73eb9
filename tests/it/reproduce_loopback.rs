//! Reproducers over loopback, both roles. For each fault of the example peers a report of
//! that peer is made first (`replay --target --out` against `faulty_server`, or the fuzzing
//! server with `harness_client`); its case file must then reproduce the failure with
//! `replay --from` and with the script `repro` writes (run by python3), and pass against a
//! correct peer (`wsreport serve`, a harness with no fault). The seed's page text gives a
//! script that fails a client that does not reassemble reads.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, Lines};
use tokio::process::{Child, Command};

const BOUND: Duration = Duration::from_secs(90);

/// An example peer built by `cargo test` (`target/debug/examples/NAME`).
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} missing: `cargo test` builds the examples (or run `cargo build --examples`)",
        path.display()
    );
    path
}

fn python3() -> bool {
    let found = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("python3 not found: skipping the script half of this test");
    }
    found
}

/// The first line holding `ws://`, and the URL in it (the rest of the line dropped).
async fn url_line<R: AsyncRead + Unpin>(lines: &mut Lines<BufReader<R>>) -> String {
    while let Some(l) = lines.next_line().await.unwrap() {
        if let Some(i) = l.find("ws://") {
            return l[i..].split_whitespace().next().unwrap().to_string();
        }
    }
    panic!("no ws:// line");
}

/// A running peer and its URL.
struct Peer {
    _child: Child,
    url: String,
}

/// Starts a server that prints its URL on stdout (`faulty_server`) or stderr (`serve`).
async fn start(mut cmd: Command, url_on_stderr: bool) -> Peer {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = if url_on_stderr {
        url_line(&mut BufReader::new(child.stderr.take().unwrap()).lines()).await
    } else {
        url_line(&mut BufReader::new(child.stdout.take().unwrap()).lines()).await
    };
    Peer { _child: child, url }
}

async fn faulty_server(fault: &str) -> Peer {
    let mut cmd = Command::new(example("faulty_server"));
    cmd.args(["--fault", fault, "--listen", "127.0.0.1:0"]);
    start(cmd, false).await
}

async fn reference_server() -> Peer {
    let mut cmd = wsreport();
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    start(cmd, true).await
}

/// Runs a command to its end; its exit code and stdout.
async fn output(cmd: &mut Command) -> (Option<i32>, String) {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn wsreport() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wsreport"))
}

/// A harness run against `url`, to its end (its status is not ours to judge).
async fn harness(url: &str, fault: &str, stop: bool) {
    let mut cmd = Command::new(example("harness_client"));
    cmd.args([
        "--url", url, "--agent", "harness", "--fault", fault, "--idle", "10",
    ]);
    if stop {
        cmd.arg("--stop");
    }
    let _ = output(&mut cmd).await;
}

/// `python3 SCRIPT --listen 127.0.0.1:0` (or `replay --from FILE --listen`) with a harness of
/// `fault` pointed at it: the exit code and output of the one-case server.
async fn serve_case_to_harness(mut server: Command, fault: &str) -> (Option<i32>, String) {
    let mut child = server
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = url_line(&mut lines).await;
    let rest = async {
        let mut text = String::new();
        while let Some(l) = lines.next_line().await.unwrap() {
            text.push_str(&l);
            text.push('\n');
        }
        text
    };
    let (text, ()) = tokio::join!(rest, harness(&url, fault, false));
    let status = child.wait().await.unwrap();
    (status.code(), text)
}

/// The masks of a case file's `TF` rows.
fn tx_masks(file: &Path) -> Vec<Option<String>> {
    let case = wsreport::load::read_case_file(file).unwrap();
    case.wirelog
        .into_iter()
        .filter_map(|r| match r {
            wsreport::model::WireRow::TxFrame { mask, .. } => Some(mask),
            _ => None,
        })
        .collect()
}

/// Server role: a report of `faulty_server --fault FAULT` fails `case`; its case file
/// reproduces the failure with `replay --from` and the script, and passes against `serve`.
async fn server_fault_reproduces(fault: &str, case: &str) {
    let faulty = faulty_server(fault).await;
    let good = reference_server().await;
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report");
    let (code, out) = output(
        wsreport()
            .args(["replay", case, "--target", &faulty.url, "--out"])
            .arg(&report),
    )
    .await;
    assert_eq!(code, Some(1), "{fault} must fail {case}: {out}");
    let file = report.join(format!(
        "unknownserver_case_{}.json",
        case.replace('.', "_")
    ));

    // replay --from: the same masks on the wire, the failure again
    let again = tmp.path().join("again");
    let (code, out) = output(
        wsreport()
            .arg("replay")
            .arg("--from")
            .arg(&file)
            .args(["--target", &faulty.url, "--out"])
            .arg(&again),
    )
    .await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("report: the failure reproduced"), "{out}");
    let replayed = again.join(file.file_name().unwrap());
    let masks = tx_masks(&file);
    assert!(!masks.is_empty() && masks.iter().all(Option::is_some));
    assert_eq!(
        tx_masks(&replayed)[..masks.len()],
        masks[..],
        "the report's masks"
    );
    let (code, out) = output(
        wsreport()
            .arg("replay")
            .arg("--from")
            .arg(&file)
            .args(["--target", &good.url]),
    )
    .await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("the failure did NOT reproduce"), "{out}");
    assert!(
        out.contains("behavior: report FAILED, this run OK")
            || out.contains("behaviorClose: report"),
        "{out}"
    );

    // the script
    let script = tmp.path().join("repro.py");
    let (code, _) = output(wsreport().arg("repro").arg(&file).arg("--out").arg(&script)).await;
    assert_eq!(code, Some(0));
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(
        text.contains(&format!("case {case}")),
        "the header names the case"
    );
    assert!(text.contains("The report: agent \"UnknownServer\""));
    if !python3() {
        return;
    }
    let (code, out) = output(Command::new("python3").arg(&script).arg(&faulty.url)).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("REPRODUCED: case {case} fails")),
        "{out}"
    );
    assert!(out.contains("-> "), "frames sent are printed: {out}");
    let (code, out) = output(Command::new("python3").arg(&script).arg(&good.url)).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&format!("the peer behaves: case {case} passes")),
        "{out}"
    );
    assert!(out.contains("<- "), "frames received are printed: {out}");
}

/// Client role: a report of `harness_client --fault FAULT` (from `wsreport fuzzingserver`)
/// fails `case`; `replay --from --listen` and the script `--listen` fail that harness again
/// and pass a harness with no fault.
async fn client_fault_reproduces(fault: &str, case: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("clients");
    let mut server = wsreport()
        .args([
            "fuzzingserver",
            "--listen",
            "127.0.0.1:0",
            "--cases",
            case,
            "--out",
        ])
        .arg(&report)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let url = url_line(&mut lines).await;
    harness(&url, fault, true).await;
    server.wait().await.unwrap();
    let file = report.join(format!("harness_case_{}.json", case.replace('.', "_")));
    assert!(file.exists(), "the fuzzing server wrote {}", file.display());

    let from = |fault| {
        let mut cmd = wsreport();
        cmd.arg("replay")
            .arg("--from")
            .arg(&file)
            .args(["--listen", "127.0.0.1:0"]);
        serve_case_to_harness(cmd, fault)
    };
    let (code, out) = from(fault).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("report: the failure reproduced"), "{out}");
    let (code, out) = from("none").await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("the failure did NOT reproduce"), "{out}");

    let script = tmp.path().join("repro.py");
    let (code, _) = output(wsreport().arg("repro").arg(&file).arg("--out").arg(&script)).await;
    assert_eq!(code, Some(0));
    if !python3() {
        return;
    }
    let run = |fault| {
        let mut cmd = Command::new("python3");
        cmd.arg(&script).args(["--listen", "127.0.0.1:0"]);
        serve_case_to_harness(cmd, fault)
    };
    let (code, out) = run(fault).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("REPRODUCED: case {case} fails")),
        "{out}"
    );
    let (code, out) = run("none").await;
    assert_eq!(code, Some(0), "{out}");
}

/// One test per row: its name, the role's check, the fault and the case it fails.
macro_rules! reproduces {
    ($($name:ident: $check:ident($fault:literal, $case:literal);)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            tokio::time::timeout(BOUND, $check($fault, $case))
                .await
                .expect("in time");
        }
    )*};
}

reproduces! {
    a_server_without_pongs_fails_2_1_again_from_its_report: server_fault_reproduces("no-pong", "2.1");
    a_server_that_does_not_reassemble_fails_2_6_again_from_its_report: server_fault_reproduces("no-reassembly", "2.6");
    a_server_without_utf8_checks_fails_6_3_1_again_from_its_report: server_fault_reproduces("no-utf8", "6.3.1");
    a_server_without_close_replies_fails_1_1_1_again_from_its_report: server_fault_reproduces("no-close-reply", "1.1.1");
    a_client_without_pongs_fails_2_1_again_from_its_report: client_fault_reproduces("no-pong", "2.1");
    a_client_that_does_not_reassemble_fails_2_6_again_from_its_report: client_fault_reproduces("no-reassembly", "2.6");
    a_client_without_utf8_checks_fails_6_3_1_again_from_its_report: client_fault_reproduces("no-utf8", "6.3.1");
    a_client_without_close_replies_fails_1_1_1_again_from_its_report: client_fault_reproduces("no-close-reply", "1.1.1");
}

/// The seed (2.11 of `stratus@2`, copied page text): its script, serving the case, fails a
/// client that does not reassemble reads, and passes one that does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_page_text_gives_a_script_that_fails_a_client_without_reassembly() {
    let seed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed/case-2.11-stratus-page-text.txt");
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("case-2.11.py");
    let (code, _) = output(wsreport().arg("repro").arg(&seed).arg("--out").arg(&script)).await;
    assert_eq!(code, Some(0));
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("Send 10 Pings with payload. Send out octets in octet-wise chops."));
    assert!(
        text.contains("behavior FAILED, close UNCLEAN"),
        "the report's verdict"
    );
    assert!(text.contains("chop=1"), "written octet by octet");
    if !python3() {
        return;
    }
    let run = |fault| {
        let mut cmd = Command::new("python3");
        cmd.arg(&script).args(["--listen", "127.0.0.1:0"]);
        serve_case_to_harness(cmd, fault)
    };
    let (code, out) = tokio::time::timeout(BOUND, run("no-reassembly"))
        .await
        .expect("in time");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("REPRODUCED: case 2.11 fails (behavior FAILED"),
        "{out}"
    );
    assert!(out.contains("received: []"), "no pong came back: {out}");
    let (code, out) = tokio::time::timeout(BOUND, run("none"))
        .await
        .expect("in time");
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out.matches("<- PONG").count(), 10, "{out}");
}
