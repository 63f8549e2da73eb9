#!/usr/bin/env bash
# Builds the fuzz targets' seed corpora under fuzz/corpus/<target>/ from the repository's
# fixtures (nothing binary is committed): case and index JSON, case pages and an index.html
# (written by `wsreport export --html` from the JSON fixtures), the copied page text, the
# Python reprs and handshakes those reports hold, frames and permessage-deflate messages.
set -euo pipefail
cd "$(dirname "$0")/.."
C=fuzz/corpus
rm -rf "$C"
mkdir -p "$C"/{json_case,json_index,html_case,html_index,page_text,pyrepr,frame,handshake,extensions,inflate}

for f in $(find fixtures -name '*.json' ! -name 'index.json' ! -name 'allow*.json'); do
  cp "$f" "$C/json_case/$(echo "$f" | tr / _)"
done
for f in $(find fixtures -name 'index.json'); do
  cp "$f" "$C/json_index/$(echo "$f" | tr / _)"
done
cp fixtures/html/*.html "$C/html_case/"
cp fixtures/seed/*.txt "$C/page_text/"

# our own HTML pages and index.html, from the JSON fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
WSREPORT=${WSREPORT:-}
if [ -z "$WSREPORT" ]; then
  cargo build --quiet --locked
  WSREPORT=target/debug/wsreport
fi
for d in fixtures/reports/clients fixtures/reports/servers; do
  "$WSREPORT" export "$d" --out "$tmp/$(basename "$d")" --html >/dev/null
  # only the results table, unindented (what parse_index reads: 2-3 KiB, not 12): libFuzzer
  # keeps inputs within the largest seed (4 KiB at least), and html5ever's cost is per octet
  python3 - "$tmp/$(basename "$d")/index.html" "$C/html_index/$(basename "$d")_index.html" <<'PY'
import re, sys
page = open(sys.argv[1]).read()
table = re.search(r'<table id="agent_case_results">.*?</table>', page, re.S).group(0)
table = "\n".join(line.strip() for line in table.splitlines())
open(sys.argv[2], "w").write("<html><body>\n" + table + "\n</body></html>\n")
PY
  for p in "$tmp/$(basename "$d")"/*_case_*.html; do
    cp "$p" "$C/html_case/$(basename "$d")_$(basename "$p")"
  done
done

python3 - "$C" <<'PY'
import glob, json, os, sys, zlib
C = sys.argv[1]
def put(target, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(C, target, name), "wb") as f:
        f.write(data)

# Python reprs: the page's Expected/Observed forms, and those of every fixture case
reprs = ["{'OK': [('pong', u'payload-0')]}", "[]", "{}", "[('message', u'Hello', False)]",
         "{'NON-STRICT': [], 'OK': [('timeout', 'A')]}", "[('ping', '\\x00\\xff')]",
         "[('message', u'\\ud800\\U0001f600 ...", "(None, True, False, 1.5, -3)"]
for i, r in enumerate(reprs):
    put("pyrepr", f"hand_{i}", r)
n = 0
for path in sorted(glob.glob("fixtures/**/*.json", recursive=True)):
    try:
        case = json.load(open(path))
    except Exception:
        continue
    if not isinstance(case, dict) or "httpRequest" not in case:
        continue
    def py(v):
        if isinstance(v, list):
            return "(" + ", ".join(py(x) for x in v) + ")" if len(v) in (2, 3) else "[" + ", ".join(py(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k!r}: [{', '.join(py(e) for e in evs)}]" for k, evs in v.items()) + "}"
        if isinstance(v, str):
            return "u" + repr(v)
        return repr(v)
    put("pyrepr", f"exp_{n}", py(case.get("expected", {})))
    put("pyrepr", f"obs_{n}", "[" + ", ".join(py(e) for e in case.get("received", [])) + "]")
    put("handshake", f"req_{n}", case.get("httpRequest", ""))
    put("handshake", f"resp_{n}", case.get("httpResponse", ""))
    for k in ("httpRequest", "httpResponse"):
        for line in case.get(k, "").split("\r\n"):
            if line.lower().startswith("sec-websocket-extensions:"):
                put("extensions", f"{k}_{n}", line.split(":", 1)[1].strip())
    n += 1

for i, e in enumerate(["permessage-deflate", "permessage-deflate; client_max_window_bits",
                       "permessage-deflate; server_no_context_takeover; server_max_window_bits=9",
                       "permessage-deflate; client_no_context_takeover; client_max_window_bits=10, permessage-deflate",
                       'permessage-deflate; server_max_window_bits="15"', "x-webkit-deflate-frame, foo; bar=1"]):
    put("extensions", f"hand_{i}", e)

# frames: each kind, masked and not, every length form, and a few in a row
def frame(fin, rsv, op, payload, mask=None):
    b = bytes([(fin << 7) | (rsv << 4) | op])
    m = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        b += bytes([m | n])
    elif n < 65536:
        b += bytes([m | 126]) + n.to_bytes(2, "big")
    else:
        b += bytes([m | 127]) + n.to_bytes(8, "big")
    if mask:
        b += mask
        payload = bytes(p ^ mask[i % 4] for i, p in enumerate(payload))
    return b + payload
frames = [frame(1, 0, 1, b"Hello"), frame(1, 0, 2, b"\x00" * 200, b"abcd"), frame(0, 0, 1, b"frag"),
          frame(1, 0, 0, b"ment"), frame(1, 0, 9, b"ping", b"\x01\x02\x03\x04"), frame(1, 0, 8, b"\x03\xe8bye"),
          frame(1, 4, 1, b"\xf2\x48\xcd\xc9\xc9\x07\x00"), frame(1, 7, 15, b""), frame(1, 0, 2, b"x" * 300),
          bytes([0x82, 127]) + (5).to_bytes(8, "big") + b"hello"]
for i, f in enumerate(frames):
    put("frame", f"one_{i}", f)
put("frame", "row", b"".join(frames[:7]))
put("frame", "huge_header", bytes([0x82, 0x7f]) + (1 << 40).to_bytes(8, "big"))

# permessage-deflate: first octet picks the parameters; 0xA5 0x5A between messages,
# 0x5A 0xA5 between frames of one (see fuzz_targets/inflate.rs)
def deflate(data, wbits=15, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -wbits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4] if out.endswith(b"\x00\x00\xff\xff") else out
text = b"Hello, permessage-deflate! " * 40
z = deflate(text)
put("inflate", "hello", b"\x00" + deflate(b"Hello"))
put("inflate", "two_messages", b"\x00" + z + b"\xa5\x5a" + deflate(text[:100]))
put("inflate", "fragments", b"\x00" + z[:10] + b"\x5a\xa5" + z[10:30] + b"\x5a\xa5" + z[30:])
put("inflate", "window9", bytes([1 | (1 << 2) | (1 << 5)]) + deflate(text, 9))
put("inflate", "bomb", b"\x00" + deflate(b"\x00" * (1 << 20), 15, 9))
put("inflate", "stored", b"\x00" + deflate(text, 15, 0))
PY
for t in "$C"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
