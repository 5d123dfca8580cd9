"""Printable records for inspectors: the daily temperature record of a room or vehicle.

Rendered on the server from the same function as ``GET /api/records/daily``; the page
needs no JavaScript, so it prints the same from any browser.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask_babel import format_date, format_decimal
from sqlalchemy import select

from api import i18n, policy
from api.runtime import db
from api.web.views import bp, local_today, page, zone_of
from coldchain.monitoring.daily_record import daily_record
from wms import scope
from wms.errors import NotFound, ValidationFailed
from wms.i18n import N_
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
        day = local_today(user)
        error = i18n.tr(N_("{value} is not a date (YYYY-MM-DD)", value=repr(raw_day)))
    tz = zone_of(user)
    if code and error is None:
        location = db().scalar(select(Location).where(Location.code == code))
        if location is None:
            raise NotFound(N_("there is no location {code}", code=code))
        tz = ZoneInfo(location.warehouse.timezone)
        policy.require_warehouses(user, {location.warehouse_id}, write=False,
                                  what="location")
        try:
            record = daily_record(db(), location, day)
        except ValidationFailed as exc:
            error = i18n.tr(exc.detail)
    status = 422 if error else 200

    def local(stamp: str | None):
        """A stored instant as the place's wall clock, the zone named."""
        return i18n.clock(datetime.fromisoformat(stamp), tz, today=day) if stamp else ""

    def celsius(value: float | None) -> str:
        return "—" if value is None else format_decimal(value, format="#,##0.0#")

    def iso_date(value: str | date | None) -> str:
        if not value:
            return ""
        return format_date(date.fromisoformat(value) if isinstance(value, str) else value,
                           "medium")

    return render_template("records_daily.html", user=user, r=record, places=places,
                           code=code, day=day, error=error, tz=tz, local=local,
                           celsius=celsius, iso_date=iso_date,
                           previous=day - timedelta(days=1), following=day + timedelta(days=1)
                           ), status
