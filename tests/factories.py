"""Test data built by code: a small world with two warehouses, and an API client helper."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from wms import accounts
from wms.db import transaction
from wms.gtin import make_gtin13
from wms.models import (
    KineticsModel,
    Location,
    LocationKind,
    Origin,
    PickupPoint,
    Product,
    Role,
    Supplier,
    SupplierKind,
    TempClass,
    Vehicle,
    Warehouse,
)

ZONES = {TempClass.FROZEN: "F", TempClass.CHILLED: "C", TempClass.AMBIENT: "A"}


@dataclass
class World:
    warehouses: dict[str, int] = field(default_factory=dict)
    locations: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)
    gtins: dict[str, str] = field(default_factory=dict)
    vehicles: dict[str, int] = field(default_factory=dict)
    pickup_points: dict[str, int] = field(default_factory=dict)
    suppliers: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def location(session: Session, world: World, wh: Warehouse, code: str, kind: LocationKind,
             zone: TempClass | None, parent: str | None = None) -> Location:
    loc = Location(warehouse_id=wh.id, code=code, name=code, kind=kind, temp_zone=zone,
                   parent_id=world.locations[parent] if parent else None)
    session.add(loc)
    session.flush()
    world.locations[code] = loc.id
    return loc


def product(session: Session, world: World, sku: str, item: int, temp: TempClass,
            **kw: Any) -> Product:
    values = dict(name=f"Product {sku}", name_zh=f"测试商品 {sku}", category="test",
                  temp_class=temp, unit="each",
                  units_per_crate=10, unit_weight_kg=0.5, shelf_life_days=10,
                  min_remaining_days=1, kinetics_model=KineticsModel.Q10,
                  ref_temp_c=-18 if temp == TempClass.FROZEN else 4, q10=2.0)
    values.update(kw)
    p = Product(sku=sku, gtin=make_gtin13(f"6901234{item:05d}").zfill(14), **values)
    session.add(p)
    session.flush()
    world.products[sku] = p.id
    world.gtins[sku] = p.gtin
    return p


def build_world(factory: sessionmaker[Session]) -> World:
    world = World()
    with transaction(factory) as s:
        for code, city, lat, lon in (("SH1", "Shanghai", 31.19, 121.30),
                                     ("BJ1", "Beijing", 39.77, 116.56)):
            wh = Warehouse(code=code, name=f"{city} DC", city=city, lat=lat, lon=lon,
                           opens_at=time(3), closes_at=time(22))
            s.add(wh)
            s.flush()
            world.warehouses[code] = wh.id
            location(s, world, wh, code, LocationKind.WAREHOUSE, None)
            location(s, world, wh, f"{code}-REC", LocationKind.RECEIVING, TempClass.CHILLED, code)
            for zone, letter in ZONES.items():
                z = f"{code}-{letter}"
                location(s, world, wh, z, LocationKind.ZONE, zone, code)
                location(s, world, wh, f"{z}-STG", LocationKind.STAGING, zone, z)
                location(s, world, wh, f"{z}-QRT", LocationKind.QUARANTINE, zone, z)
                for b in (1, 2):
                    location(s, world, wh, f"{z}-A01-{b:02d}", LocationKind.STORAGE, zone, z)
            truck = f"{code}-T01"
            tl = location(s, world, wh, truck, LocationKind.VEHICLE, TempClass.CHILLED)
            for zone in (TempClass.FROZEN, TempClass.CHILLED):
                location(s, world, wh, f"{truck}-{ZONES[zone]}", LocationKind.VEHICLE, zone,
                         truck)
            v = Vehicle(code=truck, plate=f"TEST-{code}", kind="refrigerated truck",
                        warehouse_id=wh.id, location_id=tl.id, frozen_crates=20, frozen_kg=400,
                        chilled_crates=50, chilled_kg=900, cost_per_km=4.5, fixed_cost=300,
                        shift_start=time(5), shift_end=time(13))
            s.add(v)
            s.flush()
            world.vehicles[truck] = v.id
            for n in (1, 2, 3):
                pcode = f"{code[:2]}-P{n:03d}"
                pl = location(s, world, wh, pcode, LocationKind.PICKUP_POINT, TempClass.CHILLED)
                pp = PickupPoint(code=pcode, name=f"Point {pcode}", address=f"{n} Test Road",
                                 lat=lat + 0.02 * n, lon=lon + 0.01 * n, warehouse_id=wh.id,
                                 location_id=pl.id, window_start=time(6), window_end=time(9),
                                 service_minutes=5, collection_opens=time(10),
                                 collection_closes=time(21), leader_name="Wang Wei",
                                 leader_phone="13800000000")
                s.add(pp)
                s.flush()
                world.pickup_points[pcode] = pp.id
        sup = Supplier(code="SUP-1", name="Test Farm Co.", kind=SupplierKind.FARM_BASE,
                       region="Shandong", country="CN", lat=36.9, lon=118.7)
        s.add(sup)
        s.flush()
        world.suppliers["SUP-1"] = sup.id
        s.add(Origin(supplier_id=sup.id, code="ORG-1", name="Test greenhouse", kind="farm",
                     region="Shandong", country="CN", lat=36.86, lon=118.79))
        product(s, world, "F00001", 1, TempClass.FROZEN, shelf_life_days=365)
        product(s, world, "C00002", 2, TempClass.CHILLED, shelf_life_days=7)
        product(s, world, "A00003", 3, TempClass.AMBIENT, shelf_life_days=180)
        people = {
            "admin": dict(role=Role.ADMIN),
            "staff": dict(role=Role.STAFF, warehouse_code="SH1"),
            "staff-bj": dict(role=Role.STAFF, warehouse_code="BJ1"),
            "dispatcher": dict(role=Role.DISPATCHER, warehouse_code="SH1"),
            "driver": dict(role=Role.DRIVER, vehicle_code="SH1-T01"),
            "buyer": dict(role=Role.BUYER),
        }
        for name, kw in people.items():
            user = accounts.create_user(s, username=name, **kw)
            world.users[name] = user.id
            world.tokens[name] = accounts.issue_token(s, user, name="test")[1]
    return world


class ApiClient:
    """``api.as_("staff").get(...)``: the Flask test client with a role's token."""

    def __init__(self, client: Any, tokens: dict[str, str], who: str | None = None):
        self.client, self.tokens, self.who = client, tokens, who

    def as_(self, who: str) -> ApiClient:
        return ApiClient(self.client, self.tokens, who)

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = dict(headers or {})
        if self.who:
            out.setdefault("Authorization", f"Bearer {self.tokens[self.who]}")
        return out

    def get(self, url: str, **kw: Any):
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, **kw: Any):
        return self.client.post(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, url: str, **kw: Any):
        return self.client.put(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw: Any):
        return self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url: str, **kw: Any):
        return self.client.patch(url, headers=self._headers(kw.pop("headers", None)), **kw)


