"""VIES evidence: one append-only row per answer VIES gave (or failed to give) about a buyer's
VAT number, with the consultation number (``levy vies sweep``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "vies_checks",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("vat_number", sa.String(32), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.Column("consultation_number", sa.String(64), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.CheckConstraint("state IN ('valid', 'invalid', 'unknown')", name=op.f("ck_vies_checks_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vies_checks")),
    )
    op.create_index(op.f("ix_vies_checks_vat_number"), "vies_checks", ["vat_number"])
    op.create_index(op.f("ix_vies_checks_checked_at"), "vies_checks", ["checked_at"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":  # levy_append_only() comes from revision 0001
        op.execute("CREATE TRIGGER vies_checks_append_only BEFORE UPDATE OR DELETE ON vies_checks "
                   "FOR EACH ROW EXECUTE FUNCTION levy_append_only()")
    elif dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER vies_checks_no_{verb.lower()} BEFORE {verb} ON vies_checks "
                f"BEGIN SELECT RAISE(ABORT, 'levy ledger: vies_checks is append-only ({verb} refused)'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS vies_checks_append_only ON vies_checks")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS vies_checks_no_update")
        op.execute("DROP TRIGGER IF EXISTS vies_checks_no_delete")
    op.drop_index(op.f("ix_vies_checks_checked_at"), table_name="vies_checks")
    op.drop_index(op.f("ix_vies_checks_vat_number"), table_name="vies_checks")
    op.drop_table("vies_checks")
