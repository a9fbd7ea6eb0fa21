"""Request ids: one ``X-Request-ID`` per request, on its response and in its access log line.

A caller that sends ``X-Request-ID`` gets the same value back (so checkout can follow one order
through its own logs and Levy's); otherwise Levy draws one (32 hex digits). A sent id is
echoed only when it is 1 to 128 printable characters from a safe set, so that a hostile header
cannot forge log lines or response headers; anything else is replaced by a fresh id.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
_HEADER = HEADER.lower().encode()
_SAFE = re.compile(rb"[A-Za-z0-9._:@/+=\-]{1,128}")

current: contextvars.ContextVar[str] = contextvars.ContextVar("levy_request_id", default="-")
"""The id of the request being served (``-`` outside one). Each request runs in its own task,
hence its own context: the value is never reset, so that uvicorn's access line and the
server's 500 handler, which run after the middleware returns, still see it."""


def request_id_of(scope) -> str:
    """The id this middleware gave the request (``scope["state"]["request_id"]``)."""
    return (scope.get("state") or {}).get("request_id") or current.get()


class RequestIdMiddleware:
    """Pure ASGI middleware (outermost): sets the id and adds the header to every response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = next((value for name, value in scope["headers"] if name == _HEADER), None)
        rid = sent.decode("ascii") if sent is not None and _SAFE.fullmatch(sent) else uuid.uuid4().hex
        current.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        header = (_HEADER, rid.encode("ascii"))

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != _HEADER]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        await self.app(scope, receive, send_with_id)


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` attribute (for ``%(request_id)s`` in a format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True


__all__ = ["HEADER", "RequestIdFilter", "RequestIdMiddleware", "current", "request_id_of"]
