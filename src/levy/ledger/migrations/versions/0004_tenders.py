"""Payment tenders: which part of a payment each method paid (gift certificates beside a card,
cash in roubles at the day's rate), and which part of each refund went back to which tender.

Revision ID: 0004_tenders
Revises: 0003
Create Date: 2026-12-01

Orders committed before this revision were paid by one method: each gets one tender row copied
from its ``payments`` row, so every paid order has its tenders and refunds split the same way.
Both tables are append-only, like the other recorded facts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_tenders"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MINOR = sa.BigInteger()
APPEND_ONLY = ("payment_tenders", "refund_tenders")


def upgrade() -> None:
    op.create_table(
        "payment_tenders",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("amount_minor", MINOR, nullable=False),
        sa.Column("fee_minor", MINOR, nullable=False),
        sa.Column("paid_currency", sa.String(3), nullable=False),
        sa.Column("paid_amount", sa.String(40), nullable=True),
        sa.Column("rate", sa.String(40), nullable=True),
        sa.Column("operator", sa.String(32), nullable=True),
        sa.Column("certificate_id", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_payment_tenders_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_tenders")),
        sa.UniqueConstraint("order_id", "position", name=op.f("uq_payment_tenders_order_id_position")),
    )
    op.create_table(
        "refund_tenders",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("refund_id", sa.String(64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("amount_minor", MINOR, nullable=False),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.refund_id"], name=op.f("fk_refund_tenders_refund_id_refunds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_tenders")),
        sa.UniqueConstraint("refund_id", "position", name=op.f("uq_refund_tenders_refund_id_position")),
    )
    op.execute(
        "INSERT INTO payment_tenders (order_id, position, method, amount_minor, fee_minor, paid_currency) "
        "SELECT order_id, 0, method, amount_minor, fee_minor, currency FROM payments"
    )
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":  # levy_append_only() comes with revision 0001
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION levy_append_only()")
        elif dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'levy ledger: {table} is append-only ({verb} refused)'); END"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_table("refund_tenders")
    op.drop_table("payment_tenders")
