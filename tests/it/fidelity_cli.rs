//! `--framing`: by default a fragmented message whose length is a multiple of the fragment
//! size ends with wstest's empty final continuation frame; `--framing kosoku` makes the last
//! full fragment final. Checked on the frames the binary reports sending (6.2.3: 29 fragments
//! of one octet) against the reference server on loopback.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use wsreport::serve::{ServeOptions, serve};

/// The continuation frames (`txFrameStats["0"]`) the binary sent for 6.2.3.
fn continuations(target: &str, extra: &[&str], out: &Path) -> u64 {
    let status = Command::new(env!("CARGO_BIN_EXE_wsreport"))
        .args(["replay", "6.2.3", "--target", target, "--out"])
        .arg(out)
        .args(extra)
        .env_clear()
        .output()
        .expect("the binary runs");
    assert!(status.status.success(), "{extra:?}: {status:?}");
    let index: Value = serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap())
        .expect("index.json");
    let (_, cases) = index.as_object().unwrap().iter().next().expect("an agent");
    let file = cases["6.2.3"]["reportfile"].as_str().expect("reportfile");
    let case: Value = serde_json::from_slice(&std::fs::read(out.join(file)).unwrap()).unwrap();
    case["txFrameStats"]["0"]
        .as_u64()
        .expect("continuations sent")
}

#[test]
fn wstest_framing_by_default_kosoku_on_request() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let target = format!("ws://{}", listener.local_addr().unwrap());
    let server = rt.spawn(serve(listener, ServeOptions::default()));
    let tmp = tempfile::tempdir().unwrap();
    let default = continuations(&target, &[], &tmp.path().join("default"));
    let wstest = continuations(&target, &["--framing", "wstest"], &tmp.path().join("w"));
    let kosoku = continuations(&target, &["--framing", "kosoku"], &tmp.path().join("k"));
    // the deprecated flag still means wstest's framing
    let old = continuations(
        &target,
        &["--empty-final-fragment"],
        &tmp.path().join("old"),
    );
    server.abort();
    // 29 octets in fragments of one: a text frame, 28 continuations, and wstest's empty one
    assert_eq!((default, wstest, kosoku, old), (29, 29, 28, 29));
}
