"""Request size limit of the checkout service: 1 MiB per body, refused with 413.

An order of 1,000 lines (the contract's maximum, ``levy.models.MAX_LINES``) is about 100 KiB of
JSON, so 1 MiB leaves ample room for any real order and none for a client (or an attacker)
that would make a worker buffer and parse megabytes.

Two ways a body arrives (RFC 9112 Sec. 6): with ``Content-Length``, which is checked before a
byte of the body is read; or chunked, with no length announced, which is counted as the
application reads it, and refused the moment it passes the limit.
"""

from __future__ import annotations

from fastapi import HTTPException

MAX_BODY_BYTES = 1024 * 1024
"""1 MiB."""


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a chunked body passes the limit: an ``HTTPException``, so
    FastAPI's body reading lets it through and the service's handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds {limit} bytes (1 MiB)")


class BodyLimitMiddleware:
    """Pure ASGI middleware enforcing ``limit`` bytes per request body."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
                break
        if length is not None:
            # The server checks the header is a number and delivers exactly that many bytes,
            # so the header alone decides (a non-number here is refused as too large too).
            if not length.isdigit() or int(length) > self.limit:
                await _refuse(send, self.limit)
                return
            await self.app(scope, receive, send)
            return
        seen = 0
        limit = self.limit

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)


async def _refuse(send, limit: int) -> None:
    body = (b'{"error":{"code":"PAYLOAD_TOO_LARGE","message":"request body exceeds %d bytes (1 MiB)"}}'
            % limit)
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": body})
