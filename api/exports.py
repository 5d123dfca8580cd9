"""FSMA 204 and EPCIS exports streamed from the ledger, with what the lots felt on the way.

An export of a busy month is hundreds of thousands of events: it is read through a
server-side cursor (``wms.exports.stream_events``) and written out as it is read, so
neither the rows nor the document are ever whole in memory. The streamed response
outlives the request, so it reads on a session of its own, which ``finally`` closes
whether the client reads to the end or hangs up (an open transaction left behind would
hold its locks, and a TRUNCATE or a migration would wait for it forever).

Temperatures (EPCIS ``sensorElementList``): each event gets the readings its lot felt
since the lot's previous event in the export, from the lot's temperature history
(``coldchain.monitoring.lot_history``), exactly as the whole-document path computes them;
the histories of the last few lots are kept, not all of them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coldchain.monitoring.lot_history import history
from coldchain.monitoring.models import SensorAttachment
from wms.exports import CriticalEvent, critical_events, epcis, fsma, stream_events
from wms.models import Location, RepackLine, StockMove

#: Lots whose temperature history is kept while an EPCIS export streams.
HISTORIES_KEPT = 64


def measured(found) -> tuple[np.ndarray, np.ndarray]:
    # The history starts with one nominal point for the time before any reading; that
    # point was not measured, so it is left out of what the sensors say.
    skip = 1 if found.unmeasured_days > 0 else 0
    return found.times[skip:], found.temps[skip:]


def measurable(session: Session, lot_id: int) -> bool:
    """Whether a sensor hung anywhere in the lot's warehouses (rooms, trucks, pickup points)
    while the lot was in stock. Without one there are no readings to compose, and the
    trace stays a ledger query instead of walking every place the lot was."""
    first = session.scalar(select(func.min(StockMove.created_at))
                           .where(StockMove.lot_id == lot_id))
    if first is None:
        return False
    warehouses = (select(Location.warehouse_id).join(
        StockMove, StockMove.to_location_id == Location.id)
        .where(StockMove.lot_id == lot_id).distinct())
    hung = session.scalar(
        select(SensorAttachment.id).join(Location, Location.id == SensorAttachment.location_id)
        .where(Location.warehouse_id.in_(warehouses),
               SensorAttachment.detached_at.is_(None) | (SensorAttachment.detached_at > first))
        .limit(1))
    return hung is not None


def _summary(times: np.ndarray, temps: np.ndarray, before: datetime, at: datetime
             ) -> epcis.TemperatureSummary | None:
    lo, hi = int(before.timestamp()), int(at.timestamp())
    pick = (times >= lo) & (times <= hi)
    if not pick.any():
        return None
    window = temps[pick]
    return epcis.TemperatureSummary(start=before, end=at, readings=int(pick.sum()),
                                    min_c=float(window.min()), max_c=float(window.max()),
                                    mean_c=float(window.mean()))


def _lot_readings(session: Session, lot_id: int) -> tuple[np.ndarray, np.ndarray] | None:
    if not measurable(session, lot_id):
        return None
    found = history(session, lot_id)
    if not any(s.readings for s in found.stints):
        return None
    return measured(found)


def temperatures(session: Session, events: list[CriticalEvent]
                 ) -> dict[int, epcis.TemperatureSummary]:
    """For each event, what the lot felt since its previous event, when readings exist."""
    out: dict[int, epcis.TemperatureSummary] = {}
    by_lot: dict[int, list[CriticalEvent]] = {}
    for e in events:
        by_lot.setdefault(e.lot_id, []).append(e)
    for lot_id, mine in by_lot.items():
        readings = _lot_readings(session, lot_id)
        if readings is None:
            continue
        mine.sort(key=lambda e: (e.at, e.move_id))
        for before, event in pairwise(mine):
            found = _summary(*readings, before.at, event.at)
            if found is not None:
                out[event.move_id] = found
    return out


class _Felt:
    """The streaming form of ``temperatures``: called with every event in time order."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.last_at: dict[int, datetime] = {}
        self.readings: OrderedDict[int, tuple[np.ndarray, np.ndarray] | None] = OrderedDict()
        self.unmeasurable: set[int] = set()

    def __call__(self, event: CriticalEvent) -> epcis.TemperatureSummary | None:
        before = self.last_at.get(event.lot_id)
        self.last_at[event.lot_id] = event.at
        if before is None or event.lot_id in self.unmeasurable:
            return None
        if event.lot_id in self.readings:
            self.readings.move_to_end(event.lot_id)
        else:
            if not measurable(self.session, event.lot_id):
                self.unmeasurable.add(event.lot_id)
                return None
            self.readings[event.lot_id] = _lot_readings(self.session, event.lot_id)
            if len(self.readings) > HISTORIES_KEPT:
                self.readings.popitem(last=False)
        found = self.readings[event.lot_id]
        return None if found is None else _summary(*found, before, event.at)


def _closing(factory: sessionmaker[Session], make) -> Iterator[str]:
    session = factory()
    try:
        yield from make(session)
    finally:
        session.rollback()
        session.close()


def fsma_csv(factory: sessionmaker[Session], filters: dict[str, Any]) -> Iterator[str]:
    """The FSMA 204 spreadsheet in pieces; ``filters`` as ``stream_events`` takes them."""
    return _closing(factory, lambda s: fsma.stream_csv(
        stream_events(s, by_lot=True, **filters)))


def epcis_json(factory: sessionmaker[Session], filters: dict[str, Any], *, base_uri: str,
               prefix_length: int, created_at: datetime | None = None) -> Iterator[str]:
    """The EPCIS 2.0 document in pieces, the same document ``epcis.document`` makes."""
    def make(session: Session) -> Iterator[str]:
        def repack(repack_id: int) -> list[CriticalEvent]:
            moves = list(session.scalars(select(RepackLine.move_id).where(
                RepackLine.repack_id == repack_id, RepackLine.move_id.is_not(None))))
            return critical_events(session, move_ids=moves, **filters)

        return epcis.stream_document(
            stream_events(session, **filters), base_uri=base_uri, prefix_length=prefix_length,
            temperature=_Felt(session), repack=repack, created_at=created_at)

    return _closing(factory, make)
