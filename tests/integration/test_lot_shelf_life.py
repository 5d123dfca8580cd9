"""Remaining shelf life from the temperatures a lot actually felt, and holds when it runs low."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coldchain.monitoring import sensors
from coldchain.monitoring.actions import check_shelf_life
from coldchain.monitoring.ingest import Row, ingest
from coldchain.monitoring.lot_history import history, stints
from coldchain.monitoring.models import Alert
from wms.db import transaction
from wms.ledger import record_move
from wms.models import Location, Lot, LotStatus
from wms.models.base import utcnow
from wms.models.ledger import MoveKind


def _setup(sessions, world, temp_c):
    with transaction(sessions) as s:
        at = lambda code: s.get(Location, world.locations[code])  # noqa: E731
        warm = Lot(product_id=world.products["C00002"], lot_code="WARM",
                   expiry_date=date.today() + timedelta(days=7))
        other = Lot(product_id=world.products["C00002"], lot_code="ELSEWHERE",
                    expiry_date=date.today() + timedelta(days=7))
        s.add_all([warm, other])
        s.flush()
        record_move(s, kind=MoveKind.RECEIPT, lot=warm, quantity=20, to_location=at("SH1-REC"))
        record_move(s, kind=MoveKind.PUTAWAY, lot=warm, quantity=20,
                    from_location=at("SH1-REC"), to_location=at("SH1-C-A01-01"))
        record_move(s, kind=MoveKind.RECEIPT, lot=other, quantity=5, to_location=at("BJ1-REC"))
        sensor = sensors.register(s, serial="ROOM", sampling_interval_s=600,
                                  location=at("SH1-C"), at=utcnow() - timedelta(days=1))
        ids = warm.id, other.id, sensor.id
    start = utcnow() + timedelta(minutes=1)
    rows = [Row(str(i), "ROOM", start + timedelta(minutes=10 * i), temp_c)
            for i in range(6 * 48)]  # two days
    end = start + timedelta(hours=48)
    with transaction(sessions) as s:  # received as if the two days had passed
        ingest(s, rows, [], source="json", now=end)
    return ids, end


def test_two_warm_days_use_the_share_of_life_the_kinetics_say(sessions, world):
    (warm, _, _), end = _setup(sessions, world, 14.0)
    with sessions() as s:
        found = history(s, warm, now=end)
        assert [st.location_id for st in stints(s, warm)] == [world.locations["SH1-REC"],
                                                              world.locations["SH1-C-A01-01"]]
        # Q10 = 2, reference 4 °C, 7 days: at 14 °C the product ages twice as fast
        assert found.used_fraction == pytest.approx(2 * 2 / 7, rel=0.01)
        assert found.remaining_days == pytest.approx(7 - 4, rel=0.02)
        assert found.stints[-1].measured_by == world.locations["SH1-C"]


def test_lots_past_the_threshold_are_held_with_an_alert(sessions, world):
    (warm, other, _), end = _setup(sessions, world, 14.0)
    with transaction(sessions) as s:
        assert check_shelf_life(s, threshold=0.5) == []  # the warm days have not happened yet
    with transaction(sessions) as s:
        held = check_shelf_life(s, threshold=0.5, now=end)
    # the warm lot used 4/7 of its life; the other one aged two nominal days (2/7) in Beijing
    assert held == [warm]
    with sessions() as s:
        assert s.get(Lot, warm).status == LotStatus.HOLD
        assert s.get(Lot, other).status == LotStatus.AVAILABLE
        alert = s.scalar(select(Alert).where(Alert.lot_id == warm))
        assert alert.kind == "shelf_life" and "WARM" in alert.message


def test_lot_temperature_endpoint_shows_places_and_life(api, world, sessions):
    (warm, _, _), _ = _setup(sessions, world, 3.0)
    resp = api.as_("buyer").get(f"/api/lots/{warm}/temperature")
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert [p["location"] for p in body["places"]] == ["SH1-REC", "SH1-C-A01-01"]
    assert body["shelf_life"]["remaining_days"] <= 7
    assert api.as_("staff-bj").get(f"/api/lots/{warm}/temperature").status_code == 403
