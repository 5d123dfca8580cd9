"""Storing readings once per (sensor, timestamp), fast, whatever order they arrive in.

PostgreSQL: rows are COPYed into a temporary table and moved with one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` (COPY speed, exact duplicate count).
SQLite: ``INSERT OR IGNORE`` in one executemany.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.models import Sensor

SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's own text form of a DateTime on SQLite


@dataclass
class StoreResult:
    stored: int = 0
    duplicates: int = 0
    # sensor id → (earliest, latest) timestamp among the rows received, for re-evaluation
    windows: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)


def sensor_ids(session: Session, serials: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(serials))
    if not wanted:
        return {}
    rows = session.execute(select(Sensor.serial, Sensor.id).where(Sensor.serial.in_(wanted)))
    return dict(rows.all())


def store(session: Session, rows: Sequence[tuple[int, datetime, float]]) -> StoreResult:
    """Store (sensor_id, aware timestamp, °C) rows; already-known pairs are counted, not stored."""
    result = StoreResult()
    if not rows:
        return result
    for sensor_id, ts, _ in rows:
        lo, hi = result.windows.get(sensor_id, (ts, ts))
        result.windows[sensor_id] = (min(lo, ts), max(hi, ts))
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        result.stored = _store_postgres(conn, rows)
    else:
        result.stored = _store_sqlite(conn, rows)
    result.duplicates = len(rows) - result.stored
    return result


def _store_postgres(conn, rows) -> int:
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS reading_in "
                    "(sensor_id integer, ts timestamptz, temp_c double precision) "
                    "ON COMMIT DELETE ROWS")
        cur.execute("TRUNCATE reading_in")
        with cur.copy("COPY reading_in (sensor_id, ts, temp_c) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute("INSERT INTO reading (sensor_id, ts, temp_c) "
                    "SELECT sensor_id, ts, temp_c FROM reading_in "
                    "ON CONFLICT (sensor_id, ts) DO NOTHING")
        return cur.rowcount


def _store_sqlite(conn, rows) -> int:
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    # The ORM type stores naive UTC text on SQLite; write the same form directly.
    cur.executemany(
        "INSERT OR IGNORE INTO reading (sensor_id, ts, temp_c) VALUES (?, ?, ?)",
        [(s, ts.astimezone(UTC).strftime(SQLITE_TS), t) for s, ts, t in rows],
    )
    return cur.rowcount
