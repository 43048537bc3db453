"""A small, fast SMTP server that counts the copies each recipient receives.

A message counts the moment its final dot arrives (what a reader would find in the mailbox).
Speaks just enough ESMTP (EHLO with PIPELINING, MAIL, RCPT, DATA, RSET, NOOP, QUIT); reads
message bodies with one C-level search, so it keeps up with several connections of 30 KB
messages. Every 0.1 s it writes how many messages it has taken to PROGRESS; on SIGTERM it
writes {address: copies} to COUNTS as JSON and exits.

    python benchmarks/counting_smtp.py PORT PROGRESS COUNTS
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections import Counter
from pathlib import Path

HOST = "127.0.0.1"
PROGRESS_EVERY = 0.1
END_OF_DATA = b"\r\n.\r\n"
MAX_MESSAGE_BYTES = 10 * 2**20


class Counting:
    """The copies per recipient, and the server's sessions."""

    def __init__(self) -> None:
        self.copies: Counter[str] = Counter()
        self.total = 0

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        recipients: list[str] = []
        writer.write(b"220 counting ESMTP\r\n")
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250-counting\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                elif verb == b"MAIL":
                    recipients = []
                    writer.write(b"250 2.1.0 ok\r\n")
                elif verb == b"RCPT":
                    address = line.split(b"<", 1)[-1].split(b">", 1)[0].decode().lower()
                    recipients.append(address)
                    writer.write(b"250 2.1.5 ok\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    await reader.readuntil(END_OF_DATA)
                    self.copies.update(recipients)
                    self.total += 1
                    writer.write(b"250 2.0.0 queued\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                else:
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()


async def serve(port: int, progress: Path, counts: Path) -> None:
    """Serve until SIGTERM, then write the counts."""
    counting = Counting()
    server = await asyncio.start_server(counting.session, HOST, port, limit=MAX_MESSAGE_BYTES)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        while not stop.is_set():
            progress.write_text(str(counting.total))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PROGRESS_EVERY)
    counts.write_text(json.dumps(counting.copies))


def main() -> None:
    """Run until SIGTERM."""
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))


if __name__ == "__main__":
    main()
