#!/usr/bin/env python3
"""An echo client on `aiohttp` (PyPI), for a fuzzing server's URL protocol: a client from
another library for .ci/ecosystem_oracle.sh and benches/ecosystem_full_run.sh.

Asks for the case count (`/getCaseCount`), runs every case (`/runCase?case=N&agent=A` for
N = 1 … count), or only the case ids given with -i (`/runCase?casetuple=ID&agent=A`), echoing
each message back, then asks for the reports (`/updateReports?agent=A`) and, with --stop, stops
the server (`/stopServer`). permessage-deflate is offered (aiohttp's offer) unless
--no-compression is given; no message size limit; aiohttp answers pings itself.

  aiohttp_client_harness.py --url ws://127.0.0.1:PORT --agent NAME [--no-compression]
                            [--jobs N] [--stop] [-i CASE ...]
"""

import argparse
import asyncio
import sys
from urllib.parse import quote

import aiohttp


async def echo(session, url, compression):
    """One case: echo every message until the connection ends (at most 5 minutes)."""
    try:
        async with asyncio.timeout(300):
            async with session.ws_connect(
                url, compress=15 if compression else 0, max_msg_size=0, autoping=True,
                heartbeat=None,
            ) as ws:
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        await ws.send_str(msg.data)
                    elif msg.type == aiohttp.WSMsgType.BINARY:
                        await ws.send_bytes(msg.data)
                    elif msg.type == aiohttp.WSMsgType.ERROR:
                        break
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError) as e:
        # a refused handshake or a failed connection: the server's report says what happened
        print(f"{url}: {type(e).__name__}: {e}", file=sys.stderr)


async def control(session, url):
    """A URL-protocol request whose answer (if any) is one text message."""
    answer = None
    try:
        async with asyncio.timeout(30):
            async with session.ws_connect(url, compress=0) as ws:
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT and answer is None:
                        answer = msg.data
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as e:
        print(f"{url}: {type(e).__name__}: {e}", file=sys.stderr)
    return answer


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
    agent = quote(args.agent)
    # one connection per case, as the testsuite expects: no pooling limit, no keep-alive
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        if args.cases:
            urls = [f"{base}/runCase?casetuple={c}&agent={agent}" for c in args.cases]
        else:
            count = int(await control(session, f"{base}/getCaseCount") or 0)
            if count < 1:
                sys.exit("aiohttp_client_harness: no case count")
            urls = [f"{base}/runCase?case={n}&agent={agent}" for n in range(1, count + 1)]
        pending = asyncio.Semaphore(max(1, args.jobs))

        async def one(url):
            async with pending:
                await echo(session, url, not args.no_compression)

        await asyncio.gather(*(one(u) for u in urls))
        await control(session, f"{base}/updateReports?agent={agent}")
        if args.stop:
            await control(session, f"{base}/stopServer")
    print(f"{args.agent}: {len(urls)} cases run", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
