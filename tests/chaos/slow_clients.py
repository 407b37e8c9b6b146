#!/usr/bin/env python3
"""Hostile-client campaign (tracker issue 17, defect 3): one client cannot take the
service off the air.

Starts the real copsched binary on a free loopback port with a temporary SQLite file and
--max-connections 1024 (the cap of the issue), then runs two attacks, each while a
well-behaved client on another loopback address (127.0.0.2) asks GET /healthz every
100 ms on a fresh connection:

  1. slowloris: 1,100 connections from 127.0.0.1 sending a request header (half of them)
     or a body (the other half) one byte every 2 s;
  2. idle flood: 3,000 keep-alive connections from 60 addresses (127.0.1.1-60), each
     after one answered request.

Passes when every request of the well-behaved client is answered 200 within 2 s, and the
slowloris connections are closed by the service (minimum receive rate) within 15 s.
Prints one summary line per attack and exits non-zero on any failure.

    tests/chaos/slow_clients.py BUILD_DIR_OR_BINARY [--seconds N]
"""

import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

from service import find_binary, free_port


async def connect(port, source):
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def read_status(reader, timeout):
    line = await asyncio.wait_for(reader.readline(), timeout)
    return int(line.split()[1]) if line.startswith(b"HTTP/1.1 ") else 0


async def victim(port, stop, results):
    """GET /healthz every 100 ms from 127.0.0.2; records (status, seconds) per request."""
    while not stop.is_set():
        started = time.monotonic()
        status = 0
        try:
            reader, writer = await asyncio.wait_for(connect(port, "127.0.0.2"), 2)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            status = await read_status(reader, 2)
            writer.close()
        except (OSError, asyncio.TimeoutError, ValueError, IndexError):
            pass
        results.append((status, time.monotonic() - started))
        await asyncio.sleep(0.1)


async def slow_client(port, body, closed_after):
    try:
        reader, writer = await connect(port, "127.0.0.1")
    except OSError:
        closed_after.append(0.0)
        return
    started = time.monotonic()
    head = b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" if body else b"GET / HTTP/1.1\r\n"
    try:
        writer.write(head)
        while time.monotonic() - started < 60:
            try:
                data = await asyncio.wait_for(reader.read(4096), 2)
                if not data or b"HTTP/1.1 503" in data:
                    break  # closed, or refused at once
            except asyncio.TimeoutError:
                writer.write(b"x")
                await writer.drain()
    except OSError:
        pass
    closed_after.append(time.monotonic() - started)
    writer.close()


async def idle_client(port, source, held):
    try:
        reader, writer = await connect(port, source)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        await read_status(reader, 10)
        held.append(writer)
    except (OSError, asyncio.TimeoutError, ValueError, IndexError):
        pass


def verdict(name, results, extra=""):
    bad = [r for r in results if r[0] != 200 or r[1] > 2.0]
    worst = max((r[1] for r in results), default=0.0)
    ok = results and not bad
    print("%s: %s, well-behaved client: %d requests, %d not 200 within 2 s, slowest %.3f s%s"
          % (name, "ok" if ok else "FAILED", len(results), len(bad), worst, extra))
    return bool(ok)


async def campaign(port, seconds):
    ok = True
    # 1. slowloris from one address.
    stop, results, closed_after = asyncio.Event(), [], []
    v = asyncio.create_task(victim(port, stop, results))
    slow = [asyncio.create_task(slow_client(port, i % 2 == 1, closed_after)) for i in range(1100)]
    await asyncio.sleep(seconds)
    stop.set()
    await v
    await asyncio.wait_for(asyncio.gather(*slow), 60)
    longest = max(closed_after, default=0.0)
    ok &= verdict("slowloris, 1100 connections from one address", results,
                  ", every slow connection closed within %.1f s" % longest)
    ok &= longest < 15

    # 2. idle keep-alive flood from 60 addresses.
    stop, results, held = asyncio.Event(), [], []
    v = asyncio.create_task(victim(port, stop, results))
    for batch in range(60):
        await asyncio.gather(*(idle_client(port, "127.0.1.%d" % (batch + 1), held) for _ in range(50)))
    await asyncio.sleep(seconds)
    stop.set()
    await v
    ok &= verdict("idle flood, 3000 keep-alive connections from 60 addresses", results)
    for w in held:
        w.close()
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    binary = find_binary(args.binary)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 8000:
        sys.exit("needs an open-file limit of 8000 (hard limit %d)" % hard)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = subprocess.Popen(
            [binary, "--database", os.path.join(tmp, "db"), "--port", str(port), "--max-connections", "1024",
             "--access-log", "false", "serve"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "err"), "w"))
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            ok = asyncio.run(campaign(port, args.seconds))
        finally:
            server.terminate()
            server.wait(20)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
