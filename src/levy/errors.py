"""Levy's exceptions: a small tree under ``ValueError``, each carrying what was wrong."""

from __future__ import annotations

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
        """The contract's error object."""
        return {
            "order_id": self.order_id,
            "error": {"code": self.code, "fields": [f.as_dict() for f in self.fields]},
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
