#!/usr/bin/env bash
# The dashboard in a real browser (issue 16): builds dashboards from the fixtures, the seed, an
# edited baseline, a hostile agent name, two shards with a flaky case and a corpus report, then
# drives Debian's chromium
# headless with playwright-core over them (.ci/browser/dashboard.mjs).
#   WSREPORT          the binary (default target/release/wsreport, built when missing)
#   WSREPORT_CORPUS   the corpus (default ../shared/corpus)
#   DASH_SCREENSHOT   where the screenshot goes (default: the temporary directory;
#                     docs/dashboard.png refreshes the README's)
# Installs chromium (apt) and playwright-core (npm, the version .ci/browser/package-lock.json
# pins, into .ci/browser/node_modules) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CORPUS="${WSREPORT_CORPUS:-$ROOT/../shared/corpus}"
WSREPORT="${WSREPORT:-$ROOT/target/release/wsreport}"
[ -x "$WSREPORT" ] || cargo build --release --locked
t0=$SECONDS

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (apt)"
  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 ||
    sudo sh -c 'apt-get update -qq && apt-get install -y -qq chromium' >/dev/null 2>&1
fi
if [ ! -d .ci/browser/node_modules/playwright-core ]; then
  echo "installing playwright-core (npm ci)"
  npm ci --prefix .ci/browser --no-audit --no-fund --silent
fi
echo "browser: $(/usr/bin/chromium --version 2>/dev/null | head -1); playwright-core $(node -p 'require("./.ci/browser/node_modules/playwright-core/package.json").version'); installs took $((SECONDS - t0)) s"

OUT="$(mktemp -d /tmp/wsreport-dashboard.XXXXXX)"
trap 'rm -rf "$OUT"' EXIT
export DASH_OUT="$OUT" FIXTURES="$ROOT/fixtures/reports"

"$WSREPORT" dashboard fixtures/reports -o "$OUT/fixtures.html"
"$WSREPORT" summarize fixtures/reports --format json > "$OUT/fixtures.summary.json"
"$WSREPORT" dashboard fixtures/seed/case-2.11-stratus-page-text.txt -o "$OUT/seed.html"

# A baseline in which stratus@2 passed 2.11 and 6.4.1 and nimbus/1.0 failed 1.1.1: against it the
# run has one case newly failing, one fixed and one changed (NON-STRICT passes under rfc).
"$WSREPORT" baseline fixtures/reports/clients > "$OUT/baseline.json"
python3 - "$OUT/baseline.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
b["agents"]["stratus@2"]["2.11"].update(behavior="OK", behaviorClose="OK")
b["agents"]["stratus@2"]["6.4.1"].update(behavior="OK", behaviorClose="OK")
b["agents"]["nimbus/1.0"]["1.1.1"].update(behavior="FAILED", behaviorClose="OK")
json.dump(b, open(sys.argv[1], "w"))
PY
"$WSREPORT" dashboard fixtures/reports/clients --baseline "$OUT/baseline.json" -o "$OUT/baseline.html"

# The clients fixture's 2.11 and 1.1.1 under an agent name and a description that try to run script.
mkdir "$OUT/hostile"
python3 - "$FIXTURES/clients" "$OUT/hostile" <<'PY'
import json, os, sys
src, dst = sys.argv[1:]
agent = "<script>alert(1)</script>"
index = {agent: {}}
for cid, stem in [("1.1.1", "1_1_1"), ("2.11", "2_11")]:
    case = json.load(open(os.path.join(src, f"stratus_2_case_{stem}.json")))
    case["agent"] = agent
    case["description"] = "</script><script>alert(2)</script><img src=x onerror=alert(3)>"
    name = f"script_alert_1_script_case_{stem}.json"
    json.dump(case, open(os.path.join(dst, name), "w"))
    index[agent][cid] = {"behavior": case["behavior"], "behaviorClose": case["behaviorClose"],
                         "duration": case["duration"], "remoteCloseCode": None, "reportfile": name}
json.dump(index, open(os.path.join(dst, "index.json"), "w"))
PY
"$WSREPORT" dashboard "$OUT/hostile" -o "$OUT/hostile.html"

# The clients fixture in two shards (as run --shard K/2 deals the cases), stratus@2's 2.11 re-run
# in its shard and passed once (flaky): one column per agent, the flaky case marked and counted.
python3 - "$FIXTURES/clients" "$OUT/shards" <<'PY'
import json, os, shutil, sys
src, dst = sys.argv[1:]
index = json.load(open(os.path.join(src, "index.json")))
shards = [os.path.join(dst, f"shard-{k}") for k in (1, 2)]
parts = [{}, {}]
for agent, cases in index.items():
    ids = sorted(cases, key=lambda i: [int(x) for x in i.split(".")])
    for pos, cid in enumerate(ids):
        k = pos % 2
        os.makedirs(shards[k], exist_ok=True)
        shutil.copy(os.path.join(src, cases[cid]["reportfile"]), shards[k])
        parts[k].setdefault(agent, {})[cid] = cases[cid]
        if (agent, cid) == ("stratus@2", "2.11"):
            o = lambda b, c: {"behavior": b, "behaviorClose": c, "remoteCloseCode": None}
            attempts = {"generator": "dashboard.sh", "agents": {agent: {cid: [o("FAILED", "UNCLEAN"), o("OK", "OK")]}}}
            json.dump(attempts, open(os.path.join(shards[k], "wsreport-attempts.json"), "w"))
for shard, part in zip(shards, parts):
    json.dump(part, open(os.path.join(shard, "index.json"), "w"))
PY
"$WSREPORT" dashboard "$OUT/shards/shard-1" "$OUT/shards/shard-2" -o "$OUT/shards.html"
# Two batches of one agent that disagree on 2.11: one column, b's verdict, and a warning.
"$WSREPORT" dashboard fixtures/compare/batches/a fixtures/compare/batches/b -o "$OUT/batches.html"

# 4 agents × 517 cases: gws (2 client agents), nim-websock (25.10.1) and deno's server.
# (Named from inside the corpus, so that the page shows short paths.)
corpus=(lxzan__gws/reports-clients status-im__nim-websock/server-devel denoland__autobahn/reports-servers)
start=$(date +%s%N)
(cd "$CORPUS" && "$WSREPORT" dashboard "${corpus[@]}" --title "Autobahn corpus: gws, nim-websock, deno" -o "$OUT/corpus.html")
echo "corpus dashboard: $(stat -c %s "$OUT/corpus.html") octets in $((($(date +%s%N) - start) / 1000000)) ms"
(cd "$CORPUS" && "$WSREPORT" summarize "${corpus[@]}" --format json) > "$OUT/corpus.summary.json"

node .ci/browser/dashboard.mjs
echo "dashboard step: $((SECONDS - t0)) s"
