"""A lot's temperature history across every place the ledger says it was, and the
shelf life it has left.

Where the lot was: intervals per location during which it had stock there
(from the moves). What it felt: the readings of a sensor hanging in that place
or, for a bin, in the nearest enclosing zone or room. When a lot is split across
places at the same moment, the warmer reading counts: spoilage is judged on the
worst case. Time before the first reading (from harvest or production, else
receipt) is aged at the product's reference temperature: nominal storage.

Chilled or frozen goods at a pickup point that cannot keep them cold (no fridge or freezer
for their class) and has no sensor of its own are counted at ``PICKUP_AMBIENT_C`` for as
long as they are there: a point on a minute grid, so that where some of the lot is measured
elsewhere at the same time, the warm pickup point still dominates (the worst case).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from coldchain.analysis.events import measured_pieces, union_length
from coldchain.analysis.excursions import clean_series
from coldchain.analysis.mkt import mkt
from coldchain.analysis.shelf_life import DAY_S, Kinetics, assess
from coldchain.monitoring.models import Finding, FindingKind, Reading, SensorAttachment
from coldchain.monitoring.voids import not_voided
from wms.models import Location, LocationKind, Lot
from wms.models.base import utcnow
from wms.models.ledger import StockMove
from wms.pickup_day import keeps_cold


@dataclass
class Stint:
    location_id: int
    start: datetime
    end: datetime | None
    measured_by: int | None = None  # the location whose sensors supplied readings
    readings: int = 0
    sensor_ids: set[int] = field(default_factory=set)


@dataclass
class LotHistory:
    lot_id: int
    stints: list[Stint]
    times: np.ndarray
    temps: np.ndarray
    used_fraction: float
    remaining_days: float
    spent: bool
    unmeasured_days: float
    end: int | None = None
    excursions: list[Finding] = field(default_factory=list)
    #: seconds some sensor measured the lot, and the lot's time from harvest (production,
    #: receipt) to now: the rest of its shelf life is reckoned at the reference temperature
    measured_s: int = 0
    lot_s: int = 0

    def mkt_c(self) -> float | None:
        """Mean kinetic temperature over the history, each reading weighted by how long it held."""
        if self.times.size == 0:
            return None
        held = np.diff(self.times, append=max(self.end or 0, int(self.times[-1])))
        if held.sum() <= 0:
            held = np.ones_like(held)
        return float(mkt(self.temps, durations_s=held))

    def summary(self) -> dict[str, Any]:
        return {"used_fraction": round(self.used_fraction, 4),
                "remaining_days": round(self.remaining_days, 2), "spent": self.spent,
                "unmeasured_days": round(self.unmeasured_days, 2),
                "readings": int(self.times.size),
                "measured_h": round(self.measured_s / 3600, 2),
                "lot_h": round(self.lot_s / 3600, 2),
                "measured_share": round(self.measured_s / self.lot_s, 4) if self.lot_s else 0.0}


def stints(session: Session, lot_id: int) -> list[Stint]:
    """Periods during which the lot had stock at each location, from its moves."""
    moves = session.execute(
        select(StockMove.created_at, StockMove.quantity, StockMove.from_location_id,
               StockMove.to_location_id)
        .where(StockMove.lot_id == lot_id).order_by(StockMove.created_at, StockMove.id)).all()
    qty: dict[int, int] = {}
    open_at: dict[int, datetime] = {}
    out: list[Stint] = []
    for at, quantity, src, dst in moves:
        if src is not None:
            qty[src] = qty.get(src, 0) - quantity
            if qty[src] <= 0 and src in open_at:
                out.append(Stint(src, open_at.pop(src), at))
        if dst is not None:
            if qty.get(dst, 0) <= 0:
                open_at[dst] = at
            qty[dst] = qty.get(dst, 0) + quantity
    out.extend(Stint(loc, start, None) for loc, start in open_at.items())
    return sorted(out, key=lambda s: (s.start, s.location_id))


class _Places:
    """The location trees of the warehouses a lot went through, read in one query."""

    def __init__(self, session: Session, location_ids: set[int]):
        warehouses = select(Location.warehouse_id).where(Location.id.in_(location_ids))
        rows = session.execute(select(Location.id, Location.parent_id)
                               .where(Location.warehouse_id.in_(warehouses))).all()
        self.parent = dict(rows)
        self.children: dict[int, list[int]] = {}
        for loc_id, parent_id in rows:
            if parent_id is not None:
                self.children.setdefault(parent_id, []).append(loc_id)

    def ancestors(self, location_id: int) -> list[int]:
        chain = [location_id]
        while self.parent.get(chain[-1]) is not None:
            chain.append(self.parent[chain[-1]])
        return chain

    def subtree(self, location_id: int) -> set[int]:
        out, todo = set(), [location_id]
        while todo:
            current = todo.pop()
            out.add(current)
            todo.extend(self.children.get(current, ()))
        return out


def _measuring(found: list[Stint], places: _Places) -> list[list[set[int]]]:
    """Per stint, the candidate places in order: the place and what is below it, then each
    enclosing place on its own (a room's sensor speaks for its bins; a sibling bin's does not)."""
    out = []
    for stint in found:
        chain = places.ancestors(stint.location_id)
        out.append([places.subtree(chain[0])] + [{loc} for loc in chain[1:]])
    return out


def measured_windows(session: Session, found: list[Stint], now: datetime
                     ) -> list[tuple[int, int, datetime, datetime, datetime]]:
    """Per stint, which sensor measured it and when: ``(stint index, sensor, from, to,
    the sensor's attachment start)``; sets each stint's ``measured_by``."""
    places = _Places(session, {s.location_id for s in found})
    candidates = _measuring(found, places)
    every = set().union(*(c for levels in candidates for c in levels))
    links = session.execute(
        select(SensorAttachment.sensor_id, SensorAttachment.location_id,
               SensorAttachment.attached_at, SensorAttachment.detached_at)
        .where(SensorAttachment.location_id.in_(every),
               SensorAttachment.attached_at < now,
               SensorAttachment.detached_at.is_(None)
               | (SensorAttachment.detached_at > min(s.start for s in found)))).all()
    windows: list[tuple[int, int, datetime, datetime, datetime]] = []
    for k, (stint, levels) in enumerate(zip(found, candidates, strict=True)):
        end = stint.end or now
        for level, level_places in enumerate(levels):
            hits = [(sid, max(att, stint.start), min(det or end, end), att)
                    for sid, loc, att, det in links
                    if loc in level_places and att < end and (det is None or det > stint.start)]
            if hits:
                chain = places.ancestors(stint.location_id)
                stint.measured_by = chain[level]
                windows.extend((k, sid, lo, hi, att) for sid, lo, hi, att in hits if lo < hi)
                stint.sensor_ids.update(sid for sid, lo, hi, _ in hits if lo < hi)
                break
    return windows


def history(session: Session, lot_id: int, now: datetime | None = None) -> LotHistory:
    """A lot's history in a handful of queries, whatever the number of places it went through."""
    now = now or utcnow()
    lot = session.get(Lot, lot_id)
    kinetics = Kinetics.of(lot.product)
    found = stints(session, lot_id)
    parts_t, parts_c = [], []
    pieces: list[tuple[int, int]] = []
    if found:
        windows = [w[:4] for w in measured_windows(session, found, now)]
        if windows:
            rows = session.execute(select(Reading.sensor_id, Reading.ts, Reading.temp_c).where(
                or_(*(and_(Reading.sensor_id == sid, Reading.ts >= lo, Reading.ts < hi)
                      for _, sid, lo, hi in windows)), not_voided())).all()
            by_sensor = _by_sensor(rows)
            for k, sid, lo, hi in windows:
                # Each window cuts its sensor's sorted readings by binary search: a lot of
                # many stints has many windows, and a pass over all rows per window was
                # the cost of its trace.
                exact, whole, temps = by_sensor.get(sid, _NO_READINGS)
                i, j = np.searchsorted(exact, [lo.timestamp(), hi.timestamp()], side="left")
                found[k].readings += int(j - i)
                pieces += measured_pieces(whole[i:j].tolist(), int(hi.timestamp()))
                if j > i:
                    parts_t.append(whole[i:j])
                    parts_c.append(temps[i:j])
    # The places of unmeasured stints in one query, for the pickup-point rule below.
    unmeasured = {st.location_id for st in found if st.measured_by is None}
    places = ({loc.id: loc for loc in session.scalars(
        select(Location).where(Location.id.in_(unmeasured)))} if unmeasured else {})
    for stint in found:
        warm = _ambient_at_pickup_point(places.get(stint.location_id), stint, lot, now)
        if warm is not None:
            parts_t.append(warm)
            parts_c.append(np.full(warm.size, PICKUP_AMBIENT_C))
    if parts_t:
        times, temps, _ = clean_series(np.concatenate(parts_t), np.concatenate(parts_c))
    else:
        times, temps = np.empty(0, np.int64), np.empty(0)
    born = _born(lot, found)
    first = int(times[0]) if times.size else int(now.timestamp())
    unmeasured_s = max(0, first - int(born.timestamp())) if born else 0
    # nominal ageing before the first reading: one point at the reference temperature
    if unmeasured_s:
        times = np.concatenate([[first - unmeasured_s], times]).astype(np.int64)
        temps = np.concatenate([[kinetics.ref_temp_c], temps])
    end = max(int(now.timestamp()), int(times[-1])) if times.size else None
    status = assess(times, temps, kinetics, end=end) if times.size else None
    excursions = _excursions_seen(session, found, now)
    start = min((d for d in (born, found[0].start if found else None) if d), default=None)
    lot_s = max(0, int(now.timestamp()) - int(start.timestamp())) if start else 0
    measured_s = min(lot_s, union_length(pieces)) if lot_s else union_length(pieces)
    return LotHistory(
        lot_id=lot_id, stints=found, times=times, temps=temps,
        used_fraction=status.used_fraction if status else 0.0,
        remaining_days=status.remaining_days if status else kinetics.shelf_life_days,
        spent=status.spent if status else False,
        unmeasured_days=unmeasured_s / DAY_S, end=end, excursions=excursions,
        measured_s=measured_s, lot_s=max(lot_s, measured_s))


_NO_READINGS = (np.empty(0), np.empty(0, np.int64), np.empty(0))


def _by_sensor(rows) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Readings per sensor in time order: exact epoch (for the windows' bounds), whole
    seconds and °C."""
    n = len(rows)
    if not n:
        return {}
    sids = np.fromiter((r[0] for r in rows), np.int64, n)
    exact = np.fromiter((r[1].timestamp() for r in rows), np.float64, n)
    temps = np.fromiter((r[2] for r in rows), np.float64, n)
    order = np.lexsort((exact, sids))
    sids, exact, temps = sids[order], exact[order], temps[order]
    starts = np.flatnonzero(np.r_[True, sids[1:] != sids[:-1]])
    ends = np.r_[starts[1:], n]
    whole = np.floor(exact).astype(np.int64)
    return {int(sids[a]): (exact[a:b], whole[a:b], temps[a:b])
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)}


PICKUP_AMBIENT_C = 25.0  # a shop or a compound's shelf in a Chinese city's warm season
_AMBIENT_STEP_S = 60
_AMBIENT_MAX_POINTS = 14 * 24 * 60


def _ambient_at_pickup_point(place: Location | None, stint: Stint, lot: Lot, now: datetime
                             ) -> np.ndarray | None:
    """Timestamps at which an unmeasured stint at a pickup point (``place``) without cold
    storage for the lot's class counts at the ambient reference; None for every other
    stint."""
    if stint.measured_by is not None:
        return None
    if place is None or place.kind != LocationKind.PICKUP_POINT \
            or keeps_cold(place, lot.product.temp_class):
        return None
    start, end = int(stint.start.timestamp()), int((stint.end or now).timestamp())
    if end <= start:
        return None
    points = np.arange(start, end, _AMBIENT_STEP_S, dtype=np.int64)
    return points[-_AMBIENT_MAX_POINTS:]


def _born(lot: Lot, found: list[Stint]) -> datetime | None:
    day = lot.harvest_date or lot.production_date
    if day is not None:
        return datetime.combine(day, time(0), tzinfo=UTC)
    if lot.received_at is not None:
        return lot.received_at
    return found[0].start if found else None


def _excursions_seen(session: Session, found: list[Stint], now: datetime) -> list[Finding]:
    measured = [s for s in found if s.measured_by is not None]
    if not measured:
        return []
    rows = session.scalars(select(Finding).where(
        Finding.kind == FindingKind.EXCURSION,
        Finding.location_id.in_({s.measured_by for s in measured}),
        Finding.start < now)).all()
    seen = {f.id: f for f in rows for s in measured
            if f.location_id == s.measured_by and f.start < (s.end or now)
            and (f.end is None or f.end > s.start)}
    return sorted(seen.values(), key=lambda f: f.start)
