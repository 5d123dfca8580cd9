"""All models, imported here so that ``Base.metadata`` knows every table."""

from wms.models.auth import ApiToken, AuthFailure, ThrottleScope, User, WebSession
from wms.models.base import Base
from wms.models.documents import Document, DocumentKind
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
from wms.models.leader import (
    LeaderPickupPoint,
    PickupCode,
    PickupCount,
    PickupReceipt,
    PickupReceiptLine,
    ReceiptState,
    ReturnRequest,
    ReturnRequestStatus,
)
from wms.models.ledger import IdempotencyKey, MoveKind, StockBalance, StockMove
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
from wms.models.orders import CustomerOrder, OrderLine, OrderStatus, Reservation
from wms.models.outbox import (
    DeliveryStatus,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from wms.models.purchasing import (
    AsnPallet,
    PoReceipt,
    PoRejection,
    PoState,
    PurchaseOrder,
    PurchaseOrderLine,
    RejectionReason,
)
from wms.models.recall import LotRecall
from wms.models.receiving import ReceiptProbe
from wms.models.repack import LotLineage, Repack, RepackKind, RepackLine

__all__ = [
    "ApiToken",
    "AsnPallet",
    "AuthFailure",
    "Base",
    "CustomerOrder",
    "DeliveryStatus",

    "Document",
    "DocumentKind",
    "IdempotencyKey",
    "Job",
    "JobStatus",
    "KineticsModel",
    "LeaderPickupPoint",
    "Location",
    "LocationKind",
    "Lot",
    "LotLineage",
    "LotRecall",
    "LotStatus",
    "MoveKind",
    "OrderLine",
    "OrderStatus",
    "Origin",
    "OutboxEvent",
    "PickupCode",
    "PickupCount",
    "PickupPoint",
    "PickupReceipt",
    "PickupReceiptLine",
    "PoReceipt",
    "PoRejection",
    "PoState",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "ReceiptProbe",
    "ReceiptState",
    "RejectionReason",
    "Repack",
    "RepackKind",
    "RepackLine",
    "Reservation",
    "ReturnRequest",
    "ReturnRequestStatus",
    "Role",
    "StockBalance",
    "StockMove",
    "Supplier",
    "SupplierKind",
    "TempClass",
    "ThrottleScope",
    "User",
    "Vehicle",
    "Warehouse",
    "WebSession",
    "WebhookDelivery",
    "WebhookSubscription",
]
