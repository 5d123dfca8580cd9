"""Exports without a database: EPCIS documents validate against GS1's schema, LGTINs
follow the tag data standard, and the FSMA spreadsheet has one sortable row per event."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from wms.exports import CriticalEvent, Party, epcis, fsma

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "data" / "epcis"
                     / "epcis-json-schema.json").read_text(encoding="utf-8"))
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    # An absolute URI (RFC 3986): a scheme, a colon, no spaces.
    return not isinstance(value, str) or bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", value))


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


VALIDATOR = jsonschema.Draft7Validator(SCHEMA, format_checker=FORMATS)
DC = Party("warehouse", "SH1", "Shanghai DC", "1 Cold Road, Shanghai")
POINT = Party("pickup_point", "SH-P001", "Point SH-P001", "1 Test Road")
FARM = Party("origin", "ORG-1", "Test greenhouse", "Shandong, CN")
SUPPLIER = Party("supplier", "SUP-1", "Test Farm Co.", "Shandong, CN")
T0 = datetime(2025, 3, 1, 20, 30, tzinfo=UTC)


def event(move_id: int, cte: str, at: datetime, **kw) -> CriticalEvent:
    values = dict(
        move_id=move_id, cte=cte, at=at, timezone="Asia/Shanghai", lot_id=1,
        lot_code="L/A 1", sku="C00002", gtin="06901234000022", product="Bok choy 500 g",
        unit="each", quantity=12, where=DC, source=SUPPLIER, destination=DC, tlc_source=FARM,
        reference_type="Purchase order", reference_number="PO-1", read_point="SH1-REC",
        harvest_date=date(2025, 2, 27), production_date=None, expiry_date=date(2025, 3, 6),
        country_of_origin="CN", order=None, vehicle=None, route_id=None, actor="staff")
    values.update(kw)
    return CriticalEvent(**values)


def day() -> list[CriticalEvent]:
    return [
        event(1, "receiving", T0),
        event(5, "shipping", T0 + timedelta(hours=6), where=DC, source=DC, destination=POINT,
              reference_type="Customer order", reference_number="WEB-1", order="WEB-1",
              read_point="SH1-C-STG", vehicle="SH1-T01", route_id=7),
        event(6, "delivery", T0 + timedelta(hours=7), where=POINT,
              source=Party("vehicle", "SH1-T01", "vehicle SH1-T01"), destination=POINT,
              reference_type="Customer order", reference_number="WEB-1", order="WEB-1",
              read_point="SH-P001", vehicle="SH1-T01"),
        event(7, "handover", T0 + timedelta(hours=9), where=POINT, source=POINT,
              destination=Party("consumer", "WEB-1", "residents"), order="WEB-1",
              reference_type="Customer order", reference_number="WEB-1", read_point="SH-P001"),
    ]


def test_lgtin_splits_the_gtin_at_the_company_prefix():
    assert epcis.lgtin("06901234000022", "ABC1") == "urn:epc:class:lgtin:6901234.000002.ABC1"
    assert epcis.lgtin("16901234000029", "X", 9) == "urn:epc:class:lgtin:690123400.1002.X"
    assert epcis.lgtin("06901234000022", "L/A 1").endswith(".L%2FA%201")
    with pytest.raises(ValueError):
        epcis.lgtin("6901234", "X", 13)


def test_epcis_document_of_a_day_validates_against_the_gs1_schema():
    temps = {6: epcis.TemperatureSummary(start=T0 + timedelta(hours=6),
                                         end=T0 + timedelta(hours=7), readings=7, min_c=2.5,
                                         max_c=9.0, mean_c=4.1234, device="TRUCK-1")}
    doc = epcis.document(day(), base_uri="https://wms.example.com/", temperatures=temps,
                         created_at=T0)
    errors = sorted(VALIDATOR.iter_errors(doc), key=str)
    assert errors == []
    events = doc["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["receiving", "shipping", "receiving",
                                             "retail_selling"]
    assert {e["eventTimeZoneOffset"] for e in events} == {"+08:00"}
    assert events[0]["quantityList"] == [{
        "epcClass": "urn:epc:class:lgtin:6901234.000002.L%2FA%201", "quantity": 12}]
    assert events[0]["bizLocation"] == {"id": "https://wms.example.com/id/warehouse/SH1"}
    assert events[0]["readPoint"] == {"id": "https://wms.example.com/id/location/SH1-REC"}
    assert {"type": "owning_party", "source": "https://wms.example.com/id/supplier/SUP-1"} in \
        events[0]["sourceList"]
    report = events[2]["sensorElementList"][0]["sensorReport"][0]
    assert (report["type"], report["maxValue"], report["meanValue"], report["uom"]) == (
        "Temperature", 9.0, 4.12, "CEL")
    assert "sensorElementList" not in events[1]
    assert len({e["eventID"] for e in events}) == 4


def test_the_schema_catches_what_is_wrong():
    doc = epcis.document(day(), base_uri="https://wms.example.com/", created_at=T0)
    broken = json.loads(json.dumps(doc))
    del broken["epcisBody"]["eventList"][0]["eventTimeZoneOffset"]
    broken["epcisBody"]["eventList"][1]["bizStep"] = "loading onto truck"
    broken["epcisBody"]["eventList"][2]["temperature"] = 3
    problems = list(VALIDATOR.iter_errors(broken))
    assert len(problems) >= 3
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate({**doc, "schemaVersion": 2})


def test_fsma_spreadsheet_has_one_row_per_event_sorted_by_lot_then_time():
    other = event(9, "receiving", T0 - timedelta(days=1), lot_code="A-0", lot_id=2)
    text = fsma.to_csv([*reversed(day()), other])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(fsma.COLUMNS)
    assert [(r["Traceability Lot Code"], r["Critical Tracking Event"]) for r in rows] == [
        ("A-0", "Receiving"), ("L/A 1", "Receiving"), ("L/A 1", "Shipping"),
        ("L/A 1", "Receiving (pickup point)"), ("L/A 1", "Sale to consumer")]
    first = rows[1]
    assert first["Event Date"] == "2025-03-02"  # 20:30 UTC is the next morning in Shanghai
    assert first["Event Time"] == "04:30:00+0800"
    assert first["Traceability Lot Code Source Location Description"] == (
        "Test greenhouse, Shandong, CN")
    assert first["Immediate Previous Source Location Description"] == (
        "Test Farm Co., Shandong, CN")
    assert (first["Reference Document Type"], first["Reference Document Number"]) == (
        "Purchase order", "PO-1")
    assert (first["Quantity"], first["Unit of Measure"]) == ("12", "each")
    assert rows[2]["Immediate Subsequent Recipient Location Description"] == (
        "Point SH-P001, 1 Test Road")


WAREHOUSE_GLN = "6901234000017"


def repack_day() -> list[CriticalEvent]:
    """A case lot received, held for a check and released, two of its cases repacked into
    bags (our warehouse assigns the bags' lot code), and a damaged bag scrapped."""
    dc = Party("warehouse", "SH1", "Shanghai DC", "1 Cold Road, Shanghai", WAREHOUSE_GLN)
    ours = dict(where=dc, source=dc, destination=dc, read_point="SH1-C-A01-01",
                read_point_gln=WAREHOUSE_GLN, read_point_extension="SH1-C-A01-01")
    bag = dict(lot_id=2, lot_code="RP-SH1-000001-1", sku="C00010", gtin="06901234000107",
               product="Bok choy 500 g bag", tlc_source=dc, reference_type="Repack record",
               reference_number="RP-SH1-000001", repack_id=1, repack_ref="RP-SH1-000001")
    return [
        event(1, "receiving", T0, farm=FARM, read_point_gln=WAREHOUSE_GLN,
              read_point_extension="SH1-REC", where=dc, destination=dc),
        event(2, "hold", T0 + timedelta(hours=1), **ours),
        event(3, "release", T0 + timedelta(hours=2), **ours),
        event(4, "transformation_input", T0 + timedelta(hours=3), quantity=2,
              repack_id=1, repack_ref="RP-SH1-000001", reference_type="Repack record",
              reference_number="RP-SH1-000001", **ours),
        event(5, "transformation_output", T0 + timedelta(hours=3), quantity=38, farm=FARM,
              expiry_date=date(2025, 3, 5), **bag, **{k: v for k, v in ours.items()}),
        event(6, "destroy", T0 + timedelta(hours=5), quantity=1,
              **{k: v for k, v in bag.items() if k not in ("repack_id", "repack_ref")},
              **ours),
        event(7, "recall", T0 + timedelta(hours=6), **ours),
    ]


def test_epcis_repack_is_one_transformation_event_with_lot_master_data_and_sglns():
    doc = epcis.document(repack_day(), base_uri="https://wms.example.com/", created_at=T0)
    assert sorted(VALIDATOR.iter_errors(doc), key=str) == []
    events = doc["epcisBody"]["eventList"]
    assert [(e["type"], e.get("bizStep"), e.get("disposition")) for e in events] == [
        ("ObjectEvent", "receiving", "in_progress"),
        ("ObjectEvent", "holding", "non_conformant"),
        ("ObjectEvent", "inspecting", "conformant"),
        ("TransformationEvent", "repackaging", "in_progress"),
        ("ObjectEvent", "destroying", "destroyed"),
        ("ObjectEvent", "holding", "recalled")]
    received, transformed = events[0], events[3]
    assert received["action"] == "ADD"
    assert received["ilmd"]["cbvmda:itemExpirationDate"] == "2025-03-06"
    assert received["ilmd"]["cbvmda:harvestStartDate"] == "2025-02-27"
    assert received["ilmd"]["cbvmda:countryOfOrigin"] == "CN"
    assert received["ilmd"]["cbvmda:farmList"][0]["cbvmda:farmID"].endswith("/origin/ORG-1")
    assert {e["action"] for e in events if e["type"] == "ObjectEvent"} - {"ADD"} == {"OBSERVE"}
    assert received["readPoint"]["id"] == "urn:epc:id:sgln:6901234.00001.SH1-REC"
    assert received["bizLocation"]["id"] == "urn:epc:id:sgln:6901234.00001.0"
    assert transformed["inputQuantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:6901234.000002.L%2FA%201", "quantity": 2}]
    assert transformed["outputQuantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:6901234.000010.RP-SH1-000001-1", "quantity": 38}]
    assert transformed["ilmd"]["cbvmda:itemExpirationDate"] == "2025-03-05"
    assert transformed["transformationID"].endswith("/repack/RP-SH1-000001")
    assert len({e["eventID"] for e in events}) == len(events)


