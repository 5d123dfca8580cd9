"""a language per user; product names in Chinese

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    # Existing products have only their English name until someone gives the Chinese one.
    with op.batch_alter_table("product") as batch:
        batch.add_column(sa.Column("name_zh", sa.String(length=160), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("product") as batch:
        batch.alter_column("name_zh", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("product") as batch:
        batch.drop_column("name_zh")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("language")
