"""The group leader's day over the HTTP API: a truck arrives, the leader confirms the
delivery with one line disputed, residents collect by pickup code (one partially), the
leader writes one line off, sends the rest back and counts; the ledger verifies."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from routing.dispatch import plans
from tests.e2e.test_pages import PASSWORD, page_token, sign_in
from tests.integration.test_dispatch import DAY, order, plan, stock_up
from wms import accounts, pickup_codes
from wms.db import transaction
from wms.ledger import balance, verify
from wms.models import CustomerOrder, Lot, MoveKind, ReturnRequest, StockMove, User


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@pytest.fixture
def leader(sessions, world):
    """Li Na runs SH-P001; Zhou Min runs SH-P002."""
    with transaction(sessions) as s:
        for name, point in (("leader", "SH-P001"), ("leader-2", "SH-P002")):
            user = accounts.create_user(s, username=name, role="leader",
                                        display_name=name.title(), pickup_points=[point])
            world.users[name] = user.id
            world.tokens[name] = accounts.issue_token(s, user, name="test")[1]
    return world


@pytest.fixture
def delivered(sessions, world, leader, api):
    """Two orders for SH-P001 and one for SH-P002, planned, loaded and delivered."""
    stock_up(sessions, world)
    order(sessions, "WEB-1", "SH-P001", {"F00001": 4, "C00002": 6})
    order(sessions, "WEB-2", "SH-P001", {"C00002": 3})
    order(sessions, "WEB-3", "SH-P002", {"C00002": 2})
    result = plan(sessions, world)
    with transaction(sessions) as s:
        plans.publish(s, result["plan_id"], actor_id=world.users["dispatcher"])
    manifest = api.as_("driver").get("/api/manifests",
                                     query_string={"date": DAY.isoformat()}).json[0]
    route_id = manifest["route_id"]
    arrivals = api.as_("leader").get("/api/pickup-points/SH-P001/arrivals",
                                     query_string={"date": DAY.isoformat()})
    assert arrivals.status_code == 200, arrivals.json
    (arrival,) = arrivals.json
    assert arrival["route_id"] == route_id and arrival["delivered"] == 0
    assert arrival["eta"] == next(s["eta"] for s in manifest["stops"]
                                  if s["pickup_point"] == "SH-P001")
    assert arrival["stops_done_before"] == 0 and arrival["receipt"] is None
    for ref in ("WEB-1", "WEB-2", "WEB-3"):
        assert api.as_("staff").post(f"/api/orders/{ref}/pick", headers=key()).status_code == 201
        assert api.as_("staff").post(f"/api/routes/{route_id}/loading", json={"order": ref},
                                     headers=key()).status_code == 201
    for stop in manifest["stops"]:
        resp = api.as_("driver").post(f"/api/routes/{route_id}/stops/{stop['seq']}/deliveries",
                                      json={"lines": []}, headers=key())
        assert resp.status_code == 201, resp.json
    return route_id


def _codes(sessions) -> dict[str, str]:
    with transaction(sessions) as s:
        return {o.external_ref: o.pickup_code.code
                for o in s.scalars(select(CustomerOrder))}


def test_every_order_gets_a_six_digit_code_shown_to_the_storefront(api, sessions, world):
    stock_up(sessions, world)
    resp = api.as_("dispatcher").post("/api/orders", json={
        "external_ref": "WEB-9", "pickup_point": "SH-P001", "delivery_date": DAY.isoformat(),
        "lines": [{"sku": "C00002", "quantity": 1}]})
    assert resp.status_code == 201, resp.json
    code = resp.json["pickup_code"]
    assert len(code) == 6 and code.isdigit()
    assert api.as_("staff").get("/api/orders/WEB-9").json["pickup_code"] == code
    csv = ("external_ref,pickup_point,delivery_date,sku,quantity\n"
           f"CSV-1,SH-P001,{DAY},C00002,1\nCSV-2,SH-P001,{DAY},C00002,2\n")
    import io
    resp = api.as_("dispatcher").post("/api/orders/import", data={
        "file": (io.BytesIO(csv.encode()), "orders.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.json
    codes = _codes(sessions)
    assert set(codes) == {"WEB-9", "CSV-1", "CSV-2"}
    assert len(set(codes.values())) == 3  # unique among the point's open orders


def test_the_leaders_day_from_arrival_to_day_end(api, client, sessions, world, delivered):
    route_id, day = delivered, DAY.isoformat()
    leader = api.as_("leader")
    codes = _codes(sessions)
    (arrival,) = leader.get("/api/pickup-points/SH-P001/arrivals",
                            query_string={"date": day}).json
    assert arrival["delivered"] == 13 and arrival["stop_status"] == "delivered"

    # Two of WEB-1's six chilled units are not there: disputed, with a note.
    resp = leader.post("/api/pickup-points/SH-P001/receipts", headers=key(), json={
        "route_id": route_id, "note": "one crate short",
        "lines": [{"order": "WEB-1", "line": 2, "received": 4, "note": "crate missing"}]})
    assert resp.status_code == 201, resp.json
    assert resp.json["state"] == "disputed"
    assert {(ln["order"], ln["line"], ln["delivered"], ln["received"])
            for ln in resp.json["lines"]} == {("WEB-1", 1, 4, 4), ("WEB-1", 2, 6, 4),
                                              ("WEB-2", 1, 3, 3)}
    again = leader.post("/api/pickup-points/SH-P001/receipts", headers=key(),
                        json={"route_id": route_id})
    assert again.status_code == 409
    # The warehouse sees the dispute; the two units went back onto the truck by a move.
    disputes = api.as_("staff").get("/api/receipt-disputes").json
    assert [(d["pickup_point"], d["state"]) for d in disputes] == [("SH-P001", "disputed")]
    with transaction(sessions) as s:
        lot = s.scalar(select(Lot.id).where(Lot.lot_code == "L-C00002"))
        back = s.scalars(select(StockMove).where(StockMove.kind == MoveKind.RETURN)).all()
        assert [(m.quantity, m.from_location.code, m.to_location.code) for m in back] == [
            (2, "SH-P001", "SH1-T01-C")]
        assert balance(s, world.locations["SH-P001"], lot) == (7, 7)

    listed = leader.get("/api/pickup-points/SH-P001/orders", query_string={"date": day}).json
    assert {o["order"]: o["pickup_code"] for o in listed} == {
        "WEB-1": codes["WEB-1"], "WEB-2": codes["WEB-2"]}

    # A wrong code is refused, the right one hands over; WEB-1 collects only its frozen line.
    wrong = next(f"{n:06d}" for n in range(10 ** 6) if f"{n:06d}" not in codes.values())
    resp = leader.post("/api/pickup-points/SH-P001/handovers", headers=key(),
                       json={"code": wrong})
    assert resp.status_code == 404 and resp.json["field"] == "code"
    resp = leader.post("/api/pickup-points/SH-P001/handovers", headers=key(),
                       json={"code": codes["WEB-2"]})
    assert resp.status_code == 201, resp.json
    assert resp.json["order"]["status"] == "collected"
    resp = leader.post("/api/pickup-points/SH-P001/handovers", headers=key(), json={
        "code": codes["WEB-1"], "lines": [{"line": 1, "quantity": 4}]})
    assert resp.status_code == 201, resp.json
    assert [(m["kind"], m["quantity"]) for m in resp.json["moves"]] == [("handover", 4)]
    # Another point's leader cannot use this point, nor its codes.
    other = api.as_("leader-2").post("/api/pickup-points/SH-P001/handovers", headers=key(),
                                     json={"code": codes["WEB-1"]})
    assert other.status_code == 403
    closed = leader.post("/api/pickup-points/SH-P001/handovers", headers=key(),
                         json={"code": codes["WEB-2"]})
    assert closed.status_code == 404  # collected: its code is closed

    left = leader.get("/api/pickup-points/SH-P001/uncollected", query_string={"date": day}).json
    assert [(e["order"], e["line"], e["quantity"]) for e in left] == [("WEB-1", 2, 4)]
    resp = leader.post("/api/pickup-points/SH-P001/write-offs", headers=key(), json={
        "date": day, "reason": "package torn", "lines": [
            {"order": "WEB-1", "line": 2, "quantity": 1}]})
    assert resp.status_code == 201, resp.json
    assert [(m["kind"], m["quantity"], m["from"]) for m in resp.json] == [
        ("scrap", 1, "SH-P001")]
    resp = leader.post("/api/pickup-points/SH-P001/return-requests",
                       json={"date": day, "reason": "not collected"})
    assert resp.status_code == 201, resp.json
    assert [(r["sku"], r["quantity"], r["temp_class"], r["status"]) for r in resp.json] == [
        ("C00002", 3, "chilled", "open")]
    assert [r["quantity"] for r in api.as_("dispatcher").get("/api/return-requests").json] == [3]

    resp = leader.post("/api/pickup-points/SH-P001/counts", json={
        "date": day, "lines": [{"sku": "C00002", "counted": 2}]})
    assert resp.status_code == 201, resp.json
    assert [(c["sku"], c["expected"], c["counted"], c["difference"]) for c in resp.json] == [
        ("C00002", 3, 2, -1)]
    report = leader.get("/api/pickup-points/SH-P001/day-report",
                        query_string={"date": day}).json
    lines = {ln["sku"]: ln for ln in report["lines"]}
    assert {k: lines["C00002"][k] for k in ("delivered", "received", "disputed", "collected",
                                           "written_off", "returned", "left", "difference")
            } == {"delivered": 9, "received": 7, "disputed": 2, "collected": 3,
                  "written_off": 1, "returned": 3, "left": 0, "difference": -1}
    assert lines["F00001"]["collected"] == 4
    assert api.as_("staff").get("/api/pickup-points/SH-P001/day-report",
                                query_string={"date": day}).status_code == 200
    assert api.as_("staff-bj").get("/api/pickup-points/SH-P001/day-report",
                                   query_string={"date": day}).status_code == 403
    with transaction(sessions) as s:
        assert verify(s) == []
        assert s.scalar(select(ReturnRequest.quantity)) == 3
        s.get(User, world.users["staff"]).password_hash = accounts.hash_password(PASSWORD)

    # The warehouse's staff see both on their held-lots page: the disputed line and the
    # goods waiting at the point to come back.
    sign_in(client, "staff")
    page = client.get("/holds").get_data(as_text=True)
    disputed = page[page.index('id="disputes-h"'):page.index('id="returns-h"')]
    assert "WEB-1 / 2" in disputed and "SH-P001" in disputed and "crate missing" in disputed
    waiting = page[page.index('id="returns-h"'):]
    assert "SH-P001" in waiting and "L-C00002" in waiting


def test_wrong_codes_are_throttled_per_pickup_point(api, sessions, world, delivered):
    codes = set(_codes(sessions).values())
    wrong = [f"{n:06d}" for n in range(10 ** 6) if f"{n:06d}" not in codes][:11]
    for code in wrong[:10]:
        resp = api.as_("leader").post("/api/pickup-points/SH-P001/handovers", headers=key(),
                                      json={"code": code})
        assert resp.status_code == 404
    resp = api.as_("leader").post("/api/pickup-points/SH-P001/handovers", headers=key(),
                                  json={"code": wrong[10]})
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    # Even the right code waits: a guesser cannot tell a hit while blocked.
    right = _codes(sessions)["WEB-1"]
    assert api.as_("leader").post("/api/pickup-points/SH-P001/handovers", headers=key(),
                                  json={"code": right}).status_code == 429
    # Another point is not blocked.
    assert api.as_("leader-2").post("/api/pickup-points/SH-P002/handovers", headers=key(),
                                    json={"code": _codes(sessions)["WEB-3"]}
                                    ).status_code == 201


def test_bad_receipts_are_422_naming_the_line_and_move_nothing(api, sessions, world,
                                                               delivered):
    leader = api.as_("leader")
    with transaction(sessions) as s:
        before = s.scalar(select(StockMove.id).order_by(StockMove.id.desc()).limit(1))
    resp = leader.post("/api/pickup-points/SH-P001/receipts", headers=key(), json={
        "route_id": delivered, "lines": [{"order": "WEB-1", "line": 2, "received": 7}]})
    assert resp.status_code == 422 and "lines[0].received" in resp.json["errors"]
    resp = leader.post("/api/pickup-points/SH-P001/receipts", headers=key(), json={
        "route_id": delivered, "lines": [{"order": "WEB-3", "line": 1, "received": 0}]})
    assert resp.status_code == 422 and "lines[0]" in resp.json["errors"]
    resp = leader.post("/api/pickup-points/SH-P001/receipts", headers=key(), json={
        "route_id": 999999})
    assert resp.status_code == 422 and "route_id" in resp.json["errors"]
    with transaction(sessions) as s:
        assert s.scalar(select(StockMove.id).order_by(StockMove.id.desc()).limit(1)) == before


def test_codes_never_repeat_among_a_points_open_orders(sessions, world):
    stock_up(sessions, world)
    with transaction(sessions) as s:
        for n in range(40):
            from wms import orders
            orders.place_order(s, {"external_ref": f"MANY-{n}", "pickup_point": "SH-P001",
                                   "delivery_date": DAY,
                                   "lines": [{"sku": "C00002", "quantity": 1}]}, actor_id=None)
        point = s.get(CustomerOrder, 1).pickup_point_id
        assert len(pickup_codes.open_codes(s, point)) == 40


def test_a_code_open_at_the_point_is_drawn_again_and_a_closed_one_reused(
        sessions, world, monkeypatch):
    stock_up(sessions, world)
    drawn = iter(["123456", "123456", "654321", "123456"])
    monkeypatch.setattr(pickup_codes, "_random_code", lambda: next(drawn))
    from wms import orders

    def place(ref: str) -> str:
        with transaction(sessions) as s:
            return orders.place_order(s, {
                "external_ref": ref, "pickup_point": "SH-P001", "delivery_date": DAY,
                "lines": [{"sku": "C00002", "quantity": 1}]}, actor_id=None).pickup_code.code

    assert place("DRAW-1") == "123456"
    # The second order draws the first one's open code, is refused it and draws again.
    assert place("DRAW-2") == "654321"
    with transaction(sessions) as s:
        pickup_codes.close(s, s.scalar(select(CustomerOrder)
                                       .where(CustomerOrder.external_ref == "DRAW-1")))
    assert place("DRAW-3") == "123456"


def test_the_leaders_page_reads_in_chinese_and_in_english(client, sessions, world, leader):
    with transaction(sessions) as s:
        for name in ("leader", "leader-2"):
            s.get(User, world.users[name]).password_hash = accounts.hash_password(PASSWORD)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    sign_in(client, "leader")
    page = client.get("/leader").get_data(as_text=True)
    assert "SH-P001" in page and "今日到货" in page and "凭提货码交付" in page
    assert "Arrivals" not in page and "Hand over by pickup code" not in page
    # A leader of one point opens no other: the page answers 404 for it.
    assert client.get("/leader?point=SH-P002").status_code == 404
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/signout", data={"csrf_token": page_token(client)})
    sign_in(client, "leader-2")
    page = client.get("/leader").get_data(as_text=True)
    assert "SH-P002" in page and "Arrivals" in page and "今日到货" not in page


def test_the_cli_creates_a_leader_of_pickup_points(sessions, world, database_url, monkeypatch):
    from click.testing import CliRunner

    from api.cli import main
    from wms.models import LeaderPickupPoint

    monkeypatch.setenv("WMS_DATABASE_URL", database_url)
    runner = CliRunner()
    result = runner.invoke(main, ["users", "create", "li-na", "--role", "leader",
                                  "--pickup-point", "SH-P001", "--pickup-point", "SH-P003"])
    assert result.exit_code == 0, result.output
    with transaction(sessions) as s:
        user = s.scalar(select(User).where(User.username == "li-na"))
        points = s.scalars(select(LeaderPickupPoint.pickup_point_id)
                           .where(LeaderPickupPoint.user_id == user.id)).all()
        assert sorted(points) == sorted([world.pickup_points["SH-P001"],
                                         world.pickup_points["SH-P003"]])
        assert user.warehouse_id == world.warehouses["SH1"]
    for args, says in ((["--pickup-point", "SH-P001", "--pickup-point", "BJ-P001"],
                        "one warehouse"), ([], "at least one pickup point"),
                       (["--pickup-point", "XX-P9"], "unknown pickup point")):
        result = runner.invoke(main, ["users", "create", "wrong", "--role", "leader", *args])
        assert result.exit_code == 2 and says in result.output, result.output
