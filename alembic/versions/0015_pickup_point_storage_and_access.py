"""cold storage and vehicle access at pickup points; pickups on route stops;
drivers' rest on routes; vehicles' second trips

Revision ID: 0015_point_rules
Revises: 0014_leader
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0015_point_rules"
down_revision = "0014_leader"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch rebuild of pickup_point on SQLite would drop the table that
    # orders, route stops and users point to. Existing points have not stated their storage
    # (NULL), which planning treats as able to keep their goods, as it did before.
    op.add_column("pickup_point", sa.Column("freezer_crates", sa.Integer(), nullable=True))
    op.add_column("pickup_point", sa.Column("fridge_crates", sa.Integer(), nullable=True))
    op.add_column("pickup_point", sa.Column("vehicle_kinds", sa.JSON(), nullable=True))
    # What a route collects at a stop (goods returned from the pickup point, empty crates).
    op.add_column("route_stop", sa.Column("picked_up", sa.JSON(), nullable=True))
    # Where and when the driver rests on a long route.
    op.add_column("route", sa.Column("rest", sa.JSON(), nullable=True))
    # Second trips: times from which a vehicle may go out again after reloading.
    op.add_column("vehicle", sa.Column("waves", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("vehicle", "waves")
    op.drop_column("route", "rest")
    op.drop_column("route_stop", "picked_up")
    op.drop_column("pickup_point", "vehicle_kinds")
    op.drop_column("pickup_point", "fridge_crates")
    op.drop_column("pickup_point", "freezer_crates")
