"""The service's own documentation page, served with no network: ``GET /docs``.

FastAPI's default ``/docs`` loads Swagger UI from a CDN, so behind a firewall (where the service
runs, beside checkout) it is a blank page. Here the page and every file it loads come from the
service: Swagger UI's JavaScript and CSS as the ``fastapi-offline`` package ships them, under
``/docs/assets/``; the validator badge (which would call validator.swagger.io) is off.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
ASSET_PACKAGE = "fastapi_offline"
"""The package whose ``static/`` holds ``swagger-ui-bundle.js``, ``swagger-ui.css``, ``favicon.png``."""
SWAGGER_UI_PARAMETERS = {
    "validatorUrl": None,  # no call to validator.swagger.io
    "displayOperationId": True,
    "defaultModelsExpandDepth": 0,
    "tryItOutEnabled": False,
}


def add_docs(app: FastAPI) -> None:
    """Mount the bundled Swagger UI files and serve ``/docs`` from them (create the app with
    ``docs_url=None``)."""
    app.mount(ASSETS_URL, StaticFiles(directory=str(files(ASSET_PACKAGE) / "static")), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API documentation",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )


__all__ = ["add_docs", "DOCS_URL", "ASSETS_URL"]
