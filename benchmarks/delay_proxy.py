"""A loopback TCP proxy that adds a round trip: each byte reaches the other side `rtt/2` later.

Stands in for a relay in the same region (a few milliseconds away) so a benchmark on one
machine shows what the round trips cost. Run as a process of its own, so its work does not
share the measured client's interpreter:

    python benchmarks/delay_proxy.py LISTEN_PORT TARGET_PORT RTT_MS
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

READ_BYTES = 65_536
HOST = "127.0.0.1"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Forward everything read, each chunk `delay` seconds after it arrived, in order."""
    loop = asyncio.get_running_loop()
    pending: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await pending.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    sender = asyncio.create_task(deliver())
    with contextlib.suppress(OSError):
        while data := await reader.read(READ_BYTES):
            pending.put_nowait((loop.time() + delay, data))
    pending.put_nowait((loop.time() + delay, b""))
    await sender


async def serve(listen: int, target: int, rtt: float) -> None:
    """Accept on 127.0.0.1:listen and relay to 127.0.0.1:target with rtt/2 each way."""

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(HOST, target)
        await asyncio.gather(_pipe(client_r, server_w, rtt / 2), _pipe(server_r, client_w, rtt / 2))

    server = await asyncio.start_server(handle, HOST, listen)
    async with server:
        await server.serve_forever()


def main() -> None:
    """Run until killed."""
    listen, target, rtt_ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    asyncio.run(serve(listen, target, rtt_ms / 1000))


if __name__ == "__main__":
    main()
