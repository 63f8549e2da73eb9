#!/usr/bin/env bash
# The real testsuite's cases as oracle for `wsreport run` on the compression and limits cases.
#
# For each server (wsreport serve, and a Python `websockets` echo server with permessage-deflate
# on and off: a server from another library), runs kosoku (the testsuite's own case files,
# from PyPI) and `wsreport run` over the same selection and fails unless every case's
# (behavior, behaviorClose) is equal between the two. Selection: every case of 12.* and 13.*
# against the Python server without compression, all but the larger frames of the
# 131072-octet messages with it (DEFLATE_SHARE below), against wsreport serve a share covering
# every file and parameter set (benches/full_run.sh runs all 517 there), and a share of 9.*
# that keeps CI short. Against
# npm's `ws` with permessage-deflate on (node-ws: a server from another ecosystem,
# benches/node_ws_echo.js; `npm install ws@8` into the work directory) a share of every category
# and the 12/13 share. Against an `aiohttp` echo server with permessage-deflate on (aiohttp: a
# Python server from another library, benches/aiohttp_echo.py; pip-installed into the venv;
# RUN_ORACLE_SERVERS=aiohttp, its own step in .ci/run) the same categories and 12/13 share
# and a smaller 9.x share (NINE_SMALL, below). wsreport runs with --framing kosoku (docs/deviations.md). The cases whose
# verdict is OK or NON-STRICT as the server's echo and our next frame cross are shown, not failed.
#
# Expects $WSREPORT (the release binary). Optional: $KOSOKU_VENV (reused when it holds
# kosoku; websockets and aiohttp are installed there), $RUN_ORACLE_JOBS (default 2),
# $RUN_ORACLE_SERVERS (default "serve ws-deflate ws-plain node-ws"; also "aiohttp"),
# $RUN_ORACLE_CASES (globs, to override the selection), $NODE_WS (a directory holding
# node_modules/ws, else installed).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${WSREPORT:?set WSREPORT to the wsreport binary}"
JOBS="${RUN_ORACLE_JOBS:-2}"
BOUND="${RUN_ORACLE_BOUND:-1200}"   # one runner over the selection against one server
source .ci/lib.sh
oracle_work run-oracle
oracle_venv websockets aiohttp
# both runners send the testsuite's own test data files (kosoku ships them)
[ -n "$TESTDATA" ] || { echo "run oracle: kosoku's testdata not found"; exit 1; }

