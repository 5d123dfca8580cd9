"""All models, imported here so that ``Base.metadata`` knows every table."""

from wms.models.auth import ApiToken, User
from wms.models.base import Base
from wms.models.enums import (
    JobStatus,
    KineticsModel,
    LocationKind,
    LotStatus,
    Role,
    SupplierKind,
    TempClass,
)
from wms.models.jobs import Job
from wms.models.master import (
    Location,
    Lot,
    Origin,
    PickupPoint,
    Product,
    Supplier,
    Vehicle,
    Warehouse,
)

__all__ = [
    "ApiToken",
    "Base",
    "Job",
    "JobStatus",
    "KineticsModel",
    "Location",
    "LocationKind",
    "Lot",
    "LotStatus",
    "Origin",
    "PickupPoint",
    "Product",
    "Role",
    "Supplier",
    "SupplierKind",
    "TempClass",
    "User",
    "Vehicle",
    "Warehouse",
]
