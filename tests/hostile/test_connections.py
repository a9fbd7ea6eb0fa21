"""Issue 18: a hostile client cannot make a worker hold a huge head or a connection forever."""

from __future__ import annotations

import json
import socket
import time

import pytest

from conftest import build_order
from hostile.inprocess import serving
from levy.api import connections
from levy.api.connections import MAX_HEAD_BYTES, MAX_HEADERS, server_options


def _read_all(sock: socket.socket, timeout: float = 10) -> bytes:
    sock.settimeout(timeout)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (ConnectionResetError, TimeoutError, socket.timeout):
        pass
    return b"".join(chunks)


@pytest.fixture(scope="module")
def live(engine, tmp_path_factory, monkeymodule):
    monkeymodule.setattr(connections, "READ_TIMEOUT", 1.0)
    options = server_options()
    assert options["http"] == "levy.api.connections:GuardedHttpToolsProtocol"  # levy serve installs the guard
    with serving(engine, tmp_path_factory.mktemp("conn"), **options) as where:
        yield where


@pytest.fixture(scope="module")
def monkeymodule():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_a_huge_header_is_refused_after_reading_little_of_it(live):
    host, port, key = live
    with socket.create_connection((host, port)) as sock:
        sock.sendall(b"POST /v1/quote HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = 0
        try:
            for _ in range(50 * 16):  # up to 50 MB, 64 KiB at a time
                sock.sendall(b"a" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431") or answer == b""  # refused, connection closed
    assert sent < 8 * 1024 * 1024  # the worker stopped reading within a few MB


def test_too_many_headers_are_refused(live):
    host, port, key = live
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(MAX_HEADERS + 1))
    with socket.create_connection((host, port)) as sock:
        sock.sendall(head + b"\r\n")
        assert _read_all(sock).startswith(b"HTTP/1.1 400")


def test_a_head_just_under_the_limit_is_served(live):
    host, port, key = live
    pad = b"a" * (MAX_HEAD_BYTES - 200)
    with socket.create_connection((host, port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + pad + b"\r\nConnection: close\r\n\r\n")
        assert _read_all(sock).startswith(b"HTTP/1.1 200")


def test_a_slow_client_is_cut_off(live):
    host, port, key = live
    started = time.monotonic()
    with socket.create_connection((host, port)) as sock:
        sock.sendall(b"POST /v1/quote HTTP/1.1\r\nHost: x\r\n")
        answer = _read_all(sock, timeout=15)
    assert answer.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 5


def test_a_silent_connection_is_closed(live):
    host, port, key = live
    started = time.monotonic()
    with socket.create_connection((host, port)) as sock:
        assert _read_all(sock, timeout=15).startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 5


def test_keep_alive_still_works_under_the_guard(live):
    host, port, key = live
    body = json.dumps(build_order()).encode()
    request = (b"POST /v1/quote HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (key.encode(), len(body), body))
    with socket.create_connection((host, port)) as sock:
        sock.settimeout(10)
        for _ in range(3):
            sock.sendall(request)
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
            time.sleep(0.3)



def test_keep_alive_after_a_large_body_is_not_mistaken_for_a_large_head(live):
    """A read that ends a request (the last of a 600 KB body, or a 40 KB request in one read) is
    no byte of the next request's head: the guard once counted it and refused the next request."""
    host, port, key = live
    big = json.dumps(build_order()).encode() + b" " * 600_000  # JSON allows whitespace after the value
    small = json.dumps(build_order()).encode()
    medium = small + b" " * 40_000  # more than a head may hold, read in one piece with its head
    assert len(big) > 600_000

    def request(body: bytes) -> bytes:
        return (b"POST /v1/quote HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (key.encode(), len(body), body))

    def answer(sock: socket.socket) -> bytes:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(65536)
            assert chunk, f"the connection was closed: {head[:200]!r}"
            head += chunk
        headers, _, rest = head.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in headers.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")))
        while len(rest) < length:
            chunk = sock.recv(65536)
            assert chunk, "the connection was closed mid-answer"
            rest += chunk
        return headers

    with socket.create_connection((host, port)) as sock:
        sock.settimeout(10)
        for body in (big, small, medium, medium, small, big, small):
            sock.sendall(request(body))
            assert answer(sock).startswith(b"HTTP/1.1 200"), body[:40]
