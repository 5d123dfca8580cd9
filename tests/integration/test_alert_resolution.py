"""Resolving a held lot's alert is a ledger move either way; nobody acknowledging escalates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coldchain.monitoring.alerts import escalate_overdue
from coldchain.monitoring.models import Alert, AlertStatus
from wms.db import transaction
from wms.ledger import record_move, verify
from wms.models import Location, Lot, LotStatus
from wms.models.base import utcnow
from wms.models.ledger import MoveKind, StockBalance
from wms.stock import hold_lot


def _held_lot_with_alert(sessions, world, code="HELD"):
    with transaction(sessions) as s:
        lot = Lot(product_id=world.products["C00002"], lot_code=code,
                  expiry_date=date.today() + timedelta(days=6))
        s.add(lot)
        s.flush()
        record_move(s, kind=MoveKind.RECEIPT, lot=lot, quantity=12,
                    to_location=s.get(Location, world.locations["SH1-C-A01-01"]))
        hold_lot(s, lot.id, "excursion in SH1-C", actor_id=None)
        alert = Alert(kind="lot_hold", severity="severe", lot_id=lot.id, message="held",
                      warehouse_id=world.warehouses["SH1"], finding_key=f"test:{code}")
        s.add(alert)
        s.flush()
        return lot.id, alert.id


def _on_hand(s, lot_id):
    rows = s.execute(select(Location.code, StockBalance.on_hand)
                     .join(Location, Location.id == StockBalance.location_id)
                     .where(StockBalance.lot_id == lot_id, StockBalance.on_hand > 0)).all()
    return dict(rows)


def test_release_moves_the_lot_back_from_quarantine(api, sessions, world):
    lot_id, alert_id = _held_lot_with_alert(sessions, world)
    with sessions() as s:
        assert _on_hand(s, lot_id) == {"SH1-C-QRT": 12}
    resp = api.as_("staff").post(f"/api/alerts/{alert_id}/resolve",
                                 json={"action": "release", "comment": "probe was faulty"})
    assert resp.status_code == 200, resp.json
    with sessions() as s:
        assert s.get(Lot, lot_id).status == LotStatus.AVAILABLE
        assert _on_hand(s, lot_id) == {"SH1-C": 12}
        assert verify(s) == []


def test_scrap_writes_the_lot_off(api, sessions, world):
    lot_id, alert_id = _held_lot_with_alert(sessions, world)
    resp = api.as_("buyer").post(f"/api/alerts/{alert_id}/resolve",
                                 json={"action": "scrap", "comment": "too warm for too long"})
    assert resp.status_code == 200, resp.json
    again = api.as_("buyer").post(f"/api/alerts/{alert_id}/resolve", json={"action": "scrap"})
    assert again.status_code == 409
    with sessions() as s:
        assert s.get(Lot, lot_id).status == LotStatus.SPOILED
        assert _on_hand(s, lot_id) == {}
        assert verify(s) == []
    moves = api.as_("admin").get(f"/api/moves?lot_id={lot_id}&kind=scrap").json
    assert sum(m["quantity"] for m in moves) == 12


def test_alerts_nobody_acknowledges_are_escalated(sessions, world):
    _, alert_id = _held_lot_with_alert(sessions, world)
    _, acked = _held_lot_with_alert(sessions, world, code="ACKED")
    with transaction(sessions) as s:
        s.get(Alert, acked).status = AlertStatus.ACKNOWLEDGED
    with transaction(sessions) as s:
        assert escalate_overdue(s, after=timedelta(minutes=30)) == 0
    with transaction(sessions) as s:
        later = utcnow() + timedelta(minutes=31)
        assert escalate_overdue(s, after=timedelta(minutes=30), now=later) == 1
    with sessions() as s:
        assert s.get(Alert, alert_id).status == AlertStatus.ESCALATED
        assert s.get(Alert, acked).status == AlertStatus.ACKNOWLEDGED


@pytest.mark.parametrize("who, status", [("driver", 403), ("staff-bj", 403)])
def test_only_people_of_the_warehouse_resolve(api, sessions, world, who, status):
    _, alert_id = _held_lot_with_alert(sessions, world)
    resp = api.as_(who).post(f"/api/alerts/{alert_id}/resolve", json={"action": "release"})
    assert resp.status_code == status
