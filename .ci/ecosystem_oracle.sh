#!/usr/bin/env bash
# The real testsuite's fuzzing server as oracle for `wsreport fuzzingserver`, with clients from
# other ecosystems: an echo client on npm's `ws` (Node.js, .ci/node_ws_client_harness.js) and
# one on `aiohttp` (PyPI, .ci/aiohttp_client_harness.py), both offering permessage-deflate.
#
# Each client asks the server for its case count, runs every case echoing, and asks for the
# reports, once against kosoku's fuzzing server (the testsuite's own cases, from PyPI) and once
# against `wsreport fuzzingserver --framing kosoku` serving the same selection (so the same case
# numbers). Fails unless every case's (behavior, behaviorClose) is equal between the two
# servers' reports, but for differences explained and shown: the timing-sensitive cases (OK or
# NON-STRICT as the client's echo and the server's next frame cross, docs/deviations.md §4) and
# kosoku declining an offer without client_no_context_takeover on 13.2/13.5/13.6 (§2).
#
# Selection (CI, ~45 s for both clients): a share of every category (.ci/run_oracle.sh's for the
# servers from other ecosystems: 1-5 and 10 whole, a share of 6.x and 7.x subcategories; one
# message size of each 9.x series, the largest chops of 9.5/9.6), every 13.x parameter set and
# 12.x test data file at 16 octets, and 12.1.11/13.1.11 (8192 octets in 256-octet frames).
# All 517: ECOSYSTEM_CASES='*' (benches/ecosystem_full_run.sh).
#
# Expects $WSREPORT (the binary). Optional: $KOSOKU_VENV (reused when it holds kosoku; aiohttp
# is installed there), $ECOSYSTEM_CLIENTS (default "node-ws aiohttp"), $ECOSYSTEM_CASES
# (globs), $ECOSYSTEM_SHOW_ALL (1: print every case's two verdicts), $ORACLE_JOBS (cases at
# once, default 2), $NODE_WS (a directory holding node_modules/ws, else `npm install ws@8` into
# the work directory), $RUN_BOUND (seconds one client may take against one server, default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${WSREPORT:?set WSREPORT to the wsreport binary}"
JOBS="${ORACLE_JOBS:-2}"
RUN_BOUND="${RUN_BOUND:-600}"
DEFAULT_CASES="1.* 2.* 3.* 4.* 5.* 6.1.* 6.2.* 6.3.* 6.4.* 6.12.* 7.1.* 7.3.* 7.5.* 7.7.* 7.9.* \
7.13.* 10.* 9.1.1 9.2.1 9.3.1 9.4.1 9.5.6 9.6.6 9.7.1 9.8.1 $(echo 13.{1..7}.1 12.{1..5}.1) \
12.1.11 13.1.11"
read -r -a GLOBS <<< "${ECOSYSTEM_CASES:-$DEFAULT_CASES}"
# resolved by wsreport, so both servers get the same exact ids in the same order
mapfile -t SELECT < <("$WSREPORT" replay --list "${GLOBS[@]}")
[ "${#SELECT[@]}" -gt 0 ] || { echo "ecosystem oracle: no case selected"; exit 1; }
echo "ecosystem oracle: ${#SELECT[@]} cases"
source .ci/lib.sh
oracle_work eco-oracle
start=$SECONDS
oracle_venv aiohttp
[ -n "$TESTDATA" ] || { echo "ecosystem oracle: kosoku's testdata not found"; exit 1; }
NODE_WS="${NODE_WS:-$WORK/node}"
[ -d "$NODE_WS/node_modules/ws" ] ||
  npm install --prefix "$NODE_WS" --silent --no-audit --no-fund ws@8 >/dev/null

