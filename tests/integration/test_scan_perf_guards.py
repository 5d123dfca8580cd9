"""What keeps scans fast must not change what they answer or what they refuse.

The scan endpoint writes its answer without marshmallow, resolves product, lot and
locations in one query and writes the last balance change with the move: these
tests hold the answer to the schema's, bound the statements per scan, and show
that nothing about a location or a token is remembered between requests.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event, select, update

from api.blueprints.scans import scan_result_json
from api.schemas.inventory import ScanResultSchema
from tests.factories import label, receive
from wms import scanning
from wms.db import transaction
from wms.models import ApiToken, Location
from wms.receipt_probe import ProbeLimits

SOON = date.today() + timedelta(days=40)


def _schema_answer(plan: scanning.ScanPlan, outcome: scanning.ScanOutcome) -> dict:
    lot = plan.lot
    return ScanResultSchema().dump({
        "action": plan.action,
        "product": {"sku": plan.product.sku, "gtin": plan.product.gtin,
                    "name": plan.product.name, "name_zh": plan.product.name_zh,
                    "temp_class": plan.product.temp_class.value,
                    "unit": plan.product.unit},
        "lot": {"id": lot.id, "lot_code": lot.lot_code, "expiry_date": lot.expiry_date,
                "best_before": lot.best_before, "status": lot.status.value},
        "lot_created": outcome.lot_created, "quantity": plan.quantity,
        "net_weight_kg": plan.data.net_weight_kg, "moves": outcome.moves,
        "hints": plan.hints,
        "probe": None if plan.probe is None else {
            "probe_temp_c": plan.probe.probe_temp_c, "limit_c": plan.probe.limit_c,
            "outcome": "quarantined" if plan.probe.warm else "accepted"},
        "warnings": outcome.warnings, "purchase_order": None})


PROBE_LIMITS = ProbeLimits.from_dict({"classes": {"chilled": {"max_c": 4.0, "tolerance_c": 1.0}}})


def test_the_scan_answer_is_what_the_schema_would_write(sessions, world):
    receive(sessions, world, "F00001", "FZ", "SH1-REC", 10)
    requests = [
        dict(action="receive", location="SH1-REC", supplier="SUP-1",
             barcode=label(world.gtins["C00002"], "W1", SOON, 12, ai3103="002500",
                           ai11="260101")),
        dict(action="putaway", barcode=label(world.gtins["F00001"], "FZ"), quantity=4,
             override_reason="frozen room full", **{"from": "SH1-REC", "to": "SH1-C-A01-01"}),
        dict(action="count", barcode=label(world.gtins["F00001"], "FZ"), quantity=5,
             location="SH1-REC", reason="recount"),
        dict(action="scrap", barcode=label(world.gtins["F00001"], "FZ"), quantity=1,
             location="SH1-REC", reason="crushed crate"),
        dict(action="receive", location="SH1-REC", probe_temp_c=9.5,
             barcode=label(world.gtins["C00002"], "WARM", SOON, 6)),
        dict(action="receive", location="SH1-REC",
             barcode=f"01{world.gtins['A00003']}10GLUE17{SOON:%y%m%d}", quantity=1),
    ]
    for request in requests:
        with transaction(sessions) as s:
            plan = scanning.plan_scan(s, request, separator="|",
                                      warehouse_ids={world.warehouses["SH1"]},
                                      probe_limits=PROBE_LIMITS)
            outcome = scanning.execute_scan(s, plan, actor_id=world.users["staff"],
                                            idempotency_key=uuid.uuid4().hex)
            assert outcome.moves, request
            assert scan_result_json(plan, outcome) == _schema_answer(plan, outcome), request
    assert Decimal(scan_result_json(plan, outcome)["moves"][0]["quantity"]) == 1


def _count_statements(app):
    engine = app.extensions["wms"].engine
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN IMMEDIATE
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return seen


def test_a_receive_scan_is_a_handful_of_statements(app, api, world):
    staff = api.as_("staff")
    body = {"action": "receive", "location": "SH1-REC",
            "barcode": label(world.gtins["F00001"], "ST", SOON, 3)}
    # The first request of a token records its use; the next ones within a minute do not.
    assert staff.post("/api/scans", json=body,
                      headers={"Idempotency-Key": uuid.uuid4().hex}).status_code == 201
    seen = _count_statements(app)
    assert staff.post("/api/scans", json=body,
                      headers={"Idempotency-Key": uuid.uuid4().hex}).status_code == 201
    # Token and user; key; product, lot and location; balance and move (one statement on
    # PostgreSQL, two on SQLite); is the place in a temperature alarm; key stored.
    postgres = app.extensions["wms"].engine.dialect.name == "postgresql"
    assert len(seen) <= (6 if postgres else 7), seen


def test_a_deactivated_location_and_a_revoked_token_are_refused_at_once(api, world, sessions):
    staff = api.as_("staff")
    body = {"action": "receive", "location": "SH1-REC",
            "barcode": label(world.gtins["F00001"], "DA", SOON, 2)}
    assert staff.post("/api/scans", json=body,
                      headers={"Idempotency-Key": uuid.uuid4().hex}).status_code == 201
    with transaction(sessions) as s:
        s.execute(update(Location).where(Location.code == "SH1-REC").values(active=False))
    refused = staff.post("/api/scans", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert refused.status_code == 422
    assert "there is no location 'SH1-REC'" in refused.json["errors"]["location"][0]
    with transaction(sessions) as s:
        token_id = s.scalar(select(ApiToken.id).where(ApiToken.user_id == world.users["staff"]))
        s.execute(update(ApiToken).where(ApiToken.id == token_id)
                  .values(revoked_at=ApiToken.created_at))
    assert staff.post("/api/scans", json=body,
                      headers={"Idempotency-Key": uuid.uuid4().hex}).status_code == 401
