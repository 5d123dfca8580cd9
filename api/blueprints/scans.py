"""Handheld scans: one endpoint per scan, and a preview that writes nothing.

Scanner writes carry an ``Idempotency-Key`` header (see ``idempotent``); without
it they are refused with 428 Precondition Required, whose problem names the header.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, json, request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.utils import deepupdate
from sqlalchemy.exc import IntegrityError

from api import policy
from api.auth import current_user
from api.errors import problem
from api.i18n import tr
from api.runtime import db, runtime
from api.schemas.inventory import ScanPreviewSchema, ScanResultSchema, ScanSchema
from coldchain.monitoring.alarm_rules import load as load_rules
from wms import idempotency, scan_preview, scanning, scope
from wms.errors import DomainError
from wms.i18n import N_
from wms.models import Location, StockMove
from wms.receipt_probe import ProbeLimits

# One instance for every request: given the class, the argument parser would build
# a new schema per request.
SCAN_SCHEMA = ScanSchema()

blp = Blueprint("scans", __name__, url_prefix="/api",
                description="Handheld scans: receive, put away, move, pick, load, count, scrap")


def idempotent(fn: Callable) -> Callable:
    """Run a scanner write once per ``Idempotency-Key``; commit it with the stored response.

    The wrapped view must not commit: the key row and the write commit together,
    so a replay either finds both or neither.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        key = request.headers.get(idempotency.HEADER, "").strip()
        if not key or len(key) > idempotency.MAX_LENGTH:
            why = N_("missing") if not key else N_("longer than {most} characters",
                                                    most=idempotency.MAX_LENGTH)
            return problem(
                428, N_("Precondition Required"),
                N_("send an {header} header (a new unique value per scan, the same value when "
                   "retrying) with every scanner write", header=idempotency.HEADER),
                errors={idempotency.HEADER: [why]})
        user, session = current_user(), db()
        digest = idempotency.request_hash(request.method, request.path, request.get_data())
        stored = idempotency.lookup(session, user.id, key)
        if stored is not None:
            return _replayed(*idempotency.replay(stored, digest))
        try:
            response = fn(*args, **kwargs)
            if not 200 <= response.status_code < 300:
                return response
            if idempotency.store(session, user_id=user.id, key=key, digest=digest,
                                 method=request.method, path=request.path,
                                 status=response.status_code, body=response.get_json()):
                session.commit()
                return response
        except (IntegrityError, DomainError):
            # The write collided with a concurrent duplicate: on a unique row it creates,
            # or it waited for that request's locks and then found the work done (a pick
            # with nothing left to pick, a stop already confirmed). If that request stored
            # the key, answer as it did.
            session.rollback()
            stored = idempotency.lookup(session, user.id, key)
            if stored is None:
                raise
            return _replayed(*idempotency.replay(stored, digest))
        # A concurrent request with the same key committed first: answer as it did.
        session.rollback()
        stored = idempotency.lookup(session, user.id, key)
        assert stored is not None
        return _replayed(*idempotency.replay(stored, digest))

    # The OpenAPI document shows the header and its 428 on every wrapped operation.
    wrapper.idempotent = True
    wrapper._apidoc = deepupdate(dict(getattr(fn, "_apidoc", {})),
                                 {"manual_doc": {"x-idempotent": True}})
    return wrapper


def _replayed(status: int, body: Any) -> Response:
    resp = Response(json.dumps(body), status=status, mimetype="application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _product(p) -> dict[str, Any]:
    return {"sku": p.sku, "gtin": p.gtin, "name": p.name, "name_en": p.name,
            "name_zh": p.name_zh, "temp_class": p.temp_class.value, "unit": p.unit}


def _lot(plan: scanning.ScanPlan) -> dict[str, Any]:
    lot = plan.lot
    if lot is None:
        return {"id": None, "lot_code": plan.lot_code, "expiry_date": plan.data.expiry,
                "best_before": plan.data.best_before, "status": None}
    return {"id": lot.id, "lot_code": lot.lot_code, "expiry_date": lot.expiry_date,
            "best_before": lot.best_before, "status": lot.status.value}


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(str(value)), "f")


def _code(location: Location | None) -> str | None:
    return None if location is None else location.code


