"""Checkout service (Levy over HTTP, FastAPI on uvicorn): ``levy serve``.

``create_app`` builds the ASGI application; ``app_from_env`` is the factory each uvicorn worker
calls (``levy.api:app_from_env``). One router per resource (``quote``, ``orders``, ``reports``,
``operations``) over one shared module (``http``: refusals, keys, the application's state). Both load lazily: ``levy`` imports ``levy.api.commands`` to
register ``levy serve`` and ``levy keys``, and ``levy quote`` must not pay for FastAPI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app_from_env", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from levy.api import (
            app,  # fastapi: `levy` imports levy.api.commands, `levy quote` must not load it
        )

        return getattr(app, name)
    raise AttributeError(f"module 'levy.api' has no attribute {name!r}")
