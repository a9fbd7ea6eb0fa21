"""``GET /healthz`` and ``GET /metrics``: what operations watch (``/healthz`` needs no API key;
``/metrics`` needs a key of any role, since its counters tell an outsider the traffic and the
decision mix per scheme; Prometheus sends it with ``authorization: {credentials: <key>}``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from levy.api.auth import Role
from levy.api.http import REFUSALS, require, secured, services
from levy.engine import ENGINE_VERSION

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str
    engine_version: str
    rates_version: str


@router.get("/healthz", summary="Liveness and the loaded reference data", response_model=Health)
async def healthz(request: Request) -> Health:
    return Health(status="ok", engine_version=ENGINE_VERSION, rates_version=services(request).engine.rates_version)


_scraper = require(*Role)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Prometheus text exposition format"}, **REFUSALS},
            openapi_extra=secured(*Role))
async def metrics_endpoint(request: Request) -> Response:
    await _scraper(request)
    metrics = services(request).metrics
    return Response(metrics.render(), media_type=metrics.content_type)


__all__ = ["Health", "router"]
