"""A length of time as people say it: "27 min", "1 h 05 min", "3 d 4 h".

Minutes are rounded to whole ones; under an hour in minutes, under two days in hours and
minutes, beyond that in days and hours. ``WMS.duration`` in ``api/static/app.js`` follows
the same rule with the same message ids for what the page scripts draw.
"""

from __future__ import annotations

from wms.i18n import N_, Msg


def spoken(minutes: float) -> Msg:
    """``minutes`` as a message (English as it stands; the web layer translates it)."""
    m = max(0, round(minutes))
    if m < 60:
        return N_("{m} min", m=m)
    if m < 48 * 60:
        minutes_past = str(m % 60).zfill(2)
        return N_("{h} h {mm} min", h=m // 60, mm=minutes_past)
    return N_("{d} d {h} h", d=m // 1440, h=(m % 1440) // 60)
