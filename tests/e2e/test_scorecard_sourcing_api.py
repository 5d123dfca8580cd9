"""The supplier scorecard from purchase orders over HTTP: on time and in full, units
refused per reason, probe temperatures at receipt, and its CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import label

TZ = ZoneInfo("Asia/Shanghai")


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _sent(api, ref: str, day, quantity: int = 100) -> None:
    buyer = api.as_("buyer")
    made = buyer.post("/api/purchase-orders", json={
        "ref": ref, "supplier": "SUP-1", "warehouse": "SH1", "expected_date": day.isoformat(),
        "window_start": "00:00:00", "window_end": "23:59:00",
        "lines": [{"sku": "C00002", "quantity": quantity, "unit_price": 3, "origin": "ORG-1"}]})
    assert made.status_code == 201, made.json
    assert buyer.post(f"/api/purchase-orders/{ref}/send").status_code == 200


def _receive(api, world, ref: str, lot: str, count: int, probe: float):
    got = api.as_("staff").post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC", "purchase_order": ref,
        "probe_temp_c": probe, "barcode": label(world.gtins["C00002"], lot=lot,
                                                expiry=datetime.now(TZ).date()
                                                + timedelta(days=6), count=count)})
    assert got.status_code == 201, got.json


def test_otif_rejections_and_probes_per_supplier_and_origin(api, world):
    today = datetime.now(TZ).date()
    # Due yesterday, came today, short, and a warm pallet refused.
    _sent(api, "PO-S-LATE", today - timedelta(days=1))
    _receive(api, world, "PO-S-LATE", "S-L1", 60, 3.0)
    rejected = api.as_("staff").post("/api/purchase-orders/PO-S-LATE/rejections",
                                     headers=_key(), json={
                                         "line": 1, "quantity": 20, "reason": "temperature",
                                         "probe_temp_c": 9.5})
    assert rejected.status_code == 201, rejected.json
    closed = api.as_("buyer").post("/api/purchase-orders/PO-S-LATE/close",
                                   json={"reason": "the rest was not harvested"})
    assert closed.status_code == 200, closed.json
    # Due today, came in its window, whole; one pallet probed warm (quarantined).
    _sent(api, "PO-S-GOOD", today)
    _receive(api, world, "PO-S-GOOD", "S-G1", 50, 4.0)
    _receive(api, world, "PO-S-GOOD", "S-G2", 50, 6.0)
    # A draft and an order still within its window are not judged.
    _sent(api, "PO-S-LATER", today + timedelta(days=1))

    body = api.as_("buyer").get("/api/suppliers/scorecard", query_string={
        "from": (today - timedelta(days=3)).isoformat(),
        "to": (today + timedelta(days=3)).isoformat()})
    assert body.status_code == 200, body.json
    row = next(r for r in body.json["suppliers"] if r["origin"] == "ORG-1")
    assert row["po_lines"] == 2
    assert (row["on_time_share"], row["in_full_share"], row["otif_share"]) == (0.5, 0.5, 0.5)
    assert (row["units_ordered"], row["units_rejected"]) == (200, 20)
    assert row["rejected_temperature_share"] == round(20 / 180, 4)
    assert row["rejected_share"] == round(20 / 180, 4)
    assert row["rejected_damaged_share"] == 0.0
    # Three receipt probes and the refused pallet's: 6.0 and 9.5 are over 5.0 °C.
    assert (row["probes"], row["probe_max_c"], row["probe_out_of_range_share"]) == \
        (4, 9.5, 0.5)
    assert row["probe_mean_c"] == round((3.0 + 4.0 + 6.0 + 9.5) / 4, 2)
    assert row["lots"] == 3 and row["lots_held"] == 1
    assert 0 < row["remaining_days_at_receipt"] <= 7

    text = api.as_("buyer").get("/api/suppliers/scorecard.csv", query_string={
        "from": (today - timedelta(days=3)).isoformat(),
        "to": (today + timedelta(days=3)).isoformat()}).get_data(as_text=True)
    table = {r["origin"]: r for r in csv.DictReader(io.StringIO(text))}
    assert table["ORG-1"]["otif_share"] == "0.5"
    assert table["ORG-1"]["rejected_temperature_share"] == str(round(20 / 180, 4))
