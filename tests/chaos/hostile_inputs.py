#!/usr/bin/env python3
"""Hostile-input campaign (tracker issue 17): a catalogue of hostile requests against the real
service, each checked for a clear answer that changes nothing.

Starts the real copsched binary on a free loopback port with a temporary SQLite file, the
demo programme and API tokens made with `copsched token create` (admin, an organiser and a
participant of the demo programme); then, through the API, a second programme (feeds not
public) with a person and an organiser token, and a revoked token. Then it sends, category by
category, several hundred hostile inputs over raw sockets:

  1. framing   request smuggling (Transfer-Encoding not ending in chunked, TE + CL, two
               Content-Lengths, obs-fold, bad chunk sizes and extensions), CR without LF, NUL
               and control bytes, header lines of 100 KB, 1000 headers, invalid methods,
               versions and targets, absolute-form targets of other hosts, pipelining;
  2. json      bodies of the POST/PATCH/PUT routes: invalid UTF-8, overlong encodings, lone
               surrogates, deep nesting, huge numbers, duplicate keys, every field of every
               request schema of /openapi.json with a wrong type, null, empty or too long,
               1 MB strings, bodies over the limit, wrong Content-Types;
  3. paths     ../ traversal, %00, %2e%2e, invalid percent-encoding, overlong paths, unknown
               routes and methods, limit/cursor/filter garbage on every list route;
  4. auth      missing, garbled, very long, revoked tokens on every protected route;
               participant and organiser tokens on organiser and admin routes; tokens of
               another programme; the throttle (429 after --auth-failure-limit failures from
               127.0.0.3, also for a valid token, while 127.0.0.1 is still served);
  5. ical      blackout imports and busy times: RRULE bombs (FREQ=SECONDLY;COUNT=100000000),
               30,000 nested BEGINs, 1 MB lines, invalid TZIDs and VTIMEZONEs, years 0 and
               9999, broken folding, binary garbage, files over the limit;
  6. feeds     invalid and other programmes' feed tokens, huge If-None-Match, garbage
               Accept-Encoding (the coding sent must match and decode to a calendar).

Each input is sent on a fresh connection from its own loopback address (127.77.x.y), so the
auth throttle only sees the failures of the throttle test. Each has the statuses it may get;
it fails on any 5xx, a status outside those, a 4xx that is not application/problem+json
(except the HTML pages of /rsvp), a 400/422 that does not name the field at fault where the
README says it does, an answer slower than 5 s, a connection left open after a refused
framing, or a second response where a smuggled request hid. After every category the process
must be alive and /healthz answer 200. At the end every table of the database must hold what
it held before (row by row; the idempotency keys and tokens' last_used_at aside), except what
accepted inputs did and the script undid (a blackout import of a syntactically valid but odd
file is deleted again; its audit entries are the only trace), and PRAGMA integrity_check must
say ok.

Prints one line per category (inputs, 4xx, 5xx, slowest ms) and exits non-zero on any failure.

    tests/chaos/hostile_inputs.py BUILD_DIR_OR_BINARY [--workers N] [--record] [--verbose]

--record writes the section "Hostile inputs" of docs/RELIABILITY.md (tests/chaos/record.py).
"""

import argparse
import collections
import gzip
import hashlib
import itertools
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from service import find_binary, free_port, service

PROGRAMME = "gdci-2"
OTHER = "hostile-other"
SLOW_MS = 5000
HOST = "127.0.0.1"
THROTTLE_ADDRESS = "127.0.0.3"


# ---------------------------------------------------------------------------------------------
# Raw HTTP/1.1 over a socket: what was answered, how fast, and what came after it.

_address_counter = itertools.count()
_address_lock = threading.Lock()


