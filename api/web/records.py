"""Printable records for inspectors: the daily temperature record of a room or vehicle.

Rendered on the server from the same function as ``GET /api/records/daily``; the page
needs no JavaScript, so it prints the same from any browser.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request
from sqlalchemy import select

from api import policy
from api.runtime import db
from api.web.views import bp, local_today, page
from coldchain.monitoring.daily_record import daily_record
from wms import scope
from wms.errors import NotFound, ValidationFailed
from wms.models import Location, LocationKind, User

# The places a record is kept for: rooms, docks and truck compartments.
RECORDED = (LocationKind.ZONE, LocationKind.RECEIVING, LocationKind.DOCK, LocationKind.VEHICLE)


def _places(user: User) -> list[tuple[str, str]]:
    stmt = (select(Location.code, Location.name).where(Location.kind.in_(RECORDED),
                                                       Location.active.is_(True))
            .order_by(Location.code))
    allowed = scope.visible_warehouse_ids(user)
    if allowed is not None:
        stmt = stmt.where(Location.warehouse_id.in_(allowed))
    return [tuple(r) for r in db().execute(stmt)]


@bp.get("/records/daily")
@policy.rule("page.records")
@page
def daily_record_page(user: User):
    code = (request.args.get("location") or "").strip()
    raw_day = (request.args.get("date") or "").strip()
    places = _places(user)
    record, error = None, None
    try:
        day = date.fromisoformat(raw_day) if raw_day else local_today(user)
    except ValueError:
        day, error = local_today(user), f"{raw_day!r} is not a date (YYYY-MM-DD)"
    if code and error is None:
        location = db().scalar(select(Location).where(Location.code == code))
        if location is None:
            raise NotFound(f"no location with code={code}")
        policy.require_warehouses(user, {location.warehouse_id}, write=False,
                                  what="location")
        try:
            record = daily_record(db(), location, day)
        except ValidationFailed as exc:
            error = exc.detail
    status = 422 if error else 200
    return render_template("records_daily.html", user=user, r=record, places=places,
                           code=code, day=day, error=error,
                           previous=day - timedelta(days=1), following=day + timedelta(days=1)
                           ), status
