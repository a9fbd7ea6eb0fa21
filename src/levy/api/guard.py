"""Failure containment for the checkout service: an unexpected error answers 500, keeps the
connection, and logs no personal data.

Starlette hands an exception that escapes a route to its outermost middleware, which answers 500
and then re-raises it; uvicorn, seeing an exception after the response started, closes the
connection, and logs the traceback with the exception's text (which may quote the order: a
buyer id, a VAT number). ``InternalErrorMiddleware`` stops the exception one layer earlier:
it answers the service's one error shape (``{"error": {"code": "INTERNAL_ERROR", "message"}}``)
and logs the exception's type and the frames it went through, never its text or local values.
"""

from __future__ import annotations

import logging
import traceback

from levy.errors import INTERNAL_ERROR

log = logging.getLogger("levy.api")

_BODY = (b'{"error":{"code":"' + INTERNAL_ERROR.encode()
         + b'","message":"internal error: the service log has the details"}}')


def safe_traceback(exc: BaseException) -> str:
    """Where an exception came from, without its message or any value: ``Type at file:line in
    function <- ...`` (innermost first)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in reversed(frames[-8:]))
    return f"{type(exc).__module__}.{type(exc).__qualname__} at {where or '?'}"


class InternalErrorMiddleware:
    """Pure ASGI middleware: an exception from the application becomes a 500 response (when no
    response has started; otherwise the response is cut short, as HTTP allows nothing else)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the containment this middleware exists for
            log.error("internal error on %s %s: %s", scope.get("method"), scope.get("path"), safe_traceback(exc))
            if started:
                raise
            await send({"type": "http.response.start", "status": 500, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode()),
            ]})
            await send({"type": "http.response.body", "body": _BODY})


__all__ = ["InternalErrorMiddleware", "safe_traceback"]
