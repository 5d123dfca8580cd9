"""Closed vocabularies shared by models, schemas and domain logic."""

from __future__ import annotations

import enum


class TempClass(enum.StrEnum):
    """Temperature class of goods and of the zone or compartment that keeps them."""

    FROZEN = "frozen"
    CHILLED = "chilled"
    AMBIENT = "ambient"


class LocationKind(enum.StrEnum):
    WAREHOUSE = "warehouse"
    ZONE = "zone"
    RECEIVING = "receiving"
    STORAGE = "storage"
    STAGING = "staging"
    DOCK = "dock"
    QUARANTINE = "quarantine"
    VEHICLE = "vehicle"
    PICKUP_POINT = "pickup_point"


class SupplierKind(enum.StrEnum):
    FARM_BASE = "farm_base"
    IMPORTER = "importer"
    WHOLESALER = "wholesaler"


class LotStatus(enum.StrEnum):
    AVAILABLE = "available"
    HOLD = "hold"
    QUARANTINE = "quarantine"  # set aside for inspection; ends like a hold
    RECALLED = "recalled"
    SPOILED = "spoiled"
    # Never set on a lot by hand: a lot past its date counts as expired when it moves
    # (wms.move_rules.status_of); stored only where a status is recorded for history.
    EXPIRED = "expired"


class KineticsModel(enum.StrEnum):
    Q10 = "q10"
    ARRHENIUS = "arrhenius"
    SQRT = "sqrt"


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    DISPATCHER = "dispatcher"
    DRIVER = "driver"
    BUYER = "buyer"
    LEADER = "leader"  # a group leader (团长), bound to the pickup points they run


WAREHOUSE_SCOPED_ROLES = frozenset({Role.STAFF, Role.DISPATCHER})


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    STARTED = "started"
    FINISHED = "finished"
    FAILED = "failed"