def test_sgln_splits_the_gln_at_the_company_prefix():
    assert epcis.sgln("6901234000017") == "urn:epc:id:sgln:6901234.00001.0"
    assert epcis.sgln("6901234000017", "A 1", 9) == "urn:epc:id:sgln:690123400.001.A%201"
    with pytest.raises(ValueError):
        epcis.sgln("690123400001")


def test_fsma_shows_transformation_rows_and_country_names_but_no_holds():
    rows = list(csv.DictReader(io.StringIO(fsma.to_csv(repack_day()))))
    assert [(r["Traceability Lot Code"], r["Critical Tracking Event"]) for r in rows] == [
        ("L/A 1", "Receiving"), ("L/A 1", "Transformation (input)"),
        ("RP-SH1-000001-1", "Transformation (output)")]
    assert {r["Country of Origin"] for r in rows} == {"China"}
    out = rows[2]
    assert out["Traceability Lot Code Source Location Description"] == (
        "Shanghai DC, 1 Cold Road, Shanghai")
    assert (out["Reference Document Type"], out["Reference Document Number"]) == (
        "Repack record", "RP-SH1-000001")
    assert rows[1]["Traceability Lot Code Source Location Description"] == (
        "Test greenhouse, Shandong, CN")
    packed = fsma.to_csv([event(5, "initial_packing", T0, lot_code="P-1")])
    assert "Initial Packing" in packed
