"""Who may touch which warehouse's data: one rule, used by every endpoint."""

from __future__ import annotations

from wms.errors import Forbidden
from wms.i18n import N_
from wms.models import Role, User
from wms.models.enums import WAREHOUSE_SCOPED_ROLES


def visible_warehouse_ids(user: User) -> set[int] | None:
    """The warehouses a user may see, or None for all of them."""
    if user.role in WAREHOUSE_SCOPED_ROLES or user.role in (Role.DRIVER, Role.LEADER):
        return {user.warehouse_id} if user.warehouse_id is not None else set()
    return None


def visible_warehouse_ids_for_role(role: Role) -> set[int] | None:
    """None when the role sees every warehouse, else the (empty) set before a user's own."""
    return (set() if role in WAREHOUSE_SCOPED_ROLES or role in (Role.DRIVER, Role.LEADER)
            else None)


def check_warehouse(user: User, warehouse_id: int) -> None:
    allowed = visible_warehouse_ids(user)
    if allowed is not None and warehouse_id not in allowed:
        raise Forbidden(N_("this resource belongs to another warehouse than yours"))


def check_role(user: User, *roles: Role) -> None:
    if user.role != Role.ADMIN and user.role not in roles:
        wanted = ", ".join(sorted(r.value for r in roles)) or "admin"
        raise Forbidden(N_("your role ({role}) may not do this; it needs: {wanted}",
                           role=user.role, wanted=wanted))
