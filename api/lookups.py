"""Find a row by its natural key or answer 404 with what was looked for."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from api import policy
from api.auth import current_user
from api.runtime import db
from wms.errors import NotFound
from wms.models import Warehouse

T = TypeVar("T")


def one_or_404(model: type[T], label: str, **by: object) -> T:
    stmt = select(model).filter_by(**by)
    row = db().scalar(stmt)
    if row is None:
        key = ", ".join(f"{k}={v}" for k, v in by.items())
        raise NotFound(f"no {label} with {key}")
    return row


def owned_or_404(model: type[T], label: str, **by: object) -> T:
    """A row of a warehouse's own (it has ``warehouse_id``), if the current user may see it."""
    row = one_or_404(model, label, **by)
    policy.require_warehouse(current_user(), row.warehouse_id, label)
    return row


def warehouse_for_user(code: str) -> Warehouse:
    """The warehouse by code, if the current user may see it (else 403)."""
    warehouse = one_or_404(Warehouse, "warehouse", code=code)
    policy.require_warehouse(current_user(), warehouse.id, "warehouse")
    return warehouse


scoped = policy.scoped
