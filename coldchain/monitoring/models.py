"""Sensors, their attachment history, temperature readings, findings and alerts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, MessageText, UTCDateTime, str_enum, utcnow
from wms.models.master import Location


class FindingKind(enum.StrEnum):
    EXCURSION = "excursion"
    GAP = "gap"


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


class Sensor(Base):
    """A temperature logger. It moves between rooms and trucks; see its attachments."""

    __tablename__ = "sensor"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    model: Mapped[str] = mapped_column(String(60), default="")
    sampling_interval_s: Mapped[int] = mapped_column(Integer, default=300)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last evaluation, and why it could not judge everything ("" when it could):
    # `wms readings evaluate --pending` retries the sensors that failed.
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluation_error: Mapped[str] = mapped_column(MessageText, default="")

    location: Mapped[Location | None] = relationship()


class SensorAttachment(Base):
    """Where a sensor hung, from when until when (open-ended while it still hangs there)."""

    __tablename__ = "sensor_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensor.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SensorCalibration(Base):
    """One calibration of a sensor against a reference (a certificate). Rows are only
    added: the latest by calibration date is in force, the others are its history."""

    __tablename__ = "sensor_calibration"

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensor.id"), index=True)
    certificate: Mapped[str] = mapped_column(String(80))
    calibrated_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    calibrated_by: Mapped[str] = mapped_column(String(120))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reading(Base):
    """One temperature reading; a (sensor, timestamp) pair is stored once, whatever arrives."""

    __tablename__ = "reading"

    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensor.id"), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    temp_c: Mapped[float] = mapped_column(Float)

    # On PostgreSQL, monthly partitions by time (coldchain.monitoring.partitions, migration
    # 0020); the primary key holds ``ts``, as a partitioned table's unique keys must.
    __table_args__ = ({"postgresql_partition_by": "RANGE (ts)"},)


class ReadingVoid(Base):
    """A reading declared wrong (a probe in the sun, a logger clock reset). Append-only: the
    reading stays stored, and evaluations, charts, MKT and lot histories leave it out."""

    __tablename__ = "reading_void"

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(Integer)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    via: Mapped[str] = mapped_column(String(20), default="api")
    voided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reading: Mapped[Reading] = relationship(lazy="joined")
    sensor: Mapped[Sensor] = relationship(
        lazy="joined", primaryjoin="Sensor.id == ReadingVoid.sensor_id",
        foreign_keys="ReadingVoid.sensor_id", viewonly=True)
    user: Mapped[Any] = relationship("User", lazy="joined")

    __table_args__ = (
        ForeignKeyConstraint(["sensor_id", "ts"], ["reading.sensor_id", "reading.ts"]),
        UniqueConstraint("sensor_id", "ts"),
    )


class ReadingBatch(Base):
    """A delivery of readings (JSON batch or logger file) and what became of its rows."""

    __tablename__ = "reading_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sensor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Null until an evaluation job was queued; `wms readings evaluate --pending` catches up.
    evaluation_job_id: Mapped[str | None] = mapped_column(String(36), index=True)


class Finding(Base):
    """An excursion (out of range long enough to matter) or a gap in a sensor's data."""

    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FindingKind] = mapped_column(str_enum(FindingKind, "finding_kind"))
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensor.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    rule: Mapped[str] = mapped_column(String(80), default="")
    direction: Mapped[str] = mapped_column(String(8), default="")
    threshold_c: Mapped[float | None] = mapped_column(Float)
    delay_min: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16), default="")
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    alarm_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    peak_c: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[float] = mapped_column(Float, default=0)
    degree_minutes: Mapped[float] = mapped_column(Float, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    sensor: Mapped[Sensor] = relationship(lazy="joined")
    location: Mapped[Location] = relationship(lazy="joined")

    __table_args__ = (Index("ix_finding_sensor_start", "sensor_id", "start"),)

    @property
    def natural_key(self) -> str:
        """(sensor, place, rule, start): the same excursion found again has the same key, so
        re-evaluation finds the alerts it already raised instead of raising them twice."""
        return f"{self.sensor_id}:{self.location_id}:{self.rule}:{self.start:%Y%m%dT%H%M%SZ}"


class Alert(Base):
    """Something people must look at: an alarmed excursion, or a lot at risk and held.

    One alert per excursion: the lots it held are its ``lots``, each an alert of kind
    ``lot_hold`` linked to it by ``parent_id`` and resolved (released or scrapped) on its
    own or together with the others. A lot held for anything else (its shelf life) has an
    alert of its own.
    """

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[AlertStatus] = mapped_column(
        str_enum(AlertStatus, "alert_status"), default=AlertStatus.OPEN, index=True)
    message: Mapped[str] = mapped_column(MessageText)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("finding.id", ondelete="SET NULL"))
    # The finding's natural key survives re-evaluation, which may renumber findings.
    finding_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ack_comment: Mapped[str] = mapped_column(Text, default="")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str] = mapped_column(String(20), default="")
    resolution_comment: Mapped[str] = mapped_column(MessageText, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"), index=True)

    lot: Mapped[Any] = relationship("Lot", lazy="joined")
    location: Mapped[Location | None] = relationship(lazy="joined")
    lots: Mapped[list[Alert]] = relationship(
        "Alert", lazy="selectin", order_by="Alert.id",
        primaryjoin="Alert.id == foreign(Alert.parent_id)", viewonly=True)
