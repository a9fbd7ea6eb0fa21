"""Ledger schema (SQLAlchemy 2 typed tables; the Alembic migrations build the same).

One committed order is one row in ``orders`` plus its ``decisions`` row (the engine's answer
with the facts behind it), its ``payments`` row, its amount rows in ``decision_lines`` and its
first two ``events`` (placed, paid), all written in one transaction. ``events``, ``refunds``
and ``refund_lines`` only ever grow: database triggers refuse UPDATE and DELETE on them and on
the decision, payment and amount rows (migration ``0001``); the one row that changes is
``orders.status``, the current state of the life cycle, kept next to the log it summarises.

Money is stored as **integers in the currency's minor unit** (``net_minor`` = 2500 for
EUR 25.00, ``orders.minor_units`` = 2): exact, and summable by SQL on SQLite (which has no
decimal type; its SUM over text or NUMERIC goes through floats) and PostgreSQL alike. Rates,
thresholds and FX rates, which are facts and never summed, are kept as the contract's decimal
text. Times are stored in UTC; the local calendar dates that pick rates (``placed_on``) and
reporting periods (``paid_on``) are stored beside them, read in the offset the input carried.

Each amount row carries one rate, so the monthly IOSS return (next issue) can group by
``scheme, tax_country, rate_percent, currency`` and period: the shipping charge, taxed at the
lines' rates pro rata (contract), is stored as one row per rate present among the lines.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ORDER_STATUSES = ("paid", "shipped", "disputed", "completed", "refunded", "closed")
"""States of an order's escrow life cycle (``orders.status``)."""
EVENT_KINDS = ("placed", "paid", "shipped", "completed", "dispute_opened", "refunded", "closed")
"""Kinds of entries in the append-only event log."""
REFUND_MODES = ("full", "amount", "lines")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """An aware datetime stored in UTC (``timestamptz`` on PostgreSQL, ISO text on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the ledger stores aware times only")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC text, read back as UTC below.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Minor = BigInteger
"""An amount in the currency's minor unit (cents for EUR and USD, yen for JPY)."""
Id = BigInteger().with_variant(Integer(), "sqlite")
"""Surrogate key: SQLite auto-increments only ``INTEGER PRIMARY KEY``."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class OrderRow(Base):
    """A committed (paid) order: the payload as received and its current life-cycle state."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(f"status IN {ORDER_STATUSES}", name="status"),
    )

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of the order and its payment:
    the idempotency check of ``levy commit``."""
    payload: Mapped[str] = mapped_column(Text)
    """The canonical JSON itself: the facts ``levy replay`` re-runs the engine on."""
    currency: Mapped[str] = mapped_column(String(3))
    minor_units: Mapped[int] = mapped_column(SmallInteger)
    """Decimals of the currency's minor unit (ISO 4217): amounts are ``*_minor / 10**minor_units``."""
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    placed_on: Mapped[date] = mapped_column(Date)
    """``placed_at``'s calendar date in its own offset: the date of rates and FX."""
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime)
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    """``payment.accepted_at``'s calendar date in its own offset: when the VAT became due."""
    status: Mapped[str] = mapped_column(String(16))
    committed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DecisionRow(Base):
    """The engine's decision for a committed order, with the facts used to reach it."""

    __tablename__ = "decisions"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.order_id"), primary_key=True)
    collect: Mapped[bool] = mapped_column(Boolean)
    scheme: Mapped[str | None] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    tax_country: Mapped[str | None] = mapped_column(String(2))
    tax_area: Mapped[str | None] = mapped_column(String(8))
    territory: Mapped[str | None] = mapped_column(String(64))
    regime: Mapped[str | None] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(Text)
    net_total_minor: Mapped[int] = mapped_column(Minor)
    vat_total_minor: Mapped[int] = mapped_column(Minor)
    gross_total_minor: Mapped[int] = mapped_column(Minor)
    rates_as_of: Mapped[date] = mapped_column(Date)
    engine_version: Mapped[str] = mapped_column(String(32))
    rates_version: Mapped[str] = mapped_column(String(64))
    threshold_name: Mapped[str | None] = mapped_column(String(64))
    threshold_limit: Mapped[str | None] = mapped_column(String(32))
    threshold_currency: Mapped[str | None] = mapped_column(String(3))
    threshold_value: Mapped[str | None] = mapped_column(String(32))
    """The tested value in the order's currency (decimal text)."""
    threshold_converted_value: Mapped[str | None] = mapped_column(String(32))
    """That value in the limit's currency at the ECB rate, rounded half-up to the cent."""
    threshold_fx_rate: Mapped[str | None] = mapped_column(String(32))
    threshold_fx_date: Mapped[date | None] = mapped_column(Date)
    threshold_fx_source: Mapped[str | None] = mapped_column(Text)
    threshold_within: Mapped[bool | None] = mapped_column(Boolean)
    threshold_source: Mapped[str | None] = mapped_column(Text)
    decision_json: Mapped[str] = mapped_column(Text)
    """The complete decision as the engine serialised it, ``facts`` included."""


