//! Loading and summarizing: index-only summaries, and parsing every case file (MB/s).
//!
//! Reads the corpus at `$WSREPORT_CORPUS` (default `../shared/corpus`), falling back to the
//! fixtures. `benches/vs_python.py` runs the same work in Python for the comparison in
//! docs/figures.md.

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn root() -> PathBuf {
    let corpus = std::env::var_os("WSREPORT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared/corpus")
        });
    if corpus.is_dir() {
        corpus
    } else {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("fixtures/reports")
    }
}

fn case_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && p.file_name().is_some_and(|n| n != "index.json")
            {
                files.push(p);
            }
        }
    }
    files
}

fn bench(c: &mut Criterion) {
    let root = root();
    c.bench_function("summarize index-only (whole corpus)", |b| {
        b.iter(|| {
            let (summary, errors) = wsreport::summary::summarize_paths(std::slice::from_ref(&root));
            assert!(errors.is_empty());
            summary
        })
    });

    let files: Vec<Vec<u8>> = case_files(&root)
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let bytes: u64 = files.iter().map(|f| f.len() as u64).sum();
    let mut g = c.benchmark_group("parse every case file");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function(
        format!("{} files, {} MB", files.len(), bytes / 1_000_000),
        |b| {
            b.iter(|| {
                for f in &files {
                    wsreport::load::json::parse_case(f).unwrap();
                }
            })
        },
    );
    g.bench_function("through serde_json::Value (the fallback path)", |b| {
        b.iter(|| {
            for f in &files {
                let v = wsreport::load::json::parse_bytes(f).unwrap();
                wsreport::load::json::case_from_value(&v).unwrap();
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
