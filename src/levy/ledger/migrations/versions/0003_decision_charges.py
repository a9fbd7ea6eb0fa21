"""Duties and fees of a decision (contract v1.1): the append-only ``decision_charges`` table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Customs duties (the EU flat duty of Council Regulation (EU) 2026/382) and the fees the law makes
the platform collect, one row each, in minor units like every amount of the ledger. Column
types are written out (not imported from ``levy.ledger.schema``), as in 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MINOR = sa.BigInteger()


def upgrade() -> None:
    op.create_table(
        "decision_charges",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("tariff_line", sa.String(80), nullable=True),
        sa.Column("skus", sa.Text(), nullable=False),
        sa.Column("net_minor", MINOR, nullable=False),
        sa.Column("vat_minor", MINOR, nullable=False),
        sa.Column("gross_minor", MINOR, nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('duty', 'fee')", name=op.f("ck_decision_charges_kind")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_decision_charges_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_charges")),
        sa.UniqueConstraint("order_id", "position", name=op.f("uq_decision_charges_order_id_position")),
    )
    dialect = op.get_bind().dialect.name
    # Append-only like the other recorded facts (the trigger function comes from 0001).
    if dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER decision_charges_append_only BEFORE UPDATE OR DELETE ON decision_charges "
            "FOR EACH ROW EXECUTE FUNCTION levy_append_only()"
        )
    elif dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER decision_charges_no_{verb.lower()} BEFORE {verb} ON decision_charges "
                f"BEGIN SELECT RAISE(ABORT, 'levy ledger: decision_charges is append-only ({verb} refused)'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS decision_charges_append_only ON decision_charges")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS decision_charges_no_update")
        op.execute("DROP TRIGGER IF EXISTS decision_charges_no_delete")
    op.drop_table("decision_charges")
