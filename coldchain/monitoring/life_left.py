"""The last day a lot's temperature history leaves it, for the lots made of it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from math import floor
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coldchain.monitoring.lot_history import history
from wms.models import Lot
from wms.models.base import utcnow


def life_until(session: Session, lot_ids: Iterable[int], timezone: str,
               now: datetime | None = None) -> dict[int, date]:
    """Per lot whose places were measured by sensors: today (in ``timezone``) plus the whole
    days of shelf life its kinetics leave it. Lots never measured are left out: their
    printed date is all there is."""
    now = now or utcnow()
    today = now.astimezone(ZoneInfo(timezone)).date()
    out = {}
    for lot_id in lot_ids:
        if session.get(Lot, lot_id) is None:
            continue  # the repack names it by its field (404)
        found = history(session, lot_id, now=now)
        if any(s.readings for s in found.stints):
            out[lot_id] = today + timedelta(days=max(0, floor(found.remaining_days)))
    return out
