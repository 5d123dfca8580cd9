"""The demo data set: three city warehouses, their pickup points, fleet, catalogue and people.

Deterministic for a given seed. Reference facts (districts, suppliers, the base
catalogue) live in ``data/demo/*.csv``; this module multiplies them out.

Longer than 400 lines because it is one recipe read top to bottom: places, fleet,
catalogue, people and the past week's purchase orders, each step using the ones before.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable
from datetime import date, time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from wms import accounts
from wms.db import transaction
from wms.demo_purchasing import load_purchase_orders
from wms.demo_repack import load_repacks
from wms.gtin import make_gtin13
from wms.i18n import N_
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
from wms.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "data" / "demo"
DEMO_PASSWORD = "coldchain-demo"
PICKUP_POINTS_PER_CITY = 80
POINTS_PER_LEADER = 4
PRODUCT_COUNT = 300
GS1_COMPANY_PREFIX = "6901234"  # 690-699 is GS1 China's range
ZONE_CODES = {TempClass.FROZEN: "F", TempClass.CHILLED: "C", TempClass.AMBIENT: "A"}
VARIANTS = ("", "Organic ", "Premium ", "Family pack ")
VARIANTS_ZH = {"": "", "Organic ": "有机", "Premium ": "精选", "Family pack ": "家庭装"}

SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
            "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao"]
GIVEN = ["Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang", "Yong",
         "Yan", "Jie", "Tao", "Ming", "Chao", "Xiu", "Hua", "Ping", "Gang", "Hui", "Ying"]
SHOP_KINDS = ["Community Store", "Fresh Corner", "Neighbourhood Mart", "Compound Shelf",
              "Convenience Store", "Group-Buy Point"]


def _rows(name: str) -> list[dict[str, str]]:
    with Path(DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _opt(value: str) -> float | None:
    return float(value) if value else None


def load(factory: sessionmaker[Session], *, seed: int = 7,
         progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Build the demo on an empty database and return counts and one token per role."""
    rng = random.Random(seed)
    say = progress or (lambda _p, _m="": None)
    with transaction(factory) as session:
        if session.scalar(select(func.count()).select_from(Warehouse)):
            raise RuntimeError("the database already has warehouses; demo data needs an "
                               "empty database")
        say(2, "warehouses and locations")
        warehouses = _warehouses(session)
        say(15, "fleet")
        vehicles = _vehicles(session, rng, warehouses)
        say(30, "pickup points")
        points = _pickup_points(session, rng, warehouses)
        say(55, "suppliers and origins")
        suppliers = _suppliers(session)
        say(65, "products")
        products = _products(session, rng, suppliers)
        say(85, "people and tokens")
        tokens = _people(session, warehouses, vehicles)
        counts = {
            "warehouses": len(warehouses),
            "pickup points": len(points),
            "vehicles": len(vehicles),
            "products": len(products),
            "suppliers": len(suppliers),
            "locations": session.scalar(select(func.count()).select_from(Location)),
        }
    say(92, "stock")
    counts.update(load_stock(factory, seed))
    say(96, "purchase orders")
    counts.update(load_purchase_orders(factory, seed))
    counts.update(load_repacks(factory))
    say(100, "done")
    return {"counts": counts, "tokens": tokens}


def _location(session: Session, warehouse: Warehouse, code: str, name: str,
              kind: LocationKind, zone: TempClass | None, parent: Location | None) -> Location:
    loc = Location(warehouse_id=warehouse.id, code=code, name=name, kind=kind,
                   temp_zone=zone, parent_id=parent.id if parent else None)
    session.add(loc)
    session.flush()
    return loc


