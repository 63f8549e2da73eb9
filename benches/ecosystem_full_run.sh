#!/usr/bin/env bash
# All 517 cases with the clients from other ecosystems (npm `ws`, `aiohttp`) against kosoku's
# fuzzing server and `wsreport fuzzingserver`: .ci/ecosystem_oracle.sh over the whole suite,
# then, for each client, the cases whose verdicts differ (but for kosoku's known refusal of
# 13.2/13.5/13.6, docs/deviations.md §2) run again, twice, against both servers (kosoku's own
# variation from run to run is the evidence that a case is timing-dependent).
#
# Usage: benches/ecosystem_full_run.sh [--clients 'node-ws aiohttp'] [--cases GLOBS]
#                                      [--again N] [--keep DIR]
#   --clients  the client harnesses (default both; also `websockets`, the Python websockets
#              client harness of the fuzzing server oracles)
#   --cases    the selection (default '*': all 517)
#   --again    runs of the differing cases afterwards (default 2)
#   --keep     keep the reports and logs in DIR (default: a temporary directory, removed)
# Environment: WSREPORT (default target/release/wsreport, built when missing), KOSOKU_VENV
# (default /tmp/kvenv), NODE_WS, ORACLE_JOBS (default 2), RUN_BOUND (default 3600).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS="node-ws aiohttp"; CASES='*'; AGAIN=2; KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) CLIENTS="$2"; shift 2 ;;
    --cases) CASES="$2"; shift 2 ;;
    --again) AGAIN="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "ecosystem_full_run: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
export WSREPORT="${WSREPORT:-$PWD/target/release/wsreport}"
[ -x "$WSREPORT" ] || cargo build --release --quiet
export KOSOKU_VENV="${KOSOKU_VENV:-/tmp/kvenv}"
export RUN_BOUND="${RUN_BOUND:-3600}"
if [ -n "$KEEP" ]; then rm -rf "$KEEP"; mkdir -p "$KEEP"; DIR="$KEEP"
else DIR="$(mktemp -d /tmp/wsreport-eco-bench.XXXXXX)"; trap 'rm -rf "$DIR"' EXIT; fi

for client in $CLIENTS; do
  t=$SECONDS
  ECOSYSTEM_CLIENTS="$client" ECOSYSTEM_CASES="$CASES" ORACLE_KEEP="$DIR/$client" \
    bash .ci/ecosystem_oracle.sh > "$DIR/$client.out" 2>&1 || true
  cat "$DIR/$client.out"
  echo "ecosystem_full_run ($client): $((SECONDS - t)) s in all"
  # the differing and timing-sensitive cases, from the oracle's own comparison
  mapfile -t again < <(python3 - "$DIR/$client" "$client" <<'PY'
import sys
sys.path.insert(0, ".ci")
from verdicts import verdicts, key
d, client = sys.argv[1:]
k = verdicts(f"{d}/kosoku-{client}/index.json", client)
w = verdicts(f"{d}/wsreport-{client}/index.json", client)
# kosoku declining an offer without client_no_context_takeover (13.2/13.5/13.6) is known and
# the same every run (docs/deviations.md §2): not run again
known = lambda c: (key(c)[:2] in ([13, 2], [13, 5], [13, 6])
                   and k.get(c, ("",))[0] == "UNIMPLEMENTED" and w.get(c) == ("OK", "OK"))
for c in sorted((c for c in set(k) | set(w) if k.get(c) != w.get(c) and not known(c)), key=key):
    print(c)
PY
  )
  [ "${#again[@]}" -gt 0 ] || continue
  echo "ecosystem_full_run ($client): ${#again[@]} cases differ; each run $AGAIN more times against both servers"
  for n in $(seq "$AGAIN"); do
    ECOSYSTEM_CLIENTS="$client" ECOSYSTEM_CASES="${again[*]}" ECOSYSTEM_SHOW_ALL=1 \
      bash .ci/ecosystem_oracle.sh 2>&1 | grep -E '^  every: ' | sed "s/^  every: /  run $((n + 1)): /" || true
  done
done
