"""The database side of re-planning, without a database: the clock of the plan's day, and
a stored route read as of the ledger (what is confirmed is what is behind the truck)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from routing.dispatch.replan_live import _as_of, seconds_of_day
from routing.engine.model import Route, Visit


def _route() -> Route:
    visits = [Visit(stop, arrival=a, service_start=a, departure=a + 300,
                    since_departure_s=a - 21600, delivered={})
              for stop, a in (("P1", 23400), ("P2", 25200), ("P3", 27000))]
    return Route(vehicle="T1", depot="SH1", start=20700, departure=21600, end=30000,
                 distance_km=30.0, duration_s=9300, cost=400.0, load={}, stops=visits)


def test_seconds_of_the_day_in_the_warehouse_zone():
    day = date(2026, 12, 3)
    # 08:00 in Shanghai is midnight UTC.
    assert seconds_of_day(day, datetime(2026, 12, 3, 0, 0, tzinfo=UTC), "Asia/Shanghai") == 8 * 3600
    # The evening before is negative; past midnight runs on beyond 24 h.
    assert seconds_of_day(day, datetime(2026, 12, 2, 15, 0, tzinfo=UTC), "Asia/Shanghai") == -3600
    assert seconds_of_day(day, datetime(2026, 12, 3, 17, 0, tzinfo=UTC),
                          "Asia/Shanghai") == 25 * 3600


def test_a_started_route_is_behind_exactly_its_confirmed_stops():
    now = 24000  # by the clock P1 is done and P2 not yet
    # The driver confirmed P1 and, early, P2; P3 is still to come.
    live = _as_of(_route(), True, {"P1", "P2"}, now)
    assert [v.departure <= now for v in live.stops] == [True, True, False]
    assert live.departure <= now
    # Nothing confirmed although the clock says P1 is done: it is still ahead.
    live = _as_of(_route(), True, set(), now)
    assert [v.departure <= now for v in live.stops] == [False, False, False]


def test_a_route_not_started_has_not_left_whatever_the_clock():
    now = 26000  # the plan had it leave at 06:00
    live = _as_of(_route(), False, set(), now)
    assert live.departure > now and all(v.departure > now for v in live.stops)