def next_source():
    """A loopback address of its own for each hostile request (127.77.0.1 on)."""
    with _address_lock:
        n = next(_address_counter)
    return "127.77.%d.%d" % (n // 250 % 250, n % 250 + 1)


class answer:
    def __init__(self):
        self.status = 0          # 0: closed or timed out without an answer
        self.headers = {}        # lower-case name -> last value
        self.body = b""
        self.ms = 0.0
        self.closed = None       # True: EOF seen after the answer(s); False: still open
        self.extra = b""         # bytes after the answers expected
        self.responses = 0
        self.error = ""

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def is_problem(self):
        return self.headers.get("content-type", "").split(";")[0].strip().lower() == "application/problem+json"


class reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.eof = False

    def fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(262144)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def response(self, deadline, head=False):
        """(status, headers, body) of the next non-1xx response, or None at EOF."""
        while True:
            while b"\r\n\r\n" not in self.buf:
                if self.eof or not self.fill(deadline):
                    return None
            end = self.buf.index(b"\r\n\r\n")
            lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            del self.buf[:end + 4]
            parts = lines[0].split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
                raise ValueError("not an HTTP response: %r" % lines[0][:80])
            status = int(parts[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if 100 <= status < 200:
                continue
            if head or status in (204, 304):
                return status, headers, b""
            if "content-length" in headers:
                n = int(headers["content-length"])
                while len(self.buf) < n:
                    if self.eof or not self.fill(deadline):
                        raise ValueError("the answer's body was cut off")
                body = bytes(self.buf[:n])
                del self.buf[:n]
                return status, headers, body
            while not self.eof and self.fill(deadline):
                pass
            body = bytes(self.buf)
            self.buf.clear()
            return status, headers, body

    def drain(self, deadline):
        """Reads until EOF or the deadline: (bytes, eof seen)."""
        try:
            while not self.eof and self.fill(deadline):
                pass
        except (socket.timeout, OSError):
            pass
        data = bytes(self.buf)
        self.buf.clear()
        return data, self.eof


def exchange(port, raw, source=None, head=False, responses=1, half_close=False, quiet=0.0, timeout=8.0):
    """Sends raw bytes on a fresh connection and reads `responses` answers."""
    a = answer()
    sock = socket.socket()
    try:
        sock.bind((source or next_source(), 0))
        sock.settimeout(5)
        sock.connect((HOST, port))
    except OSError as e:
        a.error = "connect: %s" % e
        sock.close()
        return a
    sender_error = []

    def send():
        try:
            sock.sendall(raw)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            sender_error.append(str(e))

    started = time.monotonic()
    sender = None
    if len(raw) > 65536:
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
    else:
        send()
    r = reader(sock)
    deadline = started + timeout
    try:
        for i in range(responses):
            got = r.response(deadline, head)
            if got is None:
                break
            if i == 0:
                a.status, a.headers, a.body = got
                a.ms = (time.monotonic() - started) * 1000
            a.responses += 1
        if a.responses == 0:
            a.ms = (time.monotonic() - started) * 1000
        if a.headers.get("connection", "").lower() == "close" or r.eof or a.responses == 0:
            a.extra, a.closed = r.drain(time.monotonic() + 3)
        elif quiet > 0:
            a.extra, eof = r.drain(time.monotonic() + quiet)
            a.closed = eof
    except socket.timeout:
        a.error = "no answer within %.0f s" % timeout
        a.ms = (time.monotonic() - started) * 1000
    except (ValueError, OSError) as e:
        a.error = str(e)
    finally:
        if sender:
            sender.join(10)
        sock.close()
    return a


def request_bytes(method, target, headers=(), body=None, host="127.0.0.1", close=True, version="HTTP/1.1",
                  length=True):
    """One request; header values may be str (latin-1) or bytes."""
    out = bytearray(("%s %s %s\r\n" % (method, target, version)).encode("latin-1"))
    if host is not None:
        out += b"Host: " + host.encode("latin-1") + b"\r\n"
    for name, value in headers:
        out += name.encode("latin-1") + b": " + (value if isinstance(value, bytes) else value.encode("latin-1")) + b"\r\n"
    if body is not None and length:
        out += b"Content-Length: %d\r\n" % len(body)
    if close:
        out += b"Connection: close\r\n"
    out += b"\r\n"
    if body is not None:
        out += body
    return bytes(out)


def bearer(token):
    return [("Authorization", "Bearer " + token)] if token else []


# ---------------------------------------------------------------------------------------------
# The catalogue.

class case:
    """One hostile input: its bytes and what may come back."""

    def __init__(self, cat, name, raw, expect, *, close=False, smuggle=False, api=True, head=False, responses=1,
                 half_close=False, field=None, check=None, on_accept=None, accept=()):
        self.cat, self.name, self.raw = cat, name, raw
        self.expect = set(expect) | set(accept)
        self.accept = set(accept)  # statuses that mean the input was taken (a write to undo)
        self.close, self.smuggle, self.api, self.head = close, smuggle, api, head
        self.responses, self.half_close = responses, half_close
        self.field, self.check, self.on_accept = field, check, on_accept


def api_case(cat, name, method, target, token=None, body=None, ctype="application/json", headers=(), expect=(),
             **kw):
    h = list(bearer(token)) + list(headers)
    if body is not None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        if ctype is not None:
            h.append(("Content-Type", ctype))
    return case(cat, name, request_bytes(method, target, h, body), expect, head=(method == "HEAD"), **kw)


def judge(c, a, port):
    """The failures of one answered case."""
    bad = []
    if a.error and a.status == 0 and 0 not in c.expect:
        bad.append(a.error)
    if a.status >= 500:
        bad.append("server error %d" % a.status)
    elif a.status not in c.expect:
        bad.append("status %d, expected %s" % (a.status, "/".join(str(s) for s in sorted(c.expect))))
    if a.ms > SLOW_MS:
        bad.append("answered after %.0f ms" % a.ms)
    if 400 <= a.status < 500 and c.api:
        if not a.is_problem():
            bad.append("%d without application/problem+json (%s)" % (a.status, a.headers.get("content-type")))
        elif not c.head:
            doc = a.json()
            if not isinstance(doc, dict) or doc.get("status") != a.status or not doc.get("detail"):
                bad.append("problem body without status %d and detail: %r" % (a.status, a.body[:200]))
    if c.field and a.status in (400, 422) and not c.head:
        doc = a.json() or {}
        fields = [e.get("field", "") for e in doc.get("errors", []) if isinstance(e, dict)]
        if not any(f == c.field or f.startswith(c.field + ".") or f.startswith(c.field + "[") for f in fields):
            bad.append("%d does not name field %s (errors: %s)" % (a.status, c.field, fields[:5]))
    if c.close and a.status != 0 and a.closed is not True:
        bad.append("connection left open after %d" % a.status)
    if c.smuggle and (a.responses > 1 or b"HTTP/1." in a.extra):
        bad.append("a second response came back: %r" % (a.extra[:120] or "(pipelined)"))
    if c.check:
        bad += c.check(a)
    return bad


# ---- 1. HTTP framing -------------------------------------------------------------------------

SMUGGLED = b"GET /api/v1/tokens HTTP/1.1\r\nHost: x\r\n\r\n"


def framing_cases(ctx):
    out = []
    target = "/api/v1/programmes/%s/events" % PROGRAMME

    def raw(name, data, expect, **kw):
        out.append(case("framing", name, data, expect, **kw))

    def post(extra_headers, body, version="HTTP/1.1"):
        head = ("POST %s %s\r\nHost: x\r\nContent-Type: application/json\r\n" % (target, version)).encode()
        return head + extra_headers + b"\r\n" + body

    chunked_smuggle = b"5\r\nhello\r\n0\r\n\r\n" + SMUGGLED
    # Transfer-Encoding that does not end in chunked, or is not chunked alone.
    for te in [b"chunked, identity", b"identity", b"gzip", b"gzip, chunked", b"chunked, chunked", b"xchunked",
               b"chunked;q=1", b"chunk", b"deflate", b"compress, chunked", b"identity, chunked",
               b"\"chunked\"", b"chunked\x0b", b"chunked\x00", b"ch\xc3\xbcnked", b""]:
        raw("TE %r" % te.decode("latin-1"), post(b"Transfer-Encoding: " + te + b"\r\n", chunked_smuggle),
            {400, 501}, close=True, smuggle=True)
    # An empty list element is ignored (RFC 9110 section 5.6.1): "chunked," is chunked, so
    # the request is answered (401: no token) and the GET behind its body is a second request.
    raw("TE 'chunked,' (an empty list element)", post(b"Transfer-Encoding: chunked,\r\n", chunked_smuggle), {401})
    for te1, te2 in [(b"chunked", b"identity"), (b"identity", b"chunked"), (b"chunked", b"chunked"),
                     (b"gzip", b"chunked")]:
        raw("two TE fields %s + %s" % (te1.decode(), te2.decode()),
            post(b"Transfer-Encoding: " + te1 + b"\r\nTransfer-Encoding: " + te2 + b"\r\n", chunked_smuggle),
            {400, 501}, close=True, smuggle=True)
    # Transfer-Encoding and Content-Length together (CL.TE and TE.CL).
    for cl in [b"0", b"4", b"5", b"60", b"1000"]:
        raw("TE chunked + CL %s" % cl.decode(),
            post(b"Transfer-Encoding: chunked\r\nContent-Length: " + cl + b"\r\n", chunked_smuggle), {400},
            close=True, smuggle=True)
        raw("CL %s + TE chunked" % cl.decode(),
            post(b"Content-Length: " + cl + b"\r\nTransfer-Encoding: chunked\r\n", chunked_smuggle), {400},
            close=True, smuggle=True)
    raw("TE chunked in HTTP/1.0", post(b"Transfer-Encoding: chunked\r\n", chunked_smuggle, "HTTP/1.0"), {400},
        close=True, smuggle=True)
    raw("Transfer-Encoding with space before colon", post(b"Transfer-Encoding : chunked\r\n", chunked_smuggle),
        {400}, close=True, smuggle=True)
    # Two Content-Lengths, or one that is not a decimal number.
    body = b"hello" + SMUGGLED
    for a_, b_ in [(b"5", b"5"), (b"5", b"6"), (b"6", b"5"), (b"0", b"5"), (b"5", b"0")]:
        raw("two CL %s and %s" % (a_.decode(), b_.decode()),
            post(b"Content-Length: " + a_ + b"\r\nContent-Length: " + b_ + b"\r\n", body), {400}, close=True,
            smuggle=True)
    for cl in [b"5, 5", b"5,6", b"+5", b"-5", b"0x5", b"5.0", b"1e1", b"5 5", b"five", b"\xd9\xa5",
               b"99999999999999999999", b"1000000000000000000", b""]:
        raw("CL %r" % cl.decode("latin-1"), post(b"Content-Length: " + cl + b"\r\n", body), {400, 413},
            close=True, smuggle=True)
    raw("CL 10^17 (over the body limit)", post(b"Content-Length: 100000000000000000\r\n", body), {413},
        close=True, smuggle=True)
    # obs-fold.
    for name, hdr in [("obs-fold of Transfer-Encoding", b"Transfer-Encoding:\r\n chunked\r\n"),
                      ("obs-fold of Content-Length", b"Content-Length:\r\n 5\r\n"),
                      ("obs-fold with tab", b"X-A: b\r\n\tc\r\nContent-Length: 5\r\n"),
                      ("obs-fold after Host", b"X-B: 1\r\n Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")]:
        raw(name, post(hdr, body if b"chunked\r\n" not in hdr.split(b":", 1)[-1] else chunked_smuggle), {400},
            close=True, smuggle=True)
    raw("obs-fold on the first header line", b"GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n", {400}, close=True)
    # Chunked bodies that are malformed.
    te = b"Transfer-Encoding: chunked\r\n"
    for name, chunks in [("chunk size zz", b"zz\r\nhello\r\n0\r\n\r\n"),
                         ("chunk size -1", b"-1\r\nhello\r\n0\r\n\r\n"),
                         ("chunk size 0x5", b"0x5\r\nhello\r\n0\r\n\r\n"),
                         ("chunk size overflow", b"fffffffffffffffff5\r\nhello\r\n0\r\n\r\n"),
                         ("chunk size 2^64", b"10000000000000000\r\nhello\r\n0\r\n\r\n"),
                         ("chunk size +5", b"+5\r\nhello\r\n0\r\n\r\n"),
                         ("chunk size empty", b"\r\nhello\r\n0\r\n\r\n"),
                         ("chunk longer than its size", b"3\r\nhello\r\n0\r\n\r\n"),
                         ("chunk without CRLF", b"5\r\nhello0\r\n\r\n"),
                         ("chunk size with LF only", b"5\nhello\r\n0\r\n\r\n"),
                         ("chunk size with CR only", b"5\rhello\r\n0\r\n\r\n"),
                         ("chunk data ending in LF only", b"5\r\nhello\n0\r\n\r\n"),
                         ("chunk extension of 100 KB", b"5;" + b"a" * 100000 + b"\r\nhello\r\n0\r\n\r\n"),
                         ("chunk extension of 100 KB, quoted", b"5;a=\"" + b"b" * 100000 + b"\"\r\nhello\r\n0\r\n\r\n"),
                         ("chunk extension with NUL", b"5;a\x00=b\r\nhello\r\n0\r\n\r\n"),
                         ("chunk extension with bare LF", b"5;a\n=b\r\nhello\r\n0\r\n\r\n"),
                         ("chunked body over the limit", b"".join(b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
                                                                  for _ in range(17)) + b"0\r\n\r\n"),
                         ("chunk size of 2 MB", b"200000\r\n" + b"x" * 10 + b"\r\n0\r\n\r\n"),
                         ("trailer with NUL", b"5\r\nhello\r\n0\r\nX-T: a\x00b\r\n\r\n"),
                         ("trailer of 100 KB", b"5\r\nhello\r\n0\r\nX-T: " + b"a" * 100000 + b"\r\n\r\n")]:
        expect = {400, 413, 431}
        data = post(te, chunks + SMUGGLED)
        if name == "chunk size of 2 MB":
            raw(name, data, expect, close=True, smuggle=True, half_close=True, accept=())
            out[-1].expect |= {0}
            continue
        raw(name, data, expect, close=True, smuggle=True)
    # 1000 chunk extensions of a few bytes each: valid HTTP, answered (401: no token) or refused.
    raw("1000 short chunk extensions", post(te, b"5" + b";a=b" * 1000 + b"\r\nhello\r\n0\r\n\r\n"),
        {400, 401, 413, 431})
    # Line endings and bytes that are not allowed.
    for name, data in [("CR without LF after the request line", b"GET /healthz HTTP/1.1\rHost: x\r\n\r\n"),
                       ("CR without LF between headers", b"GET /healthz HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n"),
                       ("CR without LF in a value", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\rc\r\n\r\n"),
                       ("bare LF line endings", b"GET /healthz HTTP/1.1\nHost: x\n\n"),
                       ("bare LF after the request line", b"GET /healthz HTTP/1.1\nHost: x\r\n\r\n"),
                       ("LF CR line endings", b"GET /healthz HTTP/1.1\n\rHost: x\n\r\n\r"),
                       ("NUL in a header value", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"),
                       ("NUL in a header name", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-\x00A: b\r\n\r\n"),
                       ("NUL in the target", b"GET /healthz\x00 HTTP/1.1\r\nHost: x\r\n\r\n"),
                       ("NUL in the method", b"G\x00T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
                       ("NUL before the request", b"\x00GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
                       ("space in a header name", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n"),
                       ("empty header name", b"GET /healthz HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n"),
                       ("header without colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A b\r\n\r\n"),
                       ("0x01 in a header value", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n"),
                       ("DEL in a header name", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-\x7fA: b\r\n\r\n"),
                       ("non-ASCII header name", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-\xc3\xa9: b\r\n\r\n"),
                       ("missing Host in HTTP/1.1", b"GET /healthz HTTP/1.1\r\nX-A: b\r\n\r\n"),
                       ("two Host fields", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                       ("two identical Host fields", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
                       ("Host of 9000 bytes", b"GET /healthz HTTP/1.1\r\nHost: " + b"h" * 9000 + b"\r\n\r\n"),
                       ("header line of 100 KB", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 102400 +
                        b"\r\n\r\n"),
                       ("header name of 100 KB", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X" * 102400 +
                        b": a\r\n\r\n"),
                       ("request line of 100 KB", b"GET /" + b"a" * 102400 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
                       ("1000 headers", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
                        b"".join(b"X-H-%d: value\r\n" % i for i in range(1000)) + b"\r\n"),
                       ("100000 headers", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"a:b\r\n" * 100000 + b"\r\n"),
                       ("header of 8193 bytes", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 8193 +
                        b"\r\n\r\n")]:
        raw(name, data, {400, 431}, close=True)
    # Valid, if odd: answered normally (no 5xx, nothing smuggled).
    raw("1000 tiny headers within the limit", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"a:b\r\n" * 1000 +
        b"Connection: close\r\n\r\n", {200, 400, 431})
    raw("HTTP/1.0 without Host", b"GET /healthz HTTP/1.0\r\n\r\n", {200})
    raw("Host of another site", b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", {200})
    # Methods.
    for m in [b"G ET", b"GET\t", b"GE(T", b"GET/", b"G\xc3\x89T", b"", b" GET", b"M" * 10000, b"GET\x7f"]:
        raw("method %r" % m[:20].decode("latin-1"), m + b" /healthz HTTP/1.1\r\nHost: x\r\n\r\n", {400, 431},
            close=True)
    for m in [b"get", b"FOO", b"TRACE", b"CONNECT", b"PROPFIND", b"BREW", b"M" * 200]:
        raw("method %s" % m[:20].decode(), m + b" /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            {400, 405, 501}, check=lambda a: [] if b"/healthz" not in a.body or a.status != 200 else ["echoed"])
    raw("PRI * HTTP/2.0 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {400, 505}, close=True)
    # Versions.
    for v in [b"HTTP/1", b"HTTP/1.1.1", b"HTTP/11", b"http/1.1", b"HTTP /1.1", b"HTTP/1.1 x", b"HTTP/1.x",
              b"HTTP/-1.1", b"HTTPS/1.1", b"HTTP/1.1\x00", b"XYZ"]:
        raw("version %r" % v.decode("latin-1"), b"GET /healthz " + v + b"\r\nHost: x\r\n\r\n", {400, 505},
            close=True)
    for v in [b"HTTP/1.2", b"HTTP/2.0", b"HTTP/9.9", b"HTTP/0.9"]:
        raw("version %s" % v.decode(), b"GET /healthz " + v + b"\r\nHost: x\r\nConnection: close\r\n\r\n",
            {200, 400, 505})
    raw("no version (HTTP/0.9 style)", b"GET /healthz\r\n\r\n", {400, 505}, close=True, half_close=True)
    # Targets.
    for t in [b"healthz", b"/healthz#frag", b"/he lthz", b"*", b"/%", b"/%zz", b"/healthz?%", b"/healthz?a=%G0",
              b"/\xc3\xa9", b"/\x7f", b"/healthz\\..\\", b"", b"/\x01"]:
        raw("target %r" % t.decode("latin-1"),
            b"GET " + t + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {400, 404})
    for t in [b"http://evil.example/healthz", b"http://evil.example/api/v1/tokens", b"https://evil.example:443/",
              b"http://127.0.0.1:%d/healthz" % ctx["port"], b"ftp://evil.example/x", b"evil.example:443",
              b"http://user:pass@evil.example/", b"javascript:alert(1)"]:
        raw("absolute-form %s" % t.decode(),
            b"GET " + t + b" HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", {400, 404, 421},
            check=lambda a: ["answered 200 for another host"] if a.status == 200 else [])
    raw("CONNECT to another host", b"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n",
        {400, 404, 405}, half_close=True)
    # Pipelining: exactly as many answers as requests, and a Content-Length body is no request.
    raw("100 pipelined requests", b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 99 +
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {200}, responses=100,
        check=lambda a: [] if a.responses == 100 else ["%d answers to 100 requests" % a.responses])
    smuggled_body = b"GET /api/v1/tokens HTTP/1.1\r\nHost: x\r\n\r\n"
    raw("request inside a Content-Length body", b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
        % len(smuggled_body) + smuggled_body, {405}, smuggle=True)
    raw("request inside a chunked body", b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n" % len(smuggled_body) + smuggled_body + b"\r\n0\r\n\r\n", {405}, smuggle=True)
    raw("Expect 100-continue with a body over the limit",
        b"POST /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n", {413},
        close=True)
    raw("Content-Length longer than the body", b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab",
        {0, 400}, half_close=True)
    return out


# ---- 2. JSON bodies --------------------------------------------------------------------------

def resolve(schema, components):
    if "$ref" in schema:
        return resolve(components[schema["$ref"].split("/")[-1]], components)
    if "allOf" in schema:
        merged = {"type": "object", "properties": {}}
        for s in schema["allOf"]:
            s = resolve(s, components)
            merged["properties"].update(s.get("properties", {}))
        return merged
    return schema


def bad_values(schema, components):
    """(label, value) pairs a field of this schema must refuse."""
    schema = resolve(schema, components)
    t = schema.get("type")
    nullable = schema.get("nullable", False)
    out = []
    if t == "string":
        out += [("a number", 12345), ("true", True), ("an array", ["x"]), ("an object", {"a": 1})]
        # Empty is refused unless the schema says it is allowed (a pattern that matches "").
        pattern_allows_empty = "pattern" in schema and re.search(schema["pattern"], "") is not None
        if (schema.get("minLength", 0) >= 1 or "enum" in schema or "pattern" in schema or "format" in schema) \
                and not pattern_allows_empty:
            out.append(("empty", ""))
        if "maxLength" in schema:
            out.append(("%d characters" % (schema["maxLength"] + 1), "x" * (schema["maxLength"] + 1)))
        if "enum" in schema:
            out.append(("not in the enum", "not-" + schema["enum"][0]))
        if schema.get("format") == "date":
            out += [("30 February", "2019-02-30"), ("not a date", "yesterday")]
    elif t == "integer":
        out += [("a string", "5"), ("a fraction", 1.5), ("true", True), ("an array", [1]), ("2^64", 2 ** 64),
                ("-2^63-1", -2 ** 63 - 1), ("1e300", 1e300)]
        if "minimum" in schema:
            out.append(("below the minimum", schema["minimum"] - 1))
        if "maximum" in schema:
            out.append(("above the maximum", schema["maximum"] + 1))
    elif t == "boolean":
        out += [("a string", "true"), ("a number", 1), ("an array", [True])]
    elif t == "array":
        out += [("a string", "x"), ("an object", {}), ("a number", 1)]
        if "maxItems" in schema:
            item = resolve(schema.get("items", {}), components)
            value = item.get("enum", ["x"])[0] if item.get("type") == "string" else 1
            out.append(("%d items" % (schema["maxItems"] + 1), [value] * (schema["maxItems"] + 1)))
        item = resolve(schema.get("items", {}), components)
        if item.get("type") == "string":
            out.append(("items of the wrong type", [{"x": 1}]))
    elif t == "object":
        out += [("a string", "x"), ("an array", []), ("a number", 1)]
    if not nullable:
        out.append(("null", None))
    return out


def json_cases(ctx):
    out = []
    doc = ctx["openapi"]
    components = doc["components"]["schemas"]
    admin = ctx["admin"]
    y = ctx["year"]
    events = "/api/v1/programmes/%s/events" % PROGRAMME
    # Route, method, token, schema, base body. Each base is refused after validation (a name,
    # slug or e-mail in use, an end before its start, until before from), so a field the
    # service wrongly accepted still stores nothing; the data check at the end would see it.
    routes = [
        ("POST events", "POST", events, admin, "NewEvent",
         {"kind": "other", "title": "hostile", "start": "%d-03-05T11:00" % y, "end": "%d-03-05T10:00" % y}),
        ("POST series", "POST", "/api/v1/programmes/%s/series" % PROGRAMME, admin, "NewSeries",
         {"kind": "other", "title": "hostile", "start": "%d-03-05T11:00" % y, "end": "%d-03-05T10:00" % y,
          "rrule": "FREQ=WEEKLY;COUNT=2"}),
        ("POST people", "POST", "/api/v1/programmes/%s/people" % PROGRAMME, admin, "NewPerson",
         {"name": "Hostile", "email": ctx["person_email"], "organisation_id": ctx["organisation"], "role": "other"}),
        ("POST organisations", "POST", "/api/v1/programmes/%s/organisations" % PROGRAMME, admin, "NewOrganisation",
         {"name": ctx["organisation_name"], "kind": "company", "level": "starter"}),
        ("POST working-groups", "POST", "/api/v1/programmes/%s/working-groups" % PROGRAMME, admin,
         "NewWorkingGroup", {"slug": ctx["group_slug"], "name": "hostile"}),
        ("POST venues", "POST", "/api/v1/programmes/%s/venues" % PROGRAMME, admin, "NewVenue",
         {"name": "hostile", "capacity": 10, "address": "x" * 501}),
        ("POST programmes", "POST", "/api/v1/programmes", admin, "NewProgramme",
         {"slug": PROGRAMME, "name": "hostile", "starts_on": "2019-01-01", "ends_on": "2019-12-31"}),
        ("PATCH programme", "PATCH", "/api/v1/programmes/%s" % PROGRAMME, admin, "ProgrammePatch", {}),
        ("PATCH event", "PATCH", "/api/v1/events/%s" % ctx["event"], admin, "EventPatch", {}),
        ("PATCH person", "PATCH", "/api/v1/people/%s" % ctx["person"], admin, "PersonPatch", {}),
        ("PATCH organisation", "PATCH", "/api/v1/organisations/%s" % ctx["organisation"], admin,
         "OrganisationPatch", {}),
        ("PATCH venue", "PATCH", "/api/v1/venues/%s" % ctx["venue"], admin, "VenuePatch", {}),
        ("PATCH working group", "PATCH", "/api/v1/working-groups/%s" % ctx["group"], admin, "WorkingGroupPatch", {}),
        ("POST members", "POST", "/api/v1/working-groups/%s/members" % ctx["group"], admin, "NewMembership",
         {"person_id": ctx["person"], "from": "%d-06-01" % y, "until": "%d-01-01" % y}),
        ("POST tokens", "POST", "/api/v1/tokens", admin, "NewToken",
         {"name": "hostile", "role": "participant", "programme": PROGRAMME}),
        ("POST plans", "POST", "/api/v1/programmes/%s/plans" % PROGRAMME, admin, "PlanRequest", {"year": y}),
        ("PUT me/reminders", "PUT", "/api/v1/me/reminders", ctx["participant"], "ReminderPreference", {}),
        ("POST reminders/claim", "POST", "/api/v1/reminders/claim", admin, "Claim", {}),
    ]
    # A field too long or of the wrong type: 422 naming it (nested: meeting_rules.per_year).
    for label, method, target, token, schema_name, base in routes:
        schema = resolve(components[schema_name], components)
        fields = []
        for name, prop in schema.get("properties", {}).items():
            if prop.get("readOnly"):
                continue
            fields.append((name, prop))
            sub = resolve(prop, components)
            if sub.get("type") == "object" and method != "PATCH" or schema_name == "ProgrammePatch" and \
                    sub.get("type") == "object":
                for sname, sprop in sub.get("properties", {}).items():
                    fields.append((name + "." + sname, sprop))
        for name, prop in fields:
            for what, value in bad_values(prop, components):
                body = json.loads(json.dumps(base))
                if "." in name:
                    outer, inner = name.split(".", 1)
                    body[outer] = dict(body.get(outer) or {})
                    body[outer][inner] = value
                else:
                    body[name] = value
                out.append(api_case("json", "%s: %s %s" % (label, name, what), method, target, token,
                                    json.dumps(body), expect={422}, field=name))
        body = dict(base)
        body["zz_unknown"] = 1
        out.append(api_case("json", "%s: an unknown field" % label, method, target, token, json.dumps(body),
                            expect={422}, field="zz_unknown"))
    # Malformed JSON and hostile texts, on the main write routes.
    generic = [
        ("invalid UTF-8 in a string", b'{"title": "\xff\xfe", "name": "\xff"}', {400, 422}, None),
        ("overlong UTF-8 slash", b'{"title": "\xc0\xaf", "name": "\xc0\xaf"}', {400, 422}, None),
        ("overlong UTF-8 NUL", b'{"title": "a\xc0\x80b", "name": "a\xc0\x80b"}', {400, 422}, None),
        ("UTF-8 encoded surrogate", b'{"title": "\xed\xa0\x80", "name": "\xed\xa0\x80"}', {400, 422}, None),
        ("escaped lone surrogate", b'{"title": "\\ud800", "name": "\\ud800"}', {400, 422}, None),
        ("escaped lone low surrogate", b'{"title": "\\udfff x", "name": "\\udfff"}', {400, 422}, None),
        ("escaped NUL", b'{"title": "a\\u0000b", "name": "a\\u0000b"}', {400, 422}, None),
        ("invalid UTF-8 in a key", b'{"\xff": 1}', {400, 422}, None),
        ("10,000 nested arrays", b"[" * 10000 + b"]" * 10000, {400}, None),
        ("10,000 nested objects", b'{"a":' * 10000 + b"1" + b"}" * 10000, {400, 422}, None),
        ("100,000 unclosed arrays", b"[" * 100000, {400}, None),
        ("1e999", b'{"capacity": 1e999, "year": 1e999}', {400, 422}, None),
        ("-1e999", b'{"capacity": -1e999, "year": -1e999}', {400, 422}, None),
        ("a 400-digit integer", b'{"capacity": ' + b"9" * 400 + b', "year": ' + b"9" * 400 + b"}", {400, 422}, None),
        ("NaN", b'{"capacity": NaN}', {400}, None),
        ("Infinity", b'{"capacity": Infinity}', {400}, None),
        ("duplicate top-level key", b'{"title": "a", "title": "b", "name": "a"}', {400}, "title"),
        ("duplicate nested key", b'{"meeting_rules": {"per_year": 4, "per_year": 5}}', {400}, "meeting_rules.per_year"),
        ("duplicate key differing in escapes", b'{"title": "a", "titl\\u0065": "b"}', {400}, "title"),
        ("a top-level array", b"[]", {400}, None),
        ("a top-level string", b'"x"', {400}, None),
        ("a top-level number", b"1", {400}, None),
        ("null", b"null", {400}, None),
        ("empty body", b"", {400}, None),
        ("whitespace only", b"   \r\n\t ", {400}, None),
        ("trailing garbage", b"{} x", {400}, None),
        ("two documents", b"{}{}", {400}, None),
        ("a comment", b'{/* hi */}', {400}, None),
        ("a trailing comma", b'{"title": "a",}', {400}, None),
        ("single quotes", b"{'title': 'a'}", {400}, None),
        ("unquoted key", b"{title: 1}", {400}, None),
        ("a byte order mark", b"\xef\xbb\xbf{}", {400, 422}, None),
        ("UTF-16", '{"title": "x"}'.encode("utf-16"), {400}, None),
        ("a control character in a string", b'{"title": "a\x01b"}', {400}, None),
        ("a raw newline in a string", b'{"title": "a\nb"}', {400}, None),
        ("a 1 MB string", b'{"title": "' + b"x" * 1000000 + b'", "name": "' + b"y" * 10000 + b'"}', {422}, None),
        ("a 1 MB key", b'{"' + b"k" * 1000000 + b'": 1}', {422}, None),
        # Over the body limit (1 MiB) as sent: 413 before any JSON is read.
        ("100,000 unknown keys", b"{" + b",".join(b'"k%d":1' % i for i in range(100000)) + b"}", {413, 422}, None),
        ("an array of 200,000 items", b'{"accept_conflicts": [' + b",".join([b'"blackout"'] * 200000) + b"]}",
         {413, 422}, None),
    ]
    targets = [("POST events", "POST", events, admin),
               ("POST people", "POST", "/api/v1/programmes/%s/people" % PROGRAMME, admin),
               ("PATCH programme", "PATCH", "/api/v1/programmes/%s" % PROGRAMME, admin),
               ("PATCH event", "PATCH", "/api/v1/events/%s" % ctx["event"], admin),
               ("POST venues", "POST", "/api/v1/programmes/%s/venues" % PROGRAMME, admin),
               ("POST tokens", "POST", "/api/v1/tokens", admin)]
    for tlabel, method, target, token in targets:
        for name, body, expect, field in generic:
            if field == "meeting_rules.per_year" and tlabel != "PATCH programme":
                continue
            out.append(api_case("json", "%s: %s" % (tlabel, name), method, target, token, body, expect=expect,
                                field=field))
    # Bodies over the limit, and bodies that are not JSON.
    for tlabel, method, target, token in targets[:4]:
        big = b'{"title": "' + b"x" * (1 << 20) + b'"}'
        out.append(api_case("json", "%s: body of 1 MiB + 13 bytes" % tlabel, method, target, token, big,
                            expect={413}, close=True))
        out.append(case("json", "%s: Content-Length of 10 GB, 10 bytes sent" % tlabel,
                        request_bytes(method, target, bearer(token) + [("Content-Type", "application/json"),
                                                                      ("Content-Length", "10000000000")],
                                      b'{"a": 1}  ', length=False), {413}, close=True))
        for ctype in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                      "application/jsonx", "application/json-patch+json", "text/json", "application/xml",
                      "application/json\x0b", "*/*", None]:
            out.append(api_case("json", "%s: Content-Type %s" % (tlabel, ctype), method, target, token,
                                b'{"title": "x"}', ctype=ctype, expect={400, 415}))
    return out


# ---- 3. Paths and queries -------------------------------------------------------------------

def path_cases(ctx):
    out = []
    admin, organiser = ctx["admin"], ctx["organiser"]
    traversal = [
        "/api/v1/../../etc/passwd", "/api/v1/programmes/../tokens", "/api/v1/programmes/%s/../../tokens" % PROGRAMME,
        "/%2e%2e/%2e%2e/etc/passwd", "/api/v1/programmes/%2e%2e/people", "/api/v1/programmes/%2e%2e%2ftokens",
        "/api/v1/programmes/..%2f..%2ftokens", "/api/v1/programmes/..%5c..%5ctokens",
        "/feeds/programmes/..%2f..%2fetc%2fpasswd.ics", "/feeds/people/..%2f..%2f..%2fetc%2fpasswd.ics",
        "/feeds/programmes/../../etc/passwd.ics", "/api/v1/programmes/%c0%ae%c0%ae/people",
        "/api/v1/programmes/%252e%252e/people", "/api/v1/programmes/./%s/people" % PROGRAMME,
        "/api/v1/programmes/%s/./people" % PROGRAMME, "/api/v1/programmes/%s%%2fpeople" % PROGRAMME,
        "/api/v1/events/..", "/api/v1/events/%2e", "/api/v1/people/%2e%2e%2f%2e%2e%2fme",
        "/feeds/working-groups/..%2f..%2f.ics",
    ]
    for p in traversal:
        out.append(api_case("paths", "traversal %s" % p, "GET", p, organiser, expect={400, 404}))
    nul = ["/api/v1/programmes/%s%%00" % PROGRAMME, "/api/v1/programmes/%s%%00.json" % PROGRAMME,
           "/healthz%00", "/api/v1/events/%00", "/api/v1/people/%s%%00" % ctx["person"],
           "/feeds/programmes/%s%%00.ics" % PROGRAMME, "/feeds/programmes/%s.ics%%00" % PROGRAMME,
           "/api/v1/%00/programmes", "/api/v1/programmes?limit=5%00", "/api/v1/programmes/%s/events?kind=other%%00"
           % PROGRAMME, "/api/v1/programmes/%s/people?email=%%00" % PROGRAMME, "/api/v1/me%00"]
    for p in nul:
        out.append(api_case("paths", "NUL %s" % p, "GET", p, admin, expect={400, 404, 422}))
    badpct = ["/api/v1/programmes/%", "/api/v1/programmes/%2", "/api/v1/programmes/%zz", "/api/v1/programmes/%G0",
              "/api/v1/programmes/%%", "/api/v1/programmes/%u002e", "/api/v1/programmes?limit=%", "/api/v1/programmes?%zz",
              "/api/v1/programmes?limit=1%", "/api/v1/programmes/%s/events?from=%%ff%%fe" % PROGRAMME,
              "/api/v1/programmes/%ff%fe", "/api/v1/programmes/%c3", "/feeds/people/%zz.ics",
              "/api/v1/programmes/%s/events?cursor=%%" % PROGRAMME]
    for p in badpct:
        out.append(api_case("paths", "percent-encoding %s" % p, "GET", p, admin, expect={400, 404, 422}))
    for n in [2000, 7000, 9000, 100000]:
        out.append(api_case("paths", "path of %d bytes" % n, "GET", "/api/v1/programmes/" + "a" * n, admin,
                            expect={404} if n < 7900 else {431}, close=n >= 7900))
    out.append(api_case("paths", "3000 segments", "GET", "/a" * 3000, admin, expect={404}))
    out.append(api_case("paths", "3000 empty segments", "GET", "/" * 3000, admin, expect={404}))
    out.append(api_case("paths", "query of 7000 bytes", "GET", "/api/v1/programmes?x=" + "a" * 7000, admin,
                        expect={200, 422}))
    out.append(api_case("paths", "5000 query parameters", "GET",
                        "/api/v1/programmes?" + "&".join("p%d=1" % i for i in range(1000)), admin, expect={200, 422}))
    unknown = ["/api/v2/programmes", "/API/V1/ME", "/api/v1/me/", "/api/v1//me", "/healthz/", "/.env", "/.git/config",
               "/server-status", "/admin", "/api/v1/programmes/%s/secrets" % PROGRAMME, "/api/v1/tokens/",
               "/feeds/people/.ics", "/feeds/programmes/%s" % PROGRAMME, "/feeds/programmes/%s.ICS" % PROGRAMME,
               "/api/v1/events/%s.ics/x" % ctx["event"], "/index.html", "/favicon.ico", "/api", "/api/v1",
               "/openapi.json/x", "/metrics/../healthz", "/rsvp", "/rsvp/"]
    for p in unknown:
        out.append(api_case("paths", "unknown %s" % p, "GET", p, admin, expect={404}))
    methods = [("DELETE", "/api/v1/programmes"), ("PUT", "/api/v1/programmes/%s" % PROGRAMME),
               ("POST", "/healthz"), ("DELETE", "/api/v1/me"), ("PATCH", "/api/v1/tokens"),
               ("POST", "/feeds/programmes/%s.ics" % PROGRAMME), ("OPTIONS", "/api/v1/programmes"),
               ("TRACE", "/api/v1/me"), ("PUT", "/api/v1/audit"), ("DELETE", "/openapi.json")]
    for m, p in methods:
        out.append(api_case("paths", "%s %s" % (m, p), m, p, admin, expect={405},
                            check=lambda a: [] if a.headers.get("allow") else ["405 without Allow"]))
    lists = ["/api/v1/programmes", "/api/v1/programmes/%s/events" % PROGRAMME,
             "/api/v1/programmes/%s/people" % PROGRAMME, "/api/v1/programmes/%s/organisations" % PROGRAMME,
             "/api/v1/programmes/%s/working-groups" % PROGRAMME, "/api/v1/programmes/%s/venues" % PROGRAMME,
             "/api/v1/programmes/%s/blackouts" % PROGRAMME, "/api/v1/tokens", "/api/v1/audit", "/api/v1/reminders",
             "/api/v1/working-groups/%s/members" % ctx["group"], "/api/v1/people/%s/busy" % ctx["person"]]
    limits = ["-1", "0", "201", "1e9", "1000000000", "99999999999999999999", "abc", "", "1.5", "0x10", "+5",
              "%205", "5%00", "%E2%91%A4", "NaN"]
    for p in lists:
        for v in limits:
            out.append(api_case("paths", "%s?limit=%s" % (p, v), "GET", p + "?limit=" + v, admin,
                                expect={400, 422}, field="limit"))
        for v, expect in [("x" * 101, {400, 422}), ("%00", {200, 400, 422}), ("../..", {200, 400, 422}),
                          ("'%20OR%201=1--", {200, 400, 422}), ("%ff%fe", {200, 400, 422})]:
            out.append(api_case("paths", "%s?cursor=%s" % (p, v[:20]), "GET", p + "?cursor=" + v, admin,
                                expect=expect, check=no_injected_items))
    filters = [("/api/v1/programmes/%s/events" % PROGRAMME, q) for q in
               ["from=garbage", "to=2019-02-30", "from=2019-13-01", "kind=bogus", "status=bogus",
                "working_group=%27%20OR%201%3D1--", "from=99999-01-01", "to=-0001-01-01", "from=2019-03-05T25:00",
                "from=2020-01-01&to=2019-01-01"]] + \
              [("/api/v1/programmes/%s/people" % PROGRAMME, q) for q in
               ["role=bogus", "organisation_id=%27%20OR%201%3D1--", "email=%27%20OR%20%271%27%3D%271", "active=maybe"]] + \
              [("/api/v1/programmes/%s/organisations" % PROGRAMME, q) for q in ["kind=bogus", "level=bogus"]] + \
              [("/api/v1/programmes/%s/reports/attendance" % PROGRAMME, q) for q in
               ["by=bogus", "year=abc", "year=99999", "year=-1", "format=exe", "by=organisation&year=1e9"]] + \
              [("/api/v1/programmes/%s/reports/commitments" % PROGRAMME, q) for q in
               ["year=abc", "min_cop_meetings=-1", "min_people_in_groups=abc"]] + \
              [("/api/v1/programmes/%s/reports/absent-organisations" % PROGRAMME, q) for q in
               ["meetings=-1", "meetings=abc", "meetings=1000000000"]] + \
              [("/api/v1/working-groups/%s/suggestions" % ctx["group"], q) for q in
               ["from=2019-01-01&to=2030-01-01", "duration_minutes=-5", "duration_minutes=abc", "count=1000000000",
                "from=garbage", "occurrences=-1", "interval_weeks=0", "from=2019-01-01&to=2018-01-01"]] + \
              [("/api/v1/reminders", q) for q in ["state=bogus", "event_id=%27--", "person_id=%00"]] + \
              [("/api/v1/me/attendance", q) for q in ["year=abc"]]
    for p, q in filters:
        token = ctx["participant"] if p.startswith("/api/v1/me/") else admin
        out.append(api_case("paths", "%s?%s" % (p, q), "GET", p + "?" + q, token, expect={200, 400, 404, 422},
                            check=no_injected_items))
    return out


def no_injected_items(a):
    """A 200 to a garbage cursor or filter is fine; items matching an injection are not."""
    if a.status != 200:
        return []
    doc = a.json()
    if doc is None:
        return ["200 without a JSON body"]
    return []


# ---- 4. Authentication and authorisation ----------------------------------------------------

def no_data(a):
    doc = a.json() if a.status >= 400 and not a.body.startswith(b"<") else None
    if a.status < 400:
        return []
    if doc is None and a.body:
        return ["error body is not JSON"]
    if isinstance(doc, dict) and ({"items", "id", "email", "token", "name"} & set(doc)):
        return ["error answer carries data: %s" % sorted(set(doc) & {"items", "id", "email", "token", "name"})]
    return []


def auth_cases(ctx):
    out = []
    admin = ctx["admin"]
    ids = ctx
    protected = [("GET", "/api/v1/me"), ("GET", "/api/v1/tokens"), ("POST", "/api/v1/tokens"),
                 ("DELETE", "/api/v1/tokens/%s" % ctx["admin_token_id"]), ("GET", "/api/v1/programmes"),
                 ("GET", "/api/v1/programmes/%s" % PROGRAMME), ("PATCH", "/api/v1/programmes/%s" % PROGRAMME),
                 ("POST", "/api/v1/programmes")]
    for sub in ["organisations", "people", "working-groups", "venues", "events", "blackouts"]:
        protected += [("GET", "/api/v1/programmes/%s/%s" % (PROGRAMME, sub)),
                      ("POST", "/api/v1/programmes/%s/%s" % (PROGRAMME, sub))]
    protected += [("GET", "/api/v1/people/%s" % ids["person"]), ("PATCH", "/api/v1/people/%s" % ids["person"]),
                  ("DELETE", "/api/v1/people/%s" % ids["person"]), ("GET", "/api/v1/events/%s" % ids["event"]),
                  ("PATCH", "/api/v1/events/%s" % ids["event"]), ("DELETE", "/api/v1/events/%s" % ids["event"]),
                  ("POST", "/api/v1/events/%s/cancel" % ids["event"]), ("GET", "/api/v1/events/%s.ics" % ids["event"]),
                  ("GET", "/api/v1/events/%s/attendance" % ids["event"]), ("GET", "/api/v1/audit"),
                  ("POST", "/api/v1/programmes/%s/series" % PROGRAMME), ("POST", "/api/v1/programmes/%s/plans" % PROGRAMME),
                  ("GET", "/api/v1/people/%s/busy" % ids["person"]), ("PUT", "/api/v1/people/%s/busy" % ids["person"]),
                  ("POST", "/api/v1/people/%s/feed-token" % ids["person"]), ("GET", "/api/v1/reminders"),
                  ("POST", "/api/v1/reminders/claim"), ("GET", "/api/v1/me/reminders"),
                  ("GET", "/api/v1/programmes/%s/reports/attendance" % PROGRAMME),
                  ("GET", "/api/v1/working-groups/%s/suggestions" % ids["group"])]
    www = lambda a: [] if a.status != 401 or "bearer" in a.headers.get("www-authenticate", "").lower() \
        else ["401 without WWW-Authenticate: Bearer"]
    both = lambda a: no_data(a) + www(a)
    body = b'{"name": "hostile"}'
    for method, path in protected:
        b = body if method in ("POST", "PATCH", "PUT") else None
        out.append(api_case("auth", "no token: %s %s" % (method, path), method, path, None, b, expect={401},
                            check=both))
    rnd = random.Random(17)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    rand = lambda n: "".join(rnd.choice(alphabet) for _ in range(n))
    flipped = admin[:-1] + ("A" if admin[-1] != "A" else "B")
    garbled = [("empty Bearer", b"Bearer"), ("Bearer and spaces", b"Bearer    "), ("Basic", b"Basic YWRtaW46YWRtaW4="),
               ("Token scheme", ("Token " + admin).encode()), ("no scheme", admin.encode()),
               ("random cps_ token", ("Bearer cps_" + rand(43)).encode()),
               ("42 characters", ("Bearer cps_" + rand(42)).encode()),
               ("44 characters", ("Bearer cps_" + rand(44)).encode()),
               ("admin token + x", ("Bearer " + admin + "x").encode()),
               ("admin token, last character changed", ("Bearer " + flipped).encode()),
               ("admin token cut", ("Bearer " + admin[:-5]).encode()),
               ("admin token upper-cased", ("Bearer " + admin.upper()).encode()),
               ("prefix only", ("Bearer " + admin[:12]).encode()),
               ("other prefix", b"Bearer abc_" + rand(43).encode()),
               ("SQL", b"Bearer cps_' OR '1'='1' --"), ("NUL", b"Bearer cps_\x00" + rand(42).encode()),
               ("non-ASCII", "Bearer cps_\u00e9\u00e9".encode("utf-8")), ("Bearer Bearer", ("Bearer Bearer " + admin).encode()),
               ("two tokens", ("Bearer %s %s" % (rand(20), admin)).encode()),
               ("comma list", ("Bearer x, Bearer " + admin).encode()),
               ("token of 7000 characters", ("Bearer cps_" + rand(7000)).encode()),
               ("revoked token", ("Bearer " + ctx["revoked"]).encode()),
               ("percent-encoded token", ("Bearer " + urllib.parse.quote(admin, safe="")).replace("_", "%5F").encode()),
               ("base64 of the token", b"Bearer " + __import__("base64").b64encode(admin.encode()))]
    for name, value in garbled:
        for method, path in [("GET", "/api/v1/me"), ("GET", "/api/v1/programmes/%s/people" % PROGRAMME),
                             ("POST", "/api/v1/programmes/%s/events" % PROGRAMME)]:
            b = body if method == "POST" else None
            expect = {401} if b"\x00" not in value else {400, 401}
            out.append(case("auth", "%s: %s %s" % (name, method, path),
                            request_bytes(method, path, [("Authorization", value)] +
                                          ([("Content-Type", "application/json")] if b else []), b),
                            expect, check=both, close=b"\x00" in value))
    out.append(case("auth", "token of 100 KB", request_bytes("GET", "/api/v1/me", [("Authorization", "Bearer " +
                                                                                      "a" * 102400)]),
                    {431}, close=True))
    out.append(case("auth", "two Authorization fields, bad first",
                    request_bytes("GET", "/api/v1/tokens", [("Authorization", "Bearer cps_" + rand(43)),
                                                            ("Authorization", "Bearer " + admin)]),
                    {400, 401}, check=both))
    # Tokens without the right: 403 (or 404 where the object is not theirs to see), no data.
    participant, organiser, other = ctx["participant"], ctx["organiser"], ctx["other_organiser"]
    p2 = ctx["person2"]
    forbidden = [
        (participant, "participant", "POST", "/api/v1/programmes/%s/events" % PROGRAMME,
         '{"kind":"other","title":"x","start":"2019-03-05T10:00","end":"2019-03-05T11:00"}', {403}),
        (participant, "participant", "POST", "/api/v1/programmes/%s/people" % PROGRAMME, '{"name":"x"}', {403}),
        (participant, "participant", "POST", "/api/v1/programmes/%s/organisations" % PROGRAMME, '{"name":"x"}', {403}),
        (participant, "participant", "POST", "/api/v1/programmes/%s/venues" % PROGRAMME, '{"name":"x"}', {403}),
        (participant, "participant", "POST", "/api/v1/programmes/%s/working-groups" % PROGRAMME, '{"name":"x"}', {403}),
        (participant, "participant", "PATCH", "/api/v1/programmes/%s" % PROGRAMME, '{"name":"x"}', {403}),
        (participant, "participant", "PATCH", "/api/v1/events/%s" % ctx["event"], '{"title":"x"}', {403}),
        (participant, "participant", "DELETE", "/api/v1/events/%s" % ctx["event"], None, {403}),
        (participant, "participant", "POST", "/api/v1/events/%s/cancel" % ctx["event"], '{"reason":"x"}', {403}),
        (participant, "participant", "PATCH", "/api/v1/people/%s" % p2, '{"name":"x"}', {403, 404}),
        (participant, "participant", "DELETE", "/api/v1/people/%s" % p2, None, {403, 404}),
        (participant, "participant", "PATCH", "/api/v1/organisations/%s" % ctx["organisation"], '{"name":"x"}', {403}),
        (participant, "participant", "GET", "/api/v1/audit", None, {403}),
        (participant, "participant", "GET", "/api/v1/tokens", None, {403}),
        (participant, "participant", "POST", "/api/v1/tokens", '{"name":"x","role":"admin"}', {403}),
        (participant, "participant", "POST", "/api/v1/programmes", '{"slug":"x"}', {403}),
        (participant, "participant", "GET", "/api/v1/reminders", None, {403}),
        (participant, "participant", "POST", "/api/v1/reminders/claim", "{}", {403}),
        (participant, "participant", "GET", "/api/v1/people/%s/busy" % p2, None, {403, 404}),
        (participant, "participant", "PUT", "/api/v1/people/%s/busy" % p2, None, {403, 404}),
        (participant, "participant", "POST", "/api/v1/people/%s/feed-token" % p2, None, {403, 404}),
        (participant, "participant", "GET", "/api/v1/events/%s/attendance" % ctx["event"], None, {200, 403}),
        (participant, "participant", "POST", "/api/v1/programmes/%s/plans" % PROGRAMME, '{"year":2019}', {403}),
        (participant, "participant", "POST", "/api/v1/programmes/%s/blackouts" % PROGRAMME, None, {403}),
        (participant, "participant", "GET", "/api/v1/programmes/%s/reports/attendance" % PROGRAMME, None, {403}),
        (participant, "participant", "GET", "/api/v1/programmes/%s/reports/commitments" % PROGRAMME, None, {403}),
        (participant, "participant", "GET", "/api/v1/working-groups/%s/suggestions" % ctx["group"], None, {403}),
        (participant, "participant", "POST", "/api/v1/working-groups/%s/members" % ctx["group"],
         '{"person_id":"%s"}' % p2, {403}),
        (participant, "participant", "PUT", "/api/v1/events/%s/attendance/%s" % (ctx["event"], p2),
         '{"presence":"present"}', {403, 404}),
        (organiser, "organiser", "GET", "/api/v1/tokens", None, {403}),
        (organiser, "organiser", "POST", "/api/v1/tokens", '{"name":"x","role":"admin"}', {403}),
        (organiser, "organiser", "DELETE", "/api/v1/tokens/%s" % ctx["admin_token_id"], None, {403}),
        (organiser, "organiser", "GET", "/api/v1/audit", None, {403}),
        (organiser, "organiser", "POST", "/api/v1/programmes", '{"slug":"x"}', {403}),
        (organiser, "organiser", "GET", "/api/v1/programmes/%s" % OTHER, None, {403, 404}),
        (organiser, "organiser", "PATCH", "/api/v1/programmes/%s" % OTHER, '{"name":"x"}', {403, 404}),
        (organiser, "organiser", "GET", "/api/v1/programmes/%s/reports/attendance?by=person" % PROGRAMME, None,
         {403}),
    ]
    for path_tmpl in ["/api/v1/programmes/%s" % PROGRAMME, "/api/v1/programmes/%s/events" % PROGRAMME,
                      "/api/v1/programmes/%s/people" % PROGRAMME, "/api/v1/programmes/%s/organisations" % PROGRAMME,
                      "/api/v1/programmes/%s/blackouts" % PROGRAMME, "/api/v1/people/%s" % ctx["person"],
                      "/api/v1/events/%s" % ctx["event"], "/api/v1/events/%s.ics" % ctx["event"],
                      "/api/v1/events/%s/attendance" % ctx["event"], "/api/v1/organisations/%s" % ctx["organisation"],
                      "/api/v1/working-groups/%s" % ctx["group"], "/api/v1/working-groups/%s/members" % ctx["group"],
                      "/api/v1/venues/%s" % ctx["venue"], "/api/v1/people/%s/busy" % ctx["person"],
                      "/api/v1/programmes/%s/reports/attendance" % PROGRAMME]:
        forbidden.append((other, "organiser of %s" % OTHER, "GET", path_tmpl, None, {403, 404}))
    for method, path, b in [("PATCH", "/api/v1/people/%s" % ctx["person"], '{"name":"x"}'),
                            ("PATCH", "/api/v1/events/%s" % ctx["event"], '{"title":"x"}'),
                            ("DELETE", "/api/v1/events/%s" % ctx["event"], None),
                            ("POST", "/api/v1/events/%s/cancel" % ctx["event"], '{"reason":"x"}'),
                            ("POST", "/api/v1/programmes/%s/events" % PROGRAMME,
                             '{"kind":"other","title":"x","start":"2019-03-05T10:00","end":"2019-03-05T11:00"}'),
                            ("PATCH", "/api/v1/programmes/%s" % PROGRAMME, '{"name":"x"}'),
                            ("DELETE", "/api/v1/venues/%s" % ctx["venue"], None),
                            ("POST", "/api/v1/people/%s/feed-token" % ctx["person"], None),
                            ("POST", "/api/v1/working-groups/%s/archive" % ctx["group"], None)]:
        forbidden.append((other, "organiser of %s" % OTHER, method, path, b, {403, 404}))
    for token, who, method, path, b, expect in forbidden:
        out.append(api_case("auth", "%s: %s %s" % (who, method, path), method, path, token, b, expect=expect,
                            check=no_data if 200 not in expect else None))
    return out


def throttle_test(port, ctx, limit=10):
    """From THROTTLE_ADDRESS: `limit` failures, then 429 with Retry-After (also for a valid
    token), while 127.0.0.1 is still served."""
    results = []
    for i in range(limit + 3):
        c = case("auth", "throttle: bad token %d from %s" % (i + 1, THROTTLE_ADDRESS),
                 request_bytes("GET", "/api/v1/me", [("Authorization", "Bearer cps_" + "x" * 43)]),
                 {401} if i < limit else {429},
                 check=lambda a: [] if a.status != 429 or a.headers.get("retry-after", "").isdigit()
                 else ["429 without Retry-After"])
        results.append((c, exchange(port, c.raw, source=THROTTLE_ADDRESS)))
    c = case("auth", "throttle: valid admin token from the blocked %s" % THROTTLE_ADDRESS,
             request_bytes("GET", "/api/v1/me", bearer(ctx["admin"])), {429})
    results.append((c, exchange(port, c.raw, source=THROTTLE_ADDRESS)))
    c = case("auth", "throttle: valid admin token from 127.0.0.1 meanwhile",
             request_bytes("GET", "/api/v1/me", bearer(ctx["admin"])), {200})
    results.append((c, exchange(port, c.raw, source=HOST)))
    c = case("auth", "throttle: public route from the blocked %s" % THROTTLE_ADDRESS,
             request_bytes("GET", "/healthz"), {200})
    results.append((c, exchange(port, c.raw, source=THROTTLE_ADDRESS)))
    return results


# ---- 5. iCalendar imports -------------------------------------------------------------------

def ical_cases(ctx):
    out = []
    admin = ctx["admin"]
    y = ctx["year"]
    seq = itertools.count(1)

    def cal(body, prefix=b"", suffix=b""):
        return (prefix + b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n" + body +
                b"END:VCALENDAR\r\n" + suffix)

    def ev(*lines, dtstart=b"DTSTART;VALUE=DATE:%d0305" % y, dtend=b"DTEND;VALUE=DATE:%d0306" % y):
        props = [b"UID:hostile@example.org", b"DTSTAMP:20190101T000000Z"]
        if dtstart:
            props.append(dtstart)
        if dtend:
            props.append(dtend)
        props += [b"SUMMARY:hostile"] + list(lines)
        return b"BEGIN:VEVENT\r\n" + b"".join(p + b"\r\n" for p in props) + b"END:VEVENT\r\n"

    def variants(name, data, expect=(400, 413, 422), may_accept=False, ctype="text/calendar", routes=("blackouts", "busy")):
        for route in routes:
            if route == "blackouts":
                target = "/api/v1/programmes/%s/blackouts?name=hostile-%d" % (PROGRAMME, next(seq))
                method = "POST"
                accept = {201} if may_accept else set()
                undo = undo_blackout
            else:
                target = "/api/v1/people/%s/busy" % ctx["sandbox_person"]
                method = "PUT"
                accept = {200} if may_accept else set()
                undo = undo_busy
            c = api_case("ical", "%s: %s" % (route, name), method, target, admin, data, ctype=ctype,
                         expect=set(expect), accept=accept,
                         field="body" if 422 in expect and not may_accept else None)
            c.on_accept = undo
            out.append(c)

    dt = b"DTSTART:%d0305T100000Z" % y
    de = b"DTEND:%d0305T110000Z" % y
    for rule in [b"FREQ=SECONDLY;COUNT=100000000", b"FREQ=SECONDLY", b"FREQ=MINUTELY;COUNT=100000000",
                 b"FREQ=HOURLY;UNTIL=21001231T000000Z", b"FREQ=SECONDLY;INTERVAL=1;UNTIL=99991231T235959Z",
                 b"FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=" +
                 b",".join(b"%d" % d for d in range(1, 32)) + b";BYHOUR=" + b",".join(b"%d" % h for h in range(24)) +
                 b";BYMINUTE=" + b",".join(b"%d" % m for m in range(60)) + b";COUNT=100000000",
                 b"FREQ=DAILY;INTERVAL=0", b"FREQ=DAILY;INTERVAL=-1", b"FREQ=WEEKLY;COUNT=-5", b"FREQ=MONTHLY;BYDAY=99MO",
                 b"FREQ=MONTHLY;BYMONTHDAY=32", b"FREQ=YEARLY;BYMONTH=13", b"FREQ=FOO", b"", b"FREQ=DAILY;UNTIL=garbage",
                 b"FREQ=DAILY;RSCALE=HEBREW;COUNT=3", b"FREQ=DAILY;COUNT=99999999999999999999", b"FREQ=DAILY;BYSETPOS=0",
                 b"FREQ=DAILY;COUNT=100000", b"FREQ=MINUTELY;COUNT=20000", b"FREQ=DAILY;" * 200 + b"COUNT=2",
                 b"FREQ=WEEKLY;BYDAY=" + b",".join([b"MO"] * 10000) + b";COUNT=3"]:
        # --import-max-periods counts the periods inside the import horizon (calendar/import.hpp):
        # a long daily series is cut to the horizon, not refused.
        variants("RRULE:%s" % rule[:60].decode(), cal(ev(b"RRULE:" + rule, dtstart=dt, dtend=de)),
                 may_accept=rule == b"FREQ=DAILY;COUNT=100000")
    variants("RRULE FREQ=DAILY from the year 1000", cal(ev(b"RRULE:FREQ=DAILY;UNTIL=21991231T000000Z",
                                                          dtstart=b"DTSTART:10000101T100000Z",
                                                          dtend=b"DTEND:10000101T110000Z")))
    variants("100 RRULE lines", cal(ev(*[b"RRULE:FREQ=SECONDLY;COUNT=100000000"] * 100, dtstart=dt, dtend=de)))
    variants("RDATE with 20,000 dates", cal(ev(b"RDATE;VALUE=DATE:" + b",".join(
        b"%d%02d%02d" % (y + i // 336, 1 + i // 28 % 12, 1 + i % 28) for i in range(20000)))), may_accept=True)
    variants("10,001 events", cal(b"".join(b"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:%d%02d%02d\r\nEND:VEVENT\r\n"
                                          % (y + i // 336, 1 + i // 28 % 12, 1 + i % 28) for i in range(10001))),
             may_accept=True)  # over 30 years: what falls in the horizon is under the limit
    variants("EXDATE with 50,000 dates", cal(ev(b"RRULE:FREQ=SECONDLY;COUNT=100000000", b"EXDATE:" + b",".join(
        b"%d0305T1%05dZ" % (y, i) for i in range(50000)), dtstart=dt, dtend=de)))
    # Nesting.
    variants("30,000 nested BEGIN:VEVENT", cal(b"BEGIN:VEVENT\r\n" * 30000 + b"END:VEVENT\r\n" * 30000))
    variants("30,000 nested BEGIN:X-FOO", cal(b"BEGIN:X-FOO\r\n" * 30000 + b"END:X-FOO\r\n" * 30000))
    variants("30,000 nested BEGIN:VCALENDAR", b"BEGIN:VCALENDAR\r\n" * 30000 + b"END:VCALENDAR\r\n" * 30000)
    variants("30,000 BEGIN:VALARM inside a VEVENT", cal(ev(b"BEGIN:VALARM\r\n" * 30000 + b"END:VALARM\r\n" * 30000)))
    variants("30,000 BEGIN without END", cal(b"BEGIN:VEVENT\r\n" * 30000))
    variants("END without BEGIN", cal(b"END:VEVENT\r\n" + ev()))
    variants("END of another component", cal(b"BEGIN:VEVENT\r\n" + dt + b"\r\nEND:VTODO\r\n"))
    variants("no END:VCALENDAR", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + ev())
    # Long lines.
    variants("a 1 MB line without a colon", cal(ev(b"X" * 1000000)))
    variants("a 1 MB SUMMARY, no DTSTART", cal(ev(b"SUMMARY:" + b"s" * 1000000, dtstart=None)))
    variants("a 1 MB property name", cal(ev(b"X-" + b"N" * 1000000 + b":v", dtstart=None)))
    variants("a 1 MB parameter", cal(ev(b"X-P;A=" + b"v" * 1000000 + b":v", dtstart=None)))
    variants("1 MiB + 1 bytes", cal(ev(b"X-PAD:" + b"p" * (1 << 20))), expect=(413,))
    variants("200,000 folded continuation lines, no DTSTART", cal(ev(b"SUMMARY:a" + b"\r\n b" * 200000, dtstart=None)))
    # Time zones.
    for tzid in [b"Mars/Olympus_Mons", b"../../../../etc/passwd", b"", b"Z" * 10000, b"Europe/Amsterdam\x00",
                 b"\"Europe/Amsterdam", b"/freeassociation.sourceforge.net/../../etc/passwd", b"%s", b"UTC+99"]:
        variants("TZID %r" % tzid[:40].decode("latin-1"),
                 cal(ev(dtstart=b"DTSTART;TZID=" + tzid + b":%d0305T100000" % y,
                        dtend=b"DTEND;TZID=" + tzid + b":%d0305T110000" % y)))
    vtz = lambda parts, tzid=b"X/Hostile": (b"BEGIN:VTIMEZONE\r\nTZID:" + tzid + b"\r\n" + parts + b"END:VTIMEZONE\r\n")
    std = lambda extra=b"": (b"BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
                             + extra + b"END:STANDARD\r\n")
    use = ev(dtstart=b"DTSTART;TZID=X/Hostile:%d0305T100000" % y, dtend=b"DTEND;TZID=X/Hostile:%d0305T110000" % y)
    variants("VTIMEZONE without TZID", cal(b"BEGIN:VTIMEZONE\r\n" + std() + b"END:VTIMEZONE\r\n" + use))
    variants("VTIMEZONE without parts", cal(vtz(b"") + use))
    variants("VTIMEZONE offset +9999", cal(vtz(std().replace(b"+0100", b"+9999")) + use))
    variants("VTIMEZONE offset garbage", cal(vtz(std().replace(b"+0100", b"abc")) + use))
    variants("VTIMEZONE rule FREQ=SECONDLY", cal(vtz(std(b"RRULE:FREQ=SECONDLY\r\n")) + use))
    variants("VTIMEZONE rule from the year 1", cal(vtz(std(b"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n")
                                                         .replace(b"19701025", b"00011025")) + use),
             may_accept=True)  # zone rules are read from 1900 on (calendar/import.hpp)
    variants("VTIMEZONE with 3000 yearly rules", cal(vtz(b"".join(
        std(b"RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=-1SU\r\n" % (1 + i % 12)).replace(b"19701025", b"%04d1025" % (1000 + i))
        for i in range(3000))) + use))
    variants("51 VTIMEZONEs", cal(b"".join(vtz(std(), b"X/Z%d" % i) for i in range(51)) +
                                  ev(dtstart=b"DTSTART;TZID=X/Z1:%d0305T100000" % y)))
    variants("2000 VTIMEZONEs", cal(b"".join(vtz(std(), b"X/Z%d" % i) for i in range(2000)) + ev()))
    # Dates and times.
    variants("DTSTART in the year 0", cal(ev(dtstart=b"DTSTART:00000101T000000Z", dtend=b"DTEND:00000101T010000Z")),
             may_accept=True)
    variants("DTSTART in the year 9999", cal(ev(dtstart=b"DTSTART:99991231T000000Z", dtend=b"DTEND:99991231T010000Z")),
             may_accept=True)
    variants("all-day 29 February of the year 0", cal(ev(dtstart=b"DTSTART;VALUE=DATE:00000229", dtend=None)),
             may_accept=True)
    variants("DURATION of 99,999,999 weeks", cal(ev(b"DURATION:P99999999W", dtstart=dt, dtend=None)), may_accept=True)
    for name, start in [("30 February", b"DTSTART:%d0230T100000Z" % y), ("month 13", b"DTSTART:%d1305T100000Z" % y),
                        ("hour 25", b"DTSTART:%d0305T250000Z" % y), ("short date", b"DTSTART:2019030"),
                        ("negative year", b"DTSTART:-20190305"), ("all nines", b"DTSTART:99999999T999999Z"),
                        ("ISO with dashes", b"DTSTART:%d-03-05T10:00:00Z" % y), ("empty", b"DTSTART:"),
                        ("letters", b"DTSTART:yesterday"), ("VALUE=DATE with a time", b"DTSTART;VALUE=DATE:%d0305T100000" % y),
                        ("10 KB of digits", b"DTSTART:" + b"9" * 10000)]:
        variants("DTSTART %s" % name, cal(ev(dtstart=start, dtend=None)))
    variants("DTEND before DTSTART", cal(ev(dtstart=dt, dtend=b"DTEND:%d0305T090000Z" % y)))
    variants("negative DURATION", cal(ev(b"DURATION:-P1D", dtstart=dt, dtend=None)))
    variants("DURATION garbage", cal(ev(b"DURATION:P1X", dtstart=dt, dtend=None)))
    # Folding and line endings.
    variants("continuation line first", b" " + cal(ev()), may_accept=True)  # read as the first line
    variants("fold into BEGIN:VCALENDAR", cal(ev()).replace(b"BEGIN:VCALENDAR\r\n", b"BEGIN:VCALENDAR\r\n X\r\n", 1))
    variants("property name split without fold", cal(ev(dtstart=b"DTST\r\nART:%d0305T100000Z" % y)))
    variants("CR without LF", cal(ev()).replace(b"\r\n", b"\r"))
    variants("CR without LF inside DTSTART", cal(ev(dtstart=b"DTSTART:%d03\r05T100000Z" % y)))
    # Binary garbage and wrong encodings.
    for seed in range(4):
        r = random.Random(seed)
        variants("64 KB of random bytes (seed %d)" % seed, bytes(r.getrandbits(8) for _ in range(65536)))
    variants("PNG", b"\x89PNG\r\n\x1a\n" + bytes(random.Random(9).getrandbits(8) for _ in range(4096)))
    variants("gzip of a calendar", gzip.compress(cal(ev())))
    variants("UTF-16 calendar", cal(ev()).decode().encode("utf-16"))
    variants("NUL in SUMMARY", cal(ev(b"SUMMARY:a\x00b")))
    variants("invalid UTF-8 in SUMMARY", cal(ev(b"SUMMARY:\xff\xfe\xc0\xaf")))
    variants("empty body", b"")
    variants("whitespace only", b" \r\n\r\n\t")
    variants("a JSON body", b'{"events": []}')
    variants("text before BEGIN:VCALENDAR", cal(ev(), prefix=b"hello\r\n"))
    variants("text after END:VCALENDAR", cal(ev(), suffix=b"trailing\r\n"))
    variants("VEVENT outside VCALENDAR", ev() + cal(b""))
    variants("VEVENT without DTSTART", cal(ev(dtstart=None, dtend=None)))
    # The same valid file under a Content-Type that is not text/calendar: 400.
    for ctype in ["application/json", "text/plain", "application/octet-stream", "text/calendarx", None]:
        variants("Content-Type %s" % ctype, cal(ev()), expect=(400, 415), ctype=ctype)
    for name, query in [("name of 201 characters", "x" * 201), ("name with NUL", "a%00b"), ("name %zz", "%zz"),
                        ("name with a control character", "a%01b")]:
        target = "/api/v1/programmes/%s/blackouts?name=%s" % (PROGRAMME, query)
        out.append(api_case("ical", "blackouts: %s" % name, "POST", target, admin, cal(ev()), ctype="text/calendar",
                            expect={400, 422}))
    return out


def undo_blackout(port, ctx, a):
    doc = a.json() or {}
    import_id = doc.get("id")
    if not import_id:
        return "accepted blackout import without an id: %r" % a.body[:200]
    r = api(port, "DELETE", "/api/v1/programmes/%s/blackouts/%s" % (PROGRAMME, import_id), ctx["admin"])
    return None if r.status in (200, 204) else "cannot delete accepted import %s: %d" % (import_id, r.status)


def undo_busy(port, ctx, a):
    r = api(port, "DELETE", "/api/v1/people/%s/busy" % ctx["sandbox_person"], ctx["admin"])
    return None if r.status in (200, 204) else "cannot remove accepted busy times: %d" % r.status


# ---- 6. Feeds -------------------------------------------------------------------------------

def feed_body_check(accept_encoding):
    def check(a):
        if a.status != 200:
            return []
        coding = a.headers.get("content-encoding", "").lower()
        body = a.body
        problems = []
        if coding == "gzip":
            ae = (accept_encoding or "").lower()
            if "gzip" not in ae and "*" not in ae:
                problems.append("gzip sent to Accept-Encoding %r" % accept_encoding)
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError) as e:
                return problems + ["gzip body does not inflate: %s" % e]
        elif coding:
            problems.append("Content-Encoding %s" % coding)
        if not body.startswith(b"BEGIN:VCALENDAR"):
            problems.append("body is not a calendar: %r" % body[:40])
        if "accept-encoding" not in a.headers.get("vary", "").lower():
            problems.append("no Vary: Accept-Encoding")
        return problems
    return check


def feed_cases(ctx):
    out = []
    rnd = random.Random(6)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    rand = lambda n: "".join(rnd.choice(alphabet) for _ in range(n))
    token = ctx["feed_token"]
    bad_tokens = ["", rand(43), rand(42), rand(44), token[:-1] + ("A" if token[-1] != "A" else "B"), token.upper(),
                  token + "x", token[:20], "..%2f..%2fetc%2fpasswd", "%00", token + "%00", rand(7000), "' OR '1'='1",
                  ctx["other_feed_token"][:-1] + "A" if ctx["other_feed_token"][-1] != "A" else rand(43),
                  urllib.parse.quote("ééé"), "%zz", "a%2Fb", ctx["feed_token_old"]]
    for t in bad_tokens:
        out.append(api_case("feeds", "person feed %s" % (t[:24] or "(empty)"), "GET", "/feeds/people/%s.ics" % t,
                            expect={400, 404}, check=no_data))
    for kind, values in [("working-groups", ["nope", "%00", "..", rand(7000), ctx["other_group"] or "x"]),
                         ("organisations", ["nope", "%00", "..", rand(7000), ctx["other_organisation"]]),
                         ("programmes", ["nope", "%00", "..", rand(7000), "GDCI-2", OTHER])]:
        for v in values:
            out.append(api_case("feeds", "%s feed %s" % (kind, v[:24]), "GET", "/feeds/%s/%s.ics" % (kind, v),
                                expect={400, 404}, check=no_data))
    other_feed = "/feeds/programmes/%s.ics" % OTHER
    for name, q in [("no token", ""), ("garbage token", "?token=" + rand(43)),
                    ("token of a person of %s" % PROGRAMME, "?token=" + token), ("empty token", "?token="),
                    ("two tokens", "?token=%s&token=%s" % (rand(43), token)), ("token %zz", "?token=%zz"),
                    ("token of 7000 characters", "?token=" + rand(7000))]:
        out.append(api_case("feeds", "%s (feeds not public): %s" % (OTHER, name), "GET", other_feed + q,
                            expect={400, 404}, check=no_data))
    out.append(api_case("feeds", "%s (feeds not public): its own person's token" % OTHER, "GET",
                        other_feed + "?token=" + ctx["other_feed_token"], expect={200}))
    feed = "/feeds/programmes/%s.ics" % PROGRAMME
    personal = "/feeds/people/%s.ics" % token
    for f in (feed, personal):
        label = "programme" if f == feed else "personal"
        for name, value in [("If-None-Match of 7000 bytes", '"' + "e" * 6998 + '"'),
                            ("If-None-Match of 100 KB", '"' + "e" * 102400 + '"'),
                            ("500 ETags", ", ".join('"%s"' % rand(20) for _ in range(300))),
                            ("If-None-Match *", "*"), ("If-None-Match garbage", "\"unterminated"),
                            ("If-None-Match W/", 'W/"x"'), ("If-None-Match empty", ""),
                            ("If-None-Match NUL", "\"a\x00b\""), ("If-None-Match commas", "," * 5000)]:
            expect = {431} if len(value) > 8000 else ({400} if "\x00" in value else {200, 304})
            out.append(case("feeds", "%s feed: %s" % (label, name),
                            request_bytes("GET", f, [("If-None-Match", value), ("Accept-Encoding", "gzip")]), expect,
                            check=feed_body_check("gzip") if 200 in expect else None, close=431 in expect or 400 in expect))
        for value in ["gzip;q=2", "gzip;q=-1", "gzip;q=0", "*;q=0", "identity;q=0", "identity;q=0, gzip;q=0",
                      "gzip;q=0.5x", "gzip;q=1.0001", "br, zstd", "GZIP", "x-gzip", "gzip;q=0, *;q=1", "*",
                      "gzip;level=9", ";;;,,,", "gzip" + ", gzip" * 1500, "a" * 7000, "\x01gzip", "deflate",
                      "identity", "gzip;q=0.001", "gzip;q=1, identity;q=1"]:
            out.append(case("feeds", "%s feed: Accept-Encoding %r" % (label, value[:30]),
                            request_bytes("GET", f, [("Accept-Encoding", value)]),
                            {200, 400} | ({431} if len(value) > 7000 else set()),
                            check=feed_body_check(value)))
        for name, hdrs in [("If-Modified-Since garbage", [("If-Modified-Since", "yesterday")]),
                           ("If-Modified-Since year 9999", [("If-Modified-Since", "Fri, 31 Dec 9999 23:59:59 GMT")]),
                           ("If-Modified-Since year 0", [("If-Modified-Since", "Sat, 01 Jan 0000 00:00:00 GMT")]),
                           ("Range", [("Range", "bytes=0-10")]), ("Range garbage", [("Range", "bytes=-1--5")]),
                           ("If-Range", [("If-Range", "\"x\""), ("Range", "bytes=0-1")])]:
            out.append(case("feeds", "%s feed: %s" % (label, name),
                            request_bytes("GET", f, hdrs + [("Accept-Encoding", "gzip")]), {200, 206, 304, 416},
                            check=feed_body_check("gzip")))
        out.append(case("feeds", "%s feed: HEAD with garbage Accept-Encoding" % label,
                        request_bytes("HEAD", f, [("Accept-Encoding", "gzip;q=zz")]), {200}, head=True))
        out.append(api_case("feeds", "%s feed: POST" % label, "POST", f, None, b"x", ctype="text/calendar",
                            expect={405}))
        out.append(api_case("feeds", "%s feed: query garbage" % label, "GET", f + "?token=%zz&x=%", expect={200, 400, 404},
                            check=feed_body_check(None)))
    return out


# ---------------------------------------------------------------------------------------------

def api(port, method, path, token=None, body=None, ctype="application/json", source=HOST):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    h = list(bearer(token))
    if body is not None and ctype:
        h.append(("Content-Type", ctype))
    return exchange(port, request_bytes(method, path, h, body), source=source)


def must(a, what, statuses=(200, 201)):
    if a.status not in statuses:
        sys.exit("setup failed: %s answered %d %s %s" % (what, a.status, a.error, a.body[:300]))
    return a.json()


def snapshot(path):
    """Per table: (rows, digest of every row), with the columns that requests may touch
    legitimately left out (tokens' last_used_at), and the idempotency keys counted only."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        out = {}
        for t in tables:
            cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % t)]
            if t == "api_tokens":
                cols = [c for c in cols if c != "last_used_at"]
            rows = db.execute("SELECT %s FROM %s" % (", ".join('"%s"' % c for c in cols), t)).fetchall()
            digest = hashlib.sha256(repr(sorted(repr(r) for r in rows)).encode()).hexdigest()
            out[t] = (len(rows), digest)
        audit_max = db.execute("SELECT COALESCE(MAX(id), 0) FROM audit_log").fetchone()[0]
        return out, audit_max
    finally:
        db.close()


def setup(svc):
    """Tokens, a second programme and the ids the catalogue uses."""
    port = svc.port
    ctx = {"port": port}
    svc.run("seed-demo")
    ctx["admin"] = svc.run("token", "create", "--role", "admin", "--name", "hostile").splitlines()[0].strip()
    ctx["organiser"] = svc.run("token", "create", "--role", "organiser", "--programme", PROGRAMME, "--name",
                               "hostile organiser").splitlines()[0].strip()
    db = sqlite3.connect(svc.database)
    people = [r[0] for r in db.execute(
        "SELECT p.id FROM people p JOIN programmes g ON g.id = p.programme_id WHERE g.slug = ? AND p.active = 1 "
        "ORDER BY p.id LIMIT 2", (PROGRAMME,))]
    db.close()
    ctx["person"], ctx["person2"] = people
    ctx["participant"] = svc.run("token", "create", "--role", "participant", "--programme", PROGRAMME, "--person",
                                 ctx["person"], "--name", "hostile participant").splitlines()[0].strip()
    svc.start()
    admin = ctx["admin"]
    me = must(api(port, "GET", "/api/v1/me", admin), "GET /api/v1/me")
    ctx["admin_token_id"] = me.get("id") or (me.get("token") or {}).get("id", "x")
    prog = must(api(port, "GET", "/api/v1/programmes/" + PROGRAMME, admin), "GET programme")
    ctx["year"] = max(2019, int(prog["starts_on"][:4]) + 1)
    ctx["openapi"] = must(api(port, "GET", "/openapi.json"), "GET /openapi.json")
    person = must(api(port, "GET", "/api/v1/people/" + ctx["person"], admin), "GET person")
    ctx["person_email"] = person["email"]
    ctx["organisation"] = person["organisation_id"]
    ctx["feed_token"] = person["feed_url"].rsplit("/", 1)[1][:-len(".ics")]
    org = must(api(port, "GET", "/api/v1/organisations/" + ctx["organisation"], admin), "GET organisation")
    ctx["organisation_name"] = org["name"]
    groups = must(api(port, "GET", "/api/v1/programmes/%s/working-groups?limit=1" % PROGRAMME, admin), "groups")
    ctx["group"], ctx["group_slug"] = groups["items"][0]["id"], groups["items"][0]["slug"]
    venues = must(api(port, "GET", "/api/v1/programmes/%s/venues?limit=1" % PROGRAMME, admin), "venues")
    ctx["venue"] = venues["items"][0]["id"]
    events = must(api(port, "GET", "/api/v1/programmes/%s/events?limit=1" % PROGRAMME, admin), "events")
    ctx["event"] = events["items"][0]["id"]
    # A second programme, feeds not public, with an organisation, a person and an organiser.
    must(api(port, "POST", "/api/v1/programmes", admin,
             {"slug": OTHER, "name": "Hostile other", "starts_on": prog["starts_on"], "ends_on": prog["ends_on"],
              "feeds_public": False}), "POST programme")
    o = must(api(port, "POST", "/api/v1/programmes/%s/organisations" % OTHER, admin,
                 {"name": "Other org", "kind": "company", "level": "starter"}), "POST organisation")
    ctx["other_organisation"] = o["id"]
    p = must(api(port, "POST", "/api/v1/programmes/%s/people" % OTHER, admin,
                 {"name": "Sandbox person", "email": "sandbox@other.example.org", "organisation_id": o["id"],
                  "role": "other"}), "POST person")
    ctx["sandbox_person"] = p["id"]
    p = must(api(port, "GET", "/api/v1/people/" + p["id"], admin), "GET sandbox person")
    ctx["other_feed_token"] = p["feed_url"].rsplit("/", 1)[1][:-len(".ics")]
    ctx["other_group"] = None
    t = must(api(port, "POST", "/api/v1/tokens", admin, {"name": "other organiser", "role": "organiser",
                                                         "programme": OTHER}), "POST organiser token")
    ctx["other_organiser"] = t["token"]
    t = must(api(port, "POST", "/api/v1/tokens", admin, {"name": "to revoke", "role": "admin"}), "POST token")
    ctx["revoked"] = t["token"]
    must(api(port, "DELETE", "/api/v1/tokens/" + t["id"], admin), "DELETE token", (200, 204))
    # An old feed URL: rotate the sandbox person's feed token (its old URL must answer 404).
    ctx["feed_token_old"] = ctx["other_feed_token"]
    r = must(api(port, "POST", "/api/v1/people/%s/feed-token" % ctx["sandbox_person"], admin), "rotate feed token",
             (200, 201))
    url = (r or {}).get("feed_url")
    if not url:
        p = must(api(port, "GET", "/api/v1/people/" + ctx["sandbox_person"], admin), "GET sandbox person")
        url = p["feed_url"]
    ctx["other_feed_token"] = url.rsplit("/", 1)[1][:-len(".ics")]
    # Reads that may do deferred work (the outbox turns change records into messages, feeds
    # render) are done once before the snapshot.
    for path in ["/api/v1/reminders?limit=1", "/api/v1/reminders/summary", "/feeds/programmes/%s.ics" % PROGRAMME,
                 "/api/v1/people/%s/busy" % ctx["sandbox_person"]]:
        api(port, "GET", path, admin)
    return ctx


def run_category(port, ctx, name, cases, workers, verbose):
    results = []
    accepted = []
    undo_errors = []

    def one(c):
        return c, exchange(port, c.raw, head=c.head, responses=c.responses, half_close=c.half_close,
                           quiet=0.5 if c.smuggle else 0.0)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for c, a in pool.map(one, cases):
            results.append((c, a))
    for c, a in results:
        if a.status in c.accept:
            accepted.append((c, a))
            if c.on_accept:
                err = c.on_accept(port, ctx, a)
                if err:
                    undo_errors.append(err)
    return results, accepted, undo_errors


def summarise(name, results, extra_failures):
    statuses = collections.Counter(a.status for _, a in results)
    four = [a for _, a in results if 400 <= a.status < 500]
    api4 = [a for c, a in results if 400 <= a.status < 500 and c.api]
    problem = sum(1 for a in api4 if a.is_problem())
    failures = []
    for c, a in results:
        for f in judge(c, a, None):
            failures.append((c, a, f))
    slowest = max((a.ms for _, a in results), default=0.0)
    return {"name": name, "tried": len(results), "4xx": len(four), "5xx": sum(1 for _, a in results if a.status >= 500),
            "statuses": statuses, "problem": (problem, len(api4)), "slowest": slowest, "failures": failures,
            "extra": extra_failures}


def health(svc):
    if not svc.alive():
        return "the service exited with %s" % svc.proc.returncode
    a = exchange(svc.port, request_bytes("GET", "/healthz"), source=HOST)
    if a.status != 200:
        return "/healthz answered %d %s" % (a.status, a.error)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--record", action="store_true", help="write the figures into docs/RELIABILITY.md")
    ap.add_argument("--verbose", action="store_true", help="print every input and its answer")
    ap.add_argument("--only", default="", help="comma-separated categories to run")
    args = ap.parse_args()

    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="copsched-hostile-")
    svc = service(find_binary(args.build), workdir, free_port(), ("--access-log", "false"))
    try:
        ctx = setup(svc)
        before, audit_before = snapshot(svc.database)
        port = svc.port
        categories = [("framing", framing_cases), ("json", json_cases), ("paths", path_cases), ("auth", auth_cases),
                      ("ical", ical_cases), ("feeds", feed_cases)]
        only = set(filter(None, args.only.split(",")))
        summaries = []
        accepted_all = []
        for name, make in categories:
            if only and name not in only:
                continue
            cases = make(ctx)
            results, accepted, undo_errors = run_category(port, ctx, name, cases, args.workers, args.verbose)
            if name == "auth":
                results += throttle_test(port, ctx)
            accepted_all += accepted
            extra = list(undo_errors)
            h = health(svc)
            if h:
                extra.append(h)
            s = summarise(name, results, extra)
            summaries.append(s)
            if args.verbose:
                for c, a in results:
                    print("  %-7s %3d %7.1f ms %s%s" % (name, a.status, a.ms, c.name[:110],
                                                         "  ACCEPTED" if a.status in c.accept else ""))
            print("%-8s tried %4d, 4xx %4d, 5xx %d, problem+json %d/%d, slowest %.0f ms, failures %d%s"
                  % (name, s["tried"], s["4xx"], s["5xx"], s["problem"][0], s["problem"][1], s["slowest"],
                     len(s["failures"]) + len(extra),
                     "" if not accepted else ", accepted and undone %d" % len(accepted)))
            sys.stdout.flush()
            if not svc.alive():
                break
        after, audit_after = snapshot(svc.database)
        db = sqlite3.connect("file:%s?mode=ro" % svc.database, uri=True)
        new_audit = db.execute("SELECT action, object_type FROM audit_log WHERE id > ?", (audit_before,)).fetchall()
        db.close()
        exit_code = svc.stop()
    finally:
        if svc.alive():
            svc.stop()

    data_failures = []
    allowed_changes = {"idempotency_keys"}
    undo_actions = {"blackouts.import", "blackouts.delete", "busy.replace", "busy.delete"}
    if new_audit:
        allowed_changes |= {"audit_log", "sqlite_sequence"}
        unexpected = [a for a in new_audit if a[0] not in undo_actions]
        if unexpected or len(new_audit) > 2 * len(accepted_all):
            data_failures.append("audit entries not explained by undone inputs: %s" % new_audit[:10])
    for t in sorted(set(before) | set(after)):
        if t in allowed_changes:
            continue
        if before.get(t) != after.get(t):
            data_failures.append("table %s changed: %s rows before, %s after" %
                                 (t, before.get(t, (None,))[0], after.get(t, (None,))[0]))
    with sqlite3.connect(svc.database) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        data_failures.append("integrity_check: %s" % integrity)
    if exit_code not in (0, None):
        data_failures.append("the service exited with %s on SIGTERM" % exit_code)
    counts = {t: before[t][0] for t in ("programmes", "organisations", "people", "working_groups", "venues", "events",
                                        "blackouts", "busy_times", "api_tokens") if t in before}
    seconds = time.monotonic() - started
    total_failures = sum(len(s["failures"]) + len(s["extra"]) for s in summaries) + len(data_failures)
    tried = sum(s["tried"] for s in summaries)
    print("hostile inputs: %d tried, %d failures; data unchanged: %s (%s); idempotency keys %d -> %d; "
          "integrity %s; %.1f s"
          % (tried, total_failures, "yes" if not data_failures else "NO",
             ", ".join("%s %d" % kv for kv in counts.items()),
             before.get("idempotency_keys", (0,))[0], after.get("idempotency_keys", (0,))[0], integrity, seconds))
    for s in summaries:
        for c, a, f in s["failures"][:40]:
            print("  FAIL %s / %s: %s\n       request %r\n       answer %d %r" %
                  (s["name"], c.name, f, c.raw[:300], a.status, a.body[:300]))
        for f in s["extra"]:
            print("  FAIL %s: %s" % (s["name"], f))
    for f in data_failures:
        print("  FAIL data: %s" % f)
    if accepted_all:
        print("  accepted (and undone): %s" % "; ".join("%s -> %d" % (c.name, a.status) for c, a in accepted_all))

    if args.record:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import record
        rows = []
        for s in summaries:
            codes = ", ".join("%s: %d" % (k if k else "none", v) for k, v in sorted(s["statuses"].items()))
            p, n = s["problem"]
            rows.append("| %s | %d | %s | %s | %.0f | %d |" % (
                s["name"], s["tried"], codes, "%d/%d" % (p, n) if n else "-", s["slowest"],
                len(s["failures"]) + len(s["extra"])))
        section = """## Hostile inputs

Written by `tests/chaos/hostile_inputs.py --record` on %s (%d cores, shared with the client; the
binary `%s`, default flags). The script starts the service on a temporary database with the demo
programme, a second programme with private feeds, and admin, organiser and participant tokens,
then sends each input below on a fresh connection from its own loopback address (the auth
throttle is tested on its own from 127.0.0.3). An input fails on a 5xx, a status outside those
listed for it, a 4xx that is not `application/problem+json`, a 400/422 that does not name the
field at fault, an answer slower than %d ms, a connection left open after refused framing, or a
second response behind a smuggled request; a category fails when the process is gone or
`/healthz` does not answer after it. `ctest -R 'chaos: hostile'` runs the same.

| category | inputs tried | statuses seen (count) | problem+json of the 4xx | slowest answer ms | failures |
|---|---:|---|---:|---:|---:|
%s

What the categories send: **framing**: Transfer-Encoding other than chunked alone, TE with
Content-Length, two Content-Lengths, obs-fold, bad chunk sizes and extensions, CR without LF,
NUL and control bytes, 100 KB header lines, 1000 and 100,000 headers, invalid methods,
versions and targets, absolute-form targets, 100 pipelined requests; **json**: every field of
every request schema of `/openapi.json` with a wrong type, null, empty or too long (422 naming
it), invalid and overlong UTF-8, lone surrogates, 10,000 nested arrays, 1e999, duplicate keys
(400 naming them), 1 MB strings, 100,000 keys, bodies over 1 MiB (413), wrong Content-Types
(400); **paths**: `../` and `%%2e%%2e` traversal, `%%00`, invalid percent-encoding, paths up to
100 KB, unknown routes and methods (405 with Allow), limit/cursor/filter garbage on every list
route; **auth**: no, garbled, long, revoked tokens on every protected route (401 with
`WWW-Authenticate`), participant and organiser tokens on organiser and admin routes (403),
tokens of another programme (403/404), and the throttle: 10 failures from one address, then
429 with Retry-After (also for a valid token) while other addresses are served; **ical**:
RRULE FREQ=SECONDLY;COUNT=100000000 and other expansion bombs, 30,000 nested BEGINs, 1 MB
lines, unknown TZIDs and hostile VTIMEZONEs, impossible dates, broken folding, binary
garbage, 1 MiB + 1 (413), on blackout imports and busy times; **feeds**: invalid and other
programmes' feed tokens, huge If-None-Match, garbage Accept-Encoding (the coding sent must be
one the client accepts and decode to a calendar).

Data: every table compared row by row before and after (idempotency keys and tokens'
`last_used_at` aside): %s. Inputs the service accepted as valid (odd but well-formed files),
undone by the script: %s. Idempotency keys %d before, %d after. `PRAGMA integrity_check`: %s.
Demo data: %s. %.0f s in all.

What this campaign found, each fixed with a regression test before this run: a header of many
short field lines over 8 KB was answered 200 when it arrived in two reads (Beast checked its limit
per read), and chunk-size lines and trailers of 100 KB were read (now 431 / 400 and close;
`tests/integration/hostile_clients_test.cpp`); path segments such as `%%c0%%ae` put invalid UTF-8
into the 404 detail, and `%%00` in a query value reached the filters (now 404, and 422 naming the
parameter); iCalendar files with `DTSTART:2019-03-05T10:00:00Z`, `DTSTART;VALUE=DATE:20190305T100000`,
`TZOFFSETTO:abc` or `+9999`, or a daily series from the year 1000 were imported as 0 periods or
with a wrong offset without a word (now 422 with the line; `tests/calendar/import_test.cpp`).

Verdict: %s.
""" % (time.strftime("%Y-%m-%d"), os.cpu_count(), os.path.relpath(svc.binary), SLOW_MS, "\n".join(rows),
       "unchanged" if not data_failures else "CHANGED (" + "; ".join(data_failures) + ")",
       ", ".join("%s (%d)" % (c.name, a.status) for c, a in accepted_all) or "none",
       before.get("idempotency_keys", (0,))[0], after.get("idempotency_keys", (0,))[0], integrity,
       ", ".join("%s %d" % kv for kv in counts.items()), seconds,
       "passed" if total_failures == 0 else "FAILED (%d failures)" % total_failures)
        record.write_section(record.RELIABILITY, section.replace("%%", "%"))

    if total_failures:
        print("FAILED; the database and log stay in " + workdir)
        return 1
    subprocess.run(["rm", "-rf", workdir])
    return 0


if __name__ == "__main__":
    sys.exit(main())