def _warehouses(session: Session) -> list[Warehouse]:
    out = []
    for row in _rows("warehouses.csv"):
        wh = Warehouse(code=row["code"], name=row["name"], city=row["city"],
                       address=row["address"], lat=float(row["lat"]), lon=float(row["lon"]),
                       timezone=row["timezone"], opens_at=time(3, 0), closes_at=time(22, 0),
                       loading_minutes=20)
        session.add(wh)
        session.flush()
        root = _location(session, wh, wh.code, wh.name, LocationKind.WAREHOUSE, None, None)
        _location(session, wh, f"{wh.code}-REC", "Receiving dock", LocationKind.RECEIVING,
                  TempClass.CHILLED, root)
        _location(session, wh, f"{wh.code}-DOCK", "Loading dock", LocationKind.DOCK,
                  TempClass.CHILLED, root)
        for zone, letter in ZONE_CODES.items():
            z = _location(session, wh, f"{wh.code}-{letter}", f"{zone.value.title()} zone",
                          LocationKind.ZONE, zone, root)
            _location(session, wh, f"{wh.code}-{letter}-STG", f"{zone.value.title()} staging",
                      LocationKind.STAGING, zone, z)
            _location(session, wh, f"{wh.code}-{letter}-QRT",
                      f"{zone.value.title()} quarantine", LocationKind.QUARANTINE, zone, z)
            for aisle in range(1, 5):
                for level in range(1, 6):
                    _location(session, wh, f"{wh.code}-{letter}-A{aisle:02d}-{level:02d}",
                              f"Aisle {aisle} bin {level}", LocationKind.STORAGE, zone, z)
        out.append(wh)
    return out


def _vehicles(session: Session, rng: random.Random, warehouses: list[Warehouse]) -> list[Vehicle]:
    out = []
    plate_prefix = {"BJ1": "京A", "SH1": "沪B", "GZ1": "粤A"}
    for wh in warehouses:
        for n in range(1, 21):
            reefer = n <= 14
            code = f"{wh.code}-{'T' if reefer else 'V'}{n:02d}"
            loc = _location(session, wh, code, f"Vehicle {code}", LocationKind.VEHICLE,
                            TempClass.CHILLED if reefer else TempClass.AMBIENT, None)
            compartments = ((TempClass.FROZEN, TempClass.CHILLED) if reefer
                            else (TempClass.AMBIENT,))
            for zone in compartments:
                _location(session, wh, f"{code}-{ZONE_CODES[zone]}",
                          f"{code} {zone.value} compartment", LocationKind.VEHICLE, zone, loc)
            v = Vehicle(
                code=code, plate=f"{plate_prefix[wh.code]}{rng.randint(10000, 99999)}{n:02d}",
                kind="refrigerated truck" if reefer else "ambient van",
                warehouse_id=wh.id, location_id=loc.id,
                frozen_crates=24 if reefer else 0, frozen_kg=400 if reefer else 0,
                chilled_crates=56 if reefer else 0, chilled_kg=900 if reefer else 0,
                ambient_crates=0 if reefer else 80, ambient_kg=0 if reefer else 1200,
                cost_per_km=4.5 if reefer else 3.0, fixed_cost=300 if reefer else 180,
                shift_start=time(5, 0), shift_end=time(13, 0), max_route_minutes=420,
            )
            session.add(v)
            out.append(v)
    session.flush()
    return out


def _jitter(rng: random.Random, lat: float, lon: float, spread_km: float) -> tuple[float, float]:
    d_lat = rng.gauss(0, spread_km / 2) / 111.0
    d_lon = rng.gauss(0, spread_km / 2) / (111.0 * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)


