"""readings partitioned by month on PostgreSQL, with a default partition; retention may
remove voids of readings past the retention period

A year of readings at the company's scale is billions of rows: monthly partitions keep
each index a month deep and let retention drop a month at once instead of deleting rows.
The primary key (sensor_id, ts) already holds the partition column, as PostgreSQL
requires. Months from three years back (older rows go to the default partition) to three
months ahead are made here; ``wms readings partitions`` makes later ones ahead of time,
and the default partition stores whatever arrives outside them. SQLite: nothing changes.

Revision ID: 0020_reading_partitions
Revises: 0019_plan_replaces
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision = "0020_reading_partitions"
down_revision = "0019_plan_replaces"
branch_labels = None
depends_on = None

VOID_FK = "fk_reading_void_sensor_id_reading"
COLUMNS = ("sensor_id integer NOT NULL, ts timestamptz NOT NULL, "
           "temp_c double precision NOT NULL")
KEYS = ("CONSTRAINT pk_reading PRIMARY KEY (sensor_id, ts), "
        "CONSTRAINT fk_reading_sensor_id_sensor FOREIGN KEY (sensor_id) REFERENCES sensor (id)")

# Voids stay append-only; the retention step alone may remove those older than the cutoff
# it declares for its own transaction (wms.retention_cutoff), never a younger one.
RETENTION_TRIGGER = """
CREATE OR REPLACE FUNCTION reading_void_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('wms.retention_cutoff', true), '') <> ''
       AND OLD.ts < current_setting('wms.retention_cutoff', true)::timestamptz THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'reading_void is append-only: a void is never changed or removed';
END $$;
"""
APPEND_ONLY_TRIGGER = """
CREATE OR REPLACE FUNCTION reading_void_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'reading_void is append-only: a void is never changed or removed';
END $$;
"""


def _month(year: int, month: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=UTC)


def _months(first: datetime, last: datetime) -> list[datetime]:
    out, at = [], _month(first.year, first.month)
    while at <= last:
        out.append(at)
        at = _month(at.year, at.month + 1)
    return out


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE reading_void DROP CONSTRAINT {VOID_FK}")
    op.execute("ALTER TABLE reading RENAME TO reading_unpartitioned")
    op.execute("ALTER TABLE reading_unpartitioned RENAME CONSTRAINT pk_reading "
               "TO pk_reading_unpartitioned")
    op.execute("ALTER TABLE reading_unpartitioned RENAME CONSTRAINT "
               "fk_reading_sensor_id_sensor TO fk_reading_unpartitioned_sensor")
    op.execute(f"CREATE TABLE reading ({COLUMNS}, {KEYS}) PARTITION BY RANGE (ts)")
    op.execute("CREATE TABLE reading_default PARTITION OF reading DEFAULT")
    now = datetime.now(UTC)
    oldest = bind.scalar(sa.text("SELECT min(ts) FROM reading_unpartitioned")) or now
    newest = bind.scalar(sa.text("SELECT max(ts) FROM reading_unpartitioned")) or now
    first = max(oldest, _month(now.year - 3, now.month))
    last = max(min(newest, _month(now.year + 1, now.month)), _month(now.year, now.month + 3))
    for start in _months(first, last):
        end = _month(start.year, start.month + 1)
        op.execute(f"CREATE TABLE reading_p{start.year:04d}_{start.month:02d} PARTITION OF "
                   f"reading FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')")
    op.execute("INSERT INTO reading (sensor_id, ts, temp_c) "
               "SELECT sensor_id, ts, temp_c FROM reading_unpartitioned")
    op.execute("DROP TABLE reading_unpartitioned")
    op.execute(f"ALTER TABLE reading_void ADD CONSTRAINT {VOID_FK} FOREIGN KEY (sensor_id, ts) "
               "REFERENCES reading (sensor_id, ts)")
    op.execute(RETENTION_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(APPEND_ONLY_TRIGGER)
    op.execute(f"ALTER TABLE reading_void DROP CONSTRAINT {VOID_FK}")
    op.execute("ALTER TABLE reading RENAME TO reading_partitioned")
    op.execute("ALTER TABLE reading_partitioned RENAME CONSTRAINT pk_reading "
               "TO pk_reading_partitioned")
    op.execute("ALTER TABLE reading_partitioned RENAME CONSTRAINT "
               "fk_reading_sensor_id_sensor TO fk_reading_partitioned_sensor")
    op.execute(f"CREATE TABLE reading ({COLUMNS}, {KEYS})")
    op.execute("INSERT INTO reading (sensor_id, ts, temp_c) "
               "SELECT sensor_id, ts, temp_c FROM reading_partitioned")
    op.execute("DROP TABLE reading_partitioned")  # its partitions go with it
    op.execute(f"ALTER TABLE reading_void ADD CONSTRAINT {VOID_FK} FOREIGN KEY (sensor_id, ts) "
               "REFERENCES reading (sensor_id, ts)")
