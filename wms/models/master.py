"""Master data: warehouses and their location trees, pickup points, vehicles,
products, suppliers with their origins, and lots."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, MessageText, UTCDateTime, str_enum, utcnow
from wms.models.enums import (
    KineticsModel,
    LocationKind,
    LotStatus,
    SupplierKind,
    TempClass,
)


class Warehouse(Base):
    __tablename__ = "warehouse"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(255), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    opens_at: Mapped[time] = mapped_column(Time, default=time(3, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(22, 0))
    loading_minutes: Mapped[int] = mapped_column(Integer, default=20)
    # Orders for a delivery date are taken until this local time, so many days before it.
    order_cutoff: Mapped[time] = mapped_column(Time, default=time(23, 0),
                                               server_default="23:00:00")
    cutoff_days_before: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    # GS1 Global Location Number, once GS1 China has assigned one (EPCIS names it by SGLN).
    gln: Mapped[str | None] = mapped_column(String(13))

    __table_args__ = (
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
    )


class Location(Base):
    """A place stock can be: a zone or bin in a warehouse, a truck, a pickup point.

    Locations form a tree per warehouse (warehouse → zone → bin); a vehicle's
    compartments are children of the vehicle's location.
    """

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[LocationKind] = mapped_column(str_enum(LocationKind, "location_kind"))
    temp_zone: Mapped[TempClass | None] = mapped_column(str_enum(TempClass, "location_temp"))
    active: Mapped[bool] = mapped_column(default=True)
    # A GLN of the place itself (a dock door, a pickup point's shop); without one, EPCIS
    # names it by its warehouse's GLN with the location code as extension.
    gln: Mapped[str | None] = mapped_column(String(13))

    warehouse: Mapped[Warehouse] = relationship()
    parent: Mapped[Location | None] = relationship(remote_side="Location.id")


class PickupPoint(Base):
    """A community collection point: a shop or a compound's shelf run by a group leader.

    ``kind`` ``enterprise`` is a business customer's own delivery address (企业购): planned
    and delivered as a stop like any point, its orders are the company's, and ``leader_*``
    is the person who receives the goods there.
    """

    __tablename__ = "pickup_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(255))
    district: Mapped[str] = mapped_column(String(60), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), unique=True)
    window_start: Mapped[time] = mapped_column(Time)
    window_end: Mapped[time] = mapped_column(Time)
    service_minutes: Mapped[int] = mapped_column(Integer, default=5)
    collection_opens: Mapped[time] = mapped_column(Time)
    collection_closes: Mapped[time] = mapped_column(Time)
    leader_name: Mapped[str] = mapped_column(String(60))
    leader_phone: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)
    # Cold storage at the point, in crates; 0 means none, None means not stated (planning
    # then assumes the goods can be kept).
    freezer_crates: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fridge_crates: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Vehicle kinds let in (a residential compound: vans only); None lets any vehicle in.
    vehicle_kinds: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)

    kind: Mapped[str] = mapped_column(String(16), default="community",
                                      server_default="community")

    warehouse: Mapped[Warehouse] = relationship()
    location: Mapped[Location] = relationship()

    def storage_crates(self, temp_class: str) -> int | None:
        """Crates of ``temp_class`` goods the point can keep cold (None: not stated)."""
        return {"frozen": self.freezer_crates, "chilled": self.fridge_crates}.get(temp_class)

    __table_args__ = (
        CheckConstraint("window_start < window_end", name="window_order"),
        CheckConstraint("collection_opens < collection_closes", name="collection_order"),
        CheckConstraint("service_minutes >= 0", name="service_nonneg"),
    )


class Vehicle(Base):
    """A delivery vehicle with up to three compartments (frozen, chilled, ambient)."""

    __tablename__ = "vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    plate: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), unique=True)
    frozen_crates: Mapped[int] = mapped_column(Integer, default=0)
    frozen_kg: Mapped[float] = mapped_column(Float, default=0)
    chilled_crates: Mapped[int] = mapped_column(Integer, default=0)
    chilled_kg: Mapped[float] = mapped_column(Float, default=0)
    ambient_crates: Mapped[int] = mapped_column(Integer, default=0)
    ambient_kg: Mapped[float] = mapped_column(Float, default=0)
    cost_per_km: Mapped[float] = mapped_column(Float)
    fixed_cost: Mapped[float] = mapped_column(Float)
    shift_start: Mapped[time] = mapped_column(Time)
    shift_end: Mapped[time] = mapped_column(Time)
    max_route_minutes: Mapped[int] = mapped_column(Integer, default=480)
    speed_factor: Mapped[float] = mapped_column(Float, default=1.0)
    active: Mapped[bool] = mapped_column(default=True)
    # Times of day ("HH:MM") from which the vehicle may go out on a second (third...) trip.
    waves: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)

    warehouse: Mapped[Warehouse] = relationship()
    location: Mapped[Location] = relationship()

    __table_args__ = (
        CheckConstraint(
            "frozen_crates >= 0 AND chilled_crates >= 0 AND ambient_crates >= 0",
            name="crates_nonneg",
        ),
        CheckConstraint(
            "frozen_kg >= 0 AND chilled_kg >= 0 AND ambient_kg >= 0", name="kg_nonneg"
        ),
        CheckConstraint("shift_start < shift_end", name="shift_order"),
    )


class Supplier(Base):
    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[SupplierKind] = mapped_column(str_enum(SupplierKind, "supplier_kind"))
    region: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    contact: Mapped[str] = mapped_column(String(120), default="")


class Origin(Base):
    """Where goods are grown or made: a farm, a production base, an importer's source."""

    __tablename__ = "origin"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(30))
    region: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    certifications: Mapped[str] = mapped_column(String(255), default="")

    supplier: Mapped[Supplier] = relationship()


