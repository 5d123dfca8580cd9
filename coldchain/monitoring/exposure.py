"""Which lots were where a sensor measured, and when: a ledger question.

A sensor hanging in a zone measures the zone's bins too; one in a truck's
compartment measures that compartment. A lot was exposed to a period if it had
stock in one of those locations when the period began, or arrived during it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from wms.models import Location
from wms.models.ledger import StockMove


def subtree(session: Session, location: Location) -> list[int]:
    """The location and everything below it (the tree is shallow and per warehouse)."""
    rows = session.execute(select(Location.id, Location.parent_id)
                           .where(Location.warehouse_id == location.warehouse_id)).all()
    children: dict[int, list[int]] = {}
    for loc_id, parent_id in rows:
        if parent_id is not None:
            children.setdefault(parent_id, []).append(loc_id)
    out, todo = [], [location.id]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def exposed_lots(session: Session, location: Location, start: datetime,
                 end: datetime | None) -> dict[int, int]:
    """Lot id → units present (at the start, or the most that arrived during the period)."""
    places = subtree(session, location)
    into = StockMove.to_location_id.in_(places)
    out_of = StockMove.from_location_id.in_(places)
    before = StockMove.created_at <= start
    at_start = (func.sum(case((and_(into, before), StockMove.quantity), else_=0))
                - func.sum(case((and_(out_of, before), StockMove.quantity), else_=0)))
    during = and_(into, StockMove.created_at > start)
    if end is not None:
        during = and_(during, StockMove.created_at <= end)
    arrived = func.sum(case((during, StockMove.quantity), else_=0))
    stmt = (select(StockMove.lot_id, at_start.label("at_start"), arrived.label("arrived"))
            .where(or_(into, out_of))
            .group_by(StockMove.lot_id)
            .having(or_(at_start > 0, arrived > 0)))
    if end is not None:
        stmt = stmt.where(StockMove.created_at <= end)
    return {lot_id: max(int(a), int(b)) for lot_id, a, b in session.execute(stmt)}
