"""The pages that close the day's dead ends, through the Flask test client: the pick and
sorting list, the loading dock, the driver's load state and confirmations, the dispatch
page's order entry, CSV import and re-allocation, and the holds page with its actions.

Longer than 400 lines because these pages share one signed-in floor and one planned day;
each test stays short."""
# The "people" fixture of test_pages is imported, and tests name it as an argument.
# ruff: noqa: F811

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from coldchain.monitoring.models import Alert
from tests.e2e.test_pages import page_token, people, sign_in  # noqa: F401  (fixture)
from tests.factories import receive
from tests.integration.test_dispatch import DAY, EXPIRY, order, stock_up
from wms.db import transaction
from wms.models import CustomerOrder, Lot, LotStatus, OrderLine, StockBalance

EN = {"Accept-Language": "en-GB"}
ZH = {"Accept-Language": "zh-CN"}


def _api(client, **extra) -> dict[str, str]:
    return {"X-CSRF-Token": page_token(client), **extra}


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _signed_in_as(client, who: str) -> None:
    with client.session_transaction() as s:
        token = s.get("csrf")
    if token:
        client.post("/signout", data={"csrf_token": token})
    assert sign_in(client, who).status_code == 302


# --- pick list ---------------------------------------------------------------------------

def test_pick_list_shows_bins_lots_and_orders_and_picks_an_order(client, people, sessions,
                                                                 world):
    lots = stock_up(sessions, world)
    order(sessions, "PICK-1", "SH-P001", {"C00002": 6, "F00001": 2})
    order(sessions, "PICK-2", "SH-P002", {"C00002": 3})
    sign_in(client, "staff")
    page = client.get(f"/pick-lists?warehouse=SH1&date={DAY}").get_data(as_text=True)
    assert 'media="print"' in page and "print.css" in page
    assert "SH1-C-A01-01" in page and "SH1-F-A01-01" in page
    assert "L-C00002" in page and "PICK-1" in page and "SH-P002" in page
    assert page.index("Frozen") < page.index("Chilled")  # zones in walking order
    assert 'data-pick="PICK-1"' in page and 'data-pick="PICK-2"' in page
    assert "Sorting by pickup point" in page
    resp = client.post("/api/orders/PICK-1/pick", headers=_api(client, **_key()))
    assert resp.status_code == 201, resp.json
    page = client.get(f"/pick-lists?warehouse=SH1&date={DAY}").get_data(as_text=True)
    assert 'data-pick="PICK-1"' not in page and 'data-pick="PICK-2"' in page
    assert re.search(r'data-order="PICK-1">.*?badge picked', page, re.S)
    assert lots


def test_another_warehouses_lists_are_refused_in_words(client, people, sessions, world):
    stock_up(sessions, world)
    order(sessions, "PICK-3", "SH-P001", {"C00002": 2})
    sign_in(client, "staff")
    for path in ("/pick-lists", "/loading"):
        other = client.get(f"{path}?warehouse=BJ1&date={DAY}", headers=EN)
        assert other.status_code == 403
        html = other.get_data(as_text=True)
        assert "Warehouse BJ1 is not yours" in html and "PICK-3" not in html
        assert "Go to your page" in html
        missing = client.get(f"{path}?warehouse=XX9&date={DAY}", headers=ZH)
        assert missing.status_code == 404
        assert "没有仓库 XX9" in missing.get_data(as_text=True)
    own = client.get(f"/pick-lists?warehouse=SH1&date={DAY}").get_data(as_text=True)
    assert "PICK-3" in own
    _signed_in_as(client, "admin")  # every warehouse is an admin's
    assert client.get(f"/pick-lists?warehouse=BJ1&date={DAY}").status_code == 200


