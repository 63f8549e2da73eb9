#!/usr/bin/env bash
# Peak RSS of wsreport against hostile peers (issue 15; figures in docs/security.md):
#   benches/hostile_rss.sh [WSREPORT] [HOSTILE_PEER]
# Defaults: target/release/wsreport and target/debug/examples/hostile_peer (build it with
# `cargo build --example hostile_peer`). Each line: the attack, wsreport's peak RSS (MiB,
# /usr/bin/time -v), its exit status and the case's verdict line. Loopback only, port 0.
set -uo pipefail
cd "$(dirname "$0")/.."
WS=${1:-target/release/wsreport}
HP=${2:-target/debug/examples/hostile_peer}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
rss() { awk '/Maximum resident set size/ {printf "%.0f", $6 / 1024}' "$1"; }

# replay (or run) against a hostile server: CASE ATTACK SIZE [run]
replay() {
  local cmd=${4:-replay} sel=$1
  [ "$cmd" = run ] && sel="-i $1"
  rm -f "$tmp/url"
  "$HP" server --listen 127.0.0.1:0 --attack "$2" --size "$3" >"$tmp/url" 2>"$tmp/peer.err" &
  local peer=$!
  pids+=("$peer")
  for _ in $(seq 50); do [ -s "$tmp/url" ] && break; sleep 0.1; done
  # shellcheck disable=SC2086
  /usr/bin/time -v "$WS" "$cmd" $sel --target "$(cat "$tmp/url")" --out "$tmp/run" >"$tmp/out" 2>"$tmp/time"
  local status=$?
  kill "$peer" 2>/dev/null; wait "$peer" 2>/dev/null
  printf '%-13s %-7s %-8s %-5s peak %5s MiB, exit %s: %s\n' "$cmd" "$1" "$2" "$3" "$(rss "$tmp/time")" "$status" \
    "$(grep -m1 -E '^[0-9]|FAILED' "$tmp/out" | cut -c1-150)"
  grep -m1 -iE 'memory|abort|panick' "$tmp/time" || true
}

# the fuzzing server against a hostile client: CASE ATTACK SIZE
fuzzingserver() {
  /usr/bin/time -v "$WS" fuzzingserver --listen 127.0.0.1:0 --cases "$1" --out "$tmp/reports" \
    >"$tmp/fs.out" 2>"$tmp/time" &
  local fs=$!
  pids+=("$fs")
  for _ in $(seq 50); do [ -s "$tmp/fs.out" ] && break; sleep 0.1; done
  local url
  url=$(head -1 "$tmp/fs.out")
  "$HP" client --url "$url/runCase?case=1&agent=hostile" --attack "$2" --size "$3" 2>"$tmp/peer.err"
  # the server is still there: stop it properly
  "$HP" client --url "$url/stopServer" --attack header --size 0 2>/dev/null
  wait "$fs"
  local status=$?
  printf 'fuzzingserver %-7s %-8s %-5s peak %5s MiB, exit %s: %s\n' "$1" "$2" "$3" "$(rss "$tmp/time")" "$status" \
    "$(grep -m1 'hostile: case' "$tmp/fs.out" "$tmp/time" | cut -d: -f2- | cut -c1-150)"
}

replay 12.1.1 bomb 1G
replay 12.1.1 bomb 3G
replay 9.1.1 frame 1G
replay 9.1.1 header 1024G
replay 12.1.1 bomb 1G run
fuzzingserver 9.1.1 message 100M
fuzzingserver 9.1.1 frame 100M
fuzzingserver 12.1.1 bomb 1G
