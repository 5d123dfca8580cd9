"""Traceability for sourcing buyers: lot facts and search, forward and backward traces,
recalls, FSMA 204 and EPCIS exports, and the supplier scorecard.

The ledger answers where a lot went (``wms.trace``); what it felt on the way comes from
the cold-chain feature, and the two are put together here. Buyers and admins only:
this is sourcing data across every warehouse.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import exports, policy
from api.auth import current_user
from api.blueprints.scans import idempotent
from api.exports import measurable, measured
from api.lookups import one_or_404
from api.pagination import SelectPage
from api.runtime import db, runtime
from api.schemas.master import LotSchema
from api.schemas.trace import (
    CSV,
    EPCIS_DOCUMENT,
    BackwardQuerySchema,
    BackwardSchema,
    EpcisQuerySchema,
    ExportQuerySchema,
    ForwardSchema,
    LotFactsSchema,
    LotSearchSchema,
    ReasonSchema,
    RecallReportSchema,
    ScorecardQuerySchema,
    ScorecardSchema,
)
from coldchain.monitoring import scorecard
from coldchain.monitoring.lot_history import history
from wms import lineage, recall, trace
from wms.models import (
    Lot,
    LotRecall,
    Origin,
    Product,
    Supplier,
    User,
)

blp = Blueprint("trace", __name__, url_prefix="/api",
                description="Traceability: lot facts, traces, recalls, exports, scorecards")


@blp.route("/lots/<int:lot_id>/facts")
class LotFacts(MethodView):
    @policy.rule("trace.read")
    @blp.doc(responses={"200": {"description": "OK", "content": {
        "application/json": {"schema": LotFactsSchema}}}})
    def get(self, lot_id: int):
        """Product, supplier, origin, dates, purchase order, buyer, certifications, expiry,
        status, and quantities received, on hand, delivered, handed over and scrapped."""
        out = trace.facts(db(), lot_id)
        current = recall.open_recall(db(), lot_id)
        out["recall"] = _record(current) if current else None
        out["lineage"] = lineage.both(db(), lot_id)
        return _jsonable(out)


@blp.route("/trace/lots")
class LotSearch(MethodView):
    @policy.rule("trace.read")
    @blp.arguments(LotSearchSchema, location="query")
    @blp.response(200, LotSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        """Lots by code, GTIN, SKU, supplier, origin, country, buyer, purchase order,
        certification, status, and harvest, receipt and expiry dates (filters combine)."""
        stmt = (select(Lot).join(Product, Product.id == Lot.product_id)
                .outerjoin(Supplier, Supplier.id == Lot.supplier_id)
                .outerjoin(Origin, Origin.id == Lot.origin_id)
                .options(selectinload(Lot.product), selectinload(Lot.supplier),
                         selectinload(Lot.origin)))
        equal = {"lot_code": Lot.lot_code, "sku": Product.sku, "supplier": Supplier.code,
                 "origin": Origin.code, "status": Lot.status,
                 "purchase_order": Lot.purchase_order}
        for key, column in equal.items():
            if key in args:
                stmt = stmt.where(column == args[key])
        if "q" in args:
            stmt = stmt.where(Lot.lot_code.ilike(f"%{args['q']}%"))
        if "gtin" in args:
            stmt = stmt.where(Product.gtin == args["gtin"].zfill(14))
        if "country" in args:
            code = args["country"].upper()
            stmt = stmt.where((Origin.country == code) | (Lot.country_of_origin == code))
        if "certification" in args:
            like = f"%{args['certification']}%"
            stmt = stmt.where(Lot.certifications.ilike(like) | Origin.certifications.ilike(like))
        if "buyer" in args:
            stmt = stmt.join(User, User.id == Lot.buyer_id).where(User.username == args["buyer"])
        days = {"harvested": Lot.harvest_date, "expires": Lot.expiry_date}
        for prefix, column in days.items():
            if f"{prefix}_from" in args:
                stmt = stmt.where(column >= args[f"{prefix}_from"])
            if f"{prefix}_to" in args:
                stmt = stmt.where(column <= args[f"{prefix}_to"])
        if "received_from" in args:
            stmt = stmt.where(Lot.received_at >= trace.day_window(args["received_from"],
                                                                  "UTC")[0])
        if "received_to" in args:
            stmt = stmt.where(Lot.received_at < trace.day_window(args["received_to"], "UTC")[1])
        return stmt.order_by(Lot.received_at.desc(), Lot.id.desc())


@blp.route("/lots/<int:lot_id>/trace")
class ForwardTrace(MethodView):
    @policy.rule("trace.read")
    @blp.response(200, ForwardSchema)
    def get(self, lot_id: int):
        """Forward trace: every move (where, when, who), the orders, vehicles, routes and
        pickup points the lot reached, and what it felt on the way when readings exist."""
        session = db()
        fw = trace.forward(session, lot_id)
        lot = trace.get_lot(session, lot_id)
        return {
            "lot": _jsonable({"id": lot.id, "lot_code": lot.lot_code, "sku": lot.product.sku,
                              "product": lot.product.name, "status": lot.status.value,
                              "expiry_date": lot.expiry_date, **trace.origin_of(lot)}),
            "quantities": fw.quantities.as_dict(),
            "stock": [_stock(p, n) for p, n in fw.stock],
            "moves": fw.moves, "orders": _jsonable(fw.orders),
            "vehicles": _jsonable(fw.vehicles), "routes": fw.routes,
            "pickup_points": fw.pickup_points, "temperature": _exposure(lot_id),
            "lineage": _jsonable(lineage.both(session, lot_id, with_places=True)),
        }


@blp.route("/trace/backward")
class BackwardTrace(MethodView):
    @policy.rule("trace.read")
    @blp.arguments(BackwardQuerySchema, location="query")
    @blp.response(200, BackwardSchema)
    def get(self, args: dict):
        """Backward trace from a delivery (a move), an order, or a pickup point and day:
        the lots delivered and handed over there, each with its origin."""
        session = db()
        if "move" in args:
            found = trace.from_move(session, args["move"])
        elif "order" in args:
            found = trace.from_order(session, args["order"])
        else:
            found = trace.from_pickup_point(session, args["pickup_point"], args["date"])
        return {"subject": _jsonable(found.subject), "lots": _jsonable(found.lots),
                "moves": found.moves}


@blp.route("/lots/<int:lot_id>/recall")
class LotRecallView(MethodView):
    @policy.rule("trace.recall")
    @idempotent
    @blp.arguments(ReasonSchema)
    @blp.response(201, RecallReportSchema)
    @blp.alt_response(200, schema=RecallReportSchema,
                      description="the lot was already recalled; nothing changed")
    @blp.alt_response(428, description="the Idempotency-Key header is missing")
    def post(self, args: dict, lot_id: int):
        """Recall a lot: its stock in the warehouses goes to quarantine, unpicked
        reservations are released, and stock on trucks and at pickup points may no longer
        be handed over. The report lists where the lot went and what is still in stock."""
        found = recall.recall_lot(db(), lot_id, args["reason"], actor_id=current_user().id)
        db().flush()
        body = _report(found)
        return (body, 201) if found.created else (body, 200)

    @policy.rule("trace.read")
    @blp.response(200, RecallReportSchema)
    def get(self, lot_id: int):
        """The lot's recall (open or latest), pickup points and orders already served, and
        what is still in stock per location."""
        return _report(recall.report(db(), lot_id))


@blp.route("/lots/<int:lot_id>/recall/release")
class ReleaseRecall(MethodView):
    @policy.rule("trace.recall")
    @idempotent
    @blp.arguments(ReasonSchema)
    @blp.response(200, RecallReportSchema)
    def post(self, args: dict, lot_id: int):
        """End a recall, with the reason; who and when are recorded."""
        found = recall.release_recall(db(), lot_id, args["reason"], actor_id=current_user().id)
        db().flush()
        return _report(found)


@blp.route("/exports/fsma.csv")
class FsmaExport(MethodView):
    @policy.rule("trace.read")
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, CSV, content_type="text/csv")
    def get(self, args: dict):
        """Critical tracking events as an FSMA 204 electronic sortable spreadsheet."""
        return Response(exports.fsma_csv(runtime().sessions, _filters(args)),
                        mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{_filename(args, "csv")}"'})


@blp.route("/exports/epcis")
class EpcisExport(MethodView):
    @policy.rule("trace.read")
    @blp.arguments(EpcisQuerySchema, location="query")
    @blp.response(200, EPCIS_DOCUMENT, content_type="application/ld+json")
    def get(self, args: dict):
        """Critical tracking events as a GS1 EPCIS 2.0 JSON-LD document, with temperature
        sensor reports where readings exist."""
        return Response(exports.epcis_json(
            runtime().sessions, _filters(args), base_uri=request.url_root,
            prefix_length=args["company_prefix_length"]), mimetype="application/ld+json")


@blp.route("/suppliers/scorecard")
class Scorecard(MethodView):
    @policy.rule("trace.read")
    @blp.arguments(ScorecardQuerySchema, location="query")
    @blp.response(200, ScorecardSchema)
    def get(self, args: dict):
        """Per supplier and origin: lots and quantity received, share held, scrapped or
        spoiled, excursions per lot, shelf life left at receipt and at handover."""
        rows = scorecard.scorecard(db(), args.get("from_"), args.get("to"))
        return {"from": args.get("from_"), "to": args.get("to"),
                "suppliers": scorecard.to_dicts(rows)}


@blp.route("/suppliers/scorecard.csv")
class ScorecardCsv(MethodView):
    @policy.rule("trace.read")
    @blp.arguments(ScorecardQuerySchema, location="query")
    @blp.response(200, CSV, content_type="text/csv")
    def get(self, args: dict):
        """The supplier scorecard as CSV."""
        rows = scorecard.scorecard(db(), args.get("from_"), args.get("to"))
        return Response(scorecard.to_csv(rows), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="supplier-scorecard.csv"'})


# --- composition --------------------------------------------------------------------


def _filters(args: dict) -> dict[str, Any]:
    """What an export covers; an unknown lot or product is a 404 before streaming starts."""
    session = db()
    lot_id = product_id = None
    if "lot" in args:
        lot_id = trace.get_lot(session, args["lot"]).id
    if "product" in args:
        product_id = one_or_404(Product, "product", sku=args["product"]).id
    return {"lot_id": lot_id, "product_id": product_id, "start": args.get("from_"),
            "end": args.get("to")}


def _filename(args: dict, ext: str) -> str:
    parts = ["fsma204"]
    for key in ("lot", "product", "from_", "to"):
        if key in args:
            parts.append(f"{key.rstrip('_')}-{args[key]}")
    return "_".join(parts) + f".{ext}"


def _exposure(lot_id: int) -> dict[str, Any] | None:
    if not measurable(db(), lot_id):
        return None
    found = history(db(), lot_id)
    if not any(s.readings for s in found.stints):
        return None
    times, _ = measured(found)
    mkt_c = found.mkt_c()
    return {
        **found.summary(), "readings": int(times.size),
        "mkt_c": None if mkt_c is None else round(mkt_c, 2),
        "excursions": [{"id": f.id, "location": f.location.code, "sensor": f.sensor.serial,
                        "direction": f.direction, "start": f.start.isoformat(),
                        "end": f.end.isoformat() if f.end else None, "peak_c": f.peak_c,
                        "duration_s": f.duration_s, "severity": f.severity}
                       for f in found.excursions],
    }


def _stock(place: trace.Place, n: int) -> dict[str, Any]:
    return {"location": place.code, "name": place.name, "area": place.area,
            "warehouse": place.warehouse, "vehicle": place.vehicle,
            "pickup_point": place.pickup_point, "on_hand": n}


def _username(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = db().get(User, user_id)
    return user.username if user else None


def _record(r: LotRecall) -> dict[str, Any]:
    return {"id": r.id, "reason": r.reason, "previous_status": r.previous_status.value,
            "recalled_by": _username(r.recalled_by), "recalled_at": r.recalled_at,
            "released_by": _username(r.released_by), "released_at": r.released_at,
            "release_reason": r.release_reason}


def _report(found: recall.RecallReport) -> dict[str, Any]:
    lot = found.lot
    return {
        "lot_id": lot.id, "lot_code": lot.lot_code, "status": lot.status.value,
        "recalled": found.recall is not None and found.recall.released_at is None,
        "created": found.created,
        "recall": _record(found.recall) if found.recall else None,
        "history": [_record(r) for r in recall.recalls(db(), lot.id)],
        "moves": [{"id": m.id, "kind": m.kind.value, "quantity": m.quantity,
                   "from_": m.from_location.code if m.from_location else None,
                   "to": m.to_location.code if m.to_location else None}
                  for m in found.moves],
        "released_reservations": found.released_reservations,
        **_jsonable(found.summary()),
    }


def _jsonable(value: Any) -> Any:
    """Dates and times as ISO strings, for answers built from plain dicts."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
