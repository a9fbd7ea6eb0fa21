"""ECB download (``levy fx update``: fetch ``eurofxref-hist.zip`` over HTTPS, then import it).

The ECB publishes its reference rates around 16:00 CET on each TARGET business day and the full
history at a stable address. Only HTTPS is used, except plain HTTP to this machine's loopback
address (the tests serve a fixture file there). A short timeout and one attempt: offline, the
command says so and points at ``levy fx import``; it never hangs checkout-side processes.

References:
    https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html
"""

from __future__ import annotations

import http.client
import os
import posixpath
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

from levy.errors import FxDownloadError
from levy.fx.store import FxStore, ImportResult

ECB_HISTORY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
"""The ECB's full history of euro reference rates (a zip of one CSV, about 600 kB)."""
URL_ENV = "LEVY_ECB_URL"
"""Environment variable that overrides :data:`ECB_HISTORY_URL`."""
DEFAULT_TIMEOUT = 10.0
"""Seconds to wait for the connection and for each read."""
MAX_BYTES = 64 * 1024 * 1024
"""A larger answer is not an ECB file."""
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _allowed(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)


class _HttpsOnlyRedirects(HTTPRedirectHandler):
    """Follow redirects, but never from HTTPS down to plain HTTP (or anywhere else)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        if not _allowed(newurl):
            raise FxDownloadError(req.full_url, f"redirected to {newurl}, which is not https://")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def ecb_url() -> str:
    """The download address: ``LEVY_ECB_URL`` or the ECB's."""
    return os.environ.get(URL_ENV) or ECB_HISTORY_URL


def fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Download ``url`` (HTTPS, or HTTP to loopback) in one attempt.

    Raises:
        FxDownloadError: any failure (refused scheme, offline, DNS, TLS, timeout, HTTP status,
            oversize), with a message a person can act on.
    """
    if not _allowed(url):
        raise FxDownloadError(url, "only https:// addresses are used (http:// only to this machine's loopback)")
    request = Request(url, headers={"User-Agent": "levy (ECB reference rates)"})
    try:
        with build_opener(_HttpsOnlyRedirects).open(request, timeout=timeout) as response:
            data = response.read(MAX_BYTES + 1)
    except HTTPError as exc:
        raise FxDownloadError(url, f"the server answered HTTP {exc.code} {exc.reason}") from None
    except URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise FxDownloadError(url, f"no answer within {timeout:g} s") from None
        raise FxDownloadError(url, f"no connection ({exc.reason})") from None
    except TimeoutError:
        raise FxDownloadError(url, f"no answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise FxDownloadError(url, f"the connection failed ({exc.__class__.__name__}: {exc})") from None
    if len(data) > MAX_BYTES:
        raise FxDownloadError(url, f"the answer is larger than {MAX_BYTES // 2**20} MiB: not an ECB file")
    return data


def update(store: FxStore | None = None, url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> ImportResult:
    """Download the ECB history and import it into ``store`` (default: the user's).

    Raises:
        FxDownloadError: the download failed; nothing changed.
        FxDataError: the answer is not a valid ECB file; nothing stored.
        FxStoreError: the store cannot be written.
    """
    url = url or ecb_url()
    data = fetch(url, timeout)
    name = posixpath.basename(unquote(urlsplit(url).path)) or "eurofxref-hist.zip"
    return (store or FxStore()).import_bytes(data, name, url)
