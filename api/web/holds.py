"""The holds page: every lot of the warehouse that is set aside (on hold, in quarantine,
recalled, spoiled) and still has stock, whether or not an alert was raised for it, with
where its units are and what can be done about them: release, scrap in place, bring back
from a truck or pickup point, release the orders' reservations.
"""

from __future__ import annotations

from collections import defaultdict

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import policy
from api.runtime import db
from api.web.views import bp, page
from coldchain.monitoring.models import Alert, AlertStatus
from routing.dispatch import arrivals
from wms import pickup_day, scope
from wms.models import Location, LocationKind, Lot, LotStatus, StockBalance, User

SET_ASIDE = (LotStatus.HOLD, LotStatus.QUARANTINE, LotStatus.RECALLED, LotStatus.SPOILED)
IN_THE_FIELD = (LocationKind.VEHICLE, LocationKind.PICKUP_POINT)
DISPUTES_SHOWN = 30  # the newest; GET /api/receipt-disputes?date= lists any day's


@bp.get("/holds")
@policy.rule("page.holds")
@page
def holds(user: User):
    allowed = scope.visible_warehouse_ids(user)
    stmt = (select(StockBalance, Location, Lot)
            .join(Location, Location.id == StockBalance.location_id)
            .join(Lot, Lot.id == StockBalance.lot_id)
            .where(Lot.status.in_(SET_ASIDE), StockBalance.on_hand > 0)
            .options(selectinload(Lot.product))
            .order_by(Lot.status, Lot.id, Location.code))
    if allowed is not None:
        stmt = stmt.where(StockBalance.warehouse_id.in_(allowed))
    places: dict[int, list[dict]] = defaultdict(list)
    lots: dict[int, Lot] = {}
    for bal, loc, lot in db().execute(stmt).all():
        lots[lot.id] = lot
        places[lot.id].append({"code": loc.code, "name": loc.name, "kind": loc.kind.value,
                               "on_hand": bal.on_hand, "reserved": bal.reserved,
                               "field": loc.kind in IN_THE_FIELD})
    alerts: dict[int, list[Alert]] = defaultdict(list)
    if lots:
        for alert in db().scalars(select(Alert).where(
                Alert.lot_id.in_(lots), Alert.status != AlertStatus.RESOLVED)
                .order_by(Alert.id)):
            alerts[alert.lot_id].append(alert)
    items = [{"lot": lot, "places": places[lot.id], "alerts": alerts.get(lot.id, []),
              "on_hand": sum(p["on_hand"] for p in places[lot.id]),
              "reserved": sum(p["reserved"] for p in places[lot.id])}
             for lot in lots.values()]
    # What group leaders reported: deliveries they received short, and goods left at their
    # points that wait for a route to bring them back. Both are the warehouse's to settle.
    disputes = arrivals.disputes(db(), allowed, None)[:DISPUTES_SHOWN]
    returns = pickup_day.open_returns(db(), allowed)
    return render_template("holds.html", user=user, title=_("Held lots"), items=items,
                           disputes=disputes, returns=returns)
