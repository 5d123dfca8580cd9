"""Published GS1 test vectors (biip's and the GS1 Syntax Engine's own cases) run through parse_scan.

The vectors ship with the tests (tests/data/gs1_vectors.json); WMS_GS1_VECTORS points elsewhere
when needed.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from wms.gs1 import ScanData, ScanError, parse_scan

VECTORS_PATH = Path(
    os.environ.get("WMS_GS1_VECTORS",
                   Path(__file__).resolve().parents[1] / "data" / "gs1_vectors.json"))
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")

if VECTORS_PATH.exists():
    VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))["vectors"]
elif IN_CI:
    raise FileNotFoundError(f"GS1 test vectors missing: {VECTORS_PATH}")
else:
    VECTORS = []
    pytestmark = pytest.mark.skip(reason=f"GS1 test vectors not found at {VECTORS_PATH}")


def typed_value(scan: ScanData, ai: str) -> str:
    """The scan's converted value for an AI, rendered the way the vectors write it."""
    fields = {
        "00": scan.sscc, "01": scan.gtin, "02": scan.gtin, "10": scan.lot, "21": scan.serial,
        "11": scan.production_date, "13": scan.pack_date, "15": scan.best_before,
        "17": scan.expiry, "422": scan.country_of_origin,
    }
    if ai in fields:
        value = fields[ai]
        return value.isoformat() if hasattr(value, "isoformat") else value
    if ai.startswith("310"):
        return str(scan.net_weight_kg)
    if ai in ("30", "37"):
        return str(scan.count)
    raw = dict(scan.elements)[ai]
    if ai == "7003":  # expiry date and time, YYMMDDHHMM
        return datetime.strptime(raw, "%y%m%d%H%M").isoformat()
    return raw


def test_vectors_are_there():
    assert len(VECTORS) >= 12


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(vector):
    if "expected_error" in vector:
        with pytest.raises(ScanError) as caught:
            parse_scan(vector["input"])
        wanted_digit = re.search(r"Expected (\d)", vector["expected_error"]).group(1)
        assert caught.value.field == ("sscc" if "SSCC" in vector["expected_error"] else "gtin")
        assert f"should end in {wanted_digit}" in caught.value.message
        return

    scan = parse_scan(vector["input"])
    expected = dict(vector["expected"])
    symbology = expected.pop("symbology", None)
    assert scan.symbology == (symbology.split()[0] if symbology else None)
    assert "".join(f"({ai}){value}" for ai, value in scan.elements) == vector["expected_hri"]
    assert {ai for ai, _ in scan.elements} == set(expected)
    for ai, value in expected.items():
        if ai.startswith("310"):
            assert scan.net_weight_kg == Decimal(value)
        assert typed_value(scan, ai) == value, ai


def test_the_greedy_lot_vector_warns_the_person_at_the_scanner():
    vector = next((v for v in VECTORS if v["id"] == "lot_in_middle_without_gs_is_greedy"), None)
    if vector is None:
        pytest.skip("vector not in this file")
    (hint,) = parse_scan(vector["input"]).hints
    assert "15 = best before 2021-05-26" in hint
    assert "group separator" in hint