# A share of 9.*: each message size up to 16 MiB in one frame, the smallest and largest fragment
# and write sizes, 9.3.3/9.4.3 (4096 fragments: Python websockets' cap, met exactly by kosoku's
# framing, asked for here with --framing kosoku; wstest's, our default, adds an empty final
# frame), the round-trip series.
NINE="9.1.* 9.2.* 9.3.1 9.3.3 9.3.9 9.4.1 9.4.3 9.4.9 9.5.1 9.5.6 9.6.1 9.6.6 9.7.* 9.8.*"
# The whole of 12.*/13.* against both Python servers: a server from another library is the
# stronger check (~4 min per runner with deflate on). Against wsreport serve (~2-4 min per
# runner for the whole) a share: every 13.x parameter set at 16, 1024 and 32768 octets and at
# 8192 in 256-octet frames, and every 12.x test data file at 16, 4096 and 8192 in 256-octet
# frames; benches/full_run.sh runs all 517 against it.
# Written out as ids: a `*` pattern matches a prefix (`13.*.1` would take 13.1.10 too), and
# both runners get the exact ids wsreport resolves.
SHARE="$(echo 13.{1..7}.{1,4,9,11} 12.{1..5}.{1,5,11} 12.1.15)"
# Against Python websockets with deflate on, every 12.x/13.x case but four of the five
# 131072-octet ones of each subcategory (.10 and .16-.18: the same 1000 messages as .15, in
# larger frames): 168 of the 216 cases, ~40% of their octets; the Python server is the
# bottleneck (~8 min for both runners over all 216 in CI). All 216 run in
# `benches/full_run.sh --server 'python3 benches/websockets_echo.py {port}' -i '12.*' -i '13.*'`.
DEFLATE_SHARE="$(echo 12.{1..5}.{1..9} 12.{1..5}.{11..15} 13.{1..7}.{1..9} 13.{1..7}.{11..15})"
# A share of every other category, for the servers from other ecosystems (node-ws, aiohttp).
EVERY="1.* 2.* 3.* 4.* 5.* 6.1.* 6.2.* 6.3.* 6.4.* 6.12.* 7.1.* 7.3.* 7.5.* 7.7.* 7.9.* 7.13.* 10.*"
# Against aiohttp, within CI's budget (~55 s for both runners): the same categories and 12/13
# share, and one message size of each 9.x series (the largest chops of 9.5/9.6).
NINE_SMALL="9.1.1 9.2.1 9.3.1 9.4.1 9.5.6 9.6.6 9.7.1 9.8.1"
selection() { # globs... -> SEL (-i ID ...)
  SEL=()
  local id
  while read -r id; do SEL+=(-i "$id"); done < <("$WSREPORT" replay --list "$@")
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { # port
  for _ in $(seq 200); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
# npm's `ws` (a server from another ecosystem), installed once into $WORK (or $NODE_WS if given)
node_ws() {
  NODE_WS="${NODE_WS:-$WORK/node}"
  [ -d "$NODE_WS/node_modules/ws" ] ||
    npm install --prefix "$NODE_WS" --silent --no-audit --no-fund ws@8 >/dev/null
}
start_server() { # kind -> sets URL, SERVER_PID
  local port; port=$(free_port)
  case "$1" in
    serve) spawn "$WORK/$1.log" "$WSREPORT" serve --listen "127.0.0.1:$port" ;;
    ws-deflate) spawn "$WORK/$1.log" "$VENV/bin/python" benches/websockets_echo.py "$port" ;;
    ws-plain) spawn "$WORK/$1.log" "$VENV/bin/python" benches/websockets_echo.py "$port" --no-compression ;;
    node-ws) node_ws; spawn "$WORK/$1.log" env NODE_PATH="$NODE_WS/node_modules" node benches/node_ws_echo.js "$port" ;;
    aiohttp) spawn "$WORK/$1.log" "$VENV/bin/python" benches/aiohttp_echo.py "$port" ;;
    *) echo "run oracle: unknown server $1"; exit 2 ;;
  esac
  wait_port "$port" || { echo "run oracle: $1 did not start"; cat "$WORK/$1.log"; exit 1; }
  URL="ws://127.0.0.1:$port"
}

status=0
for server in ${RUN_ORACLE_SERVERS:-serve ws-deflate ws-plain node-ws}; do
  if [ -n "${RUN_ORACLE_CASES:-}" ]; then
    read -r -a globs <<< "$RUN_ORACLE_CASES"
  elif [ "$server" = serve ]; then
    read -r -a globs <<< "$SHARE $NINE"
  elif [ "$server" = node-ws ]; then
    read -r -a globs <<< "$EVERY $SHARE $NINE"
  elif [ "$server" = aiohttp ]; then
    read -r -a globs <<< "$EVERY $SHARE $NINE_SMALL"
  elif [ "$server" = ws-deflate ]; then
    read -r -a globs <<< "$DEFLATE_SHARE $NINE"
  else
    read -r -a globs <<< "12.* 13.* $NINE"
  fi
  selection "${globs[@]}"
  # a fresh server per runner, so neither inherits the other's load
  start_server "$server"
  t0=$SECONDS
  # kosoku exits 1 when some case does not pass: a run like any other here
  timeout "$BOUND" "$KOSOKU" "$URL" -p "$JOBS" "${SEL[@]}" -o "$WORK/k-$server" \
    > "$WORK/kosoku-$server.log" 2>&1 || true
  [ -f "$WORK/k-$server/index.json" ] || { echo "run oracle: kosoku wrote no report for $server"; tail -5 "$WORK/kosoku-$server.log"; exit 1; }
  tk=$((SECONDS - t0))
  kill "$SERVER_PID" 2>/dev/null || true
  start_server "$server"
  t0=$SECONDS
  # exit 1 only says some case fails the policy: a verdict like any other here
  rc=0
  timeout "$BOUND" "$WSREPORT" run --target "$URL" "${SEL[@]}" --jobs "$JOBS" \
    --testdata "$TESTDATA" --framing kosoku --out "$WORK/w-$server" --format json > "$WORK/run-$server.json" \
    2> "$WORK/run-$server.log" || rc=$?
  tw=$((SECONDS - t0))
  kill "$SERVER_PID" 2>/dev/null || true
  if [ "$rc" -gt 1 ]; then echo "run oracle: wsreport run failed on $server (exit $rc)"; tail -5 "$WORK/run-$server.log"; exit 1; fi
  python3 - "$server" "$WORK/k-$server/index.json" "$WORK/w-$server/index.json" "$tk" "$tw" <<'PY' || status=1