def _pickup_points(session: Session, rng: random.Random,
                   warehouses: list[Warehouse]) -> list[PickupPoint]:
    districts = _rows("districts.csv")
    windows = [(time(6, 0), time(9, 0)), (time(6, 30), time(9, 30)), (time(7, 0), time(10, 0)),
               (time(6, 0), time(8, 30)), (time(7, 30), time(10, 30))]
    out = []
    for wh in warehouses:
        mine = [d for d in districts if d["city"] == wh.city]
        for n in range(1, PICKUP_POINTS_PER_CITY + 1):
            d = mine[(n - 1) % len(mine)]
            lat, lon = _jitter(rng, float(d["lat"]), float(d["lon"]), float(d["spread_km"]))
            code = f"{wh.code[:2]}-P{n:03d}"
            leader = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
            name = f"{d['district']} {rng.choice(SHOP_KINDS)} {n}"
            loc = _location(session, wh, code, name, LocationKind.PICKUP_POINT,
                            TempClass.CHILLED, None)
            start, end = rng.choice(windows)
            point = PickupPoint(
                code=code, name=name, district=d["district"],
                address=f"No. {rng.randint(1, 399)}, Building {rng.randint(1, 30)}, "
                        f"{d['district']}, {wh.city}",
                lat=lat, lon=lon, warehouse_id=wh.id, location_id=loc.id,
                window_start=start, window_end=end, service_minutes=rng.choice([4, 5, 6, 8]),
                collection_opens=time(10, 0), collection_closes=time(21, 0),
                leader_name=leader, leader_phone=f"1{rng.randint(3, 9)}{rng.randint(0, 9)}"
                                                 f"{rng.randint(10000000, 99999999)}",
                # Every fifth point has no freezer: its frozen goods arrive shortly before
                # collection opens. Not drawn from ``rng``, so the rest of the demo data
                # stays as it was.
                freezer_crates=0 if n % 5 == 0 else (4, 6, 10)[n % 3],
                fridge_crates=(6, 10, 16)[n % 3],
            )
            session.add(point)
            out.append(point)
    session.flush()
    return out


def _suppliers(session: Session) -> dict[str, Supplier]:
    suppliers: dict[str, Supplier] = {}
    for row in _rows("suppliers.csv"):
        sup = suppliers.get(row["code"])
        if sup is None:
            sup = Supplier(code=row["code"], name=row["name"], kind=SupplierKind(row["kind"]),
                           region=row["region"], country=row["country"],
                           lat=_opt(row["lat"]), lon=_opt(row["lon"]),
                           contact=f"sourcing@{row['code'].lower()}.example.cn")
            session.add(sup)
            session.flush()
            suppliers[sup.code] = sup
        session.add(Origin(supplier_id=sup.id, code=row["origin_code"], name=row["origin_name"],
                           kind=row["origin_kind"], region=row["origin_region"],
                           country="CN" if row["origin_lat"] and float(row["origin_lat"]) > 0
                           and row["kind"] != "importer" else _import_country(row),
                           lat=_opt(row["origin_lat"]), lon=_opt(row["origin_lon"]),
                           certifications=row["certifications"].replace(";", ", ")))
    session.flush()
    return suppliers


def _import_country(row: dict[str, str]) -> str:
    return {"Los Lagos": "CL", "Queensland": "AU", "Waikato": "NZ",
            "Chanthaburi": "TH"}.get(row["origin_region"], "CN")


def gtin_of(item: int) -> str:
    """The demo's GTIN-14 of its ``item``-th product (1, 2, ...)."""
    return make_gtin13(f"{GS1_COMPANY_PREFIX}{item:05d}").zfill(14)


def lot_code(warehouse: str, received: date, product_id: int, n: int) -> str:
    """The demo's lot codes: warehouse, day of receipt, product and the lot's number."""
    return f"{warehouse[:2]}{received:%y%m%d}{product_id:04d}{n}"


def _products(session: Session, rng: random.Random,
              suppliers: dict[str, Supplier]) -> list[Product]:
    base = _rows("products.csv")
    out: list[Product] = []
    item = 1
    for variant in VARIANTS:
        for row in base:
            if len(out) >= PRODUCT_COUNT:
                break
            factor = 2.0 if variant == "Family pack " else 1.0
            product = Product(
                sku=f"{ZONE_CODES[TempClass(row['temp_class'])]}{item:05d}",
                gtin=gtin_of(item),
                name=f"{variant}{row['name']}".strip(),
                name_zh=f"{VARIANTS_ZH[variant]}{row['name_zh']}",
                category=row["category"], temp_class=TempClass(row["temp_class"]),
                unit=row["unit"],
                units_per_crate=max(1, int(int(row["units_per_crate"]) / factor)),
                unit_weight_kg=round(float(row["unit_weight_kg"]) * factor, 3),
                shelf_life_days=float(row["shelf_life_days"]),
                min_remaining_days=int(row["min_remaining_days"]),
                kinetics_model=KineticsModel(row["kinetics_model"]),
                ref_temp_c=float(row["ref_temp_c"]), q10=_opt(row["q10"]),
                activation_energy_kj=_opt(row["activation_energy_kj"]),
                tmin_c=_opt(row["tmin_c"]),
            )
            session.add(product)
            out.append(product)
            item += 1
    session.flush()
    return out


