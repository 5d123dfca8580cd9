"""Today's demo deliveries: orders for every city's pickup points from the demo stock,
allocated, planned and published, so a fresh demo shows plans and manifests at once."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from routing.dispatch import plans
from wms import accounts, orders
from wms.db import transaction
from wms.models import (
    Location,
    LocationKind,
    Lot,
    LotStatus,
    PickupPoint,
    Product,
    StockBalance,
    User,
    Warehouse,
)
from wms.settings import Settings

ORDERS_PER_CITY = 300
Progress = Callable[[float, str], None]


def _sellable_skus(session: Session, warehouse_id: int) -> list[str]:
    """Products with free stock in the warehouse's bins, the way a web shop lists them."""
    return list(session.scalars(
        select(Product.sku).join(StockBalance, StockBalance.product_id == Product.id)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.warehouse_id == warehouse_id, Lot.status == LotStatus.AVAILABLE,
               Location.kind == LocationKind.STORAGE,
               StockBalance.on_hand - StockBalance.reserved >= 10)
        .distinct().order_by(Product.sku)))


def place_orders(factory: sessionmaker[Session], warehouse: Warehouse, day: date,
                 rng: random.Random, count: int = ORDERS_PER_CITY) -> int:
    with transaction(factory) as session:
        points = session.scalars(select(PickupPoint.code).where(
            PickupPoint.warehouse_id == warehouse.id, PickupPoint.active.is_(True))
            .order_by(PickupPoint.code)).all()
        skus = _sellable_skus(session, warehouse.id)
        if not points or not skus:
            return 0
        for n in range(1, count + 1):
            lines = rng.sample(skus, k=min(len(skus), rng.choice([1, 1, 2, 2, 3, 4])))
            orders.place_order(session, {
                "external_ref": f"WEB-{warehouse.code}-{day:%Y%m%d}-{n:04d}",
                "pickup_point": rng.choice(points), "delivery_date": day,
                "lines": [{"sku": sku, "quantity": rng.choice([1, 1, 2, 2, 3, 4, 6])}
                          for sku in lines]}, actor_id=None)
    return count


def run(factory: sessionmaker[Session], *, day: date | None = None, seed: int = 7,
        time_limit_s: float = 5.0, orders_per_city: int = ORDERS_PER_CITY,
        progress: Callable[[str], Progress] | None = None) -> dict[str, Any]:
    """Orders, allocation, a published plan per warehouse; returns figures per warehouse and
    a token for a driver with a route. ``progress(label)`` returns a callback for one
    warehouse's planning."""
    # "Today" is the warehouses' day, not the server's: at 01:00 in Shanghai it is still
    # yesterday in UTC.
    day = day or datetime.now(ZoneInfo(Settings.from_env().timezone)).date()
    rng = random.Random(seed * 131 + 5)
    with transaction(factory) as session:
        warehouses = session.scalars(select(Warehouse).order_by(Warehouse.code)).all()
    figures: dict[str, Any] = {}
    for wh in warehouses:
        placed = place_orders(factory, wh, day, rng, orders_per_city)
        reports = orders.allocate_day(factory, wh.id, day)
        t0 = time.monotonic()
        say = progress(f"planning {wh.code}") if progress else None
        result = plans.plan_day(factory, wh.id, day, time_limit_s=time_limit_s,
                                progress=say)
        with transaction(factory) as session:
            plans.publish(session, result["plan_id"], actor_id=None)
        figures[wh.code] = {
            "orders": placed,
            "units allocated": sum(ln.allocated for r in reports for ln in r.lines),
            "units on backorder": sum(ln.backorder for r in reports for ln in r.lines),
            "stops": result["stops"], "routes": result["routes"],
            "unassigned": result["unassigned"], "plan seconds": round(time.monotonic() - t0, 1),
            "km": round(result["total_distance_km"], 1),
        }
    return {"date": day, "warehouses": figures, "driver": _driver_token(factory, day)}


def _driver_token(factory: sessionmaker[Session], day: date) -> dict[str, str] | None:
    """A token for the driver of a published route of the day, in Shanghai if there is one
    (the demo's staff and dispatcher tokens are Shanghai's too)."""
    from routing.dispatch.manifests import published_routes

    with transaction(factory) as session:
        routes = sorted((r for r in published_routes(session, day) if r.driver_id is not None),
                        key=lambda r: (r.warehouse.code != "SH1", r.id))
        if not routes:
            return None
        user = session.get(User, routes[0].driver_id)
        _, secret = accounts.issue_token(session, user, name="demo")
        return {"username": user.username, "token": secret, "route_id": str(routes[0].id),
                "warehouse": routes[0].warehouse.code}
