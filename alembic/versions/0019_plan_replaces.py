"""a route plan re-planned from the live state names the plan it replaces

Revision ID: 0019_plan_replaces
Revises: 0018_repack
Create Date: 2026-12-02 07:10:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0019_plan_replaces"
down_revision = "0018_repack"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("route_plan") as batch:
        batch.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_route_plan_replaces_id_route_plan"), "route_plan",
                                 ["replaces_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("route_plan") as batch:
        batch.drop_constraint(op.f("fk_route_plan_replaces_id_route_plan"), type_="foreignkey")
        batch.drop_column("replaces_id")
