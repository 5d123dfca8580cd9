"""Storing readings once per (sensor, timestamp), fast, whatever order they arrive in.

Rows travel as arrays (sensor ids, epoch seconds, °C). PostgreSQL: the rows are
COPYed in the binary format into a temporary table and moved with one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` (COPY speed, exact duplicate count). The
binary rows are built by numpy as one fixed-width record array, so no Python code runs per
row (formatting a million timestamps as text cost about half a second).

Most deliveries are new readings: a gateway's last minutes, a logger's latest download.
When the rows hold no (sensor, timestamp) twice and the table has nothing yet in any of
their sensors' time windows (one index probe per sensor), they are COPYed straight into
``reading``: on a large table ``INSERT … ON CONFLICT`` costs nearly twice a bulk COPY. If
another delivery stored some of the same readings meanwhile, the unique key stops the COPY,
it is rolled back to its savepoint and the rows take the staging path: nothing is stored
twice and nothing is lost.
SQLite: ``INSERT OR IGNORE`` in one executemany.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.monitoring.models import Sensor


def sensor_ids(session: Session, serials: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(serials))
    if not wanted:
        return {}
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 1000):
        rows = session.execute(select(Sensor.serial, Sensor.id)
                               .where(Sensor.serial.in_(wanted[start:start + 1000])))
        found.update(rows.all())
    return found


def _stamps(times: np.ndarray, sep: str) -> list[str]:
    text = np.datetime_as_string(times.astype("datetime64[s]"), unit="s")
    return [t.replace("T", sep) for t in text.tolist()] if sep != "T" else text.tolist()


def store(session: Session, ids: np.ndarray, times: np.ndarray, temps: np.ndarray) -> int:
    """Store rows; return how many were new (the rest were already known)."""
    if ids.size == 0:
        return 0
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return _store_postgres(conn, ids, times, temps)
    return _store_sqlite(conn, ids, times, temps)


#: One row of PostgreSQL's binary COPY format for (integer, timestamptz, double precision):
#: the field count, then each field's byte length and its big-endian value.
_COPY_ROW = np.dtype([("fields", ">i2"), ("id_len", ">i4"), ("id", ">i4"), ("ts_len", ">i4"),
                      ("ts", ">i8"), ("temp_len", ">i4"), ("temp", ">f8")])
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no extension
_COPY_TRAILER = b"\xff\xff"
#: A binary timestamptz counts microseconds from 2000-01-01 00:00 UTC.
_PG_EPOCH_S = 946_684_800


def copy_payload(ids: np.ndarray, times: np.ndarray, temps: np.ndarray) -> bytes:
    """The rows as one binary COPY stream (times are whole epoch seconds, 1900…9000)."""
    rows = np.empty(ids.size, dtype=_COPY_ROW)
    rows["fields"] = 3
    rows["id_len"] = 4
    rows["id"] = ids
    rows["ts_len"] = 8
    rows["ts"] = (times.astype(np.int64) - _PG_EPOCH_S) * 1_000_000
    rows["temp_len"] = 8
    rows["temp"] = temps
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def _store_postgres(conn, ids, times, temps) -> int:
    raw = conn.connection.driver_connection
    payload = memoryview(copy_payload(ids, times, temps))
    with raw.cursor() as cur:
        if _all_new(cur, ids, times):
            cur.execute("SAVEPOINT reading_copy")
            try:
                _copy(cur, "reading", payload)
            except psycopg.errors.UniqueViolation:
                cur.execute("ROLLBACK TO SAVEPOINT reading_copy")
            else:
                cur.execute("RELEASE SAVEPOINT reading_copy")
                return int(ids.size)
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS reading_in "
                    "(sensor_id integer, ts timestamptz, temp_c double precision) "
                    "ON COMMIT DELETE ROWS")
        cur.execute("TRUNCATE reading_in")
        _copy(cur, "reading_in", payload)
        cur.execute("INSERT INTO reading (sensor_id, ts, temp_c) "
                    "SELECT sensor_id, ts, temp_c FROM reading_in "
                    "ON CONFLICT (sensor_id, ts) DO NOTHING")
        return cur.rowcount


def _copy(cur, table: str, payload: memoryview) -> None:
    with cur.copy(f"COPY {table} (sensor_id, ts, temp_c) FROM STDIN (FORMAT BINARY)") as copy:
        for start in range(0, len(payload), 1 << 20):
            copy.write(payload[start:start + (1 << 20)])


#: Sensor ids and seconds packed in one int64 to sort once: 23 bits of id, 40 of seconds.
_ID_BITS, _SPAN_BITS = 23, 40


def _all_new(cur, ids: np.ndarray, times: np.ndarray) -> bool:
    """Whether no row repeats another and the table holds nothing in any sensor's window."""
    first = int(times.min())
    if int(ids.min()) < 0 or int(ids.max()) >= 1 << _ID_BITS \
            or int(times.max()) - first >= 1 << _SPAN_BITS:
        return False
    key = ids.astype(np.int64) << _SPAN_BITS
    key += times - first
    key.sort()
    if bool(np.any(key[1:] == key[:-1])):
        return False
    sensor = key >> _SPAN_BITS
    starts = np.flatnonzero(np.r_[True, sensor[1:] != sensor[:-1]])
    ends = np.r_[starts[1:] - 1, key.size - 1]
    low = (key[starts] & ((1 << _SPAN_BITS) - 1)) + first
    high = (key[ends] & ((1 << _SPAN_BITS) - 1)) + first
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM unnest(%s::integer[], %s::bigint[], %s::bigint[]) "
        "AS w(id, lo, hi) WHERE EXISTS (SELECT 1 FROM reading r WHERE r.sensor_id = w.id "
        "AND r.ts BETWEEN to_timestamp(w.lo) AND to_timestamp(w.hi)))",
        (sensor[starts].tolist(), low.tolist(), high.tolist()))
    return not cur.fetchone()[0]


def _store_sqlite(conn, ids, times, temps) -> int:
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    # The same text form SQLAlchemy writes for a DateTime on SQLite, so keys compare equal.
    stamps = [f"{t}.000000" for t in _stamps(times, " ")]
    cur.executemany("INSERT OR IGNORE INTO reading (sensor_id, ts, temp_c) VALUES (?, ?, ?)",
                    zip(ids.tolist(), stamps, temps.tolist(), strict=True))
    return cur.rowcount
