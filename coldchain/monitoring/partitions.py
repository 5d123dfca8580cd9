"""Monthly partitions of ``reading`` on PostgreSQL, made ahead of time, and retention.

The table is range-partitioned by ``ts`` (migration ``0020_reading_partitions``): one
partition per calendar month in UTC, named ``reading_pYYYY_MM``, and ``reading_default``
for anything no month partition covers, so a reading dated years ahead or behind is stored
all the same. Making a month's partition moves whatever the default partition already
holds for that month into it, in the same transaction: PostgreSQL refuses a new partition
whose range has rows in the default one, and nothing may be lost on the way.

Retention follows FSMA 204 (21 CFR 1.1455(c)): traceability records, and the temperature
records kept with them, are kept for two years from their creation. Only whole month
partitions whose every instant is older than that are dropped; a partition that reaches
into the window stays, and so does the default partition. Voids of those readings (the
record of who declared them wrong) go with them: they are records of the same age.
SQLite keeps one table and no retention step runs there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, text

PARENT = "reading"
DEFAULT = "reading_default"
#: FSMA 204 keeps traceability records two years; nothing may shorten that.
RETENTION_YEARS = 2
_NAME = re.compile(r"^reading_p(\d{4})_(\d{2})$")


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime  # inclusive
    end: datetime  # exclusive

    @property
    def month(self) -> str:
        return self.start.strftime("%Y-%m")


def is_partition(name: str) -> bool:
    """Whether a table name is one of ``reading``'s partitions (not a table of the models)."""
    return name == DEFAULT or _NAME.match(name) is not None


def modelled(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: leave out the partitions and the foreign keys
    PostgreSQL clones onto each of them (they are made at run time, not modelled)."""
    if type_ == "table":
        return not is_partition(name)
    if type_ == "foreign_key_constraint":
        return not is_partition(obj.referred_table.name)
    return True


def month_start(day: date | datetime) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=UTC)


def add_months(start: datetime, n: int) -> datetime:
    index = start.year * 12 + start.month - 1 + n
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_for(month: datetime) -> Partition:
    start = month_start(month)
    return Partition(f"reading_p{start.year:04d}_{start.month:02d}", start, add_months(start, 1))


def is_partitioned(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.scalar(text(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c "
        "ON c.oid = p.partrelid WHERE c.relname = :t AND c.relnamespace = "
        "to_regnamespace(current_schema())::oid)"), {"t": PARENT}))


def partitions(conn: Connection) -> list[Partition]:
    """The month partitions attached to ``reading``, oldest first."""
    names = conn.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:t)"), {"t": PARENT}).all()
    found = []
    for name in names:
        match = _NAME.match(name)
        if match:
            found.append(partition_for(datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)))
    return sorted(found, key=lambda p: p.start)


def ensure_partitions(conn: Connection, first: date | datetime, last: date | datetime) -> list[str]:
    """Make the month partitions from ``first``'s month to ``last``'s that do not exist yet;
    return their names. Rows the default partition holds for those months move into them."""
    if not is_partitioned(conn):
        return []
    have = {p.name for p in partitions(conn)}
    made = []
    month, stop = month_start(first), month_start(last)
    while month <= stop:
        part = partition_for(month)
        month = part.end
        if part.name in have:
            continue
        bounds = {"lo": part.start, "hi": part.end}
        # A session that takes this lock first keeps a second maker of the same month
        # (two cron runs, an ingestion) waiting instead of failing on the duplicate name.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": part.name})
        if conn.scalar(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": part.name}):
            continue
        conn.execute(text(f'CREATE TABLE "{part.name}" (LIKE {PARENT} INCLUDING DEFAULTS)'))
        conn.execute(text(
            f'WITH moved AS (DELETE FROM {DEFAULT} WHERE ts >= :lo AND ts < :hi RETURNING *) '
            f'INSERT INTO "{part.name}" (sensor_id, ts, temp_c) '
            f'SELECT sensor_id, ts, temp_c FROM moved'), bounds)
        conn.execute(text(
            f'ALTER TABLE {PARENT} ATTACH PARTITION "{part.name}" '
            f"FOR VALUES FROM ('{part.start.isoformat()}') TO ('{part.end.isoformat()}')"))
        made.append(part.name)
    return made


def ensure_ahead(conn: Connection, now: datetime, months: int = 3) -> list[str]:
    """This month's partition and the next ``months`` ones (run from cron, and on demand)."""
    return ensure_partitions(conn, now, add_months(month_start(now), months))


def retention_cutoff(now: datetime, years: int = RETENTION_YEARS) -> datetime:
    """Readings before this instant are past the retention period."""
    if years < RETENTION_YEARS:
        raise ValueError(f"FSMA 204 keeps records {RETENTION_YEARS} years; "
                         f"{years} would drop some too early")
    now = now.astimezone(UTC)
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


@dataclass(frozen=True)
class Expired:
    partition: Partition
    readings: int
    voids: int


def expired(conn: Connection, now: datetime, years: int = RETENTION_YEARS) -> list[Expired]:
    """The month partitions that end at or before the cutoff, with what they hold."""
    cutoff = retention_cutoff(now, years)
    out = []
    for part in partitions(conn):
        if part.end > cutoff:
            continue
        readings = conn.scalar(text(f'SELECT count(*) FROM "{part.name}"'))
        voids = conn.scalar(text("SELECT count(*) FROM reading_void WHERE ts >= :lo "
                                 "AND ts < :hi"), {"lo": part.start, "hi": part.end})
        out.append(Expired(part, int(readings), int(voids)))
    return out


def apply_retention(conn: Connection, now: datetime, years: int = RETENTION_YEARS,
                    dry_run: bool = False) -> list[Expired]:
    """Drop the month partitions past the retention period (with their readings' voids);
    with ``dry_run`` only say which. Returns them either way."""
    if not is_partitioned(conn):
        return []
    found = expired(conn, now, years)
    if dry_run or not found:
        return found
    cutoff = retention_cutoff(now, years)
    # The append-only trigger of reading_void lets a delete through only below the cutoff
    # this transaction declares: nothing younger can go, whoever runs it.
    conn.execute(text("SELECT set_config('wms.retention_cutoff', :c, true)"),
                 {"c": cutoff.isoformat()})
    for item in found:
        part = item.partition
        if item.voids:
            conn.execute(text("DELETE FROM reading_void WHERE ts >= :lo AND ts < :hi"),
                         {"lo": part.start, "hi": part.end})
        conn.execute(text(f'ALTER TABLE {PARENT} DETACH PARTITION "{part.name}"'))
        conn.execute(text(f'DROP TABLE "{part.name}"'))
    return found
