#!/usr/bin/env python3
"""The same work as benches/load.rs, done with Python's json.load, timed in one run.

Usage: python3 benches/vs_python.py [CORPUS] (default ../shared/corpus); build first with
`cargo build --release`. Prints seconds per run for wsreport and Python and the ratio.
"""
import glob, json, os, subprocess, sys, time

args = [a for a in sys.argv[1:] if not a.startswith('--')]
root = args[0] if args else os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'corpus')
exe = os.path.join(os.path.dirname(__file__), '..', 'target', 'release', 'wsreport')
dirs = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(root, '**', 'index.json'), recursive=True))
cases = [p for d in dirs for p in glob.glob(os.path.join(d, '*.json')) if not p.endswith('index.json')]

def python_index_summary():
    out = []
    for d in dirs:
        index = json.load(open(os.path.join(d, 'index.json')))
        first = None
        for agent, entries in index.items():
            counts = {}
            for cid, e in entries.items():
                for f in ('behavior', 'behaviorClose'):
                    counts[(f, e[f])] = counts.get((f, e[f]), 0) + 1
                os.path.isfile(os.path.join(d, e['reportfile']))  # wsreport checks every file
                first = first or os.path.join(d, e['reportfile'])
            out.append(counts)
        json.load(open(first))  # wsreport reads one case for mode and version
    return out

def python_parse_all():
    for p in cases:
        json.load(open(p))

def timed(fn, n):
    best = float('inf')
    for _ in range(n):
        t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
    return best

def wsreport_summary():
    subprocess.run([exe, 'summarize', root, '--format', 'json'], check=True, stdout=subprocess.DEVNULL)

def python_script_process():
    # the peer as a user runs it: a short script, interpreter start-up included
    subprocess.run([sys.executable, __file__, '--index-only-once', root], check=True, stdout=subprocess.DEVNULL)

if len(sys.argv) > 1 and sys.argv[1] == '--index-only-once':
    python_index_summary()
    sys.exit(0)

py = timed(python_index_summary, 10)
pyp = timed(python_script_process, 10)
rs = timed(wsreport_summary, 10)
print(f'index-only summary of {len(dirs)} reports ({sum(1 for _ in cases)} cases): wsreport process {rs*1000:.1f} ms; '
      f'python script process {pyp*1000:.1f} ms ({pyp/rs:.1f}x); python in-process {py*1000:.1f} ms ({py/rs:.1f}x)')
size = sum(os.path.getsize(p) for p in cases)
pp = timed(python_parse_all, 3)
print(f'parse every case file ({len(cases)} files, {size/1e6:.0f} MB): python json.load {size/1e6/pp:.0f} MB/s (wsreport: see `cargo bench -p wsreport-bench --bench load`)')