class DecisionLineRow(Base):
    """One amount row of a decision: a line, or the shipping share at one rate."""

    __tablename__ = "decision_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        CheckConstraint("kind IN ('line', 'shipping')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.order_id"))  # indexed by the unique key
    position: Mapped[int] = mapped_column(SmallInteger)
    """The line's index in the order; shipping rows follow the lines."""
    kind: Mapped[str] = mapped_column(String(8))
    sku: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(32))
    quantity: Mapped[int | None] = mapped_column(Integer)
    tax_area: Mapped[str | None] = mapped_column(String(8))
    rate_percent: Mapped[str] = mapped_column(String(16))
    """The rate applied, as the contract writes it (``"19"``, ``"25.5"``, ``"0"``)."""
    rate_valid_from: Mapped[date | None] = mapped_column(Date)
    rate_source: Mapped[str | None] = mapped_column(Text)
    net_minor: Mapped[int] = mapped_column(Minor)
    vat_minor: Mapped[int] = mapped_column(Minor)
    gross_minor: Mapped[int] = mapped_column(Minor)


class PaymentRow(Base):
    """The payment the platform accepted for the order, as the payment rules checked it."""

    __tablename__ = "payments"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.order_id"), primary_key=True)
    method: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Minor)
    """What the buyer paid."""
    fee_minor: Mapped[int] = mapped_column(Minor)
    """The method's fee, outside the VAT base."""
    payable_minor: Mapped[int] = mapped_column(Minor)
    """``gross_total`` plus the fee."""
    difference_minor: Mapped[int] = mapped_column(Minor)
    """``amount - payable``, inside the tolerance."""
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    usd_rate: Mapped[str | None] = mapped_column(String(40))
    """USD per unit of the currency (ECB cross rate) used for the USD limits, if any."""
    fx_date: Mapped[date | None] = mapped_column(Date)
    fx_source: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[str] = mapped_column(String(128), default="")
    reviewer: Mapped[str | None] = mapped_column(String(64))
    review_approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class EventRow(Base):
    """One entry of the append-only event log; ``seq`` numbers an order's events from 1."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("order_id", "seq"),
        CheckConstraint(f"kind IN {EVENT_KINDS}", name="kind"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.order_id"))  # indexed by the unique key
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    details: Mapped[str | None] = mapped_column(Text)
    """JSON with what the event carried (the refund id, the order's new status...)."""


class RefundRow(Base):
    """A refund, split between net and VAT at the original rates; idempotent on ``refund_id``."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint(f"mode IN {REFUND_MODES}", name="mode"),)

    refund_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.order_id"), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    request: Mapped[str] = mapped_column(Text)
    """Canonical JSON of the request (order, mode, amount or lines): the idempotency check."""
    request_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    refunded_on: Mapped[date] = mapped_column(Date, index=True)
    """``at``'s calendar date in its own offset: the period of the correction."""
    amount_minor: Mapped[int] = mapped_column(Minor)
    """Paid back to the buyer."""
    net_minor: Mapped[int] = mapped_column(Minor)
    vat_minor: Mapped[int] = mapped_column(Minor)
    outside_base_minor: Mapped[int] = mapped_column(Minor)
    """The part outside the VAT base: the payment fee and the recorded payment difference,
    returned with a full refund."""
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RefundLineRow(Base):
    """A refund's share of one amount row."""

    __tablename__ = "refund_lines"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    refund_id: Mapped[str] = mapped_column(ForeignKey("refunds.refund_id"), index=True)
    decision_line_id: Mapped[int] = mapped_column(ForeignKey("decision_lines.id"), index=True)
    quantity: Mapped[int | None] = mapped_column(Integer)
    """Units returned (``--lines`` and ``--full``); ``None`` for an amount refund."""
    net_minor: Mapped[int] = mapped_column(Minor)
    vat_minor: Mapped[int] = mapped_column(Minor)
    gross_minor: Mapped[int] = mapped_column(Minor)


class DecisionChargeRow(Base):
    """One duty or fee of a decision (contract v1.1 ``duties`` and ``fees``), in minor units.

    A duty is customs debt paid at import, not part of the IOSS VAT return; its ``vat_minor`` is
    the VAT the law puts on the recharged amount (``rates/charge_vat.csv``).
    """

    __tablename__ = "decision_charges"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        CheckConstraint("kind IN ('duty', 'fee')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.order_id"))  # indexed by the unique key
    position: Mapped[int] = mapped_column(SmallInteger)
    """Duties first, then fees, in the decision's order."""
    kind: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    """The member state of import (duties) or the fee's country."""
    tariff_line: Mapped[str | None] = mapped_column(String(80))
    skus: Mapped[str] = mapped_column(Text)
    """The SKUs it covers, joined by ``;``."""
    net_minor: Mapped[int] = mapped_column(Minor)
    vat_minor: Mapped[int] = mapped_column(Minor)
    gross_minor: Mapped[int] = mapped_column(Minor)
    basis: Mapped[str] = mapped_column(Text)