def _people(session: Session, warehouses: list[Warehouse],
            vehicles: list[Vehicle]) -> dict[str, dict[str, str]]:
    def make(username: str, role: Role, name: str, **kw: Any):
        return accounts.create_user(session, username=username, role=role, display_name=name,
                                    password=DEMO_PASSWORD, **kw)

    admin = make("admin", Role.ADMIN, "System administrator")
    first: dict[Role, Any] = {Role.ADMIN: admin}
    for wh in warehouses:
        city = wh.code[:2].lower()
        staff = make(f"staff-{city}", Role.STAFF, f"{wh.city} warehouse staff",
                     warehouse_code=wh.code)
        dispatcher = make(f"dispatch-{city}", Role.DISPATCHER, f"{wh.city} dispatcher",
                          warehouse_code=wh.code)
        if wh.code == "SH1":
            first[Role.STAFF], first[Role.DISPATCHER] = staff, dispatcher
    for v in vehicles:
        driver = make(f"driver-{v.code.lower()}", Role.DRIVER, f"Driver of {v.code}",
                      vehicle_code=v.code)
        if v.code == "SH1-T01":
            first[Role.DRIVER] = driver
    first[Role.BUYER] = make("buyer", Role.BUYER, "Sourcing buyer")
    make("buyer-2", Role.BUYER, "Sourcing buyer (imports)")
    # A group leader runs a few neighbouring pickup points (leader-sh-01: SH-P001..SH-P004).
    points = session.scalars(select(PickupPoint).order_by(PickupPoint.code)).all()
    for wh in warehouses:
        mine = [p for p in points if p.warehouse_id == wh.id]
        for n in range(0, len(mine), POINTS_PER_LEADER):
            group = mine[n:n + POINTS_PER_LEADER]
            leader = make(f"leader-{wh.code[:2].lower()}-{n // POINTS_PER_LEADER + 1:02d}",
                          Role.LEADER, group[0].leader_name,
                          pickup_points=[p.code for p in group])
            if wh.code == "SH1" and n == 0:
                first[Role.LEADER] = leader
    tokens = {}
    for role, user in first.items():
        _, secret = accounts.issue_token(session, user, name="demo")
        tokens[role.value] = {"username": user.username, "token": secret}
    return tokens


# Lots collected from suppliers by the warehouses' own reefers: compartment, and the run
# from pickup to arrival at the dock in hours before the demo was loaded. The cold-chain
# demo gives two of these runs a cooling failure (coldchain/monitoring/demo.py).
COLLECTION_RUNS = {"SH1-T03-C": (41.0, 36.5), "GZ1-T05-F": (62.0, 57.0),
                   "BJ1-T02-C": (30.0, 26.0)}
LOTS_PER_RUN = 6
HISTORY_DAYS = 6  # receipts reach back this many days (the loggers' readings, one more)


def _receipt_time(rng: random.Random, now, tz, days_back: int):
    """A morning delivery (03:00-07:00 local) ``days_back`` days ago, never in the future."""
    from datetime import datetime, timedelta

    local_day = now.astimezone(tz).date() - timedelta(days=days_back)
    at = datetime.combine(local_day, time(3), tz) + timedelta(minutes=rng.randint(0, 240))
    if at > now - timedelta(minutes=90):
        at -= timedelta(days=1)
    return at


