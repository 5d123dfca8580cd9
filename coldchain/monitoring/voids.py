"""Voiding readings: declaring them wrong without removing them.

A void names one stored reading (sensor, timestamp) with who, why and when. Voids are
append-only (the database refuses to change or remove one): what was judged wrong, and by
whom, stays on record next to the reading itself. Every query that turns readings into
judgements (evaluation, charts, MKT, lot histories) filters with :func:`not_voided`; the
caller re-evaluates the sensor afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from coldchain.monitoring.models import Reading, ReadingVoid, Sensor
from wms.errors import ValidationFailed
from wms.i18n import N_

#: One request voids at most this many readings (a month of a 5-minute logger is ~8,600).
MAX_PER_REQUEST = 50_000


def not_voided(sensor_col=Reading.sensor_id, ts_col=Reading.ts):
    """A WHERE clause keeping only readings nobody voided."""
    return ~exists().where(ReadingVoid.sensor_id == sensor_col, ReadingVoid.ts == ts_col)


@dataclass(frozen=True)
class VoidReport:
    voided: int
    already_voided: int
    first: datetime | None
    last: datetime | None


def _stored(session: Session, sensor: Sensor, timestamps: Sequence[datetime]) -> set[datetime]:
    found: set[datetime] = set()
    for start in range(0, len(timestamps), 1000):
        found.update(session.scalars(select(Reading.ts).where(
            Reading.sensor_id == sensor.id, Reading.ts.in_(timestamps[start:start + 1000]))))
    return found


def readings_to_void(session: Session, sensor: Sensor, *,
                     timestamps: Sequence[datetime] | None = None,
                     start: datetime | None = None, end: datetime | None = None,
                     ) -> list[datetime]:
    """The stored readings a request names; every timestamp must name one (422 otherwise)."""
    if timestamps is not None:
        wanted = sorted(set(timestamps))
        found = _stored(session, sensor, wanted)
        missing = {f"timestamps[{i}]": [N_("no reading of {serial} at {at}",
                                           serial=sensor.serial, at=ts.isoformat())]
                   for i, ts in enumerate(timestamps) if ts not in found}
        if missing:
            raise ValidationFailed(dict(list(missing.items())[:100]),
                                   detail=N_("nothing was voided"))
        return wanted
    stamps = list(session.scalars(select(Reading.ts).where(
        Reading.sensor_id == sensor.id, Reading.ts >= start, Reading.ts <= end)
        .order_by(Reading.ts).limit(MAX_PER_REQUEST + 1)))
    if not stamps:
        raise ValidationFailed({"from": [N_("no reading of {serial} between {start} and {end}",
                                            serial=sensor.serial, start=start.isoformat(),
                                            end=end.isoformat())]})
    if len(stamps) > MAX_PER_REQUEST:
        raise ValidationFailed({"to": [N_("more than {most} readings in that window; void it "
                                          "in parts", most=MAX_PER_REQUEST)]})
    return stamps


def void(session: Session, sensor: Sensor, stamps: Sequence[datetime], *, reason: str,
         user_id: int | None, via: str = "api") -> VoidReport:
    """Record a void for each stored reading not voided yet; the caller commits."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": [N_("say why these readings are wrong")]})
    if len(stamps) > MAX_PER_REQUEST:
        raise ValidationFailed({"timestamps": [N_("at most {most} per request",
                                                       most=MAX_PER_REQUEST)]})
    # Voids of one sensor queue behind each other, so a double click records one void each.
    session.execute(select(Sensor.id).where(Sensor.id == sensor.id).with_for_update())
    done: set[datetime] = set()
    for start in range(0, len(stamps), 1000):
        done.update(session.scalars(select(ReadingVoid.ts).where(
            ReadingVoid.sensor_id == sensor.id,
            ReadingVoid.ts.in_(stamps[start:start + 1000]))))
    new = [ts for ts in stamps if ts not in done]
    session.add_all(ReadingVoid(sensor_id=sensor.id, ts=ts, reason=reason, voided_by=user_id,
                                via=via) for ts in new)
    session.flush()
    return VoidReport(len(new), len(stamps) - len(new), min(stamps, default=None),
                      max(stamps, default=None))


def listing(sensor: Sensor):
    """A sensor's voids, newest first (each loads its reading, for the temperature)."""
    return (select(ReadingVoid).where(ReadingVoid.sensor_id == sensor.id)
            .order_by(ReadingVoid.voided_at.desc(), ReadingVoid.ts))
