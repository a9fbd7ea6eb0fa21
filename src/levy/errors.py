"""Levy's exceptions: a small tree under ``ValueError``, each carrying what was wrong."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from datetime import date
from pathlib import Path


class LevyError(ValueError):
    """Base of every error Levy raises on purpose."""

    message = "Levy error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One offending field of an order: a dotted location (``lines.0.unit_price``) and why."""

    loc: str
    msg: str

    def as_dict(self) -> dict[str, str]:
        return {"loc": self.loc, "msg": self.msg}


class InvalidOrder(LevyError):
    """The order does not fit the contract; ``fields`` names every offending field."""

    code = "INVALID_ORDER"
    message = "the order does not fit the contract"

    def __init__(self, fields: list[FieldError], order_id: str | None = None) -> None:
        self.fields = fields
        self.order_id = order_id
        detail = "; ".join(f"{f.loc}: {f.msg}" for f in fields)
        super().__init__(f"{self.message}: {detail}")

    def body(self) -> dict:
        """The contract's error object, with ``message`` (every field in one sentence) beside
        ``code`` and ``fields``, the shape of every error the service answers."""
        return {
            "order_id": self.order_id,
            "error": {"code": self.code, "message": str(self),
                      "fields": [f.as_dict() for f in self.fields]},
        }


class RatesDataError(LevyError):
    """A file under ``rates/`` is malformed; names the file, line and column."""

    message = "rates data is invalid"

    def __init__(self, path: Path | str, line: int, msg: str, column: str | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.msg = msg
        where = f"{self.path.name}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {msg}")


class NoRateError(LevyError):
    """No rate row covers a (tax area, category) on a date."""

    def __init__(self, tax_area: str, category: str, on: date) -> None:
        self.tax_area, self.category, self.on = tax_area, category, on
        super().__init__(f"no VAT rate for {tax_area}/{category} on {on.isoformat()} in rates/")


class NoFxRateError(LevyError):
    """The ECB publishes no reference rate for a currency on or before a date."""

    def __init__(self, currency: str, on: date) -> None:
        self.currency, self.on = currency, on
        super().__init__(
            f"no ECB reference rate for {currency} on or before {on.isoformat()}: "
            "the ECB does not publish this currency, so the threshold cannot be converted"
        )


FX_FIX = "`levy fx update` (downloads the ECB history), or `levy fx import FILE` with an ECB file"
"""The commands that bring the ECB history up to date, as the FX errors name them."""


class FxDataError(LevyError):
    """An ECB reference-rate file is malformed; names the file, line and currency column."""

    message = "ECB file is invalid"

    def __init__(self, name: str, line: int, msg: str, column: str | None = None) -> None:
        self.name, self.line, self.column, self.msg = name, line, column, msg
        where = f"{name}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {msg}")


class FxRateMissingError(NoFxRateError):
    """The history held does not reach the ECB rate a date needs (e.g. a return's period end).

    ``on`` is the publication day needed; ``held_until`` the last day the history holds for the
    currency (``None``: the ECB never published it).
    """

    def __init__(
        self, currency: str, on: date, period_end: date, held_until: date | None, discontinued: bool = False
    ) -> None:
        LevyError.__init__(self, _missing_message(currency, on, period_end, held_until, discontinued))
        self.currency, self.on, self.period_end, self.held_until = currency, on, period_end, held_until
        self.discontinued = discontinued


def _missing_message(
    currency: str, on: date, period_end: date, held_until: date | None, discontinued: bool
) -> str:
    need = (
        f"no ECB rate for {currency} for the period ending {period_end.isoformat()}: it needs the "
        f"rate of {on.isoformat()} (the period's last day or, if none was published that day, the "
        "next day of publication: VAT Directive Art. 366(2))"
    )
    if discontinued:
        return f"{need}, and the ECB has published no {currency} rate since {held_until}"
    if held_until is None:
        held = "holds no rate at all"
    elif held_until < on:
        held = f"ends on {held_until.isoformat()}"
    else:  # a daily file imported after a gap
        held = f"has no rates of that day (it reaches {held_until.isoformat()}, with a gap)"
    return f"{need}; the ECB history held {held}. Fix: {FX_FIX} that reaches {on.isoformat()}"


class FxStoreError(LevyError):
    """The local FX store (``LEVY_DATA_DIR``/fx.sqlite3) cannot be read or written."""

    def __init__(self, path: Path | str, msg: str) -> None:
        self.path = Path(path)
        super().__init__(f"FX store {self.path}: {msg}")


class FxDownloadError(LevyError):
    """The ECB file could not be downloaded (offline, timeout, refused, HTTP error)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url, self.reason = url, reason
        super().__init__(
            f"cannot download {url}: {reason}. Is this machine online? Without a connection, "
            "import an ECB file you have: `levy fx import eurofxref-hist.zip`"
        )


INTERNAL_ERROR = "INTERNAL_ERROR"
"""Error code of an order that failed for an unexpected reason (a bug): it gets this error object
in its place and the batch goes on."""


def internal_error_body(order_id: str | None, exc: BaseException) -> dict:
    """The error object of an order that failed unexpectedly. Only the exception's type is shown:
    its text may quote the order (buyer ids, VAT numbers), which no output or log may carry."""
    return {
        "order_id": order_id,
        "error": {
            "code": INTERNAL_ERROR,
            "message": f"unexpected {type(exc).__name__} while processing this order; it was not "
                       "decided (the other orders were)",
            "fields": [],
        },
    }


def storage_cause(exc: BaseException) -> str | None:
    """The plain cause of a failure to read or write a database or file, for a one-line message:
    disk full, database locked, read-only; ``None`` when it is none of those.

    >>> storage_cause(OSError(28, "No space left on device"))
    'the disk is full'
    """
    orig = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's exception
    text = str(orig).lower()
    code = getattr(orig, "errno", None)
    if code == errno.ENOSPC or "disk is full" in text or "no space left" in text:
        return "the disk is full"
    if code == errno.EDQUOT or "quota" in text:
        return "the disk quota is exhausted"
    if "database is locked" in text or "database is busy" in text:
        return "the database is locked by another process (waited for the busy timeout)"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in text or "read-only" in text:
        return "the file or its directory is read-only"
    if "unable to open database file" in text:
        return "the database file cannot be opened (missing directory or no permission)"
    return None