def load_stock(factory: sessionmaker[Session], seed: int = 7) -> dict[str, int]:
    """Receive demo stock through the ledger as it happened over the past days: two lots of
    every product in every warehouse, delivered on mornings of the last week at the
    receiving dock and put away 20-70 minutes later in a bin of the product's zone. Some
    lots came in on the warehouse's own reefer (see ``COLLECTION_RUNS``); a few still sit
    on the dock or on hold, as on a real morning.
    """
    from datetime import UTC, timedelta
    from zoneinfo import ZoneInfo

    from wms.ledger import record_move
    from wms.models import Lot, LotStatus, MoveKind
    from wms.models.base import utcnow
    from wms.stock import hold_lot

    rng = random.Random(seed * 31 + 1)
    now = utcnow().replace(second=0, microsecond=0)
    moves = 0
    with transaction(factory) as session:
        suppliers = session.scalars(select(Supplier).order_by(Supplier.code)).all()
        products = session.scalars(select(Product).order_by(Product.sku)).all()
        runs = {code: session.scalar(select(Location).where(Location.code == code))
                for code in COLLECTION_RUNS}
        for wh in session.scalars(select(Warehouse).order_by(Warehouse.code)).all():
            tz = ZoneInfo(wh.timezone)
            bins = {zone: session.scalars(select(Location).where(
                Location.warehouse_id == wh.id, Location.kind == LocationKind.STORAGE,
                Location.temp_zone == zone).order_by(Location.code)).all()
                for zone in TempClass}
            dock = session.scalar(select(Location).where(
                Location.warehouse_id == wh.id, Location.kind == LocationKind.RECEIVING))
            aboard = {code: LOTS_PER_RUN for code, loc in runs.items()
                      if loc is not None and loc.warehouse_id == wh.id}
            for product in products:
                life = max(2, int(product.shelf_life_days))
                for n in range(2):
                    days_back = rng.randint(0, min(HISTORY_DAYS, max(0, life // 4)))
                    at = _receipt_time(rng, now, tz, days_back)
                    run = next((code for code, left in aboard.items() if left and n == 0
                                and runs[code].temp_zone == product.temp_class), None)
                    if run is not None:
                        aboard[run] -= 1
                        picked_up, arrived = (now - timedelta(hours=h)
                                              for h in COLLECTION_RUNS[run])
                        at = picked_up
                    received = at.astimezone(tz).date()
                    lot = Lot(product_id=product.id,
                              lot_code=lot_code(wh.code, received, product.id, n),
                              supplier_id=rng.choice(suppliers).id,
                              production_date=received - timedelta(days=1),
                              expiry_date=received + timedelta(days=life + rng.randint(0, 2)),
                              received_at=at.astimezone(UTC), country_of_origin="156")
                    session.add(lot)
                    session.flush()
                    units = rng.randint(2, 12) * product.units_per_crate
                    if run is not None:
                        record_move(session, kind=MoveKind.RECEIPT, lot=lot, quantity=units,
                                    to_location=runs[run], reason="demo: collected at the farm",
                                    at=at)
                        record_move(session, kind=MoveKind.TRANSFER, lot=lot, quantity=units,
                                    from_location=runs[run], to_location=dock,
                                    reason="demo: unloaded at the dock", at=arrived)
                        at = arrived
                        moves += 2
                    else:
                        record_move(session, kind=MoveKind.RECEIPT, lot=lot, quantity=units,
                                    to_location=dock, reason="demo stock", at=at)
                        moves += 1
                    on_dock = run is None and rng.random() < 0.05 and days_back == 0
                    if not on_dock:
                        record_move(session, kind=MoveKind.PUTAWAY, lot=lot, quantity=units,
                                    from_location=dock,
                                    to_location=rng.choice(bins[product.temp_class]),
                                    reason="demo stock",
                                    at=at + timedelta(minutes=rng.randint(20, 70)))
                        moves += 1
                    if not on_dock and run is None and rng.random() < 0.01:
                        moves += len(hold_lot(session, lot.id, N_("demo: supplier quality check"),
                                              actor_id=None))
        lots = session.scalar(select(func.count()).select_from(Lot))
        held = session.scalar(select(func.count()).select_from(Lot).where(
            Lot.status == LotStatus.HOLD))
    return {"lots": lots or 0, "lots on hold": held or 0, "stock moves": moves}
