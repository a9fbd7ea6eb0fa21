"""Connection limits of the checkout service, below the application: what a hostile client can
make a worker hold before a request even reaches FastAPI.

uvicorn's default HTTP protocol (httptools) buffers a request head of any size (four 50 MB
headers grew a worker by 221 MB) and has no read timeout (a client that sends a byte now and
then holds its connection forever: "slowloris"). ``GuardedHttpToolsProtocol`` adds, per
connection:

* a head limit: request line and headers together at most ``MAX_HEAD_BYTES``, refused with
  ``431`` after reading at most one socket read past it, and at most ``MAX_HEADERS`` headers
  (``400``);
* a read timeout: a request must arrive in full (head and body) within ``READ_TIMEOUT`` seconds
  of its first byte, or of the connection's opening, else ``408`` and the connection closes.

uvicorn's own options do the rest (``server_options``): ``timeout_keep_alive`` closes an idle
keep-alive connection, ``limit_concurrency`` answers ``503`` past that many connections and
tasks per worker, and ``h11_max_incomplete_event_size`` bounds the head when uvicorn falls back to
h11 (no httptools).
"""

from __future__ import annotations


from levy.api.connection_limits import (  # re-exported: the guard and its tests read them here
    KEEP_ALIVE_TIMEOUT, MAX_CONCURRENCY, MAX_HEAD_BYTES, MAX_HEADERS, READ_TIMEOUT, server_options,
)

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - uvicorn then speaks h11, bounded by its own option
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


def _refusal(status: int, reason: bytes, message: bytes) -> bytes:
    body = b'{"error":{"code":"%s","message":"%s"}}' % (reason.upper().replace(b" ", b"_"), message)
    return (b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (status, reason, len(body), body))


_HEAD_TOO_LARGE = _refusal(431, b"Request Header Fields Too Large",
                           b"request line and headers exceed %d bytes" % MAX_HEAD_BYTES)
_TOO_SLOW = _refusal(408, b"Request Timeout", b"the request did not arrive within %d s" % READ_TIMEOUT)


class TooManyHeaders(Exception):
    """Raised from the parser's callback: httptools turns it into a parser error (400, close)."""


if HttpToolsProtocol is not None:

    class GuardedHttpToolsProtocol(HttpToolsProtocol):  # type: ignore[misc,valid-type]
        """uvicorn's httptools protocol with a head size limit, a header count limit and a read
        timeout (see the module docstring)."""

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._head_bytes = 0
            self._in_head = True
            self._header_count = 0
            self._messages_begun = 0
            self._between_messages = True
            self._deadline = self.loop.call_later(READ_TIMEOUT, self._too_slow)

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _disarm(self) -> None:
            if getattr(self, "_deadline", None) is not None:
                self._deadline.cancel()
                self._deadline = None

        def _refuse(self, response: bytes) -> None:
            self._disarm()
            if self.transport.is_closing():
                return
            if self.cycle is None or not self.cycle.response_started:
                self.transport.write(response)
            self.transport.close()

        def _too_slow(self) -> None:
            self._deadline = None
            self._refuse(_TOO_SLOW)

        def data_received(self, data: bytes) -> None:
            if self._in_head:
                end = data.find(b"\r\n\r\n")
                if self._head_bytes + (len(data) if end < 0 else end) > MAX_HEAD_BYTES:
                    self._refuse(_HEAD_TOO_LARGE)
                    return
            begun = self._messages_begun
            super().data_received(data)
            if self._between_messages:
                # The read ended with a complete request (the parser calls on_message_begin at a
                # message's first byte, and none came after it): no byte of a next head yet.
                self._head_bytes = 0
            elif self._in_head:
                # Inside a head. When it began during this read, the read may also hold the end
                # of the previous request (pipelining): counting all of it errs on the safe side.
                self._head_bytes = len(data) if self._messages_begun != begun else self._head_bytes + len(data)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._messages_begun += 1
            self._between_messages = False
            self._in_head, self._header_count, self._head_bytes = True, 0, 0
            if self._deadline is None:
                self._deadline = self.loop.call_later(READ_TIMEOUT, self._too_slow)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._header_count += 1
            if self._header_count > MAX_HEADERS:
                raise TooManyHeaders(f"more than {MAX_HEADERS} headers")
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._in_head, self._head_bytes = False, 0
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._disarm()
            self._in_head = self._between_messages = True
            super().on_message_complete()


__all__ = ["MAX_HEAD_BYTES", "MAX_HEADERS", "READ_TIMEOUT", "KEEP_ALIVE_TIMEOUT", "MAX_CONCURRENCY",
           "server_options"]