def _move_json(m: StockMove) -> dict[str, Any]:
    """``MoveSchema``'s output, written out: a scan's answer is on the hot path."""
    return {"id": m.id, "kind": str(m.kind), "sku": m.product.sku, "lot_id": m.lot_id,
            "lot": m.lot.lot_code, "quantity": m.quantity, "from": _code(m.from_location),
            "to": _code(m.to_location), "reason": m.reason,
            "override_reason": m.override_reason, "actor_id": m.actor_id,
            "created_at": _iso(m.created_at), "order_id": m.order_id,
            "route_id": m.route_id, "reverses_id": m.reverses_id,
            "net_weight_kg": _decimal(m.net_weight_kg), "raw_scan": m.raw_scan,
            "witnessed_by": m.witnessed_by}


def scan_result_json(plan: scanning.ScanPlan, outcome: scanning.ScanOutcome
                     ) -> dict[str, Any]:
    """``ScanResultSchema``'s output for a scan, built without the schema.

    The schema still documents the response; tests hold the two to the same output.
    """
    lot = _lot(plan)
    lot["expiry_date"], lot["best_before"] = _iso(lot["expiry_date"]), _iso(lot["best_before"])
    return {"action": plan.action, "product": _product(plan.product), "lot": lot,
            "lot_created": outcome.lot_created, "quantity": plan.quantity,
            "net_weight_kg": _decimal(plan.data.net_weight_kg),
            "moves": [_move_json(m) for m in outcome.moves], "hints": tr(list(plan.hints)),
            "probe": _probe_json(plan), "warnings": tr(list(outcome.warnings)),
            "purchase_order": _po_json(plan)}


def _po_json(plan: scanning.ScanPlan) -> dict[str, Any] | None:
    if plan.po is None:
        return None
    order, line = plan.po.order, plan.po.line
    return {"ref": order.ref, "state": order.state.value, "line": line.line_no,
            "ordered": line.quantity, "received": line.received, "rejected": line.rejected,
            "open": line.open_quantity, "sscc": plan.data.sscc,
            "rejection_reason": plan.rejection.reason.value if plan.rejection else None}


def _probe_json(plan: scanning.ScanPlan) -> dict[str, Any] | None:
    probe = plan.probe
    if probe is None:
        return None
    return {"probe_temp_c": probe.probe_temp_c, "limit_c": probe.limit_c,
            "outcome": "quarantined" if probe.warm else "accepted"}


def _plan(args: dict) -> scanning.ScanPlan:
    settings = runtime().settings
    return scanning.plan_scan(db(), args, separator=settings.scan_separator,
                              warehouse_ids=scope.visible_warehouse_ids(current_user()),
                              bounds=settings.scan_bounds,
                              probe_limits=ProbeLimits.from_dict(load_rules().receiving),
                              over_receipt_pct=settings.po_over_receipt_pct)


@blp.route("/scans")
class Scans(MethodView):
    @policy.rule("stock.move")
    @idempotent
    @blp.arguments(SCAN_SCHEMA)
    @blp.response(201, ScanResultSchema)
    @blp.alt_response(409, description="not enough stock, a warmer zone without override, "
                                       "warm goods refused at receipt, or more received "
                                       "than the purchase order line allows")
    @blp.alt_response(422, description="the barcode or a location cannot be used")
    @blp.alt_response(428, description="the Idempotency-Key header is missing")
    def post(self, args: dict):
        """Record one scan; the barcode is the raw text the scanner sent."""
        plan = _plan(args)
        outcome = scanning.execute_scan(db(), plan, actor_id=current_user().id,
                                        idempotency_key=request.headers.get(idempotency.HEADER))
        return Response(json.dumps(scan_result_json(plan, outcome)), status=201,
                        mimetype="application/json")


@blp.route("/scans/preview")
class ScanPreview(MethodView):
    @policy.rule("stock.move")
    @blp.arguments(SCAN_SCHEMA)
    @blp.response(200, ScanPreviewSchema)
    def post(self, args: dict):
        """Read and resolve a scan and say what it would do; nothing is written."""
        plan = _plan(args)
        result = scan_preview.preview(db(), plan)
        return {**result, "would": tr(result["would"]), "refused": tr(result["refused"]),
                "product": _product(plan.product), "lot": _lot(plan),
                "lot_exists": plan.lot is not None, "quantity": plan.quantity,
                "net_weight_kg": plan.data.net_weight_kg,
                "country_of_origin": plan.data.country_of_origin, "hints": tr(list(plan.hints))}
