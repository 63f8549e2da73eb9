#!/usr/bin/env bash
# The fuzzing client's cost: kosoku -p 1, kosoku -p 4, `wsreport run --jobs 1` and
# `wsreport run --jobs 4` over the same cases against the same kind of server, in one go.
#
# Prints per runner: cases, wall-clock time, CPU time (user + system, children included),
# peak RSS, and the server's CPU time; then the wall-clock ratios wsreport/kosoku at the same
# job count, and checks that every case has the same (behavior, behaviorClose) for every
# runner (exit 1 when some differ or a runner failed; a case on which one tool disagrees
# with itself across job counts is shown as timing-dependent and does not fail). A Markdown
# table for the README ends the output.
#
# Usage:
#   benches/full_run.sh [-i GLOB]... [-x GLOB]... [--server 'CMD {port}'] [--jobs '1 4']
#                       [--keep DIR]
#   -i/-x      cases to include/exclude, as kosoku and `wsreport run` take them (default:
#              the whole suite, 517 cases)
#   --server   the server command; {port} is replaced by a free loopback port. A fresh server
#              is started for each runner. Default: `$WSREPORT serve --listen 127.0.0.1:{port}`.
#              e.g. --server 'python3 my_websockets_echo.py {port}'
#   --jobs     the job counts to compare (default '1 4')
#   --keep     keep the reports and logs in DIR (default: a temporary directory, removed)
#   --framing  wsreport's --framing (default kosoku, as the tool it is compared with; wstest
#              ends 9.3.3/9.4.3 with the empty final frame the real testsuite sends)
# Environment: WSREPORT (default target/release/wsreport, built when missing), KOSOKU_VENV
# (default /tmp/kvenv; kosoku is installed there from PyPI when missing), BENCH_BOUND (seconds
# one runner may take, default 3600).
#
# Examples:
#   benches/full_run.sh                               # all 517 cases against wsreport serve
#   benches/full_run.sh -i '1.*' -i '2.*'             # a quick look
#   benches/full_run.sh --server 'python3 echo.py {port}' -x '9.*'
set -euo pipefail
cd "$(dirname "$0")/.."

INCLUDE=(); EXCLUDE=(); SERVER=""; JOBS="1 4"; KEEP=""; FRAMING=kosoku
while [ $# -gt 0 ]; do
  case "$1" in
    -i|--include) INCLUDE+=("$2"); shift 2 ;;
    -x|--exclude) EXCLUDE+=("$2"); shift 2 ;;
    --server) SERVER="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    --framing) FRAMING="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "full_run: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

WSREPORT="${WSREPORT:-$PWD/target/release/wsreport}"
if [ ! -x "$WSREPORT" ]; then
  cargo build --release --quiet
