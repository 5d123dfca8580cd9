"""A severe excursion in a truck's compartment holds exactly the lots that were in it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from coldchain.monitoring import sensors
from coldchain.monitoring.evaluate import evaluate_sensor
from coldchain.monitoring.ingest import Row, ingest
from coldchain.monitoring.models import Alert
from wms.db import transaction
from wms.ledger import record_move
from wms.models import Location, Lot, LotStatus
from wms.models.base import utcnow
from wms.models.ledger import MoveKind


def _lot(s, world, code):
    lot = Lot(product_id=world.products["C00002"], lot_code=code,
              expiry_date=date.today() + timedelta(days=7))
    s.add(lot)
    s.flush()
    return lot


def _at(s, world, code):
    return s.get(Location, world.locations[code])


def test_truck_excursion_holds_the_lots_on_board_and_no_others(sessions, world):
    with transaction(sessions) as s:
        lots = {name: _lot(s, world, name) for name in
                ("ON-TRUCK", "OTHER-TRUCK", "DELIVERED-EARLIER", "IN-ROOM", "AFTER")}
        for lot in lots.values():
            rec = _at(s, world, "SH1-REC" if lot.lot_code != "OTHER-TRUCK" else "BJ1-REC")
            record_move(s, kind=MoveKind.RECEIPT, lot=lot, quantity=10, to_location=rec)
        record_move(s, kind=MoveKind.LOAD, lot=lots["ON-TRUCK"], quantity=6,
                    from_location=_at(s, world, "SH1-REC"),
                    to_location=_at(s, world, "SH1-T01-C"))
        record_move(s, kind=MoveKind.LOAD, lot=lots["OTHER-TRUCK"], quantity=4,
                    from_location=_at(s, world, "BJ1-REC"),
                    to_location=_at(s, world, "BJ1-T01-C"))
        record_move(s, kind=MoveKind.LOAD, lot=lots["DELIVERED-EARLIER"], quantity=3,
                    from_location=_at(s, world, "SH1-REC"),
                    to_location=_at(s, world, "SH1-T01-C"))
        record_move(s, kind=MoveKind.DELIVER, lot=lots["DELIVERED-EARLIER"], quantity=3,
                    from_location=_at(s, world, "SH1-T01-C"),
                    to_location=_at(s, world, "SH-P001"))
        record_move(s, kind=MoveKind.PUTAWAY, lot=lots["IN-ROOM"], quantity=10,
                    from_location=_at(s, world, "SH1-REC"),
                    to_location=_at(s, world, "SH1-C-A01-01"))
        sensor = sensors.register(s, serial="TRUCK-LOGGER", sampling_interval_s=300,
                                  location=_at(s, world, "SH1-T01-C"),
                                  at=utcnow() - timedelta(hours=1))
        ids = {name: lot.id for name, lot in lots.items()}
    start = utcnow() + timedelta(minutes=10)
    # 2.5 hours at 10 °C (the severe rule: > 8 °C for 120 min in total), then back to 3 °C
    temps = [10.0] * 30 + [3.0] * 12
    rows = [Row(str(i), "TRUCK-LOGGER", start + timedelta(minutes=5 * i), t)
            for i, t in enumerate(temps)]
    with transaction(sessions) as s:  # received and judged as if four hours had passed
        ingest(s, rows, [], source="json", now=start + timedelta(hours=4))
        evaluate_sensor(s, sensor.id, now=start + timedelta(hours=4))
    with sessions() as s:
        status = {name: s.get(Lot, lot_id).status for name, lot_id in ids.items()}
        held = {name for name, st in status.items() if st == LotStatus.HOLD}
        assert held == {"ON-TRUCK"}
        lot_alerts = s.scalars(select(Alert).where(Alert.kind == "lot_hold")).all()
        assert [a.lot_id for a in lot_alerts] == [ids["ON-TRUCK"]]
        assert "SH1-T01-C" in lot_alerts[0].message
    # evaluating again (a late reading, a retry) neither holds twice nor alerts twice
    with transaction(sessions) as s:
        evaluate_sensor(s, sensor.id, now=start + timedelta(hours=5))
    with sessions() as s:
        assert len(s.scalars(select(Alert).where(Alert.kind == "lot_hold")).all()) == 1
