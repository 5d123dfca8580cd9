"""What a scan would do, and whether it would be refused, without writing anything."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from wms.errors import Conflict
from wms.ledger import balance, check_step, step_of
from wms.move_rules import MoveRefused
from wms.po_receiving import check_over_receipt
from wms.scanning import KIND, ScanPlan
from wms.stock import temperature_problem


def preview(session: Session, plan: ScanPlan) -> dict[str, Any]:
    """What the scan would do, and whether it would be refused, without writing."""
    q = plan.quantity
    product = plan.product
    what = f"{q if q is not None else 'all reserved'} × {product.sku} lot {plan.lot_code}"
    refusal: str | None = None
    available: int | None = None
    if plan.src is not None and plan.lot is not None:
        on_hand, reserved = balance(session, plan.src.id, plan.lot.id)
        available = on_hand - reserved
        if plan.action in KIND and q is not None and q > available:
            refusal = (f"only {available} of {product.sku} lot {plan.lot_code} available at "
                       f"{plan.src.code}")
    if plan.lot is not None and plan.action in KIND and refusal is None:
        place = plan.src or plan.dst
        assert place is not None
        try:
            check_step(session, plan.lot, place, step_of(KIND[plan.action], plan.src, plan.dst))
        except MoveRefused as exc:
            refusal = exc.detail
    if plan.probe is not None and plan.probe.warm and refusal is None:
        if plan.warm_goods == "refuse":
            refusal = f"refused: {plan.probe.reason}"
        else:
            plan.hints.append(f"{plan.probe.reason}: would go to quarantine, on hold")
    if plan.dst is not None and plan.action in KIND and refusal is None:
        problem = temperature_problem(product, plan.dst)
        if problem and not plan.override_reason:
            refusal = problem
    if plan.po is not None and plan.action == "receive" and refusal is None and q is not None:
        try:
            check_over_receipt(plan.po.line, q, plan.over_receipt_pct)
        except Conflict as exc:
            refusal = exc.detail
    if plan.action == "reject":
        assert plan.po is not None
        would = (f"record {what} as rejected ({plan.reason}) on {plan.po.order.ref} line "
                 f"{plan.po.line.line_no}; nothing enters stock")
    elif plan.action == "receive":
        new = "new lot " if plan.lot is None else ""
        would = f"receive {what} ({new}expiring {plan.expiry}) into {plan.dst.code}"  # type: ignore[union-attr]
    elif plan.action == "count":
        on_hand = balance(session, plan.src.id, plan.lot.id)[0] if plan.lot else 0  # type: ignore[union-attr]
        diff = (q or 0) - on_hand
        would = (f"count {q} of {product.sku} lot {plan.lot_code} at {plan.src.code}: "  # type: ignore[union-attr]
                 + ("no change" if diff == 0 else f"adjust {'+' if diff > 0 else ''}{diff}"))
    else:
        dest = plan.dst.code if plan.dst else "staging"
        src = plan.src.code if plan.src else "staging"
        would = f"{plan.action} {what} from {src} to {dest}"
        if plan.action == "scrap":
            would = f"scrap {what} at {src}: {plan.reason}"
    return {"action": plan.action, "would": would, "refused": refusal,
            "available": available, "plan": plan}