def test_picked_orders_waiting_on_a_backorder_are_allocated_again(client, people, sessions,
                                                                  world):
    stock_up(sessions, world, {"C00002": 4, "F00001": 10})
    order(sessions, "BACK-1", "SH-P001", {"C00002": 6, "F00001": 2})
    sign_in(client, "staff")
    assert client.post("/api/orders/BACK-1/pick", headers=_api(client, **_key())).status_code == 201
    with transaction(sessions) as s:
        picked = s.scalar(select(CustomerOrder).where(CustomerOrder.external_ref == "BACK-1"))
        assert picked.status.value == "picked"
        assert sorted(ln.backorder for ln in picked.lines) == [0, 2]
    receive(sessions, world, "C00002", "L-C00002-MORE", "SH1-C-A01-01", 5, expiry=EXPIRY)
    _signed_in_as(client, "dispatcher")
    done = client.post("/api/allocations", json={"warehouse": "SH1", "date": str(DAY)},
                       headers=_api(client)).json
    assert [o["order"] for o in done["orders"]] == ["BACK-1"], done
    with transaction(sessions) as s:
        again = s.scalar(select(CustomerOrder).where(CustomerOrder.external_ref == "BACK-1"))
        assert [ln.backorder for ln in again.lines] == [0, 0]
        # The two units still in their bin go on the pick list; the rest waits in staging.
        assert again.status.value == "allocated"
    _signed_in_as(client, "staff")
    page = client.get(f"/pick-lists?date={DAY}").get_data(as_text=True)
    assert 'data-pick="BACK-1"' in page and "L-C00002-MORE" in page


def test_pick_list_is_a_staff_page(client, people):
    sign_in(client, "driver")
    assert client.get("/pick-lists").status_code == 403
    assert client.get("/holds").status_code == 403


# --- loading dock and driver ---------------------------------------------------------------

def _published_route(client, sessions, world, refs: dict[str, dict[str, int]]) -> int:
    stock_up(sessions, world)
    for ref, lines in refs.items():
        order(sessions, ref, "SH-P001", lines)
    _signed_in_as(client, "dispatcher")
    job = client.post("/api/route-plans", json={"warehouse": "SH1", "date": str(DAY),
                                                "time_limit_s": 1}, headers=_api(client)).json
    job = client.get(f"/api/jobs/{job['id']}", headers=_api(client)).json
    assert job["status"] == "finished", job
    plan_id = job["result"]["plan_id"]
    assert client.post(f"/api/route-plans/{plan_id}/publish", json={},
                       headers=_api(client)).status_code == 200
    return client.get(f"/api/route-plans/{plan_id}", headers=_api(client)).json["routes"][0]["id"]


def test_loading_dock_shows_each_line_and_loads_an_order(client, people, sessions, world):
    route = _published_route(client, sessions, world, {"LOAD-1": {"C00002": 4, "F00001": 1}})
    _signed_in_as(client, "staff")
    page = client.get(f"/loading?date={DAY}").get_data(as_text=True)
    assert f'data-route="{route}"' in page and "SH1-T01" in page
    status = client.get(f"/api/routes/{route}/loading", headers=_api(client)).json
    lines = {ln["sku"]: ln for stop in status["stops"] for ln in stop["lines"]}
    assert lines["C00002"]["planned"] == 4 and lines["C00002"]["loaded"] == 0
    assert lines["C00002"]["picked"] == 0 and lines["C00002"]["compartment"] == "SH1-T01-C"
    assert lines["F00001"]["compartment"] == "SH1-T01-F"
    assert client.post("/api/orders/LOAD-1/pick",
                       headers=_api(client, **_key())).status_code == 201
    status = client.get(f"/api/routes/{route}/loading", headers=_api(client)).json
    assert {ln["picked"] for stop in status["stops"] for ln in stop["lines"]} == {4, 1}
    resp = client.post(f"/api/routes/{route}/loading", json={"order": "LOAD-1"},
                       headers=_api(client, **_key()))
    assert resp.status_code == 201, resp.json
    lines = {ln["sku"]: ln for stop in resp.json["stops"] for ln in stop["lines"]}
    assert lines["C00002"]["loaded"] == 4 and lines["F00001"]["loaded"] == 1
    assert resp.json["complete"] and resp.json["vehicle"] == "SH1-T01"


def test_loading_an_order_loads_only_what_rides_on_the_route(client, people, sessions, world):
    # The reefer has no ambient compartment: the order's ambient line is not on its route.
    route = _published_route(client, sessions, world, {"SPLIT-1": {"C00002": 4, "A00003": 2}})
    _signed_in_as(client, "staff")
    status = client.get(f"/api/routes/{route}/loading", headers=_api(client)).json
    assert {ln["sku"] for stop in status["stops"] for ln in stop["lines"]} == {"C00002"}
    assert client.post("/api/orders/SPLIT-1/pick",
                       headers=_api(client, **_key())).status_code == 201
    resp = client.post(f"/api/routes/{route}/loading", json={"order": "SPLIT-1"},
                       headers=_api(client, **_key()))
    assert resp.status_code == 201, resp.json
    lines = {ln["sku"]: ln for stop in resp.json["stops"] for ln in stop["lines"]}
    assert lines["C00002"]["loaded"] == 4 and resp.json["complete"]
    with transaction(sessions) as s:  # the ambient units wait in staging for their van
        staged = s.scalars(select(StockBalance).join(Lot, Lot.id == StockBalance.lot_id)
                           .where(Lot.lot_code == "L-A00003", StockBalance.reserved > 0)).all()
        assert [b.location.code for b in staged] == ["SH1-A-STG"]


