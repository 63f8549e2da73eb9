#!/usr/bin/env python3
"""An echo server on the Python `websockets` library (asyncio API), the "server from another
library" of benches/full_run.sh.

Usage: python3 benches/websockets_echo.py PORT [--no-compression]
Needs `pip install websockets` (the venv's python). Listens on 127.0.0.1:PORT; permessage-deflate
is on unless --no-compression; no message size limit, as the testsuite's cases need up to
16 MiB. Example:

    benches/full_run.sh --server '/tmp/wsvenv/bin/python benches/websockets_echo.py {port}'
"""
import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    try:
        async for message in ws:
            await ws.send(message)
    except Exception:
        pass  # a case that breaks the protocol ends the connection; that is its point


async def main(port, compression):
    async with serve(
        echo,
        "127.0.0.1",
        port,
        compression="deflate" if compression else None,
        max_size=None,
        max_queue=None,
        ping_interval=None,
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    asyncio.run(main(int(args[0]), "--no-compression" not in sys.argv))
