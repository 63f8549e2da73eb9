#!/usr/bin/env bash
# Runs every fuzz target (or those named) on its corpus, one after the other:
#   fuzz/run.sh [-t SECONDS] [-r RUNS] [-s SANITIZER] [TARGET…]
# A smoke run in CI (`.ci/run`: -t 3 -s none) and a campaign by hand (-r 1000000 -t 1800,
# address sanitizer: the default). Builds the seed corpus first when it is missing
# (fuzz/seed.sh). `-s none` builds without a sanitizer (cargo fuzz build -s none): about half
# the CPU to build and two to three times the executions a second; a panic, a stack overflow,
# a timeout or the RSS limit are still crashes, only memory errors in unsafe code (and the
# single-allocation limit, which needs the sanitizer's malloc hooks) go unseen. cargo-fuzz needs nightly's -Z flags:
# RUSTC_BOOTSTRAP=1 lets the default (stable) toolchain take them. A crash stops the script
# (exit 1) with the input under fuzz/artifacts/TARGET/; the last line of each run (execs,
# coverage) is printed.
set -euo pipefail
cd "$(dirname "$0")"
secs=10 runs=-1 san=address
while getopts t:r:s: o; do
  case $o in
    t) secs=$OPTARG ;;
    r) runs=$OPTARG ;;
    s) san=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
export RUSTC_BOOTSTRAP=1
[ -d corpus ] || bash seed.sh
cargo fuzz build -O -s "$san" >/dev/null 2>&1 || cargo fuzz build -O -s "$san"
# the targets are run as built, not through `cargo fuzz run` (a cargo build check per target)
bin=${CARGO_TARGET_DIR:-target}/$(rustc -vV | sed -n 's/^host: //p')/release
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
for t in "${targets[@]}"; do
  log=$(mktemp)
  mkdir -p "artifacts/$t"
  if "$bin/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$secs" \
      -runs="$runs" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    echo "$t: ${execs:-?} execs in $(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' || echo "${secs} second")s, $cov, corpus $(ls "corpus/$t" | wc -l)"
    rm -f "$log"
  else
    tail -40 "$log"
    echo "$t: CRASH (input under fuzz/artifacts/$t/)"
    exit 1
  fi
done
