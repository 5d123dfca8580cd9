"""The group leader's phone page: the pickup point's day from the truck's arrival to the
day-end count. The page renders the point and the day; its script (``leader.js``) reads
and writes everything through the pickup point API, so the same rules and errors apply."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from api import policy
from api.runtime import db
from api.web.views import _date_arg, bp, local_today, page
from wms import pickup_day, scope
from wms.models import PickupPoint, Role, User


@bp.get("/leader")
@policy.rule("page.leader")
@page
def leader(user: User):
    points = pickup_day.points_of(db(), user)
    if user.role != Role.LEADER:
        # An admin looks at any point, by its code.
        stmt = select(PickupPoint).order_by(PickupPoint.code)
        allowed = scope.visible_warehouse_ids(user)
        if allowed is not None:
            stmt = stmt.where(PickupPoint.warehouse_id.in_(allowed))
        points = list(db().scalars(stmt.limit(500)))
    wanted = request.args.get("point")
    point = next((p for p in points if p.code == wanted), None) if wanted else (
        points[0] if points else None)
    if wanted and point is None:
        abort(404)
    day = _date_arg(request.args.get("date")) or local_today(
        user, point.warehouse if point else None)
    return render_template("leader.html", user=user, title=_("Pickup point"), points=points,
                           point=point, day=day)
