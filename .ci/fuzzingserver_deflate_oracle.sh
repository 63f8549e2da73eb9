#!/usr/bin/env bash
# The real testsuite's fuzzing server as oracle for `wsreport fuzzingserver` on the compression
# cases (12.x, 13.x): the server role's permessage-deflate answer.
#
# An echo client on Python's `websockets` (.ci/ws_client_harness.py) is run against kosoku's
# fuzzing server (the testsuite's own cases, from PyPI) and against `wsreport fuzzingserver`,
# once with compression on (the library's default offer) and once off. Fails unless every
# case's (behavior, behaviorClose) is equal between the two servers' reports.
#
# Expects $WSREPORT (the binary). Optional: $KOSOKU_VENV (reused when it holds kosoku; websockets
# is installed there), $DEFLATE_CASES (space-separated patterns; the default covers every 13.x
# parameter set and a few 12.x sizes, see below), $DEFLATE_MODES (default "on off"),
# $ORACLE_JOBS (cases at once, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${WSREPORT:?set WSREPORT to the wsreport binary}"
JOBS="${ORACLE_JOBS:-2}"
RUN_BOUND="${RUN_BOUND:-300}"
# Every 13.x parameter set (13.1-13.7) at 16, 1024 and 32768 octets and with 8192 octets in
# 256-octet frames; every 12.x test data file at 16, 4096 and 8192 octets in 256-octet frames,
# and 12.1.15 (131072 octets in 256-octet frames). About 40 s in all; DEFLATE_CASES="12.* 13.*"
# for the full set (7 min against kosoku).
DEFAULT_CASES="$(echo 13.{1..7}.{1,4,9,11} 12.{1..5}.{1,5,11} 12.1.15)"
read -r -a GLOBS <<< "${DEFLATE_CASES:-$DEFAULT_CASES}"
# The patterns resolved by wsreport (a `*` pattern matches a prefix, as in the testsuite), so
# both servers get the same exact ids, in the same order.
mapfile -t SELECT < <("$WSREPORT" replay --list "${GLOBS[@]}")
[ "${#SELECT[@]}" -gt 0 ] || { echo "fuzzingserver deflate oracle: no case selected"; exit 1; }
echo "fuzzingserver deflate oracle: ${#SELECT[@]} cases (${GLOBS[*]})"
source .ci/lib.sh
oracle_work fsd-oracle
start=$SECONDS
oracle_venv websockets
PY="$VENV/bin/python"
# kosoku's copy of the testsuite's test data, so both servers send the same messages
[ -n "$TESTDATA" ] || { echo "fuzzingserver deflate oracle: kosoku's testdata not found"; exit 1; }

status=0
for mode in ${DEFLATE_MODES:-on off}; do
  flag=(); [ "$mode" = off ] && flag=(--no-compression)
  declare -A took=()
  for kind in kosoku wsreport; do
    t=$SECONDS
    start_fuzzingserver "$kind" "$WORK/$kind-$mode" "fuzzingserver deflate oracle" "${SELECT[@]}"
    stop=(); [ "$kind" = wsreport ] && stop=(--stop)
    timeout "$RUN_BOUND" "$PY" .ci/ws_client_harness.py --url "$URL" --agent "websockets-$mode" \
      --jobs "$JOBS" "${flag[@]}" "${stop[@]}" >> "$WORK/harness.log" 2>&1 || true
    stop_server
    took[$kind]=$((SECONDS - t))
  done
  echo "fuzzingserver deflate oracle (compression $mode): ${took[kosoku]}s against kosoku, ${took[wsreport]}s against wsreport"
  python3 - "$mode" "$WORK/kosoku-$mode/index.json" "$WORK/wsreport-$mode/index.json" <<'PY' || status=1
import sys
sys.path.insert(0, ".ci")
from verdicts import verdicts, key
mode, kpath, wpath = sys.argv[1:4]
who = f"fuzzingserver deflate oracle ({mode})"
k, w = verdicts(kpath, who), verdicts(wpath, who)
equal = [c for c in k if w.get(c) == k[c]]
differ = sorted((c for c in set(k) | set(w) if w.get(c) != k.get(c)), key=key)
# Known: 13.2, 13.5 and 13.6 ask the client for client_no_context_takeover. The testsuite
# (autobahn 0.10.9) may always ask for it (RFC 7692 section 7.1.1.1): its 13.2.1 answer to
# gws-client's offer `permessage-deflate; client_max_window_bits` is
# `permessage-deflate; client_no_context_takeover` (corpus: lxzan__gws, reports-clients).
# kosoku declines such an offer (UNIMPLEMENTED); wsreport answers as the testsuite does.
known = [c for c in differ if mode == "on" and key(c)[:2] in ([13, 2], [13, 5], [13, 6])
         and k.get(c, ("",))[0] == "UNIMPLEMENTED" and w.get(c) == ("OK", "OK")]
differ = [c for c in differ if c not in known]
tally = {}
for v in k.values():
    tally["/".join(v)] = tally.get("/".join(v), 0) + 1
print(f"fuzzingserver deflate oracle (compression {mode}): {len(k)} cases, {len(equal)} equal, "
      f"{len(differ)} differ; kosoku's verdicts: "
      + ", ".join(f"{n} {v}" for v, n in sorted(tally.items())))
for c in differ:
    print(f"  {c}: kosoku {k.get(c)}, wsreport {w.get(c)}")
if known:
    print(f"  (known, not failed: kosoku UNIMPLEMENTED where the testsuite and wsreport accept "
          f"with client_no_context_takeover: {', '.join(known)})")
sys.exit(1 if differ or not k else 0)
PY
done
if [ "$status" -ne 0 ]; then tail -20 "$WORK/harness.log"; fi
echo "fuzzingserver deflate oracle: wall time $((SECONDS - start))s"
exit $status
