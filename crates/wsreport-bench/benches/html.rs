//! HTML case-page parse throughput (MB/s) over the fixture pages.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn pages() -> Vec<Vec<u8>> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("fixtures/html");
    ["tiny_1_case_2_11.html", "tiny_1_case_6_7_1.html"]
        .iter()
        .map(|n| std::fs::read(dir.join(n)).expect("fixture page"))
        .collect()
}

fn parse_pages(c: &mut Criterion) {
    let pages = pages();
    let bytes: usize = pages.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("html");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("case pages", |b| {
        b.iter(|| {
            for p in &pages {
                black_box(wsreport::load::html::parse_case_page(black_box(p)).expect("parses"));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, parse_pages);
criterion_main!(benches);
