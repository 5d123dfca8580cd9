"""Texts the software stored for people (alerts, hold reasons) read in each reader's
language, on the API and on the pages; what a person typed stays as typed."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.test_exposure_api import _now5, _readings, _sensor
from tests.e2e.test_i18n import EN, ZH
from tests.e2e.test_pages import page_token, sign_in
from tests.e2e.test_pages import people as people  # the fixture, re-exported for these tests
from tests.factories import label, receive
from wms.models import Lot


def test_texts_the_software_stored_read_in_the_readers_language(api, client, people,
                                                                sessions, world):
    """An alert, the lot it held and the hold's reason are written once, when the lot
    enters a compartment in alarm; each reader reads them in their own language later,
    and what a person typed stays as typed."""
    now = _now5()
    _sensor(api, "TRUCK-1", "SH1-T01-C")
    _readings(api, "TRUCK-1", [(now - timedelta(minutes=150), now, 9.4)])
    lot_id = receive(sessions, world, "C00002", "L-ZH", "SH1-REC", 10)
    scan = {"barcode": label(world.gtins["C00002"], lot="L-ZH"), "action": "move",
            "from": "SH1-REC", "to": "SH1-T01-C", "quantity": 4}
    assert api.as_("staff").post("/api/scans", json=scan,
                                 headers={"Idempotency-Key": "zh-1"}).status_code == 201

    def card(headers):
        alerts = api.as_("staff").get("/api/alerts?status=open", headers=headers).json
        [found] = [a for a in alerts if a["severity"] == "severe"]
        return found

    en, zh = card(EN), card(ZH)
    assert en["message"].startswith("severe excursion at SH1-T01-C (sensor TRUCK-1): ")
    assert "; peak 9.4 °C" in en["message"] and " since " in en["message"]
    assert zh["message"].startswith("SH1-T01-C 严重超温（传感器 TRUCK-1）：")
    assert "；峰值 9.4 °C" in zh["message"] and "自 " in zh["message"]
    [held_en], [held_zh] = en["lots"], zh["lots"]
    assert held_en["message"].startswith("lot L-ZH (") and "put on hold: moved into" \
        in held_en["message"]
    assert held_zh["message"].startswith("批次 L-ZH（") and "已冻结：在 SH1-T01-C 处于温度报警" \
        "期间移入 SH1-T01-C" in held_zh["message"]

    reason_en = api.as_("staff").get(f"/api/lots/{lot_id}", headers=EN).json["status_reason"]
    reason_zh = api.as_("staff").get(f"/api/lots/{lot_id}", headers=ZH).json["status_reason"]
    assert reason_en.startswith("cold-chain exposure: moved into SH1-T01-C while SH1-T01-C")
    assert reason_zh.startswith("冷链暴露：在 SH1-T01-C 处于温度报警期间移入 SH1-T01-C")
    with sessions() as s:  # stored once, read as English by the ledger, logs and exports
        assert s.get(Lot, lot_id).status_reason == reason_en

    # The page prints the same stored texts in the reader's language.
    sign_in(client, "staff")
    client.post("/language", data={"language": "zh", "csrf_token": page_token(client)})
    page = client.get("/alerts").get_data(as_text=True)
    assert "SH1-T01-C 严重超温" in page and "severe excursion" not in page

    # A person's words are never looked up in the catalogue.
    url = f"/api/alerts/{zh['id']}/resolve"
    done = api.as_("staff").post(url, json={"action": "release", "comment": "released"},
                                 headers=ZH)
    assert done.status_code == 200, done.json
    assert [x["resolution_comment"] for x in done.json["lots"]] == ["released"]


def test_the_planners_explanations_read_in_the_readers_language(api, sessions, world):
    """Why a stop was left out of the plan is written by the planner, which knows no
    language; the dispatcher reads it in theirs, with the figures in place."""
    from tests.integration.test_dispatch import DAY, order, stock_up

    stock_up(sessions, world)
    order(sessions, "WHY-1", "SH-P001", {"C00002": 4})
    order(sessions, "WHY-2", "SH-P003", {"A00003": 4})  # the truck carries nothing ambient
    resp = api.as_("dispatcher").post("/api/route-plans", json={
        "warehouse": "SH1", "date": DAY.isoformat(), "time_limit_s": 1})
    assert resp.status_code == 202 and resp.json["status"] == "finished", resp.json
    url = f"/api/route-plans/{resp.json['result']['plan_id']}/unassigned"
    [en] = api.as_("dispatcher").get(url, headers=EN).json
    [zh] = api.as_("dispatcher").get(url, headers=ZH).json
    assert en["reason"] == zh["reason"] == "no_compatible_vehicle"
    assert en["message"] == "no vehicle has compartments for ambient"
    assert zh["message"] == "没有车辆具备常温车厢"