def test_driver_sees_the_load_and_gets_a_sentence_for_unloaded_goods(client, people,
                                                                     sessions, world):
    route = _published_route(client, sessions, world, {"DRV-1": {"C00002": 5}})
    _signed_in_as(client, "driver")
    page = client.get(f"/driver?date={DAY}").get_data(as_text=True)
    assert "Nothing is loaded on the truck yet (5 units to load)" in page
    assert 'data-loaded="0"' in page and "Not loaded" in page
    assert "Problem with this line" in page and "Report a problem" not in page
    resp = client.post(f"/api/routes/{route}/stops/1/deliveries", json={"lines": []},
                       headers=_api(client, **_key()))
    assert resp.status_code == 422
    message = " ".join(m for ms in resp.json["errors"].values() for m in ms)
    assert "Product C00002 (order DRV-1 line 1)" in message
    assert "Nothing has been loaded for this route yet" in message
    assert "Have the warehouse load them" in message

    _signed_in_as(client, "staff")
    assert client.post("/api/orders/DRV-1/pick", headers=_api(client, **_key())).status_code == 201
    assert client.post(f"/api/routes/{route}/loading", json={"order": "DRV-1"},
                       headers=_api(client, **_key())).status_code == 201
    _signed_in_as(client, "driver")
    page = client.get(f"/driver?date={DAY}").get_data(as_text=True)
    assert "Everything is loaded: 5 units." in page and "On the truck" in page
    resp = client.post(f"/api/routes/{route}/stops/1/deliveries", json={"lines": [
        {"order": "DRV-1", "line": 1,
         "exceptions": [{"kind": "damaged", "quantity": 1, "reason": "crate crushed"}]}]},
        headers=_api(client, **_key()))
    assert resp.status_code == 201, resp.json
    page = client.get(f"/driver?date={DAY}").get_data(as_text=True)
    assert "Delivered 4 · damaged 1" in page and "damaged: crate crushed" in page


def test_driver_page_counts_goods_loaded_by_an_order_scan(client, people, sessions, world):
    _published_route(client, sessions, world, {"DRV-2": {"C00002": 3}})
    _signed_in_as(client, "staff")
    assert client.post("/api/orders/DRV-2/pick", headers=_api(client, **_key())).status_code == 201
    # Loaded onto the truck by an order scan that names no route.
    assert client.post("/api/orders/DRV-2/load", json={"vehicle": "SH1-T01"},
                       headers=_api(client, **_key())).status_code == 201
    _signed_in_as(client, "driver")
    page = client.get(f"/driver?date={DAY}").get_data(as_text=True)
    assert 'data-loaded="3"' in page and "On the truck" in page
    assert "Everything is loaded: 3 units." in page


# --- dispatch: order entry, import, re-allocation ----------------------------------------------

CSV_GOOD = ("external_ref,pickup_point,delivery_date,sku,quantity\n"
            f"CSV-1,SH-P001,{DAY},C00002,4\n"
            f"CSV-1,SH-P001,{DAY},F00001,2\n"
            f"CSV-2,SH-P002,{DAY},C00002,3\n")


def _orders(sessions) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(CustomerOrder))


