"""a pickup code is unique among its point's open codes by an index, so it is issued by
inserting it instead of reading every open code of the point first

Revision ID: 0021_pickup_code_open_unique
Revises: 0020_reading_partitions
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0021_pickup_code_open_unique"
down_revision = "0020_reading_partitions"
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    # Codes were kept unique among open ones by reading them before each issue, so the
    # rows already satisfy the index; it also serves the look-up by code the old one did.
    op.create_index("ux_pickup_code_open", "pickup_code", ["pickup_point_id", "code"],
                    unique=True, postgresql_where=OPEN, sqlite_where=OPEN)
    op.drop_index("ix_pickup_code_point_code", table_name="pickup_code")


def downgrade() -> None:
    op.create_index("ix_pickup_code_point_code", "pickup_code", ["pickup_point_id", "code"])
    op.drop_index("ux_pickup_code_open", table_name="pickup_code")
