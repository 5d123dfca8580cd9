"""Migration 0012 folds the per-lot hold alerts raised before it under the alert of the
excursion that held them, keeping what each recorded."""

from __future__ import annotations

from sqlalchemy import text

from wms import migrations
from wms.db import make_engine

INSERT = text("INSERT INTO alert (id, kind, severity, status, message, finding_key, lot_id, "
              "warehouse_id, raised_at, ack_comment, resolution, resolution_comment) VALUES "
              "(:id, :kind, 'severe', :status, 'm', :key, NULL, :wh, CURRENT_TIMESTAMP, '', "
              ":resolution, :comment)")


def test_existing_lot_alerts_are_linked_to_their_excursion(database_url, world):
    engine = make_engine(database_url)
    try:
        migrations.downgrade(engine, "0009")
        wh = world.warehouses["SH1"]
        key = "1:7:chilled-abuse-2h:20261120T060000Z"
        with engine.begin() as conn:
            rows = [(901, "excursion", "open", key, "", ""),
                    (902, "lot_hold", "resolved", f"lot:5:{key}", "release", "probed 3 °C"),
                    (903, "lot_hold", "open", f"lot:6:{key}", "", ""),
                    (904, "lot_hold", "open", "lot:6:2:9:other:20261101T000000Z", "", ""),
                    (905, "shelf_life", "open", "shelf:6", "", "")]
            for id_, kind, status, k, resolution, comment in rows:
                conn.execute(INSERT, {"id": id_, "kind": kind, "status": status, "key": k,
                                      "wh": wh, "resolution": resolution, "comment": comment})
        migrations.upgrade(engine)
        with engine.connect() as conn:
            got = dict(conn.execute(text(
                "SELECT id, parent_id FROM alert WHERE id > 900")).all())
            kept = conn.execute(text("SELECT resolution, resolution_comment FROM alert "
                                     "WHERE id = 902")).one()
        assert got == {901: None, 902: 901, 903: 901, 904: None, 905: None}
        assert tuple(kept) == ("release", "probed 3 °C")
    finally:
        engine.dispose()
