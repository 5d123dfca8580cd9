"""reading voids, and the outcome of each sensor's last evaluation

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

# Voids are the record of who declared which reading wrong and why: never changed, never
# removed, whatever the code (or a person at a SQL prompt) tries.
PG_APPEND_ONLY = """
CREATE FUNCTION reading_void_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'reading_void is append-only: a void is never changed or removed';
END $$;
CREATE TRIGGER reading_void_append_only BEFORE UPDATE OR DELETE ON reading_void
    FOR EACH ROW EXECUTE FUNCTION reading_void_append_only();
"""
SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER reading_void_no_{verb.lower()} BEFORE {verb} ON reading_void
    BEGIN SELECT RAISE(ABORT, 'reading_void is append-only: a void is never changed or removed');
    END"""
    for verb in ("UPDATE", "DELETE")
]

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reading_void",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("voided_by", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sensor_id", "ts"], ["reading.sensor_id", "reading.ts"],
            name=op.f("fk_reading_void_sensor_id_reading"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["app_user.id"], name=op.f("fk_reading_void_voided_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_void")),
        sa.UniqueConstraint("sensor_id", "ts", name=op.f("uq_reading_void_sensor_id_ts")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
    else:
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)
    with op.batch_alter_table("sensor") as batch:
        batch.add_column(sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("evaluation_error", sa.Text(), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("sensor") as batch:
        batch.drop_column("evaluation_error")
        batch.drop_column("evaluated_at")
    op.drop_table("reading_void")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS reading_void_append_only()")
