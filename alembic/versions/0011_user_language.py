"""a language per user; product names in Chinese

Revision ID: 0011
Revises: 0010
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
    # Plain ADD/DROP COLUMN, not a batch table rebuild: on SQLite a rebuild drops and
    # recreates app_user and product, which rows of other tables point to.
    op.add_column("app_user", sa.Column("language", sa.String(length=8), nullable=True))
    # Existing products have only their English name until someone gives the Chinese one.
    op.add_column("product", sa.Column("name_zh", sa.String(length=160), nullable=False,
                                       server_default=""))


def downgrade() -> None:
    op.drop_column("product", "name_zh")
    op.drop_column("app_user", "language")
