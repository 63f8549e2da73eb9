#!/usr/bin/env python3
"""An echo client on the Python `websockets` library, for a fuzzing server's URL protocol.

Runs every case the server has (`/getCaseCount`, then `/runCase?case=N&agent=A` for N = 1 …
count), or only the case ids given with -i (`/runCase?casetuple=ID&agent=A`), echoing each
message back, then asks for the reports (`/updateReports?agent=A`) and, with --stop, stops the
server (`/stopServer`). permessage-deflate is offered (the library's default offer) unless
--no-compression is given. Used by .ci/fuzzingserver_deflate_oracle.sh to compare kosoku's
fuzzing server with `wsreport fuzzingserver` on categories 12 and 13.

  ws_client_harness.py --url ws://127.0.0.1:PORT --agent NAME [--no-compression]
                       [--jobs N] [--stop] [-i CASE ...]
"""

import argparse
import asyncio
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException


async def echo(url, compression):
    """One case: echo every message until the server closes."""
    try:
        async with connect(
            url,
            compression=compression,
            max_size=None,
            ping_interval=None,
            close_timeout=10,
            open_timeout=10,
        ) as ws:
            async for message in ws:
                await ws.send(message)
    except (ConnectionClosed, WebSocketException, OSError, asyncio.TimeoutError) as e:
        # a refused handshake or a failed connection: the server's report says what happened
        print(f"{url}: {type(e).__name__}: {e}", file=sys.stderr)


async def control(url):
    """A URL-protocol request whose answer (if any) is one text message."""
    async with connect(url, compression=None, open_timeout=10) as ws:
        try:
            return await ws.recv()
        except ConnectionClosed:
            return None


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="the fuzzing server, ws://HOST:PORT")
    ap.add_argument("--agent", required=True)
    ap.add_argument("--no-compression", action="store_true", help="offer no permessage-deflate")
    ap.add_argument("--jobs", type=int, default=1, help="cases at once (default 1)")
    ap.add_argument("--stop", action="store_true", help="send /stopServer at the end")
    ap.add_argument("-i", dest="cases", nargs="+", default=[], help="case ids to run (default: all)")
    args = ap.parse_args()
    base = args.url.rstrip("/")
    compression = None if args.no_compression else "deflate"
    if args.cases:
        urls = [f"{base}/runCase?casetuple={c}&agent={args.agent}" for c in args.cases]
    else:
        count = int(await control(f"{base}/getCaseCount"))
        urls = [f"{base}/runCase?case={n}&agent={args.agent}" for n in range(1, count + 1)]
    pending = asyncio.Semaphore(max(1, args.jobs))

    async def one(url):
        async with pending:
            await echo(url, compression)

    await asyncio.gather(*(one(u) for u in urls))
    await control(f"{base}/updateReports?agent={args.agent}")
    if args.stop:
        try:
            await control(f"{base}/stopServer")
        except (WebSocketException, OSError):
            pass
    print(f"{args.agent}: {len(urls)} cases run", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