harness() { # client -> CLIENT_CMD, the harness's command line
  case "$1" in
    node-ws) CLIENT_CMD=(env NODE_PATH="$NODE_WS/node_modules" node .ci/node_ws_client_harness.js) ;;
    aiohttp) CLIENT_CMD=("$VENV/bin/python" .ci/aiohttp_client_harness.py) ;;
    # Python websockets (.ci/ws_client_harness.py): not in CI's default pair (the fuzzing
    # server oracles run it there); benches/ecosystem_full_run.sh --clients websockets
    websockets) CLIENT_CMD=("$VENV/bin/python" .ci/ws_client_harness.py) ;;
    *) echo "ecosystem oracle: unknown client $1"; exit 2 ;;
  esac
}

status=0
for client in ${ECOSYSTEM_CLIENTS:-node-ws aiohttp}; do
  declare -A took=()
  for kind in kosoku wsreport; do
    t=$SECONDS
    start_fuzzingserver "$kind" "$WORK/$kind-$client" "ecosystem oracle" "${SELECT[@]}"
    stop=(); [ "$kind" = wsreport ] && stop=(--stop)
    harness "$client"
    timeout "$RUN_BOUND" "${CLIENT_CMD[@]}" --url "$URL" --agent "$client" --jobs "$JOBS" "${stop[@]}" \
      >> "$WORK/harness-$client.log" 2>&1 || true
    stop_server
    took[$kind]=$((SECONDS - t))
  done
  python3 - "$client" "$WORK/kosoku-$client/index.json" "$WORK/wsreport-$client/index.json" \
    "${took[kosoku]}" "${took[wsreport]}" <<'PY' || status=1
import sys
sys.path.insert(0, ".ci")
from verdicts import verdicts, key, TIMING
client, kpath, wpath, tk, tw = sys.argv[1:6]
who = f"ecosystem oracle ({client} client)"
k, w = verdicts(kpath, who), verdicts(wpath, who)
equal = [c for c in k if w.get(c) == k[c]]
differ = sorted((c for c in set(k) | set(w) if w.get(c) != k.get(c)), key=key)
# OK or NON-STRICT as the client's echo and the server's next frame cross (deviations.md §4)
timing = [c for c in differ if c in TIMING and c in k and c in w
          and {k[c][0], w[c][0]} <= {"OK", "NON-STRICT"} and k[c][1] == w[c][1]]
# kosoku declines an offer without client_no_context_takeover; wstest and wsreport accept it
# and answer with it (deviations.md §2)
known = [c for c in differ if key(c)[:2] in ([13, 2], [13, 5], [13, 6])
         and k.get(c, ("",))[0] == "UNIMPLEMENTED" and w.get(c) == ("OK", "OK")]
differ = [c for c in differ if c not in timing and c not in known]
tally = {}
for v in w.values():
    tally["/".join(v)] = tally.get("/".join(v), 0) + 1
print(f"{who}: {len(k)} cases, {len(equal)} equal, {len(differ)} differ, {len(timing)} "
      f"timing-sensitive, {len(known)} known; wsreport's verdicts: "
      + ", ".join(f"{n} {v}" for v, n in sorted(tally.items(), key=lambda x: -x[1]))
      + f"; {tk} s against kosoku, {tw} s against wsreport")
import os
if os.environ.get("ECOSYSTEM_SHOW_ALL") == "1":
    for c in sorted(set(k) | set(w), key=key):
        print(f"  every: {c} kosoku {'/'.join(k.get(c) or ('none',))} wsreport {'/'.join(w.get(c) or ('none',))}")
for c in differ:
    print(f"  {c}: kosoku {'/'.join(k.get(c) or ('none',))}, wsreport {'/'.join(w.get(c) or ('none',))}")
if timing:
    print("  (timing-sensitive, not failed: "
          + ", ".join(f"{c} kosoku {k[c][0]} wsreport {w[c][0]}" for c in timing) + ")")
if known:
    print("  (known, not failed: kosoku UNIMPLEMENTED where the testsuite and wsreport accept "
          f"with client_no_context_takeover: {', '.join(known)})")
sys.exit(1 if differ or not k else 0)
PY
done
if [ "$status" -ne 0 ]; then tail -20 "$WORK"/harness-*.log; fi
echo "ecosystem oracle: wall time $((SECONDS - start))s"
exit $status
