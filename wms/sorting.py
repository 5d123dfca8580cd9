"""The sorting list (分拣): a delivery day's goods per pickup point and temperature class,
packed into crates, with one label per crate.

Crates are counted as planning counts them (``routing.dispatch.problem_builder``): per
point and class ``ceil(sum(units / units_per_crate))``, goods of different products share
part-filled crates. Orders fill the crates one after the other, so a label names the orders
whose goods are in that crate, and an order that spills over is named on both crates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.models import CustomerOrder, OrderLine, OrderStatus, PickupPoint, Product, Reservation

_CLASS_ORDER = {"frozen": 0, "chilled": 1, "ambient": 2}
_EPS = 1e-9


@dataclass(frozen=True)
class SortLine:
    order: str
    sku: str
    product: str
    quantity: int
    crate_share: float  # units / units_per_crate


@dataclass
class Crate:
    number: int
    of: int
    orders: list[str] = field(default_factory=list)


@dataclass
class SortGroup:
    pickup_point: str
    pickup_point_name: str
    temp_class: str
    lines: list[SortLine]
    crates: list[Crate]

    @property
    def units(self) -> int:
        return sum(ln.quantity for ln in self.lines)


def pack(shares: list[tuple[str, float]]) -> list[Crate]:
    """Crates for orders of ``(ref, crates' worth)`` filled in the order given (pure)."""
    total = math.ceil(sum(s for _, s in shares) - _EPS)
    crates = [Crate(number=n, of=total) for n in range(1, total + 1)]
    filled = 0.0
    for ref, share in shares:
        if share <= 0:
            continue
        first = min(total - 1, math.floor(filled + _EPS))
        last = min(total - 1, math.ceil(filled + share - _EPS) - 1)
        for crate in crates[first:last + 1]:
            if ref not in crate.orders:
                crate.orders.append(ref)
        filled += share
    return crates


def sorting_list(session: Session, warehouse_id: int, day: date) -> list[SortGroup]:
    """Every reserved unit of the day's orders (in the bins, picked or loaded), per pickup
    point and class, in point order; frozen before chilled before ambient."""
    rows = session.execute(
        select(PickupPoint.code, PickupPoint.name, Product.temp_class, CustomerOrder.external_ref,
               Product.sku, Product.name, Product.units_per_crate,
               func.sum(Reservation.quantity))
        .join(OrderLine, OrderLine.id == Reservation.order_line_id)
        .join(Product, Product.id == OrderLine.product_id)
        .join(CustomerOrder, CustomerOrder.id == Reservation.order_id)
        .join(PickupPoint, PickupPoint.id == CustomerOrder.pickup_point_id)
        .where(CustomerOrder.warehouse_id == warehouse_id, CustomerOrder.delivery_date == day,
               CustomerOrder.status != OrderStatus.CANCELLED)
        .group_by(PickupPoint.code, PickupPoint.name, Product.temp_class,
                  CustomerOrder.external_ref, Product.sku, Product.name,
                  Product.units_per_crate)
        .order_by(PickupPoint.code, CustomerOrder.external_ref, Product.sku)).all()
    groups: dict[tuple[str, str], SortGroup] = {}
    for code, name, temp, ref, sku, product, per_crate, units in rows:
        key = (code, temp.value)
        group = groups.get(key)
        if group is None:
            group = groups[key] = SortGroup(code, name, temp.value, [], [])
        group.lines.append(SortLine(order=ref, sku=sku, product=product, quantity=int(units),
                                    crate_share=int(units) / per_crate))
    for group in groups.values():
        shares: dict[str, float] = {}
        for ln in group.lines:
            shares[ln.order] = shares.get(ln.order, 0.0) + ln.crate_share
        group.crates = pack(list(shares.items()))
    return sorted(groups.values(),
                  key=lambda g: (g.pickup_point, _CLASS_ORDER.get(g.temp_class, 9)))
