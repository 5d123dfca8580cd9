"""Route plans as stored: versions of a warehouse's day, their routes, stops and deliveries.

A plan is one solver run for a (warehouse, delivery date), numbered by ``version``. A route
belongs to the plan that created it; a later version that keeps a route which has already
started links the same route row (``route_plan_route``) instead of copying it, so its id,
its loading scans (``stock_move.route_id``) and its deliveries stay one history.

Times of day are seconds since midnight of the delivery date in the warehouse's time zone,
as in the routing model; they may exceed 24 h for a shift that runs past midnight.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.auth import User
from wms.models.base import Base, MessageText, UTCDateTime, str_enum, utcnow
from wms.models.master import PickupPoint, Product, Vehicle, Warehouse
from wms.models.orders import CustomerOrder, OrderLine


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # was published; a newer version replaced it


class RouteStatus(enum.StrEnum):
    PLANNED = "planned"
    LOADING = "loading"
    STARTED = "started"
    COMPLETED = "completed"


class StopStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    EXCEPTIONS = "exceptions"  # confirmed, with short, refused or damaged goods


class RoutePlan(Base):
    __tablename__ = "route_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    delivery_date: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[PlanStatus] = mapped_column(
        str_enum(PlanStatus, "route_plan_status"), default=PlanStatus.DRAFT)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_limit_s: Mapped[float] = mapped_column(Float)
    solver_status: Mapped[str] = mapped_column(String(20))
    stops_total: Mapped[int] = mapped_column(Integer)
    total_cost: Mapped[float] = mapped_column(Float)
    total_distance_km: Mapped[float] = mapped_column(Float)
    vehicles_used: Mapped[int] = mapped_column(Integer)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The routing problem the plan solves (locked routes' vehicles and stops included), so a
    # stored plan can be checked by the validator at any time.
    problem: Mapped[dict[str, Any]] = mapped_column(JSON)
    # A version re-planned from the live state (a truck failed mid-route) names the
    # published version it replaced; see routing.dispatch.replan_live.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("route_plan.id"))

    warehouse: Mapped[Warehouse] = relationship()
    creator: Mapped[User | None] = relationship(foreign_keys=[created_by])
    replaces: Mapped[RoutePlan | None] = relationship(remote_side=[id])
    routes: Mapped[list[Route]] = relationship(
        secondary="route_plan_route", order_by="RoutePlanRoute.position", viewonly=True)
    unassigned: Mapped[list[UnassignedStop]] = relationship(
        back_populates="plan", order_by="UnassignedStop.id")

    __table_args__ = (
        UniqueConstraint("warehouse_id", "delivery_date", "version"),
        CheckConstraint("version > 0", name="version_positive"),
    )


class Route(Base):
    """One vehicle's trip of the day, in the plan that created it and any that kept it."""

    __tablename__ = "route"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plan.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    delivery_date: Mapped[date] = mapped_column(Date)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    start_s: Mapped[int] = mapped_column(Integer)  # loading starts
    departure_s: Mapped[int] = mapped_column(Integer)
    end_s: Mapped[int] = mapped_column(Integer)
    distance_km: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[int] = mapped_column(Integer)
    cost: Mapped[float] = mapped_column(Float)
    loads: Mapped[dict[str, Any]] = mapped_column(JSON)  # class -> {"crates", "kg"}
    # The driver's rest: {"stop": stop key, "start", "end"} in seconds of the day.
    rest: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[RouteStatus] = mapped_column(
        str_enum(RouteStatus, "route_status"), default=RouteStatus.PLANNED)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[RoutePlan] = relationship()
    vehicle: Mapped[Vehicle] = relationship()
    driver: Mapped[User | None] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
    stops: Mapped[list[RouteStop]] = relationship(
        back_populates="route", order_by="RouteStop.seq")

    __table_args__ = (Index("ix_route_warehouse_date", "warehouse_id", "delivery_date"),)

    @property
    def locked(self) -> bool:
        """A route that has started keeps its vehicle and stops through re-planning."""
        return self.status != RouteStatus.PLANNED


class RoutePlanRoute(Base):
    __tablename__ = "route_plan_route"

    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plan.id"), primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("route.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class RouteStop(Base):
    """A visit to a pickup point. ``stop_key`` is the stop's id in the routing problem: the
    pickup point's code, with the temperature classes appended when the fleet needs two
    vehicles (say a reefer and an ambient van) to bring all of a point's goods."""

    __tablename__ = "route_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("route.id"))
    seq: Mapped[int] = mapped_column(Integer)
    stop_key: Mapped[str] = mapped_column(String(60))
    pickup_point_id: Mapped[int] = mapped_column(ForeignKey("pickup_point.id"))
    arrival_s: Mapped[int] = mapped_column(Integer)
    service_start_s: Mapped[int] = mapped_column(Integer)  # the ETA handed to the driver
    departure_s: Mapped[int] = mapped_column(Integer)
    since_departure_s: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[dict[str, Any]] = mapped_column(JSON)  # class -> {"crates", "kg"}
    # What the driver collects there (returns, empty crates): class -> {"crates", "kg"}.
    picked_up: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[StopStatus] = mapped_column(
        str_enum(StopStatus, "route_stop_status"), default=StopStatus.PENDING)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    route: Mapped[Route] = relationship(back_populates="stops")
    pickup_point: Mapped[PickupPoint] = relationship()
    lines: Mapped[list[RouteStopLine]] = relationship(
        back_populates="stop", order_by="RouteStopLine.id")

    __table_args__ = (UniqueConstraint("route_id", "seq"),
                      CheckConstraint("seq > 0", name="seq_positive"))


class RouteStopLine(Base):
    """An order line's units to hand over at a stop, as allocated when the plan was made."""

    __tablename__ = "route_stop_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("route_stop.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    temp_class: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer)

    stop: Mapped[RouteStop] = relationship(back_populates="lines")
    order: Mapped[CustomerOrder] = relationship()
    line: Mapped[OrderLine] = relationship()
    product: Mapped[Product] = relationship()

    __table_args__ = (UniqueConstraint("stop_id", "order_line_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))


class UnassignedStop(Base):
    __tablename__ = "unassigned_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plan.id"), index=True)
    stop_key: Mapped[str] = mapped_column(String(60))
    pickup_point_id: Mapped[int] = mapped_column(ForeignKey("pickup_point.id"))
    reason: Mapped[str] = mapped_column(String(40))
    # The planner's explanation, read in the reader's language.
    message: Mapped[str] = mapped_column(MessageText)
    demand: Mapped[dict[str, Any]] = mapped_column(JSON)

    plan: Mapped[RoutePlan] = relationship(back_populates="unassigned")
    pickup_point: Mapped[PickupPoint] = relationship()


class StopDelivery(Base):
    """A driver's confirmation of one order line at one stop.

    One row per (stop, line): the unique constraint is what makes a confirmation sent twice
    (with a new Idempotency-Key after a crash, say) unable to move the goods twice.
    """

    __tablename__ = "stop_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("route_stop.id"))
    route_id: Mapped[int] = mapped_column(ForeignKey("route.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"))
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    short: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    damaged: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # kind -> reason
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[OrderLine] = relationship()

    __table_args__ = (
        UniqueConstraint("stop_id", "order_line_id"),
        CheckConstraint("delivered >= 0 AND short >= 0 AND refused >= 0 AND damaged >= 0",
                        name="counts_nonneg"),
    )
