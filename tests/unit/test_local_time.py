"""Times written into messages are on the warehouse's clock, with the zone named."""

from datetime import UTC, datetime

from wms.local_time import stamp

MOMENT = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


def test_a_utc_moment_reads_on_the_warehouse_clock_with_its_zone():
    assert stamp(MOMENT, "Asia/Shanghai") == "2026-12-02 01:00 CST"
    assert stamp(MOMENT, "Asia/Shanghai", day=False) == "01:00 CST"
    assert "Z" not in stamp(MOMENT)


def test_another_warehouse_zone_and_a_naive_moment():
    assert stamp(MOMENT, "Europe/Berlin") == "2026-12-01 18:00 CET"
    assert stamp(MOMENT.replace(tzinfo=None), "Asia/Shanghai") == "2026-12-02 01:00 CST"
