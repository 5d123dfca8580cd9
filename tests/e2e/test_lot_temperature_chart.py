"""What the trace page's temperature chart reads: one event per excursion (not one per
rule and sensor), durations in whole minutes, the extremes kept and the share of the lot's
time that was measured."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.test_exposure_api import _move, _now5, _readings, _sensor, clock  # noqa: F401
from tests.factories import receive


def test_two_loggers_in_a_warm_truck_are_one_event_with_its_peak(api, sessions, world, clock):  # noqa: F811
    b = _now5() - timedelta(hours=3)
    m = lambda minutes: b + timedelta(minutes=minutes)  # noqa: E731
    clock.at = b
    lot_id = receive(sessions, world, "C00002", "L-CHART", "SH1-C-A01-01", 10)
    # an hour in a room with no logger, then the truck, warm for an hour, two loggers in it
    _move(sessions, world, clock, m(60), lot_id, "SH1-C-A01-01", "SH1-T01-C", 10)
    for serial in ("TRUCK-1", "TRUCK-2"):
        _sensor(api, serial, "SH1-T01-C")
    _readings(api, "TRUCK-1", [(m(30), m(70), 3.0), (m(70), m(135), 9.5),
                               (m(135), m(180), 3.0)])
    _readings(api, "TRUCK-2", [(m(30), m(72), 3.2), (m(72), m(100), 8.8), (m(100), m(101), 11.5),
                               (m(101), m(137), 9.1), (m(137), m(180), 3.1)], step_min=1)
    resp = api.as_("buyer").get(f"/api/lots/{lot_id}/temperature?max_points=60")
    assert resp.status_code == 200, resp.json
    body = resp.json
    truck = [f for f in body["excursions"] if f["location"] == "SH1-T01-C"]
    assert len(truck) >= 2  # found by each logger
    [event] = body["events"]
    assert event["location"] == "SH1-T01-C" and event["direction"] == "hot"
    assert event["findings"] == len(truck)
    assert event["peak_c"] == 11.5
    assert event["sensors"] == ["TRUCK-1", "TRUCK-2"]
    assert isinstance(event["duration_min"], int) and 60 <= event["duration_min"] <= 70
    # 60 points of ~190 readings still hold the one warmest minute (where two loggers read
    # at the same time, the warmer counts)
    temps = [c for _, c in body["points"]]
    assert len(temps) <= 60 and max(temps) == 11.5 and min(temps) == 3.1
    life = body["shelf_life"]
    assert abs(life["lot_h"] - 3) < 0.1
    # measured from the truck on (two of the three hours), not while in the room
    assert 0.6 < life["measured_share"] < 0.7
    assert abs(life["measured_h"] - life["measured_share"] * life["lot_h"]) < 0.05