# --- stock -------------------------------------------------------------------------------

def label(gtin: str, lot: str | None = None, expiry=None, count: int | None = None,
          sep: str = "|", **more: str) -> str:
    """A GS1 element string as a scanner configured with ``sep`` sends it."""
    parts = [f"01{gtin}"]
    if expiry is not None:
        parts.append(f"17{expiry:%y%m%d}")
    for ai, value in more.items():
        parts.append(f"{ai.removeprefix('ai')}{value}")
    if count is not None:
        parts.append(f"37{count}")
    if lot is not None:
        parts.append(f"10{lot}")  # last: a variable-length field needs no separator after it
    return sep.join(parts)


def receive(factory: sessionmaker[Session], world: World, sku: str, lot_code: str,
            location_code: str, quantity: int, *, expiry=None, actor: str = "staff") -> int:
    """Receive stock through the ledger (a receipt move); returns the lot id."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from wms.ledger import record_move
    from wms.models import Lot, MoveKind

    with transaction(factory) as s:
        lot = s.scalar(select(Lot).where(Lot.product_id == world.products[sku],
                                         Lot.lot_code == lot_code))
        if lot is None:
            lot = Lot(product_id=world.products[sku], lot_code=lot_code, expiry_date=expiry,
                      received_at=datetime.now(UTC))
            s.add(lot)
            s.flush()
        record_move(s, kind=MoveKind.RECEIPT, lot=lot, quantity=quantity,
                    to_location=s.get(Location, world.locations[location_code]),
                    actor_id=world.users.get(actor))
        return lot.id


def on_hand(factory: sessionmaker[Session], world: World, location_code: str, lot_id: int
            ) -> tuple[int, int]:
    """(on hand, reserved) of a lot at a location."""
    from wms.ledger import balance

    with transaction(factory) as s:
        return balance(s, world.locations[location_code], lot_id)
