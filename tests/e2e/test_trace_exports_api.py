"""Exports and the supplier scorecard over the API, on a day whose truck ran warm."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from coldchain.monitoring import lot_history, sensors
from coldchain.monitoring.ingest import Row, ingest
from coldchain.monitoring.models import Finding, FindingKind
from tests.e2e.test_trace_api import _day, _ok
from tests.unit.test_exports import VALIDATOR
from wms.db import transaction
from wms.models import Location, Lot, MoveKind, StockMove
from wms.models.base import utcnow

# When each phase of the day happened, hours before now: the ledger's clock is set back
# so that the truck's readings fall between loading and delivery.
HOURS_AGO = {"receive": 5, "load": 3, "deliver": 2, "handover": 1}


def _warm_truck(api, world, sessions, monkeypatch) -> tuple[dict[str, int], object]:
    now = utcnow().replace(microsecond=0)
    clock = {"at": now}
    monkeypatch.setattr("wms.ledger.utcnow", lambda: clock["at"])

    def step(phase: str) -> None:
        clock["at"] = now - timedelta(hours=HOURS_AGO[phase])

    ids = _day(api, world, sessions, step)
    monkeypatch.undo()
    with transaction(sessions) as s:
        truck = s.get(Location, world.locations["SH1-T01-C"])
        sensor = sensors.register(s, serial="TRUCK-1", sampling_interval_s=600, location=truck,
                                  at=now - timedelta(hours=6))
        s.add(Finding(kind=FindingKind.EXCURSION, sensor_id=sensor.id, location_id=truck.id,
                      rule="chilled", direction="high", threshold_c=5.0, delay_min=30,
                      severity="major", start=now - timedelta(hours=3),
                      end=now - timedelta(hours=2), peak_c=7.5, duration_s=3600,
                      degree_minutes=150, details={}))
    rows = [Row(str(i), "TRUCK-1", now - timedelta(hours=3) + timedelta(minutes=10 * i), 7.5)
            for i in range(7)]
    with transaction(sessions) as s:
        ingest(s, rows, [], source="json")
    return ids, now


def test_epcis_export_validates_and_carries_the_truck_temperatures(api, world, sessions,
                                                                    monkeypatch):
    ids, _ = _warm_truck(api, world, sessions, monkeypatch)
    resp = api.as_("buyer").get("/api/exports/epcis", query_string={"lot": ids["L-A"]})
    assert resp.status_code == 200, resp.json
    assert resp.mimetype == "application/ld+json"
    doc = resp.get_json(force=True)
    assert list(VALIDATOR.iter_errors(doc)) == []
    events = doc["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events] == (
        ["receiving"] + ["shipping"] * 3 + ["receiving"] * 2 + ["retail_selling"])
    assert sum(e["quantityList"][0]["quantity"] for e in events
               if e["bizStep"] == "shipping") == 22
    warm = [e["sensorElementList"][0]["sensorReport"][0] for e in events
            if e["bizStep"] == "receiving" and "sensorElementList" in e]
    assert warm and all(r["maxValue"] == 7.5 for r in warm)
    assert all(e["bizLocation"]["id"].startswith("http://localhost/id/") for e in events)

    fw = api.as_("buyer").get(f"/api/lots/{ids['L-A']}/trace").json
    temperature = fw["temperature"]
    assert temperature["readings"] == 7 and temperature["mkt_c"] is not None
    assert [x["peak_c"] for x in temperature["excursions"]] == [7.5]
    assert 0 < temperature["remaining_days"] < 7


def test_fsma_spreadsheet_for_a_lot_a_product_and_a_period(api, world, sessions, monkeypatch):
    ids, now = _warm_truck(api, world, sessions, monkeypatch)
    resp = api.as_("buyer").get("/api/exports/fsma.csv", query_string={"lot": ids["L-A"]})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["Critical Tracking Event"] for r in rows] == (
        ["Receiving"] + ["Shipping"] * 3 + ["Receiving (pickup point)"] * 2
        + ["Sale to consumer"])
    assert {r["Traceability Lot Code"] for r in rows} == {"L-A"}
    assert rows[0]["Reference Document Number"] == "PO-7788"
    assert rows[0]["Traceability Lot Code Source Location Description"].startswith(
        "Test greenhouse")
    assert rows[-1]["Reference Document Number"] == "WEB-1"
    assert sum(int(r["Quantity"]) for r in rows if r["Critical Tracking Event"] == "Shipping"
               ) == 22

    product = api.as_("buyer").get("/api/exports/fsma.csv", query_string={"product": "C00002"})
    lots = [r["Traceability Lot Code"] for r in csv.DictReader(
        io.StringIO(product.get_data(as_text=True)))]
    assert lots.count("L-B") == 1 and lots.count("L-A") == 7
    local = (now - timedelta(hours=5)).astimezone(__import__("zoneinfo").ZoneInfo(
        "Asia/Shanghai")).date()
    before = api.as_("buyer").get("/api/exports/fsma.csv", query_string={
        "from": (local - timedelta(days=10)).isoformat(),
        "to": (local - timedelta(days=1)).isoformat()})
    assert before.get_data(as_text=True).count("\n") == 1  # the header only


def test_scorecard_per_supplier_and_origin(api, world, sessions, monkeypatch):
    ids, _ = _warm_truck(api, world, sessions, monkeypatch)
    body = _ok(api.as_("buyer").get("/api/suppliers/scorecard"), 200)
    rows = {(r["supplier"], r["origin"]): r for r in body["suppliers"]}
    assert set(rows) == {("SUP-1", "ORG-1"), ("SUP-1", None)}
    farm = rows[("SUP-1", "ORG-1")]
    with sessions() as s:
        lot = s.get(Lot, ids["L-A"])
        to_expiry = (lot.expiry_date - lot.received_at.date()).days
        handed = s.scalars(select(StockMove.created_at).where(
            StockMove.lot_id == lot.id, StockMove.kind == MoveKind.HANDOVER)).all()
    assert (farm["lots"], farm["quantity_received"], farm["units_handed_over"]) == (1, 30, 12)
    assert (farm["excursions"], farm["excursions_per_lot"]) == (1, 1.0)
    assert farm["label_days_at_receipt"] == to_expiry
    assert farm["label_days_at_handover"] == (lot.expiry_date - handed[0].date()).days
    # From the temperature history: the warm truck took shelf life the label still shows.
    with sessions() as s:
        real = lot_history.history(s, ids["L-A"])
    assert farm["remaining_days_at_handover"] < farm["remaining_days_at_receipt"] <= 7
    assert farm["remaining_days_at_handover"] >= real.remaining_days - 0.01
    assert farm["remaining_share_at_receipt"] == pytest.approx(
        farm["remaining_days_at_receipt"] / 7, abs=1e-3)
    assert farm["lots_held"] == 0 and rows[("SUP-1", None)]["excursions"] == 0

    _ok(api.as_("buyer").post(f"/api/lots/{ids['L-B']}/recall",
                              headers={"Idempotency-Key": "recall-lb"},
                              json={"reason": "label error"}))
    after = {(r["supplier"], r["origin"]): r for r in api.as_("buyer").get(
        "/api/suppliers/scorecard").json["suppliers"]}
    assert (after[("SUP-1", None)]["lots_held"], after[("SUP-1", None)]["held_share"]) == (1, 1.0)

    text = api.as_("admin").get("/api/suppliers/scorecard.csv").get_data(as_text=True)
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 2 and table[0]["supplier"] == "SUP-1"
    assert api.as_("driver").get("/api/suppliers/scorecard").status_code == 403


def test_a_typed_name_that_looks_like_a_formula_stays_text_in_the_spreadsheet(
        api, world, sessions, monkeypatch):
    ids, _ = _warm_truck(api, world, sessions, monkeypatch)
    attack = '=HYPERLINK("http://x.example/")'
    with transaction(sessions) as s:
        s.get(Lot, ids["L-A"]).purchase_order = attack
    resp = api.as_("buyer").get("/api/exports/fsma.csv", query_string={"lot": ids["L-A"]})
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0]["Reference Document Number"] == "'" + attack
    assert rows[0]["Quantity"] == "30"  # numbers stay numbers
