"""Initial ledger: orders, decisions with their facts, amount rows, payments, the event log
and refunds; triggers keep the log and the recorded facts append-only.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

The column types are written out here (not imported from ``levy.ledger.schema``) so that this
revision keeps building the same tables whatever the models become. ``UtcDateTime`` is a
``DateTime(timezone=True)`` that the application normalises to UTC.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
MINOR = sa.BigInteger()

APPEND_ONLY = ("decisions", "decision_lines", "payments", "events", "refunds", "refund_lines")


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("minor_units", sa.SmallInteger(), nullable=False),
        sa.Column("placed_at", TS, nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("paid_at", TS, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("committed_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('paid', 'shipped', 'disputed', 'completed', 'refunded', 'closed')",
            name=op.f("ck_orders_status"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
    )
    op.create_index(op.f("ix_orders_paid_on"), "orders", ["paid_on"])

    op.create_table(
        "decisions",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("collect", sa.Boolean(), nullable=False),
        sa.Column("scheme", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("tax_country", sa.String(2), nullable=True),
        sa.Column("tax_area", sa.String(8), nullable=True),
        sa.Column("territory", sa.String(64), nullable=True),
        sa.Column("regime", sa.String(32), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("net_total_minor", MINOR, nullable=False),
        sa.Column("vat_total_minor", MINOR, nullable=False),
        sa.Column("gross_total_minor", MINOR, nullable=False),
        sa.Column("rates_as_of", sa.Date(), nullable=False),
        sa.Column("engine_version", sa.String(32), nullable=False),
        sa.Column("rates_version", sa.String(64), nullable=False),
        sa.Column("threshold_name", sa.String(64), nullable=True),
        sa.Column("threshold_limit", sa.String(32), nullable=True),
        sa.Column("threshold_currency", sa.String(3), nullable=True),
        sa.Column("threshold_value", sa.String(32), nullable=True),
        sa.Column("threshold_converted_value", sa.String(32), nullable=True),
        sa.Column("threshold_fx_rate", sa.String(32), nullable=True),
        sa.Column("threshold_fx_date", sa.Date(), nullable=True),
        sa.Column("threshold_fx_source", sa.Text(), nullable=True),
        sa.Column("threshold_within", sa.Boolean(), nullable=True),
        sa.Column("threshold_source", sa.Text(), nullable=True),
        sa.Column("decision_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_decisions_order_id_orders")),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_scheme"), "decisions", ["scheme"])

    op.create_table(
        "decision_lines",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("sku", sa.String(64), nullable=True),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("tax_area", sa.String(8), nullable=True),
        sa.Column("rate_percent", sa.String(16), nullable=False),
        sa.Column("rate_valid_from", sa.Date(), nullable=True),
        sa.Column("rate_source", sa.Text(), nullable=True),
        sa.Column("net_minor", MINOR, nullable=False),
        sa.Column("vat_minor", MINOR, nullable=False),
        sa.Column("gross_minor", MINOR, nullable=False),
        sa.CheckConstraint("kind IN ('line', 'shipping')", name=op.f("ck_decision_lines_kind")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_decision_lines_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_lines")),
        sa.UniqueConstraint("order_id", "position", name=op.f("uq_decision_lines_order_id_position")),
    )

    op.create_table(
        "payments",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", MINOR, nullable=False),
        sa.Column("fee_minor", MINOR, nullable=False),
        sa.Column("payable_minor", MINOR, nullable=False),
        sa.Column("difference_minor", MINOR, nullable=False),
        sa.Column("accepted_at", TS, nullable=False),
        sa.Column("usd_rate", sa.String(40), nullable=True),
        sa.Column("fx_date", sa.Date(), nullable=True),
        sa.Column("fx_source", sa.Text(), nullable=True),
        sa.Column("flags", sa.String(128), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=True),
        sa.Column("review_approved_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_payments_order_id_orders")),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_payments")),
    )

    op.create_table(
        "events",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('placed', 'paid', 'shipped', 'completed', 'dispute_opened', 'refunded', 'closed')",
            name=op.f("ck_events_kind"),
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_events_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("order_id", "seq", name=op.f("uq_events_order_id_seq")),
    )

    op.create_table(
        "refunds",
        sa.Column("refund_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("refunded_on", sa.Date(), nullable=False),
        sa.Column("amount_minor", MINOR, nullable=False),
        sa.Column("net_minor", MINOR, nullable=False),
        sa.Column("vat_minor", MINOR, nullable=False),
        sa.Column("outside_base_minor", MINOR, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.CheckConstraint("mode IN ('full', 'amount', 'lines')", name=op.f("ck_refunds_mode")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_refunds_order_id_orders")),
        sa.PrimaryKeyConstraint("refund_id", name=op.f("pk_refunds")),
    )
    op.create_index(op.f("ix_refunds_order_id"), "refunds", ["order_id"])
    op.create_index(op.f("ix_refunds_refunded_on"), "refunds", ["refunded_on"])

    op.create_table(
        "refund_lines",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("refund_id", sa.String(64), nullable=False),
        sa.Column("decision_line_id", ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("net_minor", MINOR, nullable=False),
        sa.Column("vat_minor", MINOR, nullable=False),
        sa.Column("gross_minor", MINOR, nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_line_id"], ["decision_lines.id"],
            name=op.f("fk_refund_lines_decision_line_id_decision_lines"),
        ),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.refund_id"], name=op.f("fk_refund_lines_refund_id_refunds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_lines")),
    )
    op.create_index(op.f("ix_refund_lines_decision_line_id"), "refund_lines", ["decision_line_id"])
    op.create_index(op.f("ix_refund_lines_refund_id"), "refund_lines", ["refund_id"])

    _append_only_triggers()


def _append_only_triggers() -> None:
    """The event log and the recorded facts are never rewritten: UPDATE and DELETE abort."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION levy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'levy ledger: % is append-only (% refused)', TG_TABLE_NAME, TG_OP;
            END $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION levy_append_only()"
            )
    elif dialect == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'levy ledger: {table} is append-only ({verb} refused)'); END"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in reversed(APPEND_ONLY):
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS levy_append_only()")
    for table in ("refund_lines", "refunds", "events", "payments", "decision_lines", "decisions", "orders"):
        op.drop_table(table)
