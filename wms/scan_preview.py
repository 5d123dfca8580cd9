"""What a scan would do, and whether it would be refused, without writing anything."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from wms.errors import Conflict
from wms.i18n import N_
from wms.ledger import balance
from wms.lot_state import check_step, step_of
from wms.move_rules import MoveRefused
from wms.po_receiving import check_over_receipt
from wms.scanning import ACTION_NAMES, KIND, ScanPlan
from wms.stock import temperature_problem


def preview(session: Session, plan: ScanPlan) -> dict[str, Any]:
    """What the scan would do, and whether it would be refused, without writing."""
    q = plan.quantity
    product = plan.product
    what = (N_("{quantity} × {sku} lot {lot}", quantity=q, sku=product.sku, lot=plan.lot_code)
            if q is not None else
            N_("all reserved × {sku} lot {lot}", sku=product.sku, lot=plan.lot_code))
    refusal: str | None = None
    fix: str | None = None  # the field that would let the scan through
    available: int | None = None
    if plan.src is not None and plan.lot is not None:
        on_hand, reserved = balance(session, plan.src.id, plan.lot.id)
        available = on_hand - reserved
        if plan.action in KIND and q is not None and q > available:
            refusal = N_("only {available} of {sku} lot {lot} available at {location}",
                         available=available, sku=product.sku, lot=plan.lot_code,
                         location=plan.src.code)
    if plan.lot is not None and plan.action in KIND and refusal is None:
        place = plan.src or plan.dst
        assert place is not None
        try:
            check_step(session, plan.lot, place, step_of(KIND[plan.action], plan.src, plan.dst))
        except MoveRefused as exc:
            refusal = exc.detail
    if plan.probe is not None and plan.probe.warm and refusal is None:
        if plan.warm_goods == "refuse":
            refusal = N_("refused: {reason}", reason=plan.probe.reason)
        else:
            plan.hints.append(N_("{reason}: would go to quarantine, on hold",
                                 reason=plan.probe.reason))
    if plan.dst is not None and plan.action in KIND and refusal is None:
        problem = temperature_problem(product, plan.dst)
        if problem and not plan.override_reason:
            refusal, fix = problem, "override_reason"
    if plan.po is not None and plan.action == "receive" and refusal is None and q is not None:
        try:
            check_over_receipt(plan.po.line, q, plan.over_receipt_pct)
        except Conflict as exc:
            refusal = exc.detail
    src = plan.src.code if plan.src else N_("staging")
    dest = plan.dst.code if plan.dst else N_("staging")
    if plan.action == "reject":
        assert plan.po is not None
        would = N_("record {what} as rejected ({reason}) on {order} line {line}; nothing "
                   "enters stock", what=what, reason=plan.reason, order=plan.po.order.ref,
                   line=plan.po.line.line_no)
    elif plan.action == "receive":
        would = (N_("receive {what} (new lot expiring {expiry}) into {to}", what=what,
                    expiry=plan.expiry, to=dest) if plan.lot is None else
                 N_("receive {what} (expiring {expiry}) into {to}", what=what,
                    expiry=plan.expiry, to=dest))
    elif plan.action == "count":
        on_hand = balance(session, plan.src.id, plan.lot.id)[0] if plan.lot else 0  # type: ignore[union-attr]
        diff = (q or 0) - on_hand
        change = (N_("no change") if diff == 0 else
                  N_("adjust {diff}", diff=format(diff, "+d")))
        would = N_("count {quantity} of {sku} lot {lot} at {at}: {change}", quantity=q,
                   sku=product.sku, lot=plan.lot_code, at=src, change=change)
    elif plan.action == "scrap":
        would = N_("scrap {what} at {at}: {reason}", what=what, at=src, reason=plan.reason)
    else:
        would = N_("{action} {what} from {src} to {to}", action=ACTION_NAMES[plan.action],
                   what=what, src=src, to=dest)
    return {"action": plan.action, "would": would, "refused": refusal, "refused_field": fix,
            "available": available, "plan": plan}
