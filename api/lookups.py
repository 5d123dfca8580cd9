"""Find a row by its natural key or answer 404 with what was looked for."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from api.auth import current_user
from api.runtime import db
from wms import scope
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
    scope.check_warehouse(current_user(), row.warehouse_id)
    return row


def warehouse_for_user(code: str) -> Warehouse:
    """The warehouse by code, if the current user may see it (else 403)."""
    warehouse = one_or_404(Warehouse, "warehouse", code=code)
    scope.check_warehouse(current_user(), warehouse.id)
    return warehouse


def scoped(stmt, warehouse_column):
    """Limit a select to the warehouses the current user may see."""
    allowed = scope.visible_warehouse_ids(current_user())
    return stmt if allowed is None else stmt.where(warehouse_column.in_(allowed))
