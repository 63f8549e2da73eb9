//! Criterion benchmarks of wsreport: `cargo bench -p wsreport-bench`.
