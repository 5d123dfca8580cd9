"""A stored UTC time as the text of a message people read: the warehouse's wall clock with
its zone named ("2026-12-02 07:40 CST"), never UTC beside local times.

Messages written in ``wms`` and ``coldchain`` (alert texts, hold reasons) are stored as text
and read later by people in that warehouse; the web layer's ``api.i18n.clock`` and
``WMS.when`` in ``app.js`` show times on the same clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"


def stamp(moment: datetime, timezone: str | None = None, *, day: bool = True) -> str:
    """``moment`` on ``timezone``'s clock with the zone's abbreviation."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(timezone or DEFAULT_ZONE))
    shown = f"{local:%Y-%m-%d %H:%M}" if day else f"{local:%H:%M}"
    return f"{shown} {local.tzname()}"


def stamp_at(moment: datetime, place) -> str:
    """``moment`` on the clock of the warehouse ``place`` (a location) belongs to."""
    warehouse = getattr(place, "warehouse", None)
    return stamp(moment, getattr(warehouse, "timezone", None))
