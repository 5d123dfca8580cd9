"""one alert per excursion: lot holds linked to the excursion alert that held them

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ALERT = sa.table("alert", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                 sa.column("finding_key", sa.String), sa.column("parent_id", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_alert_parent_id_alert"), "alert", ["parent_id"],
                                 ["id"])
        batch.create_index(op.f("ix_alert_parent_id"), ["parent_id"], unique=False)
    # A lot's hold alert was keyed "lot:<lot id>:<the excursion's key>": it now belongs to
    # the excursion's alert, and keeps everything it recorded (who resolved it, and why).
    conn = op.get_bind()
    parents = dict(conn.execute(sa.select(ALERT.c.finding_key, ALERT.c.id).where(
        ALERT.c.kind == "excursion")).all())
    rows = conn.execute(sa.select(ALERT.c.id, ALERT.c.finding_key).where(
        ALERT.c.kind == "lot_hold", ALERT.c.finding_key.like("lot:%"))).all()
    for alert_id, key in rows:
        parent = parents.get(key.split(":", 2)[2] if key.count(":") >= 2 else "")
        if parent is not None:
            conn.execute(sa.update(ALERT).where(ALERT.c.id == alert_id)
                         .values(parent_id=parent))


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.drop_index(op.f("ix_alert_parent_id"))
        batch.drop_constraint(op.f("fk_alert_parent_id_alert"), type_="foreignkey")
        batch.drop_column("parent_id")