fi
VENV="${KOSOKU_VENV:-/tmp/kvenv}"
if [ ! -x "$VENV/bin/kosoku" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet kosoku
fi
KOSOKU="$VENV/bin/kosoku"
# 12.x/13.x send the testsuite's test data files: give wsreport the same ones kosoku sends
# (without them it sends stand-ins of the same sizes: same verdicts, other compression costs)
if [ -z "${WSREPORT_TESTDATA:-}" ]; then
  WSREPORT_TESTDATA="$(ls -d "$VENV"/lib/python3*/site-packages/kosoku/shim/autobahntestsuite/testdata 2>/dev/null | head -n1)"
fi
export WSREPORT_TESTDATA
BOUND="${BENCH_BOUND:-3600}"
[ -x /usr/bin/time ] || { echo "full_run: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
PORT_MARK='{port}'
if [ -z "$SERVER" ]; then SERVER="$WSREPORT serve --listen 127.0.0.1:$PORT_MARK"; fi

if [ -n "$KEEP" ]; then
  WORK="$KEEP"; rm -rf "$WORK"; mkdir -p "$WORK"
else
  WORK="$(mktemp -d /tmp/wsreport-bench.XXXXXX)"
fi
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  if [ -z "$KEEP" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

SEL=()
for g in "${INCLUDE[@]}"; do SEL+=(-i "$g"); done
for g in "${EXCLUDE[@]}"; do SEL+=(-x "$g"); done

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts the server on a free port (its pid is ours: `exec` keeps it), waits until it accepts.
start_server() { # name
  PORT=$(free_port)
  local cmd="${SERVER//"$PORT_MARK"/$PORT}"
  bash -c "exec $cmd" > "$WORK/server-$1.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "full_run: the server did not start: $cmd" >&2
  cat "$WORK/server-$1.log" >&2
  exit 2
}

# The server's CPU seconds so far (user + system, from /proc), then stop it.
stop_server() { # name
  local ticks
  ticks=$(getconf CLK_TCK)
  awk -v t="$ticks" '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / t }' \
    "/proc/$SERVER_PID/stat" > "$WORK/server-$1.cpu" 2>/dev/null || echo "?" > "$WORK/server-$1.cpu"
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

NAMES=()
run_one() { # kind jobs
  local kind="$1" j="$2" name out rc=0
  if [ "$kind" = kosoku ]; then name="kosoku -p $j"; else name="wsreport --jobs $j"; fi
  out="$WORK/$kind-$j"
  NAMES+=("$name")
  start_server "$name"
  echo "full_run: $name against ${SERVER//"$PORT_MARK"/$PORT}" >&2
  local cmd
  if [ "$kind" = kosoku ]; then
    cmd=("$KOSOKU" "ws://127.0.0.1:$PORT" "${SEL[@]}" -p "$j" -o "$out")
  else
    cmd=("$WSREPORT" run --target "ws://127.0.0.1:$PORT" "${SEL[@]}" --jobs "$j" --out "$out"
         --framing "$FRAMING" --format json)
  fi
  timeout "$BOUND" /usr/bin/time -v -o "$WORK/$name.time" "${cmd[@]}" \
    > "$WORK/$name.log" 2>&1 || rc=$?
  stop_server "$name"
  printf '%s\n%s\n' "$out" "$rc" > "$WORK/$name.run"
}

for j in $JOBS; do run_one kosoku "$j"; done
for j in $JOBS; do run_one wsreport "$j"; done

python3 - "$WORK" "$JOBS" "${NAMES[@]}" <<'PY'
import json, os, re, sys

work, jobs, names = sys.argv[1], sys.argv[2].split(), sys.argv[3:]

def time_v(path):
    t = {}
    for line in open(path, errors="replace"):
        k, _, v = line.strip().rpartition(": ")
        t[k] = v
    wall = t.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "0:0")
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return {
        "wall": secs,
        "user": float(t.get("User time (seconds)", 0)),
        "sys": float(t.get("System time (seconds)", 0)),
        "rss_mib": int(t.get("Maximum resident set size (kbytes)", 0)) / 1024,
    }

runs, failed = {}, []
for n in names:
    out, rc = open(os.path.join(work, n + ".run")).read().split("\n")[:2]
    r = {"out": out, "rc": int(rc), "cases": {}}
    try:
        r.update(time_v(os.path.join(work, n + ".time")))
    except OSError:
        r.update(wall=0, user=0, sys=0, rss_mib=0)
    r["server_cpu"] = open(os.path.join(work, "server-" + n + ".cpu")).read().strip()
    index = os.path.join(out, "index.json")
    # kosoku exits 0; wsreport run exits 1 when some case fails the policy: both are runs.
    if r["rc"] not in (0, 1) or not os.path.isfile(index):
        failed.append(f"{n}: exit status {r['rc']}, see {os.path.join(work, n + '.log')}")
    else:
        for agent, cases in json.load(open(index)).items():
            for cid, e in cases.items():
                r["cases"][cid] = (e["behavior"], e["behaviorClose"])
    runs[n] = r

print(f"{'runner':<20} {'cases':>5} {'wall s':>8} {'user s':>8} {'sys s':>7} {'cpu s':>8} "
      f"{'peak RSS':>9} {'server cpu s':>12}")
for n, r in runs.items():
    print(f"{n:<20} {len(r['cases']):>5} {r['wall']:>8.2f} {r['user']:>8.2f} {r['sys']:>7.2f} "
          f"{r['user'] + r['sys']:>8.2f} {r['rss_mib']:>6.1f} MiB {r['server_cpu']:>12}")

print()
for j in jobs:
    k, w = runs.get(f"kosoku -p {j}"), runs.get(f"wsreport --jobs {j}")
    if k and w and k["wall"] > 0:
        kc, wc = k["user"] + k["sys"], w["user"] + w["sys"]
        cpu = f"{wc / kc:.3f}" if kc > 0 else "?"
        print(f"jobs {j}: wsreport/kosoku wall {w['wall'] / k['wall']:.3f} "
              f"(kosoku {k['wall'] / max(w['wall'], 1e-9):.1f}x slower), cpu {cpu}")
        if len(k["cases"]) != len(w["cases"]):
            print(f"  note: kosoku ran {len(k['cases'])} cases, wsreport {len(w['cases'])} "
                  "(cases the engine cannot run yet are skipped): the ratio is not like for like")

# Verdicts: every case any runner has, compared across the runners that have it.
ids = sorted({c for r in runs.values() for c in r["cases"]},
             key=lambda s: [int(x) for x in s.split(".")])
differ, timing, partial = [], [], 0
for cid in ids:
    seen = {n: r["cases"][cid] for n, r in runs.items() if cid in r["cases"]}
    if len(seen) < len(runs):
        partial += 1
    if len(set(seen.values())) > 1:
        # A tool that disagrees with itself (another job count) shows a case whose verdict
        # depends on how the server's writes and ours interleave: reported, not failed.
        by_tool = {}
        for n, v in seen.items():
            by_tool.setdefault(n.split()[0], set()).add(v)
        (timing if any(len(v) > 1 for v in by_tool.values()) else differ).append((cid, seen))
print()
print(f"verdicts: {len(ids)} cases, {len(ids) - partial} run by every runner, "
      f"{len(differ)} with different (behavior, behaviorClose), "
      f"{len(timing)} timing-dependent (a tool disagrees with itself across job counts)")
for word, rows in (("differs", differ), ("timing", timing)):
    for cid, seen in rows[:50]:
        print(f"  {word} {cid}: " + "; ".join(f"{n} {b}/{bc}" for n, (b, bc) in seen.items()))
    if len(rows) > 50:
        print(f"  … and {len(rows) - 50} more")
for f in failed:
    print(f"FAILED RUN: {f}")

print()
print("| runner | cases | wall (s) | CPU user+sys (s) | peak RSS (MiB) | server CPU (s) |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for n, r in runs.items():
    print(f"| `{n}` | {len(r['cases'])} | {r['wall']:.2f} | {r['user'] + r['sys']:.2f} | "
          f"{r['rss_mib']:.1f} | {r['server_cpu']} |")
sys.exit(1 if differ or failed else 0)
PY