class Product(Base):
    """A SKU with its GTIN, temperature class, crate packing and spoilage kinetics."""

    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    # The name in Simplified Chinese; ``name`` is the English one. Empty: only English.
    name_zh: Mapped[str] = mapped_column(String(160), default="", server_default="")
    category: Mapped[str] = mapped_column(String(60), default="")
    temp_class: Mapped[TempClass] = mapped_column(str_enum(TempClass, "product_temp"))
    unit: Mapped[str] = mapped_column(String(16), default="each")
    units_per_crate: Mapped[int] = mapped_column(Integer)
    unit_weight_kg: Mapped[float] = mapped_column(Float)
    shelf_life_days: Mapped[float] = mapped_column(Float)
    min_remaining_days: Mapped[int] = mapped_column(Integer, default=1)
    kinetics_model: Mapped[KineticsModel] = mapped_column(
        str_enum(KineticsModel, "kinetics_model"), default=KineticsModel.Q10
    )
    ref_temp_c: Mapped[float] = mapped_column(Float)
    q10: Mapped[float | None] = mapped_column(Float)
    activation_energy_kj: Mapped[float | None] = mapped_column(Float)
    tmin_c: Mapped[float | None] = mapped_column(Float)
    # Kinds of certificate (``DocumentKind``, comma-separated) a lot must have, on itself
    # or its supplier, valid on the day it is received; without one it goes to quarantine.
    required_certificates: Mapped[str] = mapped_column(String(120), default="",
                                                       server_default="")
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        CheckConstraint("units_per_crate > 0", name="crate_positive"),
        CheckConstraint("unit_weight_kg > 0", name="weight_positive"),
        CheckConstraint("shelf_life_days > 0", name="shelf_life_positive"),
        CheckConstraint("length(gtin) = 14", name="gtin14"),
    )


class Lot(Base):
    """A batch of one product from one supplier, as received and labelled."""

    __tablename__ = "lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    lot_code: Mapped[str] = mapped_column(String(20))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("origin.id"), index=True)
    production_date: Mapped[date | None] = mapped_column(Date)
    harvest_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date, index=True)
    best_before: Mapped[date | None] = mapped_column(Date)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purchase_order: Mapped[str] = mapped_column(String(40), default="")
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    certifications: Mapped[str] = mapped_column(String(255), default="")
    country_of_origin: Mapped[str] = mapped_column(String(3), default="")
    status: Mapped[LotStatus] = mapped_column(
        str_enum(LotStatus, "lot_status"), default=LotStatus.AVAILABLE
    )
    status_reason: Mapped[str] = mapped_column(MessageText, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    supplier: Mapped[Supplier | None] = relationship()
    origin: Mapped[Origin | None] = relationship()

    __table_args__ = (UniqueConstraint("product_id", "lot_code"),)
