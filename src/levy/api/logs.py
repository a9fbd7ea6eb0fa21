"""Log redaction for the checkout service: no VAT number, exemption id or API key in full.

Logs leave the service (shippers, dashboards, support tickets), so personal and secret data must
not reach them: a buyer's VAT number identifies a business and its owner (GDPR Art. 4(1) for
sole traders; Art. 5(1)(c), data minimisation), and an API key in a log is a key anyone with log
access can use (OWASP Logging Cheat Sheet, "data to exclude").

The service never logs request bodies. ``RedactFilter`` is the net under that rule: attached to
every handler of ``log_config()``, it rewrites each record's message and traceback text before
any formatter sees them:

* anything shaped like a Levy key (``levy_`` and 16+ URL-safe characters), the value of an
  ``Authorization`` or ``X-API-Key`` header, and key-like query parameters (``?api_key=...``);
* the values of ``vat_number``, ``certificate_id`` and ``postal_code`` wherever they appear as ``name: value``
  or ``name=value`` (JSON, a dict or a pydantic repr);
* the exact buyer id, VAT number, voucher id, postal code and key of the request being served, registered by the
  handlers through ``sensitive()``, wherever they appear.

A masked value keeps its first two and last two characters (``DE*******76``), enough to tell
two buyers apart in a support case; a key keeps nothing.
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Iterable

REDACTED = "[REDACTED]"
_KEY = re.compile(r"levy_[A-Za-z0-9_\-]{16,}")
_PATTERNS = re.compile(
    r"(?P<hdr>(?i:authorization|x-api-key)['\"]?\s*[:=,]\s*['\"]?(?:(?i:bearer|basic)\s+)?)(?P<hval>[^\s'\",;)\]}]+)"
    r"|(?P<qry>[?&;](?i:api[_-]?key|key|token|access_token)=)(?P<qval>[^&\s'\"]+)"
    r"|(?P<fld>(?i:vat_number|certificate_id|postal_code)['\"]?\s*[:=]\s*['\"]?)(?P<fval>[^\s'\",;&)\]}]+)"
    r"|(?P<key>levy_[A-Za-z0-9_\-]{16,})"
)
_CURRENT: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("levy_sensitive", default=())


def mask(value: str) -> str:
    """``DE136695976`` -> ``DE*******76``; values under 8 characters are masked whole."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def _replace(match: re.Match) -> str:
    if match.group("hdr") is not None:
        return match.group("hdr") + REDACTED
    if match.group("qry") is not None:
        return match.group("qry") + REDACTED
    if match.group("fld") is not None:
        return match.group("fld") + mask(match.group("fval"))
    return "levy_" + REDACTED


def sensitive(values: Iterable[str | None]) -> None:
    """Register the current request's secrets (VAT number, voucher id, key) for redaction.

    Uses a context variable, so it covers log lines written while this request is served,
    including uvicorn's access line and tracebacks, and nothing else.
    """
    found = tuple(v for v in values if v and len(v) >= 4)
    if found:
        _CURRENT.set(_CURRENT.get() + found)


def redact(text: str) -> str:
    """``text`` with keys, VAT numbers and voucher ids masked (see the module docstring)."""
    for value in _CURRENT.get():
        if value in text:
            text = text.replace(value, REDACTED if value.startswith("levy_") else mask(value))
    return _PATTERNS.sub(_replace, text)


class RedactFilter(logging.Filter):
    """Rewrites a record's message and traceback text through ``redact``.

    The message is redacted once formatted (``vat_number=%s`` and its argument make one match
    only together), then stored without arguments. uvicorn's access records are the exception:
    their formatter reads the arguments by position, so each argument is redacted in place (the
    query string, where a key or a number could appear, is one of them).
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        else:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # a malformed call: still redact what is there
                message = f"{record.msg} {record.args!r}"
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def log_config(level: str = "info", access_log: bool = True) -> dict:
    """The ``logging.config.dictConfig`` for ``levy serve``: uvicorn's loggers and Levy's, one
    line per record with a UTC timestamp, every handler behind ``RedactFilter``."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "levy.api.logs.RedactFilter"},
                    "request_id": {"()": "levy.api.requestid.RequestIdFilter"}},
        "formatters": {
            "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(asctime)s %(levelname)s access: %(client_addr)s "%(request_line)s" %(status_code)s '
                       'request_id=%(request_id)s',
                "use_colors": False,
            },
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default",
                        "stream": "ext://sys.stderr", "filters": ["redact"]},
            "access": {"class": "logging.StreamHandler", "formatter": "access",
                       "stream": "ext://sys.stderr", "filters": ["redact", "request_id"]},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO" if access_log else "WARNING",
                               "propagate": False},
            "levy": {"handlers": ["default"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
    }