class ViesCheckRow(Base):
    """One VIES answer about a buyer's VAT number: evidence that it was (or was not) registered
    when checked (``levy vies sweep``; queries in :mod:`levy.ledger.evidence`). Append-only."""

    __tablename__ = "vies_checks"
    __table_args__ = (CheckConstraint("state IN ('valid', 'invalid', 'unknown')", name="state"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    vat_number: Mapped[str] = mapped_column(String(32), index=True)
    """Compact, with its VIES prefix (``DE136695976``, ``EL094014201``)."""
    state: Mapped[str] = mapped_column(String(8))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    consultation_number: Mapped[str | None] = mapped_column(String(64))
    """VIES's ``requestIdentifier``: the proof of the consultation."""
    name: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(SmallInteger)
    """Calls made for this answer (retries after ``unknown`` included)."""
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PaymentTenderRow(Base):
    """One tender of a payment (migration ``0004_tenders``): the part one method paid."""

    __tablename__ = "payment_tenders"
    __table_args__ = (UniqueConstraint("order_id", "position"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.order_id"))  # indexed by the unique key
    position: Mapped[int] = mapped_column(SmallInteger)
    method: Mapped[str] = mapped_column(String(32))
    amount_minor: Mapped[int] = mapped_column(Minor)
    """What the tender paid, in the order's currency."""
    fee_minor: Mapped[int] = mapped_column(Minor)
    paid_currency: Mapped[str] = mapped_column(String(3))
    paid_amount: Mapped[str | None] = mapped_column(String(40))
    """Decimal text as paid when ``paid_currency`` is not the order's (cash in RUB)."""
    rate: Mapped[str | None] = mapped_column(String(40))
    operator: Mapped[str | None] = mapped_column(String(32))
    certificate_id: Mapped[str | None] = mapped_column(String(64))


class RefundTenderRow(Base):
    """The part of a refund returned to one tender, in proportion to what each tender paid."""

    __tablename__ = "refund_tenders"
    __table_args__ = (UniqueConstraint("refund_id", "position"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    refund_id: Mapped[str] = mapped_column(ForeignKey("refunds.refund_id"))
    position: Mapped[int] = mapped_column(SmallInteger)
    method: Mapped[str] = mapped_column(String(32))
    amount_minor: Mapped[int] = mapped_column(Minor)


APPEND_ONLY_TABLES = ("decisions", "decision_lines", "payments", "events", "refunds", "refund_lines",
                      "vies_checks", "decision_charges", "payment_tenders", "refund_tenders")
"""Tables whose rows are never updated or deleted (enforced by triggers)."""

orders = OrderRow.__table__
decisions = DecisionRow.__table__
decision_lines = DecisionLineRow.__table__
payments = PaymentRow.__table__
events = EventRow.__table__
refunds = RefundRow.__table__
refund_lines = RefundLineRow.__table__
decision_charges = DecisionChargeRow.__table__
payment_tenders = PaymentTenderRow.__table__
refund_tenders = RefundTenderRow.__table__
metadata = Base.metadata
vies_checks = ViesCheckRow.__table__
