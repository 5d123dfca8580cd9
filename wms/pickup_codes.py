"""Pickup codes (提货码): the short secret a resident shows to collect an order.

A code is six random digits from ``secrets`` (never a counter, so knowing one's own code
says nothing about a neighbour's), unique among the open orders of the pickup point, and
issued when the order is placed. Codes are kept in clear: the leader looks an order up by
the code the resident types or shows, and the storefront shows it to the resident. Guessing
is throttled per pickup point (``wms.throttle``), so the million codes cannot be walked.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from wms import throttle
from wms.errors import NotFound, ValidationFailed
from wms.i18n import N_
from wms.models import CustomerOrder, OrderStatus, PickupCode, PickupPoint, ThrottleScope
from wms.models.base import utcnow

DIGITS = 6
_TRIES = 50


def _random_code() -> str:
    return f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"


def open_codes(session: Session, pickup_point_id: int) -> set[str]:
    return set(session.scalars(select(PickupCode.code).where(
        PickupCode.pickup_point_id == pickup_point_id, PickupCode.closed_at.is_(None))))


def issue(session: Session, order: CustomerOrder) -> PickupCode:
    """Give a newly placed order its code, in the caller's transaction.

    The code is inserted at once and the open-code index (``ux_pickup_code_open``) refuses
    one already open at the point: a refusal costs a retry, where reading every open code
    of the point first would cost each order more the more orders the point has open.
    """
    insert = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)
    issued_at = utcnow()
    for _ in range(_TRIES):
        code = _random_code()
        row_id = session.scalar(
            insert(PickupCode).values(order_id=order.id, pickup_point_id=order.pickup_point_id,
                                      code=code, issued_at=issued_at)
            .on_conflict_do_nothing().returning(PickupCode.id))
        if row_id is not None:
            break
    else:  # a point with hundreds of thousands of open orders: not a pickup point
        raise RuntimeError(f"no free pickup code at pickup point {order.pickup_point_id}")
    # The row as written, known to the session without selecting it back.
    row = PickupCode(id=row_id, order_id=order.id, pickup_point_id=order.pickup_point_id,
                     code=code, issued_at=issued_at, closed_at=None)
    make_transient_to_detached(row)
    session.add(row)
    return row


def normalise(typed: str) -> str:
    """What a resident types or a scanner reads, as stored: digits only."""
    return "".join(ch for ch in typed if ch.isdigit())


def order_by_code(session: Session, point: PickupPoint, typed: str) -> CustomerOrder:
    """The open order of the pickup point with this code. A wrong code counts against the
    point; past the limit, ``throttle.Throttled`` answers until the window passes. The
    failure is committed before the refusal, so a rolled-back request still counts."""
    checks = [(ThrottleScope.PICKUP_CODE, point.code)]
    throttle.check(session, checks)
    code = normalise(typed)
    if len(code) != DIGITS:
        raise ValidationFailed({"code": [N_("a pickup code has {digits} digits",
                                            digits=DIGITS)]})
    found = session.scalar(select(CustomerOrder).join(
        PickupCode, PickupCode.order_id == CustomerOrder.id).where(
        PickupCode.pickup_point_id == point.id, PickupCode.code == code,
        PickupCode.closed_at.is_(None), CustomerOrder.status != OrderStatus.CANCELLED))
    if found is None:
        throttle.record_failure(session, checks)
        session.commit()
        raise NotFound(N_("no open order at {point} has this pickup code", point=point.code),
                       field="code")
    return found


def close(session: Session, order: CustomerOrder) -> None:
    """Nothing is left to collect: the code is free for another order of the point."""
    row = order.pickup_code
    if row is not None and row.closed_at is None:
        row.closed_at = utcnow()
