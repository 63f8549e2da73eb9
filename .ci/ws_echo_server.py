#!/usr/bin/env python3
"""A third-party echo server (Python `websockets`) to compare `wsreport replay` with kosoku
on, above all for the compression cases 12.x/13.x (permessage-deflate), which
`wsreport serve` may not negotiate.

    ws_echo_server.py --port 0 --compression on|off

Binds 127.0.0.1, prints `127.0.0.1:PORT` once listening, echoes every message until killed.
"""
import argparse
import asyncio

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--compression", choices=["on", "off"], default="on")
    a = p.parse_args()
    compression = "deflate" if a.compression == "on" else None
    async with serve(echo, "127.0.0.1", a.port, compression=compression, max_size=None,
                     ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"127.0.0.1:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
