"""lot recalls

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lot_recall",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "previous_status",
            sa.Enum(
                "available",
                "hold",
                "recalled",
                "spoiled",
                name="lot_recall_previous_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recalled_by", sa.Integer(), nullable=True),
        sa.Column("recalled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_lot_recall_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["recalled_by"], ["app_user.id"], name=op.f("fk_lot_recall_recalled_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["released_by"], ["app_user.id"], name=op.f("fk_lot_recall_released_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_recall")),
    )
    op.create_index(op.f("ix_lot_recall_lot_id"), "lot_recall", ["lot_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lot_recall_lot_id"), table_name="lot_recall")
    op.drop_table("lot_recall")