import json, os, sys
server, kpath, wpath, tk, tw = sys.argv[1:]
def verdicts(path):
    index = json.load(open(path))
    (agent, cases), = index.items()
    return {c: (e["behavior"], e["behaviorClose"]) for c, e in cases.items()}
k, w = verdicts(kpath), verdicts(wpath)
if set(k) != set(w):
    print(f"run oracle ({server}): case sets differ: only kosoku {sorted(set(k) - set(w))}, "
          f"only wsreport {sorted(set(w) - set(k))}")
    sys.exit(1)
differ = sorted((c for c in k if k[c] != w[c]), key=lambda c: [int(p) for p in c.split(".")])
# OK or NON-STRICT as the server's echo and our next frame cross, for kosoku as for wsreport
# (docs/deviations.md, `CaseDef::timing_sensitive`): shown, not failed.
sys.path.insert(0, ".ci")
from verdicts import TIMING
timing = [c for c in differ if c in TIMING and {k[c][0], w[c][0]} <= {"OK", "NON-STRICT"}]
differ = [c for c in differ if c not in timing]
# kosoku's own exception on the first case of 13.2/13.5/13.6/13.7 against npm's ws (the same in
# every run): its result says "Strings must be encoded before hashing". A kosoku bug, shown.
def kosoku_result(c):
    index = json.load(open(kpath))
    (cases,) = index.values()
    try:
        return json.load(open(os.path.join(os.path.dirname(kpath), cases[c]["reportfile"])))["result"]
    except (KeyError, OSError, ValueError):
        return ""
kbug = [c for c in differ if k[c][0] == "ERROR" and "must be encoded before hashing" in kosoku_result(c)]
differ = [c for c in differ if c not in kbug]
kinds = {}
for v in w.values():
    kinds[v] = kinds.get(v, 0) + 1
shown = ", ".join(f"{n} {b}/{c}" for (b, c), n in sorted(kinds.items(), key=lambda x: -x[1]))
print(f"run oracle ({server}): {len(k)} cases, {len(k) - len(differ) - len(timing) - len(kbug)} "
      f"equal, {len(differ)} differ, {len(timing)} timing-sensitive, {len(kbug)} kosoku errors "
      f"[{shown}]; kosoku {tk} s, wsreport run {tw} s")
for c in differ:
    print(f"  {c}: kosoku {k[c][0]}/{k[c][1]}, wsreport {w[c][0]}/{w[c][1]}")
if kbug:
    print("  (kosoku's own exception, \"Strings must be encoded before hashing\", not failed: "
          + ", ".join(f"{c} kosoku {'/'.join(k[c])} wsreport {'/'.join(w[c])}" for c in kbug) + ")")
if timing:
    print("  (timing-sensitive, not failed: "
          + ", ".join(f"{c} kosoku {k[c][0]} wsreport {w[c][0]}" for c in timing) + ")")
sys.exit(1 if differ else 0)
PY
done
exit "$status"
