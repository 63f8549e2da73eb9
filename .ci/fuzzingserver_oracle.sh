#!/usr/bin/env bash
# The real testsuite's fuzzing server as oracle for `wsreport fuzzingserver`.
#
# A client harness of our own (examples/harness_client.rs, on wsreport's codec, masked frames)
# is run against kosoku's fuzzing server (the testsuite's own cases, from PyPI) and against
# `wsreport fuzzingserver`, once as a correct client and once with the no-reassembly fault (it
# parses each read on its own). Fails unless every case's (behavior, behaviorClose) is equal
# between the two servers' reports, the correct client passes every case kosoku passes it on,
# and the faulty client fails 2.11 against both, as in the seed report. Cases: those the
# catalog has among categories 1-7 and 10.
#
# Expects $WSREPORT (the binary); builds the harness with the same profile.
# Optional: $KOSOKU_VENV (reused when it holds kosoku), $ORACLE_JOBS (cases at once, default 4),
# $ORACLE_FAULTS (default "none no-reassembly"), $ORACLE_RETRIES (runs of 2.11 alone, default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${WSREPORT:?set WSREPORT to the wsreport binary}"
JOBS="${ORACLE_JOBS:-4}"
RETRIES="${ORACLE_RETRIES:-30}" # about 2 s each; kosoku fails it about half the runs
RUN_BOUND="${RUN_BOUND:-240}" # one harness run over all cases (measured: 3-40 s with 4 jobs)
source .ci/lib.sh
oracle_work fs-oracle
start=$SECONDS
oracle_venv
HARNESS="$(example_bin harness_client)"

# The catalog's cases among categories 1-7 and 10, the same selection (so the same case
# numbers) for both servers.
mapfile -t CASES < <("$WSREPORT" replay --list '*' 2>/dev/null | grep -E '^(1|2|3|4|5|6|7|10)\.' || true)
if [ "${#CASES[@]}" -eq 0 ]; then echo "fuzzingserver oracle: the catalog has no cases"; exit 1; fi
echo "fuzzingserver oracle: ${#CASES[@]} catalog cases in categories 1-7 and 10"

# Runs the harness against a fresh server of `kind`; the reports go to `out`.
# kosoku ends by itself once /updateReports has written them; wsreport is sent /stopServer.
run_harness() { # kind fault out [jobs] case...
  local kind="$1" fault="$2" out="$3" jobs="$4"; shift 4
  start_fuzzingserver "$kind" "$out" "fuzzingserver oracle" "$@"
  local stop=(); [ "$kind" = wsreport ] && stop=(--stop)
  timeout "$RUN_BOUND" "$HARNESS" --url "$URL" --agent "harness-$fault" --fault "$fault" \
    --jobs "$jobs" "${stop[@]}" >> "$WORK/harness.log" 2>&1 || true
  stop_server
}

# The verdict of one case in a report directory, or "none".
verdict() { # out case
  python3 - "$1/index.json" "$2" <<'PY'
import json, sys
try:
    idx = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("none"); sys.exit()
v = next((c[sys.argv[2]] for c in idx.values() if sys.argv[2] in c), None)
print(f'{v["behavior"]}/{v["behaviorClose"]}' if v else "none")
PY
}

status=0
for fault in ${ORACLE_FAULTS:-none no-reassembly}; do
  declare -A took=()
  for kind in kosoku wsreport; do
    t=$SECONDS
    run_harness "$kind" "$fault" "$WORK/$kind-$fault" "$JOBS" "${CASES[@]}"
    took[$kind]=$((SECONDS - t))
  done
  echo "fuzzingserver oracle ($fault client): harness runs took ${took[kosoku]}s against kosoku, ${took[wsreport]}s against wsreport"
  python3 - "$fault" "$WORK/kosoku-$fault/index.json" "$WORK/wsreport-$fault/index.json" <<'PY' || status=1
import sys
sys.path.insert(0, ".ci")
from verdicts import verdicts, key
fault, kpath, wpath = sys.argv[1:4]
who = f"fuzzingserver oracle ({fault} client)"
k, w = verdicts(kpath, who), verdicts(wpath, who)
equal = [c for c in k if w.get(c) == k[c]]
differ = sorted((c for c in set(k) | set(w) if w.get(c) != k.get(c)), key=key)
# The no-reassembly client drops every read that is not whole frames, so its verdict depends
# on how the kernel coalesced the server's writes whenever a server writes a frame in chops or
# several frames back to back. kosoku writes a chopped frame as a burst of tiny writes that
# loopback TCP often delivers in one or two segments (2.11's ten 11-octet pings then arrive
# whole: run alone, the client passed 2.11 in 11 of 20 runs). So 2.6 and 2.11 (checked apart,
# below) and categories 3 on (several frames per case) are shown, not failed; category 1 and
# the rest of 2 are compared strictly (frames over the client's 64 KiB reads always split).
timing = sorted((c for c in differ if fault == "no-reassembly"
                 and (key(c)[0] > 2 or c in ("2.6", "2.11"))), key=key)
differ = [c for c in differ if c not in timing]
print(f"fuzzingserver oracle ({fault} client): {len(k)} cases, {len(equal)} equal, "
      f"{len(differ)} differ")
for c in differ:
    print(f"  {c}: kosoku {k.get(c)}, wsreport {w.get(c)}")
if timing:
    print(f"  (not failed: {len(timing)} verdicts that depend on read timing: "
          + ", ".join(f"{c} kosoku {'/'.join(k.get(c) or ('none',))} wsreport {'/'.join(w.get(c) or ('none',))}" for c in timing) + ")")
passing = lambda v: v[0] in ("OK", "NON-STRICT", "INFORMATIONAL") and v[1] in ("OK", "INFORMATIONAL")
failing = sorted((c for c in k if not passing(k[c])), key=key)
print(f"fuzzingserver oracle ({fault} client): kosoku passes {len(k) - len(failing)} of {len(k)}"
      + (f", fails {', '.join(failing)}" if failing and len(failing) <= 30 else
         f", fails {len(failing)}" if failing else ""))
if fault == "none":
    lost = sorted((c for c in k if passing(k[c]) and not passing(w.get(c, ("none", "none")))), key=key)
    if lost:
        print(f"  the correct client passes against kosoku but not wsreport: {', '.join(lost)}")
    if failing or lost:
        sys.exit(1)
sys.exit(1 if differ else 0)
PY
  if [ "$fault" = no-reassembly ]; then
    # The seed: a client that does not reassemble frames split across reads fails 2.11.
    # Whether a read splits a frame depends on timing (see above), so 2.11 is run alone again
    # until it fails, up to $RETRIES times per server.
    for kind in kosoku wsreport; do
      v=$(verdict "$WORK/$kind-$fault" 2.11); runs=1
      while [[ "$v" != FAILED/* ]] && [ "$runs" -le "$RETRIES" ]; do
        run_harness "$kind" "$fault" "$WORK/$kind-2.11-$runs" 1 2.11
        v=$(verdict "$WORK/$kind-2.11-$runs" 2.11); runs=$((runs + 1))
      done
      if [[ "$v" == FAILED/* ]]; then
        echo "fuzzingserver oracle: the no-reassembly client fails 2.11 against $kind ($v, run $runs)"
      else
        echo "fuzzingserver oracle: the no-reassembly client never failed 2.11 against $kind in $runs runs"
        status=1
      fi
    done
  fi
done
echo "fuzzingserver oracle: wall time $((SECONDS - start))s"
exit $status
