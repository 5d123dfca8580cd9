"""Temperature reports over a place and a window: its series and mean kinetic temperature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.analysis.mkt import mkt
from coldchain.monitoring.alarm_rules import load as load_rules
from coldchain.monitoring.evaluate import series
from coldchain.monitoring.exposure import subtree
from coldchain.monitoring.models import SensorAttachment
from wms.errors import ValidationFailed
from wms.i18n import N_
from wms.models import Location


def _links(session: Session, location: Location, start: datetime, end: datetime,
           include_below: bool) -> list[SensorAttachment]:
    places = subtree(session, location) if include_below else [location.id]
    return list(session.scalars(select(SensorAttachment).where(
        SensorAttachment.location_id.in_(places),
        SensorAttachment.attached_at < end,
        SensorAttachment.detached_at.is_(None) | (SensorAttachment.detached_at > start),
    )))


def location_sensor_ids(session: Session, location: Location, start: datetime,
                        end: datetime, *, include_below: bool = True) -> set[int]:
    """The sensors whose readings ``location_series`` uses."""
    return {link.sensor_id for link in _links(session, location, start, end, include_below)}


def location_series(session: Session, location: Location, start: datetime, end: datetime,
                    *, include_below: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
    """Readings of every sensor that hung in the place (or below it) while it hung there."""
    links = _links(session, location, start, end, include_below)
    parts = []
    for link in links:
        lo = max(link.attached_at, start)
        hi = min(link.detached_at or end, end)
        times, temps = series(session, link.sensor_id, lo, hi)
        if times.size:
            parts.append((times, temps))
    if not parts:
        return np.empty(0, np.int64), np.empty(0), 0
    times = np.concatenate([t for t, _ in parts])
    temps = np.concatenate([c for _, c in parts])
    order = np.argsort(times, kind="stable")
    return times[order], temps[order], len(parts)


def mkt_report(session: Session, location: Location, start: datetime, end: datetime, *,
               delta_h_kj: float = 83.144) -> dict[str, Any]:
    times, temps, sensors = location_series(session, location, start, end)
    if times.size == 0:
        raise ValidationFailed({"location": [N_("no readings at {location} in that window",
                                                 location=location.code)]})
    # Each reading stands until the next; the last one until the window ends.
    durations = np.diff(times, append=max(int(end.timestamp()), int(times[-1]) + 1))
    durations = np.maximum(durations, 0)
    zone = location.temp_zone.value if location.temp_zone else None
    return {
        "location": location.code, "from": start.isoformat(), "to": end.isoformat(),
        "readings": int(times.size), "sensors": sensors,
        "mkt_c": round(float(mkt(temps, durations_s=durations, delta_h_kj=delta_h_kj)), 2),
        "mean_c": round(float(np.average(temps, weights=np.maximum(durations, 1))), 2),
        "min_c": float(temps.min()), "max_c": float(temps.max()),
        "zone": zone, "allowed_range_c": load_rules().ranges.get(zone),
    }
