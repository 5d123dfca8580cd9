"""What the routes know about an order's events: the ETA at its pickup point.

Registered in ``wms.outbox.PAYLOAD_FACTS`` (``wms`` does not import ``routing``), so the
``out_for_delivery`` event of an order loaded on a route of the published plan carries
the stop's ETA, the route and the stop's place in it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.dispatch import plans
from routing.dispatch.models import Route, RouteStop, RouteStopLine
from wms import outbox
from wms.models import CustomerOrder, Warehouse


def eta_facts(session: Session, order: CustomerOrder) -> dict[str, Any]:
    stops = session.scalars(
        select(RouteStop).join(RouteStopLine, RouteStopLine.stop_id == RouteStop.id)
        .where(RouteStopLine.order_id == order.id).order_by(RouteStop.id.desc())).all()
    for stop in stops:
        route = session.get(Route, stop.route_id)
        if route is None or not plans.is_current(session, route):
            continue
        warehouse = session.get(Warehouse, route.warehouse_id)
        zone = ZoneInfo(warehouse.timezone if warehouse else "Asia/Shanghai")
        midnight = datetime.combine(route.delivery_date, datetime.min.time(), tzinfo=zone)
        return {"eta": (midnight + timedelta(seconds=stop.service_start_s)).isoformat(),
                "route_id": route.id, "stop": stop.seq}
    return {}


def register() -> None:
    facts = outbox.PAYLOAD_FACTS.setdefault(outbox.OUT_FOR_DELIVERY, [])
    if eta_facts not in facts:
        facts.append(eta_facts)


register()
