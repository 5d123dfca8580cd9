"""Exposure that follows the lot, readings at the sensor's resolution, one alert per
excursion with its lots, and gaps closed by old logger files: through the HTTP API."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _iso(dt):
    return dt.isoformat()


@pytest.fixture
def room_sensor(api):
    resp = api.as_("staff").post("/api/sensors", json={
        "serial": "GW-1", "model": "gateway probe", "sampling_interval_s": 300,
        "location": "SH1-C", "at": _iso(T0 - timedelta(days=1))})
    assert resp.status_code == 201, resp.json
    return resp.json


def _batch(temps, serial="GW-1", start=T0, step_min=5):
    return {"readings": [{"serial": serial,
                          "timestamp": _iso(start + timedelta(minutes=step_min * i)),
                          "temperature": t} for i, t in enumerate(temps)]}


def _csv(start, count, temp, serial="GW-1", unit="°C"):
    lines = [f"Serial;Time;Temperature ({unit})"]
    lines += [f"{serial};{(start + timedelta(minutes=5 * i)):%Y-%m-%d %H:%M};{temp}"
              for i in range(count)]
    return "\n".join(lines) + "\n"


def _upload(api, text, name="old-logger.csv"):
    resp = api.as_("staff").post("/api/readings/files", data={
        "file": (io.BytesIO(text.encode()), name), "tz": "UTC"},
        content_type="multipart/form-data")
    assert resp.status_code == 200, resp.json
    return resp.json


def test_an_old_logger_file_that_fills_a_gap_closes_the_gap_finding(api, room_sensor):
    # an hour of live readings, three hours of silence, another hour
    assert api.as_("staff").post("/api/readings", json=_batch([3.0] * 12)).status_code == 200
    later = T0 + timedelta(hours=4)
    assert api.as_("staff").post("/api/readings",
                                 json=_batch([3.0] * 12, start=later)).status_code == 200
    gaps = api.as_("staff").get("/api/findings?sensor=GW-1&kind=gap").json
    print(gaps)
    # the logger's own file, read at the dock afterwards, holds the missing hours
    filled = _upload(api, _csv(T0 + timedelta(hours=1), 36, "3,0"))
    assert filled["stored"] == 36
    print(api.as_("staff").get("/api/findings?sensor=GW-1&kind=gap").json)
    assert 0