def _upload(client, text: str, name: str = "orders.csv"):
    import io
    return client.post("/api/orders/import", headers=_api(client),
                       data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_dispatch_page_has_order_entry_import_and_a_live_allocate_button(client, people):
    sign_in(client, "dispatcher")
    page = client.get(f"/dispatch?date={DAY}").get_data(as_text=True)
    assert 'id="order-form"' in page and 'id="import-form"' in page
    assert 'value="SH-P001"' in page and 'value="C00002"' in page
    assert re.search(r'<button type="button" id="allocate" class="primary">', page)


def test_orders_import_places_every_order_of_a_good_file(client, people, sessions, world):
    sign_in(client, "dispatcher")
    resp = _upload(client, CSV_GOOD)
    assert resp.status_code == 201, resp.json
    assert resp.json == {"imported": 2, "lines": 3, "orders": ["CSV-1", "CSV-2"],
                         "moved_by_cutoff": []}
    with transaction(sessions) as s:
        lines = s.scalars(select(OrderLine).join(CustomerOrder).where(
            CustomerOrder.external_ref == "CSV-1").order_by(OrderLine.line_no)).all()
        assert [(ln.product.sku, ln.quantity) for ln in lines] == [("C00002", 4), ("F00001", 2)]
    again = _upload(client, CSV_GOOD)
    assert again.status_code == 422
    assert "order CSV-1 already exists" in again.json["errors"]["line 2"][0]


def test_orders_import_is_all_or_nothing_with_errors_by_line(client, people, sessions, world):
    sign_in(client, "dispatcher")
    before = _orders(sessions)
    bad = ("external_ref,pickup_point,delivery_date,sku,quantity\n"
           f"OK-1,SH-P001,{DAY},C00002,4\n"
           f"BAD-1,SH-P001,{DAY},NOPE,1\n"
           f"BAD-2,SH-P002,not-a-date,C00002,x\n"
           "\n"
           f"OK-1,SH-P002,{DAY},F00001,1\n")
    resp = _upload(client, bad)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    errors = resp.json["errors"]
    assert set(errors) == {"line 3", "line 4", "line 6"}, errors
    assert errors["line 3"] == ["no product 'NOPE'"]
    assert any("not a date" in m for m in errors["line 4"])
    assert any("whole number" in m for m in errors["line 4"])
    assert "same pickup point" in errors["line 6"][0]
    assert resp.json["detail"].startswith("nothing was imported")
    assert _orders(sessions) == before
    header = _upload(client, "ref,point,date,sku,qty\nA,SH-P001,2026-01-01,C00002,1\n")
    assert header.status_code == 422 and "line 1" in header.json["errors"]
    foreign = _upload(client, "external_ref,pickup_point,delivery_date,sku,quantity\n"
                              f"FOREIGN-1,BJ-P001,{DAY},C00002,1\n")
    assert foreign.status_code == 403 and "line 2" in foreign.json["detail"]
    assert _orders(sessions) == before


def test_allocation_says_nothing_to_allocate_when_all_is_allocated(client, people, sessions,
                                                                    world):
    stock_up(sessions, world)
    sign_in(client, "dispatcher")
    assert _upload(client, CSV_GOOD).status_code == 201
    body = {"warehouse": "SH1", "date": str(DAY)}
    first = client.post("/api/allocations", json=body, headers=_api(client)).json
    assert first["allocated"] == 9 and "2 open orders allocated" in first["message"]
    again = client.post("/api/allocations", json=body, headers=_api(client)).json
    assert again["orders"] == [] and again["message"].startswith("nothing to allocate")
    page = client.get(f"/dispatch?date={DAY}").get_data(as_text=True)
    assert "Allocate again" in page and 'id="allocate" class="primary" disabled' not in page


# --- holds -----------------------------------------------------------------------------------

def _lot_on_truck(client, sessions, world) -> int:
    """A chilled lot with an order's units loaded on the truck, then put on hold."""
    lots = stock_up(sessions, world)
    order(sessions, "HOLD-1", "SH-P001", {"C00002": 5})
    order(sessions, "HOLD-2", "SH-P002", {"C00002": 7})
    _signed_in_as(client, "staff")
    assert client.post("/api/orders/HOLD-1/pick", headers=_api(client, **_key())).status_code == 201
    assert client.post("/api/orders/HOLD-1/load", json={"vehicle": "SH1-T01"},
                       headers=_api(client, **_key())).status_code == 201
    lot = lots["C00002"]
    resp = client.post(f"/api/lots/{lot}/hold", json={"reason": "door left open"},
                       headers=_api(client))
    assert resp.status_code == 200, resp.json
    return lot


def _balances(sessions, lot: int) -> dict[str, tuple[int, int]]:
    with transaction(sessions) as s:
        return {b.location.code: (b.on_hand, b.reserved) for b in s.scalars(
            select(StockBalance).where(StockBalance.lot_id == lot, StockBalance.on_hand > 0))}


def test_holds_page_lists_held_lots_without_an_alert_with_their_places(client, people,
                                                                      sessions, world):
    lot = _lot_on_truck(client, sessions, world)
    page = client.get("/holds").get_data(as_text=True)
    assert f'data-lot="{lot}"' in page and "door left open" in page
    assert 'data-place="SH1-T01-C"' in page and 'data-field="1"' in page
    assert "Release reservations (5 units)" in page and "Bring back to quarantine" in page
    assert "Release lot" in page and "Open alert" not in page


def test_held_lot_reservations_released_then_scrapped_and_returned(client, people, sessions,
                                                                   world):
    lot = _lot_on_truck(client, sessions, world)
    assert _balances(sessions, lot)["SH1-T01-C"] == (5, 5)
    resp = client.post(f"/api/lots/{lot}/reservations/release", headers=_api(client))
    assert resp.status_code == 200, resp.json
    assert resp.json["released"] == 5 and resp.json["status"] == "hold"
    assert _balances(sessions, lot)["SH1-T01-C"] == (5, 0)
    with transaction(sessions) as s:
        held = s.scalar(select(CustomerOrder).where(CustomerOrder.external_ref == "HOLD-1"))
        assert held.lines[0].backorder == 5
    again = client.post(f"/api/lots/{lot}/reservations/release", headers=_api(client))
    assert again.status_code == 409 and "no reservations to release" in again.json["detail"]
    scrap = client.post(f"/api/lots/{lot}/scrap", json={
        "location": "SH1-T01-C", "quantity": 2, "reason": "warm", "witnessed_by": "Li Na"},
        headers=_api(client, **_key()))
    assert scrap.status_code == 201, scrap.json
    back = client.post("/api/returns", json={"lot_id": lot, "quantity": 3, "from": "SH1-T01-C",
                                             "reason": "off the truck"},
                       headers=_api(client, **_key()))
    assert back.status_code == 201, back.json
    places = _balances(sessions, lot)
    assert "SH1-T01-C" not in places and places["SH1-C-QRT"][0] >= 3
    release = client.post(f"/api/lots/{lot}/release", json={"reason": "probe check fine"},
                          headers=_api(client))
    assert release.status_code == 200, release.json
    with transaction(sessions) as s:
        assert s.get(Lot, lot).status == LotStatus.AVAILABLE
    assert f'data-lot="{lot}"' not in client.get("/holds").get_data(as_text=True)


def test_an_available_lot_gives_up_only_its_unpicked_reservations(client, people, sessions,
                                                                  world):
    lots = stock_up(sessions, world)
    order(sessions, "FREE-1", "SH-P001", {"C00002": 5})
    order(sessions, "FREE-2", "SH-P001", {"C00002": 4})
    sign_in(client, "staff")
    assert client.post("/api/orders/FREE-1/pick", headers=_api(client, **_key())).status_code == 201
    resp = client.post(f"/api/lots/{lots['C00002']}/reservations/release", headers=_api(client))
    assert resp.status_code == 200 and resp.json["released"] == 4
    with transaction(sessions) as s:
        status = dict(s.execute(select(CustomerOrder.external_ref, CustomerOrder.status)).all())
    assert status["FREE-1"] == "picked" and status["FREE-2"] == "placed"


def test_resolving_an_alert_by_scrap_frees_the_held_lots_reservations(client, people,
                                                                      sessions, world):
    lot = _lot_on_truck(client, sessions, world)
    with transaction(sessions) as s:
        alert = Alert(kind="excursion", severity="severe", message="reefer failed",
                      warehouse_id=world.warehouses["SH1"], lot_id=lot)
        s.add(alert)
        s.flush()
        alert_id = alert.id
    resp = client.post(f"/api/alerts/{alert_id}/resolve",
                       json={"action": "scrap", "comment": "spoiled"}, headers=_api(client))
    assert resp.status_code == 200, resp.json
    assert _balances(sessions, lot) == {}
    with transaction(sessions) as s:
        held = s.scalar(select(CustomerOrder).where(CustomerOrder.external_ref == "HOLD-1"))
        assert held.lines[0].backorder == 5 and s.get(Lot, lot).status == LotStatus.SPOILED


def test_trace_page_offers_to_end_a_recall(client, people, sessions, world):
    lots = stock_up(sessions, world)
    sign_in(client, "buyer")
    page = client.get(f"/trace?lot={lots['C00002']}").get_data(as_text=True)
    assert 'id="release-form"' in page and "End the recall" in page
    headers = _api(client, **_key())
    assert client.post(f"/api/lots/{lots['C00002']}/recall", json={"reason": "notice"},
                       headers=headers).status_code == 201
    resp = client.post(f"/api/lots/{lots['C00002']}/recall/release",
                       json={"reason": "withdrawn"}, headers=_api(client, **_key()))
    assert resp.status_code == 200 and resp.json["status"] == "available"
