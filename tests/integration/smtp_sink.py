#!/usr/bin/python3
"""A test SMTP server (aiosmtpd, Debian python3-aiosmtpd) for the reminder transport tests.

Usage: /usr/bin/python3 smtp_sink.py DIR [--temp-fail N] [--reject SUBSTRING]... [--delay-ms MS]

Listens on 127.0.0.1 on a free port and prints "PORT <n>" on stdout (flushed) once it
accepts connections. Every accepted message is written to DIR as <n>.eml (the bytes as
received, CRLF, dot-unstuffed) with the envelope in <n>.json ({"mail_from", "rcpt_tos"}),
n = 1, 2, ... The .json is written first and the .eml renamed into place before the 250
reply, so a client that got 250 finds both files.

--temp-fail N   answer the first N DATA commands with 451 4.3.0 Try again later
--reject S      answer RCPT with 550 5.1.1 no such user for recipients containing S
--delay-ms MS   wait MS milliseconds before answering each DATA command
Exits on SIGTERM or SIGINT, and when stdin reaches end of file (so a test that dies
without cleaning up does not leave it running), unless stdin is a terminal or /dev/null.
"""
import argparse
import asyncio
import json
import os
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory, temp_fail, reject, delay_ms):
        self.directory = directory
        self.temp_fail = temp_fail
        self.reject = reject
        self.delay = delay_ms / 1000.0
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if any(s in address for s in self.reject):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.temp_fail > 0:
            self.temp_fail -= 1
            return "451 4.3.0 Try again later"
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".json", "w", encoding="utf-8") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 OK queued as %d" % self.count


async def main():
    p = argparse.ArgumentParser(description="test SMTP server")
    p.add_argument("directory")
    p.add_argument("--temp-fail", type=int, default=0)
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--delay-ms", type=int, default=0)
    a = p.parse_args()
    os.makedirs(a.directory, exist_ok=True)
    handler = Sink(a.directory, a.temp_fail, a.reject, a.delay_ms)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", ident="copsched smtp_sink", decode_data=False),
        host="127.0.0.1", port=0)
    stopped = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    if not os.isatty(0) and not os.path.samefile("/dev/null", "/proc/self/fd/0"):
        def on_stdin():
            if not os.read(0, 4096):
                loop.remove_reader(0)
                stopped.set()
        loop.add_reader(0, on_stdin)
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    await stopped.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
