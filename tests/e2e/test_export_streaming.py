"""The exports are streamed: rows are read a batch at a time and written as they are read,
the output is the same as the whole-document path's, and a client that hangs up early
leaves no transaction open behind it (every response here is read or closed)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import text

from api import exports
from tests.e2e.test_repack_api import _bags, _case_lot, _repack
from tests.e2e.test_trace_api import TODAY
from tests.e2e.test_trace_exports_api import _warm_truck
from tests.unit.test_exports import VALIDATOR, day, repack_day
from wms import exports as ledger_exports
from wms.exports import critical_events, epcis, fsma, stream_events


def _read(api, path: str, **query) -> bytes:
    with api.as_("buyer").get(path, query_string=query, buffered=False) as resp:
        assert resp.status_code == 200, resp.status_code
        assert resp.is_streamed
        return b"".join(resp.response)


def _day_with_a_repack(api, world, sessions, monkeypatch):
    ids, now = _warm_truck(api, world, sessions, monkeypatch)
    _bags(sessions, world)
    case = _case_lot(sessions, world)
    made = _repack(api, case)
    assert made.status_code == 201, made.json
    return ids, now


def test_streamed_exports_equal_the_whole_documents(api, world, sessions, monkeypatch):
    ids, _ = _day_with_a_repack(api, world, sessions, monkeypatch)
    period = {"start": TODAY - timedelta(days=1), "end": TODAY + timedelta(days=1)}
    for filters, query in (({"lot_id": ids["L-A"]}, {"lot": ids["L-A"]}),
                           (period, {"from": period["start"].isoformat(),
                                     "to": period["end"].isoformat()})):
        full = {"lot_id": None, "product_id": None, "start": None, "end": None, **filters}
        with sessions() as s:
            events = critical_events(s, **full)
            sheet = fsma.to_csv(events)
            doc = epcis.document(events, base_uri="http://localhost/",
                                 temperatures=exports.temperatures(s, events))
        assert len(events) > 3
        assert _read(api, "/api/exports/fsma.csv", **query).decode() == sheet
        streamed = json.loads(_read(api, "/api/exports/epcis", **query))
        assert list(VALIDATOR.iter_errors(streamed)) == []
        streamed.pop("creationDate"), doc.pop("creationDate")
        assert streamed == doc
    kinds = [e["type"] for e in doc["epcisBody"]["eventList"]]
    assert "TransformationEvent" in kinds and any(
        "sensorElementList" in e for e in doc["epcisBody"]["eventList"])


def test_stream_document_and_csv_equal_the_whole_ones_on_plain_events():
    for events in (day(), repack_day()):
        ordered = sorted(events, key=lambda e: (e.at, e.move_id))
        doc = epcis.document(events, base_uri="https://wms.example.com/")
        streamed = json.loads("".join(epcis.stream_document(
            ordered, base_uri="https://wms.example.com/", temperature=lambda e: None,
            repack=lambda rid, mine=ordered: [e for e in mine if e.repack_id == rid
                                              and e.cte in epcis.TRANSFORMING])))
        streamed.pop("creationDate"), doc.pop("creationDate")
        assert streamed == doc
        by_lot = sorted(events, key=lambda e: (e.lot_code, e.sku, e.at, e.move_id))
        assert "".join(fsma.stream_csv(by_lot, rows_per_chunk=2)) == fsma.to_csv(events)


def test_events_come_out_before_the_rest_are_read(api, world, sessions, monkeypatch):
    ids, _ = _warm_truck(api, world, sessions, monkeypatch)
    batches = []
    real = ledger_exports._events

    def spy(session, rows, *args):
        batches.append(len(rows))
        return real(session, rows, *args)

    monkeypatch.setattr(ledger_exports, "_events", spy)
    with sessions() as s:
        total = len(critical_events(s, lot_id=ids["L-A"]))
        batches.clear()
        stream = stream_events(s, lot_id=ids["L-A"], batch=2)
        next(stream)
        assert batches == [2] and total > 2  # one batch read, the first event out
        rest = list(stream)
    assert 1 + len(rest) == total
    assert max(batches) <= 2 and sum(batches) >= total


def test_a_client_hanging_up_leaves_no_transaction_open(api, world, sessions, monkeypatch,
                                                       database_url):
    ids, _ = _warm_truck(api, world, sessions, monkeypatch)
    for path in ("/api/exports/fsma.csv", "/api/exports/epcis"):
        with api.as_("buyer").get(path, query_string={"lot": ids["L-A"]},
                                  buffered=False) as resp:
            assert resp.status_code == 200
            assert next(iter(resp.response))  # the first piece, then the client leaves
    if database_url.startswith("postgresql"):
        with sessions() as s:
            left = s.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"))
        assert left == 0
