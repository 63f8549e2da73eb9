#!/usr/bin/env python3
"""An echo server on `aiohttp` (PyPI), permessage-deflate on unless --no-compression: a server
from another library for .ci/run_oracle.sh and benches/full_run.sh.

Usage: python3 benches/aiohttp_echo.py PORT [--no-compression]
Needs `pip install aiohttp` (the venv's python). Listens on 127.0.0.1:PORT, any path; no
message size limit beyond the testsuite's 16 MiB cases (aiohttp's default is 4 MiB); no
heartbeat; aiohttp answers pings and checks UTF-8 itself. Example:

    benches/full_run.sh --server '/tmp/kvenv/bin/python benches/aiohttp_echo.py {port}'
"""
import sys

from aiohttp import WSMsgType, web


def app(compression):
    async def echo(request):
        ws = web.WebSocketResponse(compress=compression, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await ws.send_str(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await ws.send_bytes(msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        except Exception:
            pass  # a case that breaks the protocol ends the connection; that is its point
        return ws

    a = web.Application()
    a.router.add_get("/{tail:.*}", echo)
    return a


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    web.run_app(app("--no-compression" not in sys.argv), host="127.0.0.1", port=int(args[0]),
                print=None, access_log=None)
