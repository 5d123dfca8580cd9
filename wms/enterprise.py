"""Enterprise customers (企业购): a business with its own delivery address, window and
service time, delivered directly as a stop of its own.

Such a customer is a delivery point of kind ``enterprise`` (a ``PickupPoint`` row with its
ledger location), so its orders are placed, allocated, planned, loaded and delivered as
every order is: the route planner makes one stop per delivery point, and an enterprise
point is one. Nobody collects there by pickup code; the contact receives the goods.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Conflict, ValidationFailed
from wms.i18n import N_
from wms.models import Location, LocationKind, PickupPoint, TempClass, Warehouse

ENTERPRISE = "enterprise"
COMMUNITY = "community"


def create_customer(session: Session, warehouse: Warehouse, data: dict[str, Any]
                    ) -> PickupPoint:
    """Store an enterprise customer and its delivery address; errors name the field."""
    start, end = data["window_start"], data["window_end"]
    if start >= end:
        raise ValidationFailed({"window_end": [N_("the window must end after it starts")]})
    code = data["code"]
    taken = session.scalar(select(Location.id).where(Location.code == code)) or \
        session.scalar(select(PickupPoint.id).where(PickupPoint.code == code))
    if taken is not None:
        raise Conflict(N_("the code {code} is taken already", code=code), field="code")
    loc = Location(warehouse_id=warehouse.id, code=code, name=data["name"],
                   kind=LocationKind.PICKUP_POINT, temp_zone=TempClass.CHILLED)
    session.add(loc)
    session.flush()
    point = PickupPoint(
        code=code, name=data["name"], address=data["address"],
        district=data.get("district", ""), lat=data["lat"], lon=data["lon"],
        warehouse_id=warehouse.id, location_id=loc.id, window_start=start, window_end=end,
        service_minutes=data.get("service_minutes", 15),
        # Delivered into the customer's hands: "collection" is the delivery window itself.
        collection_opens=start, collection_closes=end, leader_name=data["contact_name"],
        leader_phone=data["contact_phone"], kind=ENTERPRISE)
    session.add(point)
    session.flush()
    return point


def customers(session: Session, warehouse_ids: set[int] | None) -> list[PickupPoint]:
    stmt = select(PickupPoint).where(PickupPoint.kind == ENTERPRISE)
    if warehouse_ids is not None:
        stmt = stmt.where(PickupPoint.warehouse_id.in_(warehouse_ids))
    return list(session.scalars(stmt.order_by(PickupPoint.code)))
